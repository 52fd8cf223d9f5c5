"""STDP window from a pairing protocol: Δt in [-100, 100] ms, 60 pairings at 1 Hz.

Reproduces the measurement of Bi & Poo (1998), Fig. 7 (change of EPSC amplitude against spike
timing after 60 pairings at 1 Hz), on the pair-based rule of ``plasticity.stdp`` with the
exponential window of Song et al. (2000), Fig. 1b. Every Δt is an independent pre/post pair of
spike generators in one simulation. The per-pairing change Δw(Δt) is fitted (scipy
``curve_fit``) with ``A+ exp(-Δt/tau+)`` for Δt > 0 and ``-A- exp(Δt/tau-)`` for Δt < 0.

Metrics: ltp_amplitude, ltd_amplitude (magnitude), tau_plus_ms, tau_minus_ms and their
relative errors against the configured rule (``max_rel_error``). Additive weight dependence
only (the multiplicative window depends on w). The run lasts the protocol's length
(``n_pairings / pairing_rate`` + margins); the ``duration`` setting is not used.

References
----------
Bi G-Q, Poo M-M (1998) J Neurosci 18:10464-10472, Fig. 7.
Song S, Miller KD, Abbott LF (2000) Nat Neurosci 3:919-926, Fig. 1b.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Hz, Network, Quantity, SpikeGeneratorGroup, ms, second
from scipy.optimize import curve_fit

from brain.config import ConfigError
from plasticity import make_synapses
from plasticity.params import ParamError, check_positive, check_positive_int, quantity
from plasticity.stdp import STDPParams, stdp

BACKENDS = ("numpy", "cython", "cpp_standalone")


@dataclass(frozen=True)
class Params:
    rule: STDPParams = field(default_factory=STDPParams)  # the rule under test
    dt_max: Quantity = quantity(100 * ms)                 # lags from -dt_max to +dt_max (Bi & Poo 1998: ±100 ms)
    dt_step: Quantity = quantity(5 * ms)                  # lag spacing
    n_pairings: int = 60                                  # Bi & Poo 1998: 60 pairings
    pairing_rate: Quantity = quantity(1 * Hz)             # Bi & Poo 1998: 1 Hz
    w_init: float = 0.5                                   # initial weight (away from both bounds)

    def __post_init__(self):
        check_positive(self, "dt_max", "dt_step", "pairing_rate")
        check_positive_int(self, "n_pairings")
        if self.rule.weight_dependence != "additive":
            raise ParamError("rule.weight_dependence", "the window fit needs 'additive'")
        if float(self.dt_max) >= 0.5 / float(self.pairing_rate):
            raise ParamError("dt_max", "must be below half the pairing period")


def _fit(lags_s, dw, sign):
    sel = lags_s * sign > 0
    x, y = np.abs(lags_s[sel]), sign * dw[sel]
    (amp, tau), _ = curve_fit(lambda d, a, t: a * np.exp(-d / t), x, y, p0=(max(y.max(), 1e-12), 0.02),
                              maxfev=10000)
    return float(amp), float(tau)


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    r = p.rule
    if p.n_pairings * max(r.A_plus, r.A_minus) >= min(p.w_init - r.w_min, r.w_max - p.w_init):
        raise ConfigError("experiment.n_pairings: the summed change would reach a weight bound")
    step, dt = float(p.dt_step), float(ctx.config.dt)
    k = int(round(float(p.dt_max) / step))
    lags = np.arange(-k, k + 1) * step
    lags = lags[lags != 0]
    n, period, t0 = len(lags), 1.0 / float(p.pairing_rate), float(p.dt_max) + 0.1
    pair_t = t0 + period * np.arange(p.n_pairings)
    idx = np.repeat(np.arange(n), p.n_pairings)
    t_pre = np.round(np.tile(pair_t, n) / dt) * dt
    t_post = np.round((np.tile(pair_t, n) + np.repeat(lags, p.n_pairings)) / dt) * dt
    pre = SpikeGeneratorGroup(n, idx, t_pre * second, name="pairing_pre")
    post = SpikeGeneratorGroup(n, idx, t_post * second, name="pairing_post")
    syn = make_synapses(stdp(r), pre, post, connect={"j": "i"}, name="pairing_synapses")
    syn.w = p.w_init
    duration = pair_t[-1] + float(p.dt_max) + 0.1
    Network(pre, post, syn).run(duration * second, namespace={})
    ctx.backend.build()
    ctx.add_spikes("pairing.pre", idx, t_pre, n)
    ctx.add_spikes("pairing.post", idx, t_post, n)
    dw = (np.asarray(syn.w[:]) - p.w_init) / p.n_pairings
    a_plus, tau_plus = _fit(lags, dw, +1)
    a_minus, tau_minus = _fit(lags, dw, -1)
    errs = {"ltp_amplitude_rel_error": a_plus / r.A_plus - 1, "ltd_amplitude_rel_error": a_minus / r.A_minus - 1,
            "tau_plus_rel_error": tau_plus / float(r.tau_plus) - 1,
            "tau_minus_rel_error": tau_minus / float(r.tau_minus) - 1}
    return {"ltp_amplitude": a_plus, "ltd_amplitude": a_minus, "tau_plus_ms": 1e3 * tau_plus,
            "tau_minus_ms": 1e3 * tau_minus, **errs, "max_rel_error": max(abs(v) for v in errs.values()),
            "n_lags": float(n), "simulated_s": duration}
