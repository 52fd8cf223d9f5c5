"""BCM learning makes a neuron selective to one of two alternating input patterns.

Bienenstock, Cooper & Munro (1982), Fig. 3 (a neuron exposed to alternating patterns becomes
selective; with a sliding threshold θ = <y²>/y0 the selective state is the stable fixed point,
Intrator & Cooper 1992). ``n_inputs`` Poisson inputs are split into two halves; pattern A drives
the first half at ``rate_on`` and the second at ``rate_off``, pattern B the reverse; patterns
alternate every ``period``. ``n_neurons`` independent LIF neurons (same inputs, random initial
weights, membrane noise so that the rate never sits at exactly 0, where BCM cannot learn) learn
with ``plasticity.hebbian.bcm`` (neuron side ``BCM_POST``). After ``duration``
of learning, plasticity is frozen and each neuron's rate is measured over ``test_cycles``
further A/B cycles.

Metrics: selectivity_index (mean over neurons of 1 - rate(non-preferred)/rate(preferred)),
selectivity_min, frac_selective (index >= 0.7), frac_prefer_a (balance of the two outcomes),
rate_preferred_hz, rate_nonpreferred_hz.

References
----------
Bienenstock EL, Cooper LN, Munro PW (1982) J Neurosci 2:32-48, Fig. 3.
Intrator N, Cooper LN (1992) Neural Netw 5:3-17.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import (Hz, Network, NeuronGroup, PoissonGroup, Quantity, SpikeMonitor, TimedArray, mV, ms,
                    second, seed)

from plasticity import make_synapses
from plasticity.hebbian import BCM_POST, BCMParams, bcm
from plasticity.params import check_nonneg, check_positive, check_positive_int, quantity

BACKENDS = ("numpy", "cython", "cpp_standalone")

NEURON = """
dv/dt = (g_e * (E_e - v) + E_L - v) / tau_m + sigma * sqrt(2 / tau_m) * xi : volt
dg_e/dt = -g_e / tau_e : 1
"""


@dataclass(frozen=True)
class Params:
    rule: BCMParams = field(default_factory=lambda: BCMParams(eta=0.0004))
    n_inputs: int = 100
    n_neurons: int = 10
    rate_on: Quantity = quantity(40 * Hz)        # inputs of the active half
    rate_off: Quantity = quantity(2 * Hz)        # inputs of the inactive half
    period: Quantity = quantity(500 * ms)        # each pattern lasts this long, A and B alternate
    g_unit: float = 0.06                         # conductance of w = 1, in units of the leak
    sigma: Quantity = quantity(3 * mV)           # membrane noise: keeps nu > 0 (a silent neuron cannot learn)
    w_init: float = 0.35                         # initial rate near nu_0 (no initial crash of theta)
    w_jitter: float = 0.1                        # uniform +- around w_init
    tau_nu: Quantity = quantity(100 * ms)        # neuron-side rate trace (BCM_POST default)
    tau_theta: Quantity = quantity(2 * second)   # sliding threshold: 2 A/B cycles; slower lets theta overshoot
    test_cycles: int = 10

    def __post_init__(self):
        check_positive_int(self, "n_inputs", "n_neurons", "test_cycles")
        check_positive(self, "rate_on", "period", "g_unit", "tau_nu", "tau_theta")
        check_nonneg(self, "rate_off", "w_init", "w_jitter", "sigma")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    seed(ctx.seed)
    rng = np.random.default_rng(ctx.seed)
    T, per = float(ctx.duration), float(p.period)
    n_train = int(np.ceil(T / (2 * per)))
    n_cycles = n_train + p.test_cycles
    half = p.n_inputs // 2
    a = np.where(np.arange(p.n_inputs) < half, float(p.rate_on), float(p.rate_off))
    stim = TimedArray(np.tile(np.stack([a, a[::-1]]), (n_cycles, 1)) * Hz, dt=p.period, name="bcm_stim")
    inp = PoissonGroup(p.n_inputs, rates="stim(t, i)", namespace={"stim": stim}, name="bcm_inputs")
    ns = {"E_e": 0 * mV, "E_L": -74 * mV, "tau_m": 10 * ms, "tau_e": 5 * ms, "V_th": -54 * mV,
          "V_reset": -60 * mV, "sigma": p.sigma, **BCM_POST.namespace, "tau_nu": p.tau_nu, "tau_theta": p.tau_theta}
    post = NeuronGroup(p.n_neurons, NEURON + BCM_POST.eqs, threshold="v > V_th",
                       reset="v = V_reset\n" + BCM_POST.reset, method="euler", namespace=ns, name="bcm_neurons")
    post.v = -74 * mV
    post.nu_sq = (p.rule.nu_0 ** 2)                # start theta at nu_0
    syn = make_synapses(bcm(p.rule), inp, post, target_var="g_e", weight=p.g_unit, connect={}, name="bcm_syn")
    syn.w = np.clip(p.w_init + p.w_jitter * rng.uniform(-1, 1, p.n_inputs * p.n_neurons),
                    p.rule.w_min, p.rule.w_max)
    mon = SpikeMonitor(post, name="bcm_spikes")
    mon.active = False
    net = Network(inp, post, syn, mon)
    t_train = 2 * per * n_train
    net.run(t_train * second, namespace={}, report="stderr" if T > 60 else None, report_period=30 * second)
    syn.plastic = 0.0
    mon.active = True
    net.run(2 * per * p.test_cycles * second, namespace={})
    ctx.backend.build()
    i, t = np.asarray(mon.i[:]), np.asarray(mon.t[:] / second)
    ctx.add_spikes("bcm.neurons", i, t, p.n_neurons)
    in_a = ((t - t_train) // per) % 2 == 0
    test_time = per * p.test_cycles
    r_a = np.bincount(i[in_a], minlength=p.n_neurons) / test_time
    r_b = np.bincount(i[~in_a], minlength=p.n_neurons) / test_time
    pref, nonpref = np.maximum(r_a, r_b), np.minimum(r_a, r_b)
    si = np.where(pref > 0, 1 - nonpref / np.where(pref > 0, pref, 1), 0.0)
    return {"selectivity_index": float(si.mean()), "selectivity_min": float(si.min()),
            "frac_selective": float(np.mean(si >= 0.7)), "frac_prefer_a": float(np.mean(r_a > r_b)),
            "rate_preferred_hz": float(pref.mean()), "rate_nonpreferred_hz": float(nonpref.mean()),
            "trained_s": t_train}
