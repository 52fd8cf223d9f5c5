"""Competitive Hebbian learning through STDP: bimodal weights and a regulated output rate.

Song, Miller & Abbott (2000), Fig. 2: 1000 excitatory Poisson inputs at 15 Hz drive one
integrate-and-fire neuron through additive, hard-bounded STDP with A-/A+ = 1.05. Inputs
compete: the weight distribution becomes bimodal (most synapses near 0 or near g_max) and the
output rate falls from its initial value to a level set by the rule, not by the input rate.
Neuron and input as in the Brian2 example ``examples/synapses/STDP.py`` (which reproduces this
figure): tau_m = 10 ms, E_L = -74 mV, V_th = -54 mV, V_reset = -60 mV, E_e = 0 mV, tau_e = 5 ms,
g_max = 0.01 (in units of the leak conductance), initial weights uniform in [0, g_max].

Metrics: frac_w_low (w < 0.1 g_max), frac_w_high (w > 0.9 g_max), bimodality_ratio (density
of weights in the outer 10 % at each end over the density in the middle 40 %; 1 for a uniform
distribution, > 1 for a U shape), post_rate_hz (last ``rate_window``), post_rate_initial_hz
(first ``rate_window``), mean_w.

References
----------
Song S, Miller KD, Abbott LF (2000) Nat Neurosci 3:919-926, Fig. 2.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Hz, Network, NeuronGroup, PoissonGroup, Quantity, SpikeMonitor, mV, ms, second, seed

from brain.config import ConfigError
from plasticity import make_synapses
from plasticity.params import check_positive, check_positive_int, quantity
from plasticity.stdp import STDPParams, stdp

BACKENDS = ("numpy", "cython", "cpp_standalone")

NEURON = """
dv/dt = (g_e * (E_e - v) + E_L - v) / tau_m : volt
dg_e/dt = -g_e / tau_e : 1
"""


@dataclass(frozen=True)
class Params:
    # Brian2 example: A+ = 0.01 g_max (Song et al. 2000: 0.005 over longer runs), A-/A+ = 1.05
    rule: STDPParams = field(default_factory=lambda: STDPParams(A_plus=0.01, A_minus=0.0105))
    n_inputs: int = 1000                       # Song et al. 2000: 1000 excitatory inputs
    input_rate: Quantity = quantity(15 * Hz)   # Brian2 STDP example: 15 Hz
    g_max: float = 0.01                        # peak conductance / leak conductance (Brian2 example)
    tau_m: Quantity = quantity(10 * ms)
    tau_e: Quantity = quantity(5 * ms)
    rate_window: Quantity = quantity(10 * second)  # window for the initial and final output rate

    def __post_init__(self):
        check_positive_int(self, "n_inputs")
        check_positive(self, "input_rate", "g_max", "tau_m", "tau_e", "rate_window")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    T, win = float(ctx.duration), float(p.rate_window)
    if 2 * win > T:
        raise ConfigError("experiment.rate_window: must be at most half the duration")
    seed(ctx.seed)
    inp = PoissonGroup(p.n_inputs, p.input_rate, name="song_inputs")
    ns = {"E_e": 0 * mV, "E_L": -74 * mV, "tau_m": p.tau_m, "tau_e": p.tau_e,
          "V_th": -54 * mV, "V_reset": -60 * mV}
    neuron = NeuronGroup(1, NEURON, threshold="v > V_th", reset="v = V_reset", method="euler",
                         namespace=ns, name="song_neuron")
    neuron.v = -74 * mV
    syn = make_synapses(stdp(p.rule), inp, neuron, target_var="g_e", weight=p.g_max,
                        connect={}, name="song_synapses")
    rng = np.random.default_rng(ctx.seed)
    syn.w = rng.uniform(0, 1, p.n_inputs)
    mon = SpikeMonitor(neuron, name="song_spikes")
    Network(inp, neuron, syn, mon).run(ctx.duration, namespace={},
                                       report="stderr" if T > 20 else None, report_period=30 * second)
    ctx.backend.build()
    w = np.asarray(syn.w[:]) / p.rule.w_max
    t = np.asarray(mon.t[:] / second)
    ctx.add_spikes("song.neuron", np.zeros(len(t), dtype=int), t, 1)
    if ctx.out is not None:
        weight_figure(w, t, T, ctx.out / "figures" / "stdp_song2000.png")
    middle = np.mean((w >= 0.3) & (w <= 0.7)) / 0.4
    edges = np.mean((w < 0.1) | (w > 0.9)) / 0.2
    return {"frac_w_low": float(np.mean(w < 0.1)), "frac_w_high": float(np.mean(w > 0.9)),
            "bimodality_ratio": float(edges / middle) if middle > 0 else float("inf"),
            "post_rate_hz": float(np.sum(t >= T - win) / win),
            "post_rate_initial_hz": float(np.sum(t < win) / win), "mean_w": float(w.mean())}


def weight_figure(w: np.ndarray, t: np.ndarray, T: float, path) -> None:
    """Final weight histogram (Song et al. 2000, Fig. 2B) and output rate in 10 s bins."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3))
    a1.hist(w, bins=20, range=(0, 1), color="0.3")
    a1.set(xlabel="w / g_max", ylabel="synapses", title=f"weights at t = {T:g} s")
    edges = np.arange(0.0, T + 1e-9, max(T / 50, 1.0))
    counts, _ = np.histogram(t, bins=edges)
    a2.plot(edges[:-1], counts / np.diff(edges), color="k")
    a2.set(xlabel="time (s)", ylabel="output rate (Hz)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
