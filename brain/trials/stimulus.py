"""One stimulus abstraction for every port: a set of pools driven at levels in [0, 1].

- ``rate``: the port's group is an input region's Poisson units (a ``rate`` variable, as in
  ``channel_input``); pool ``k`` is the ``k``-th contiguous block of the port's units.
- ``poisson``: ``n`` Poisson sources per pool (one ``NeuronGroup`` with a per-source ``rate``)
  project onto the port's variable with probability ``p``; pool ``k``'s sources reach the
  ``k``-th block of the port's cells (a single pool reaches every cell).

Every object is built before the first run; presenting a stimulus only writes rates.
"""
from __future__ import annotations

import numpy as np
from brian2 import Hz, NeuronGroup, Synapses, get_dimensions, get_unit
from brian2.units.fundamentalunits import DIMENSIONLESS

from brain.config import ConfigError
from brain.trials.specs import StimulusSpec
from regions.base import derive_seed
from regions.connect import connect, random_pairs


def blocks(n: int, pools: int) -> np.ndarray:
    """Pool index of each of ``n`` cells split into ``pools`` contiguous equal blocks."""
    if pools <= 0 or n % pools:
        raise ValueError(f"{n} cells do not split into {pools} equal pools")
    return np.arange(n) // (n // pools)


def drive(what: str, obs: dict, reward: float, pools: int) -> tuple[np.ndarray, str]:
    """What a stimulus shows in a phase (``drive: {stim: WHAT}``): its level per pool and the text of
    its epoch ("" when it shows nothing). ``what`` is ``reward`` (every pool at the trial's reward),
    ``all`` (every pool at 1) or an observation field: one pool (index), a level per pool, or None."""
    levels = np.zeros(pools)
    if what == "reward":
        return levels + float(reward), f"reward={float(reward):g}"
    if what == "all":
        return levels + 1.0, "all"
    value = obs.get(what)
    if isinstance(value, (tuple, list, np.ndarray)):
        return np.clip(np.asarray(value, dtype=float), 0.0, 1.0), f"{what}=" + "/".join(f"{float(x):g}" for x in value)
    if value is None:
        return levels, ""
    levels[int(value)] = 1.0
    return levels, f"{what}={int(value)}"


def first_above(counts: np.ndarray, size: float, lag: int, dt: float, threshold: float) -> int | None:
    """Index ``j`` of the first window ``counts[j:j + lag + 1]`` (cumulative spike counts on a grid of
    ``dt``) whose rate per cell exceeds ``threshold``: the decision latency's sample is ``j + lag``."""
    rate = (counts[lag:] - counts[:-lag]) / (size * lag * dt)
    above = np.nonzero(rate > threshold)[0]
    return int(above[0]) if len(above) else None


def resolve_port(brain, port: str, path: str):
    region, _, key = port.partition(".")
    if region not in brain.regions:
        raise ConfigError(f"{path}: unknown region {region!r} (regions: {', '.join(brain.regions)})")
    ports = brain.regions[region].ports
    if key not in ports:
        raise ConfigError(f"{path}: region {region!r} has no port {key!r} (ports: {', '.join(ports)})")
    return ports[key]


class Stimulus:
    """A named stimulus on a port (built from a :class:`~brain.trials.specs.StimulusSpec`).
    ``outcome``: a ``poisson`` stimulus gets a linked variable ``outcome`` (the in-graph loop's reward)."""

    def __init__(self, name: str, spec, brain, pools: int, outcome: bool = False):
        self.name, self.spec, self.pools = name, spec, pools
        path = f"experiment.stimuli.{name}"
        port = resolve_port(brain, spec.port, f"{path}.port")
        n_cells = port.size
        if n_cells % pools:
            raise ConfigError(f"{path}.pools: {n_cells} cells of {spec.port} do not split into {pools} pools")
        self._levels = np.zeros(pools)
        if spec.kind == "rate":
            if port.cells is not None:
                raise ConfigError(f"{path}.kind: port {spec.port} is a set of cells (use kind: poisson)")
            if "rate" not in port.group.variables:
                raise ConfigError(f"{path}.kind: port {spec.port} has no 'rate' (use kind: poisson)")
            self.group, self._pool = port.group, blocks(n_cells, pools)
        else:
            if port.var is None:
                raise ConfigError(f"{path}.port: port {spec.port} takes no input")
            dim = port.group.variables[port.var].dim
            if get_dimensions(spec.weight) is not dim:
                what = "a plain number" if dim is DIMENSIONLESS else f"a quantity in {get_unit(dim)}"
                raise ConfigError(f"{path}.weight: {spec.port} ({port.var}) needs {what}, got {spec.weight}")
            label = f"stim_{name}"
            eqs = "rate : Hz" + ("\noutcome : 1 (linked)" if outcome else "")
            self.group = NeuronGroup(spec.n * pools, eqs, threshold="rand() < rate * dt",
                                     namespace={}, name=label)
            self._pool = np.arange(spec.n * pools) // spec.n
            rng = np.random.default_rng(derive_seed(brain.config.seed, label))
            per = n_cells // pools
            ii, jj = [], []
            for k in range(pools):
                i, j = random_pairs(spec.n, per, spec.p, rng)
                ii.append(i + k * spec.n)
                jj.append(j + k * per)
            self.synapses = Synapses(self.group, port.group, on_pre=f"{port.var}_post += w_stim",
                                     namespace={"w_stim": spec.weight}, name=f"{label}_syn")
            connect(self.synapses, np.concatenate(ii), port.target_index(np.concatenate(jj)))
            brain.add(self.group, self.synapses)
        self.off()

    def set(self, levels) -> None:
        """Drive pool ``k`` at ``levels[k]`` (0: base rate, 1: full rate)."""
        levels = np.clip(np.asarray(levels, dtype=float), 0.0, 1.0)
        if np.array_equal(levels, self._levels):
            return
        self._levels = levels
        base, full = float(self.spec.base), float(self.spec.rate)
        self.group.rate = (base + levels[self._pool] * (full - base)) * Hz

    def show(self, pool: int | None, level: float = 1.0) -> None:
        """Drive one pool (``None``: nothing) and switch the others off."""
        levels = np.zeros(self.pools)
        if pool is not None:
            levels[int(pool)] = level
        self.set(levels)

    def on(self) -> None:
        """Drive every pool at full rate."""
        self.set(np.ones(self.pools))

    def off(self) -> None:
        self._levels = np.full(self.pools, np.nan)    # force the write
        self.set(np.zeros(self.pools))


def poisson_stimulus(brain, port: str, n: int, weight, p: float = 1.0, rate=40 * Hz, name: str = "input",
                     pools: int = 1) -> Stimulus:
    """A ``poisson`` stimulus outside a session: ``n`` sources per pool at ``rate`` onto ``port``
    (``"region.port"``) with probability ``p``, ``weight`` per spike; off until :meth:`Stimulus.on`."""
    return Stimulus(name, StimulusSpec(port=port, kind="poisson", pools=pools, n=n, p=p, weight=weight, rate=rate),
                    brain, pools)
