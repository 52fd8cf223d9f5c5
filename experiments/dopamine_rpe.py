"""Dopamine reward prediction error: transfer of the burst from reward to cue, dip at omission.

Protocol after Schultz, Dayan & Montague (1997), Fig. 1 (Schultz et al. 1993 recordings): in
every trial a cue (``cue``, after ``baseline``) is followed ``cue_reward`` later by a reward
(``reward``). Early in training the DA population bursts at the reward only (unpredicted
reward); after learning it bursts at the cue and barely responds to the (predicted) reward.
After ``n_trials`` training trials, ``n_omission`` probe trials omit the reward (alternating
with rewarded trials so that the expectation is kept): DA firing dips below tonic at the time
the reward was expected. The whole session is one run: cue and reward are Poisson sources whose
rates follow TimedArrays, so every backend runs it.

Metrics
-------
tonic_rate_hz : DA rate in the pre-cue baseline of every trial.
burst_ratio_unexpected : DA rate in the reward window (``window`` after reward onset) over tonic,
    first ``n_early`` trials.
cue_ratio_early, cue_ratio_late : DA rate in the cue window over tonic, first ``n_early`` / last
    ``n_late`` training trials.
reward_ratio_late : reward-window rate over tonic, last ``n_late`` training trials.
omission_dip_ratio : DA rate in the reward window of omission trials over tonic.
w_cue_mean, w_timer_reward_mean : mean learned cue -> DA weight, and timing -> DA weight of the
    pools active at reward time (end of session).

References
----------
Schultz W, Dayan P, Montague PR (1997) Science 275:1593-1599, Fig. 1.
Schultz W, Apicella P, Ljungberg T (1993) J Neurosci 13:900-913.
Montague PR, Dayan P, Sejnowski TJ (1996) J Neurosci 16:1936-1947.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, PoissonGroup, Synapses, TimedArray, ms, nS, second

from brain.config import ConfigError
from plasticity.params import check_nonneg, check_positive, check_positive_int, check_probability, quantity
from regions.base import derive_seed
from regions.connect import connect, random_pairs

BACKENDS = ("numpy", "cython", "cpp_standalone")


@dataclass(frozen=True)
class Params:
    region: str = "dopamine"
    n_trials: int = 100                          # rewarded training trials
    n_omission: int = 10                         # probe trials (each followed by a rewarded trial)
    trial: object = quantity(2 * second)
    baseline: object = quantity(400 * ms)        # cue onset within the trial
    cue: object = quantity(200 * ms)
    cue_reward: object = quantity(1 * second)    # Schultz et al. 1997: reward 1 s after the cue
    reward: object = quantity(100 * ms)
    window: object = quantity(200 * ms)          # response windows after cue / reward onset
    n_early: int = 5
    n_late: int = 20
    n_src: int = 50                              # Poisson sources per stimulus
    p_src: float = 0.5
    cue_rate: object = quantity(60 * Hz)
    cue_weight: object = quantity(0.5 * nS)
    reward_rate: object = quantity(60 * Hz)
    reward_weight: object = quantity(0.5 * nS)

    def __post_init__(self):
        check_positive_int(self, "n_trials", "n_early", "n_late", "n_src")
        check_probability(self, "p_src")
        check_positive(self, "trial", "cue", "reward", "window")
        check_nonneg(self, "n_omission", "baseline", "cue_reward", "cue_rate", "cue_weight", "reward_rate",
                     "reward_weight")
        if float(self.baseline + self.cue_reward + self.reward) > float(self.trial):
            raise ConfigError("experiment.trial: must contain baseline + cue_reward + reward")
        if max(self.n_early, self.n_late) > self.n_trials:
            raise ConfigError("experiment.n_late: must not exceed n_trials")


def schedule(p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Trial onsets (s) and whether each trial is rewarded: training, then probe/rewarded pairs."""
    rewarded = np.r_[np.ones(p.n_trials, bool), np.tile([False, True], p.n_omission)]
    return np.arange(len(rewarded)) * float(p.trial), rewarded


def _stimulus(brain, name, port, p: Params, on: np.ndarray, step, rate, weight):
    """Poisson sources whose rate is ``rate * on(t)`` projecting onto a port."""
    ta = TimedArray(on.astype(float), dt=step, name=f"stim_{name}_on")
    grp = PoissonGroup(p.n_src, rates=f"rate_on * on_{name}(t)", name=f"stim_{name}",
                       namespace={"rate_on": rate, f"on_{name}": ta})
    syn = Synapses(grp, port.group, on_pre=f"{port.var}_post += w_stim", namespace={"w_stim": weight},
                   name=f"stim_{name}_syn")
    rng = np.random.default_rng(derive_seed(brain.config.seed, f"stim_{name}"))
    connect(syn, *random_pairs(p.n_src, len(port.group), p.p_src, rng))
    brain.add(grp, syn)


def _rate(t, n, starts, width):
    """Mean population rate in [s, s + width) over the windows starting at ``starts``."""
    t = np.sort(t)
    counts = np.searchsorted(t, starts + width) - np.searchsorted(t, starts)
    return counts.sum() / (n * width * len(starts)) if len(starts) else float("nan")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    if p.region not in ctx.config.regions:
        raise ConfigError(f"experiment.region: region {p.region!r} is not defined")
    brain = ctx.brain()
    da = brain.region(p.region)
    onsets, rewarded = schedule(p)
    step = 10 * ms
    n_steps = int(round(len(onsets) * float(p.trial) / float(step))) + 1
    t_grid = np.arange(n_steps) * float(step)
    trial_t = t_grid % float(p.trial)
    trial_k = np.minimum((t_grid // float(p.trial)).astype(int), len(onsets) - 1)
    c0, r0 = float(p.baseline), float(p.baseline + p.cue_reward)
    cue_on = (trial_t >= c0 - 1e-9) & (trial_t < c0 + float(p.cue) - 1e-9)
    rew_on = (trial_t >= r0 - 1e-9) & (trial_t < r0 + float(p.reward) - 1e-9) & rewarded[trial_k]
    _stimulus(brain, "cue", da.port("cue"), p, cue_on, step, p.cue_rate, p.cue_weight)
    _stimulus(brain, "reward", da.port("reward"), p, rew_on, step, p.reward_rate, p.reward_weight)
    brain.run(len(onsets) * p.trial)
    s = brain.spikes()[f"{p.region}.da"]
    n, t, win = s["n"], s["t"], float(p.window)
    train = onsets[:p.n_trials]
    early, late, probe = train[:p.n_early], train[-p.n_late:], onsets[~rewarded]
    tonic = _rate(t, n, onsets, c0)
    syn_c, syn_t = da.synapses["cue_da"], da.synapses["timer_da"]
    pool = da.pool_of()[np.asarray(syn_t.i[:])]
    reward_pools = (da.params.pool_first + pool * da.params.pool_step <= p.cue_reward + p.reward) & \
                   (da.params.pool_first + pool * da.params.pool_step + p.cue > p.cue_reward)
    return {
        "tonic_rate_hz": tonic,
        "burst_ratio_unexpected": _rate(t, n, early + r0, win) / tonic,
        "cue_ratio_early": _rate(t, n, early + c0, win) / tonic,
        "cue_ratio_late": _rate(t, n, late + c0, win) / tonic,
        "reward_ratio_late": _rate(t, n, late + r0, win) / tonic,
        "omission_dip_ratio": _rate(t, n, probe + r0, win) / tonic if len(probe) else float("nan"),
        "w_cue_mean": float(np.mean(syn_c.w[:])),
        "w_timer_reward_mean": float(np.mean(np.asarray(syn_t.w[:])[reward_pools])) if reward_pools.any() else 0.0,
    }
