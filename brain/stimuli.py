"""External stimuli attached to region ports (Poisson sources whose rates experiments set per trial)."""
from __future__ import annotations

import numpy as np
from brian2 import Hz, PoissonGroup, Synapses

from regions.base import derive_seed
from regions.connect import connect, random_pairs


def poisson_input(brain, target: str, n: int, weight, p: float = 1.0, rate=0 * Hz, name: str | None = None):
    """A PoissonGroup of ``n`` sources projecting onto port ``"region.port"`` of ``brain``.

    Sources ``k`` map onto target neurons with probability ``p`` (connectivity from the brain seed
    and the target label). Set ``group.rates`` between runs to present a stimulus. Returns
    ``(group, synapses)``; both are added to the brain's network.
    """
    region_name, port_name = target.split(".", 1)
    port = brain.regions[region_name].port(port_name)
    label = name or f"stim_{region_name}_{port_name}"
    group = PoissonGroup(n, rates=rate, name=label)
    syn = Synapses(group, port.group, on_pre=f"{port.var}_post += w_stim", namespace={"w_stim": weight},
                   name=f"{label}_syn")
    rng = np.random.default_rng(derive_seed(brain.config.seed, label))
    connect(syn, *random_pairs(n, len(port.group), p, rng))
    brain.add(group, syn)
    return group, syn
