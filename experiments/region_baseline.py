"""Default (spontaneous) state of every region: rates and irregularity per population.

Each region of the config is built with its default, paper-cited parameters, unconnected, and
driven only by its own background input; after a transient, every recorded population's rate
and CV of ISI are measured. This is the spike-statistics baseline that the regression tests
guard for each region (a change of a region's defaults that moves its spontaneous state shows up
here), and it checks that every region builds inside one Brain from YAML.

Reference values from the literature for the default state (order of magnitude):
cortex AI state 1-10 Hz with CV ~ 1 (Brunel 2000, Fig. 8C); PFC spontaneous ~1-3 Hz, interneurons
~9 Hz (Brunel & Wang 2001); striatal MSNs < 1-2 Hz, FSIs ~10-20 Hz, GPi/SNr tonic 60-80 Hz
(DeLong et al. 1985; Humphries et al. 2006); dopamine cells tonic ~4 Hz (Grace & Bunney 1984);
hippocampal principal cells < 1-2 Hz at rest (Buzsaki 2002).

Metrics: ``rate_<region>_<population>_hz`` and ``cv_<region>_<population>`` (NaN when fewer than
three spikes per neuron were available).

References
----------
Brunel N (2000) J Comput Neurosci 8:183-208. Brunel N, Wang X-J (2001) J Comput Neurosci 11:63-85.
DeLong MR, Crutcher MD, Georgopoulos AP (1985) J Neurosci 5:2298-2313.
Humphries MD, Stewart RD, Gurney KN (2006) J Neurosci 26:12921-12942.
Grace AA, Bunney BS (1984) J Neurosci 4:2866-2876. Buzsaki G (2002) Neuron 33:325-340.
"""
from __future__ import annotations

from dataclasses import dataclass

from brain.analysis import population_stats
from brain.config import ConfigError
from plasticity.params import check_nonneg, check_nonneg_int, quantity
from brian2 import second

BACKENDS = ("numpy", "cython", "cpp_standalone")


@dataclass(frozen=True)
class Params:
    transient: object = quantity(0.3 * second)   # discarded start-up period
    max_neurons: int = 200                       # neurons sampled for the CV (0: all)

    def __post_init__(self):
        check_nonneg(self, "transient")
        check_nonneg_int(self, "max_neurons")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    t0, t1 = float(p.transient), float(ctx.duration)
    if t1 <= t0:
        raise ConfigError(f"experiment.transient: must be shorter than duration ({ctx.duration})")
    brain = ctx.brain()
    brain.run(ctx.duration)
    metrics = {}
    for key, d in sorted(ctx.spikes().items()):
        s = population_stats(d["i"], d["t"], d["n"], t0, t1, max_neurons=p.max_neurons)
        name = key.replace(".", "_")
        metrics[f"rate_{name}_hz"] = s["rate_hz"]
        metrics[f"cv_{name}"] = s["cv_isi"]
    return metrics
