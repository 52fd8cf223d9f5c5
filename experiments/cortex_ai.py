"""Asynchronous-irregular state of a balanced E/I network.

Reproduces the AI regime of Brunel (2000), Fig. 8C (low rates, irregular firing with CV of ISI
near 1, weak pairwise correlations, no population oscillation), in the conductance-based
network of Vogels & Abbott (2005) driven by external Poisson input.

Metrics: rate_exc_hz, rate_inh_hz, cv_isi_exc, cv_isi_inh, fano_exc, corr_exc, sync_chi_exc.

References
----------
Brunel N (2000) J Comput Neurosci 8:183-208, Fig. 8.
Vogels TP, Abbott LF (2005) J Neurosci 25:10786-10795.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import second

from brain.analysis import population_stats
from brain.config import ConfigError
from plasticity.params import check_nonneg, quantity

BACKENDS = ("numpy", "cython", "cpp_standalone")


@dataclass(frozen=True)
class Params:
    transient: object = quantity(0.2 * second)   # discarded start-up period
    max_neurons: int = 300                       # neurons sampled for CV / Fano / correlation

    def __post_init__(self):
        check_nonneg(self, "transient")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    t0, t1 = float(p.transient), float(ctx.duration)
    if t1 <= t0:
        raise ConfigError(f"experiment.transient: must be shorter than duration ({ctx.duration})")
    brain = ctx.brain()
    brain.run(ctx.duration)
    spikes = brain.spikes()
    metrics = {}
    for pop in ("exc", "inh"):
        d = spikes[f"cortex.{pop}"]
        s = population_stats(d["i"], d["t"], d["n"], t0, t1, max_neurons=p.max_neurons)
        metrics[f"rate_{pop}_hz"] = s["rate_hz"]
        metrics[f"cv_isi_{pop}"] = s["cv_isi"]
        if pop == "exc":
            metrics.update(fano_exc=s["fano"], corr_exc=s["corr"], sync_chi_exc=s["sync_chi"])
    return metrics
