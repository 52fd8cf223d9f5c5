"""A size budget: legal but huge configurations are refused before anything is built.

The estimate is an upper bound read from the region parameters alone (nothing is built): the sum
of a region's integer ``n_*`` fields (population sizes; input counts such as ``n_ext`` are
included, which only over-counts) times its multiplier fields (``n_channels``, ``n_pools``,
``n_goals``, which repeat populations). Projection synapses are bounded by ``p`` x pre x post of
those estimates. The limits are far above every shipped experiment (the largest, goal_gating, is
about 10^4 neurons by this bound) and far below what a 128 GB machine could hold.
"""
from __future__ import annotations

import dataclasses
import math

from brain.config import ConfigError

MAX_NEURONS = 2_000_000          # per brain
MAX_SYNAPSES = 500_000_000       # per projection (upper bound p x N_pre x N_post)
MAX_STEPS = 10 ** 9              # duration / dt
_MULTIPLIERS = ("n_channels", "n_pools", "n_goals")


def region_size(params) -> int:
    """Upper bound of a region's neuron count from its parameters."""
    if params is None or not dataclasses.is_dataclass(params):
        return 0
    counts = {f.name: getattr(params, f.name) for f in dataclasses.fields(params) if f.name.startswith("n_")}
    counts = {k: v for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)}
    total = sum(v for k, v in counts.items() if k not in _MULTIPLIERS)
    for k in _MULTIPLIERS:
        total *= max(1, counts.get(k, 1))
    return total


def check_size(cfg) -> None:
    """Raise a one-line :class:`ConfigError` naming the field when ``cfg`` exceeds the budget."""
    sizes = {name: region_size(rc.params) for name, rc in cfg.regions.items()}
    for name, n in sizes.items():
        if n > MAX_NEURONS:
            raise ConfigError(f"regions.{name}: about {n:.3g} neurons, over the size budget of "
                              f"{MAX_NEURONS:.3g} per brain")
    if sum(sizes.values()) > MAX_NEURONS:
        raise ConfigError(f"regions: about {sum(sizes.values()):.3g} neurons in all, over the size budget of "
                          f"{MAX_NEURONS:.3g} per brain")
    for label, pc in cfg.projections.items():
        n_syn = pc.p * sizes[pc.pre] * sizes[pc.post]
        if n_syn > MAX_SYNAPSES:
            raise ConfigError(f"projections.{label}: up to {n_syn:.3g} synapses, over the size budget of "
                              f"{MAX_SYNAPSES:.3g} per projection")
    steps = float(cfg.duration / cfg.dt)
    if not math.isfinite(steps) or steps > MAX_STEPS:
        raise ConfigError(f"duration: {cfg.duration} is {steps:.3g} steps of {cfg.dt}, over the budget of "
                          f"{MAX_STEPS:.3g} steps")
