"""Action selection by disinhibition in a spiking basal ganglia (striatum -> GPi -> thalamus).

Protocol after Gurney, Prescott & Redgrave (2001), Fig. 5 (selection of the channel with the
largest salience, switching, no selection without input) and Stewart, Bekolay & Eliasmith (2012),
Fig. 3 (spiking BG selects within ~15-40 ms of an input change). Each trial presents a salience
vector to the ``n_channels`` cortical pools (``stimulus``), then silence (``rest``). In a fraction
``p_zero`` of the trials every salience is 0; otherwise the strongest salience is drawn in
[``s_low``, ``s_high``] and the others uniformly below ``s_max / margin`` (the strongest exceeds
the next by at least ``margin - 1``, 20 % by default). Salience vectors come from the brain seed.

A channel is *selected* when its thalamic pool fires above ``threshold`` over the stimulus window
(from ``settle`` after onset); the winner is the selected channel with the highest thalamic rate.

Metrics
-------
selection_accuracy : fraction of non-zero trials whose winner is the channel of largest salience.
selection_latency_ms : median over correct trials of the time from stimulus onset until the
    winner's thalamic pool rate (``bin`` sliding window) first exceeds ``threshold``.
no_action_rate : fraction of zero-input trials with no selected channel.
multi_selection_rate : fraction of non-zero trials with more than one selected channel.
thal_rate_winner_hz, thal_rate_losers_hz : thalamic rates in the stimulus window (non-zero trials).
gpi_rate_rest_hz, gpi_rate_winner_hz : GPi/SNr tonic rate during rest, and of the winning channel.
d1_rate_winner_hz : D1 MSN rate of the winning channel.

References
----------
Gurney K, Prescott TJ, Redgrave P (2001) Biol Cybern 84:401-410 and 411-423 (Fig. 5).
Humphries MD, Stewart RD, Gurney KN (2006) J Neurosci 26:12921-12942.
Stewart TC, Bekolay T, Eliasmith C (2012) Front Neurosci 6:2 (Fig. 3: selection latency).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms

from brain.config import ConfigError
from plasticity.params import check_positive, check_positive_int, check_probability, quantity
from regions.base import derive_seed

BACKENDS = ("numpy", "cython")     # trial loop: saliences are set between run() calls


@dataclass(frozen=True)
class Params:
    region: str = "striatum"
    input: str = "ctx"                       # channel_input region
    n_trials: int = 60
    stimulus: object = quantity(300 * ms)
    rest: object = quantity(200 * ms)
    p_zero: float = 0.2                      # fraction of zero-input trials
    s_low: float = 0.6
    s_high: float = 1.0
    margin: float = 1.2                      # strongest / second strongest >= margin
    settle: object = quantity(50 * ms)       # start of the rate window after onset
    threshold: object = quantity(20 * Hz)    # thalamic pool rate for "selected"
    bin: object = quantity(10 * ms)          # sliding window of the latency measure

    def __post_init__(self):
        check_positive_int(self, "n_trials")
        check_probability(self, "p_zero", "s_low", "s_high")
        check_positive(self, "stimulus", "rest", "threshold", "bin")
        if self.margin < 1.0:
            raise ConfigError(f"experiment.margin: must be >= 1, got {self.margin}")
        if self.s_low > self.s_high:
            raise ConfigError("experiment.s_high: must be >= s_low")


def saliences(p: Params, n_channels: int, rng: np.random.Generator) -> np.ndarray:
    """One salience vector per trial (rows), zero rows with probability ``p_zero``."""
    out = np.zeros((p.n_trials, n_channels))
    for k in range(p.n_trials):
        if rng.random() < p.p_zero:
            continue
        s_max = rng.uniform(p.s_low, p.s_high)
        s = rng.uniform(0.0, s_max / p.margin, n_channels)
        s[rng.integers(n_channels)] = s_max
        out[k] = s
    return out


def _pool_rates(i, t, channel, n_channels, t0, t1):
    sel = (t >= t0) & (t < t1)
    counts = np.bincount(channel[i[sel]], minlength=n_channels)[:n_channels]
    sizes = np.bincount(channel, minlength=n_channels)[:n_channels]
    return counts / (sizes * (t1 - t0))


def _latency(t, t0, t1, n_cells, threshold, width, step=1e-3):
    """First time (s after t0) at which the pool rate over [s - width, s) exceeds threshold."""
    t = np.sort(t[(t >= t0) & (t < t1)])
    for end in np.arange(t0 + step, t1 + 1e-12, step):
        n = np.searchsorted(t, end) - np.searchsorted(t, end - width)
        if n / (n_cells * width) > threshold:
            return end - t0
    return np.nan


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    if p.region not in ctx.config.regions or p.input not in ctx.config.regions:
        raise ConfigError(f"experiment.region/input: regions {p.region!r} and {p.input!r} must be defined")
    brain = ctx.brain()
    bg, cortex = brain.region(p.region), brain.region(p.input)
    nc = bg.params.n_channels
    if cortex.params.n_channels != nc:
        raise ConfigError(f"regions.{p.input}.n_channels: must equal {p.region}'s ({nc})")
    sal = saliences(p, nc, np.random.default_rng(derive_seed(ctx.seed, "action_selection")))
    onsets = []
    for s in sal:
        cortex.set_salience(s)
        onsets.append(brain.t_run)
        brain.run(p.stimulus)
        cortex.set_salience(np.zeros(nc))
        brain.run(p.rest)
    spikes = brain.spikes()
    thal, gpi, msn = (spikes[f"{p.region}.{k}"] for k in ("thal", "gpi", "msn"))
    ch_thal, ch_gpi, ch_msn = bg.channel_of("thal"), bg.channel_of("gpi"), bg.channel_of("msn")
    n_d1 = nc * bg.params.n_d1
    d1 = msn["i"] < n_d1
    T, settle, thr = float(p.stimulus), float(p.settle), float(p.threshold)
    correct, lat, multi, none_zero, win_r, lose_r, gpi_win, d1_win, gpi_rest = [], [], [], [], [], [], [], [], []
    for s, t0 in zip(sal, onsets):
        r = _pool_rates(thal["i"], thal["t"], ch_thal, nc, t0 + settle, t0 + T)
        chosen = np.flatnonzero(r > thr)
        gpi_rest.append(_pool_rates(gpi["i"], gpi["t"], ch_gpi, nc, t0 + T + 0.1, t0 + T + float(p.rest)).mean())
        if not s.any():
            none_zero.append(len(chosen) == 0)
            continue
        winner = int(np.argmax(r)) if len(chosen) else -1
        correct.append(winner == int(np.argmax(s)))
        multi.append(len(chosen) > 1)
        if winner < 0:
            continue
        win_r.append(r[winner])
        lose_r.extend(np.delete(r, winner))
        gpi_win.append(_pool_rates(gpi["i"], gpi["t"], ch_gpi, nc, t0 + settle, t0 + T)[winner])
        d1_win.append(_pool_rates(msn["i"][d1], msn["t"][d1], ch_msn[:n_d1], nc, t0 + settle, t0 + T)[winner])
        if correct[-1]:
            keep = ch_thal[thal["i"]] == winner
            lat.append(_latency(thal["t"][keep], t0, t0 + T, bg.params.n_thal, thr, float(p.bin)))

    def mean(x):
        return float(np.nanmean(x)) if len(x) else float("nan")

    return {
        "selection_accuracy": mean(correct),
        "selection_latency_ms": 1e3 * float(np.nanmedian(lat)) if lat else float("nan"),
        "no_action_rate": mean(none_zero),
        "multi_selection_rate": mean(multi),
        "thal_rate_winner_hz": mean(win_r),
        "thal_rate_losers_hz": mean(lose_r),
        "gpi_rate_rest_hz": mean(gpi_rest),
        "gpi_rate_winner_hz": mean(gpi_win),
        "d1_rate_winner_hz": mean(d1_win),
        "n_nonzero_trials": float(len(correct)),
    }
