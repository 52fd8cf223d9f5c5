"""Probabilistic reversal learning by dopamine-gated corticostriatal plasticity (actor-critic).

Protocol after Frank (2005), Figs. 8-9 and Cools et al. (2002) (probabilistic reversal: two
actions rewarded with probability 0.8 / 0.2, contingencies swapped after learning). Each trial
a cue population (``cue`` region) drives the D1 and D2 MSNs of both action channels of the
``striatum`` through plastic corticostriatal synapses and the dopamine region's cue port;
the basal ganglia select an action (the channel whose thalamic pool fires most during
``choice``); ``outcome`` after cue onset the reward, when it comes, drives the dopamine
population (``reward`` port) for ``reward`` ms. Dopamine spikes reach every MSN's ``da``.

Learning is local only: D1 synapses (``da_three_factor``) potentiate when a burst meets their
STDP eligibility, D2 synapses the same rule with ``da_sign: -1`` (potentiate on dips). The dopamine
region's timed inhibition (its critic) learns the expected reward at outcome time, so an
omitted reward after a rewarded history produces a dip (negative prediction error) and a
reward after a poor history a burst. Choices, rewards and the contingency switch are decided
between run() calls (closed loop: one run for the choice window, one for the rest of the trial,
with the reward scheduled inside it).

D2 sign: the D2 projection uses the same ``da_three_factor`` rule with ``da_sign: -1`` in its
``rule_params`` (dopamine dips potentiate, bursts depress).

Credit assignment: the cue drives the MSNs of both channels; the striatum's thalamostriatal feedback
(``w_thal_msn``) tags the selected channel. ``d1_rate_chosen_hz`` vs ``d1_rate_unchosen_hz`` measure
how channel-specific the eligibility is.

Burst / dip balance: a dopamine dip can lower ``da`` at most by its tonic value D, a burst raises it by
B. The chosen action's weights gain on average ``p B - (1 - p) D`` per trial, so only
``(1 - p) / p < B / D < p / (1 - p)`` (0.25-4 for p = 0.8) keeps the good action and drops the bad one
(dopamine codes positive errors with a larger range than negative ones: Bayer & Glimcher 2005). The
default ``reward_rate`` (25 Hz) gives reward bursts of ~10-11 Hz over a 3.6-3.8 Hz tonic rate
(B / D ~ 2); with 60 Hz (bursts 19-33 Hz) the 0.2 action was reinforced as well. The baseline 0.39
sits at the tonic ``da``: below it every eligible synapse potentiates (perseveration), above it every
one depresses (forgetting); the variants tried are listed in the config.

Metrics
-------
acc_before_reversal : fraction of the last ``n_window`` trials before the reversal choosing the
    0.8 action.
acc_after_reversal : same, last ``n_window`` trials of the session (new 0.8 action).
trials_to_criterion_after_reversal : trials after the reversal until the new 0.8 action is
    chosen in ``criterion`` of a sliding ``n_crit`` trials (NaN if never).
no_choice_rate : fraction of trials with no thalamic pool above ``threshold``.
reward_rate : fraction of rewarded trials; good_action_first : the 0.8 action before the reversal
    (drawn from the seed, so that an initial bias of the network helps on some seeds only).
w_d1_ch0 ... w_d2_ch1 : mean corticostriatal weight per pathway and channel at the end.
da_burst_hz, da_dip_hz : DA rate in the outcome window of rewarded / unrewarded trials (last
    ``n_window`` trials before the reversal), da_tonic_hz : DA rate in the inter-trial interval.
d1_rate_chosen_hz, d1_rate_unchosen_hz : D1 MSN rate of the chosen / unchosen channel in the choice
    window, all trials (how channel-specific the STDP eligibility is).

References
----------
Frank MJ (2005) J Cogn Neurosci 17:51-72 (D1 Go / D2 NoGo learning; probabilistic reversal).
Cools R, Clark L, Owen AM, Robbins TW (2002) J Neurosci 22:4563-4567 (probabilistic reversal).
Izhikevich EM (2007) Cereb Cortex 17:2443-2452 (dopamine-modulated STDP).
Schultz W, Dayan P, Montague PR (1997) Science 275:1593-1599 (dopamine as prediction error).
Bayer HM, Glimcher PW (2005) Neuron 47:129-141 (midbrain dopamine neurons encode a quantitative
    reward prediction error signal; negative errors in a compressed range).
Houk JC, Adams JL, Barto AG (1995) in Models of Information Processing in the Basal Ganglia,
    MIT Press, 249-270 (striatal actor-critic).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, NeuronGroup, Synapses, ms, nS, second

from brain.config import ConfigError
from plasticity.params import check_nonneg, check_positive, check_positive_int, check_probability, quantity
from regions.base import derive_seed
from regions.connect import connect, random_pairs

BACKENDS = ("numpy", "cython")     # closed loop: choices and rewards are decided between run() calls

@dataclass(frozen=True)
class Params:
    striatum: str = "striatum"
    dopamine: str = "dopamine"
    cue_region: str = "cue"
    d1_projection: str = "cue->striatum:d1"
    d2_projection: str = "cue->striatum:d2"
    n_before: int = 50                       # trials before the reversal
    n_after: int = 70                        # trials after it
    p_reward: float = 0.8                    # of the good action (the other: 1 - p_reward)
    choice: object = quantity(300 * ms)      # cue on, selection window
    outcome: object = quantity(600 * ms)     # reward onset after cue onset
    reward: object = quantity(100 * ms)
    trial: object = quantity(1200 * ms)
    settle: object = quantity(50 * ms)       # start of the choice readout window
    rest: object = quantity(0 * second)      # before trial 1 (> 0 with baseline_adaptive: sets da_avg)
    threshold: object = quantity(20 * Hz)
    n_window: int = 20
    n_crit: int = 10
    criterion: float = 0.8
    reward_n: int = 50
    reward_p: float = 0.5
    reward_rate: object = quantity(25 * Hz)  # B / D ~ 2 (see the docstring)
    reward_weight: object = quantity(0.5 * nS)

    def __post_init__(self):
        check_positive_int(self, "n_before", "n_after", "n_window", "n_crit", "reward_n")
        check_probability(self, "p_reward", "criterion", "reward_p")
        check_positive(self, "choice", "reward", "trial", "threshold")
        check_nonneg(self, "settle", "rest", "reward_rate", "reward_weight")
        if float(self.choice) > float(self.outcome) or float(self.outcome + self.reward) > float(self.trial):
            raise ConfigError("experiment.outcome: need choice <= outcome and outcome + reward <= trial")
        if self.n_window > min(self.n_before, self.n_after):
            raise ConfigError("experiment.n_window: must not exceed n_before and n_after")


def reward_source(brain, target: str, p: Params):
    """Poisson sources onto port ``target`` firing at ``rate`` between ``t_on`` and ``t_off``.

    The reward is scheduled inside the run (one run() per trial after the choice).
    """
    region, port_name = target.split(".", 1)
    port = brain.regions[region].port(port_name)
    src = NeuronGroup(p.reward_n, "rate : Hz (shared)\nt_on : second (shared)\nt_off : second (shared)",
                      threshold="rand() < rate * dt * int(t >= t_on) * int(t < t_off)", namespace={},
                      name="reward_source")
    syn = Synapses(src, port.group, on_pre=f"{port.var}_post += w_stim", namespace={"w_stim": p.reward_weight},
                   name="reward_source_syn")
    connect(syn, *random_pairs(p.reward_n, len(port.group), p.reward_p,
                               np.random.default_rng(derive_seed(brain.config.seed, "reward_source"))))
    brain.add(src, syn)
    return src


def _rest(brain, msn, rest, n_samples: int = 10) -> None:
    """Run ``rest`` without cue or reward and start the MSNs' running mean ``da_avg`` (read by
    ``baseline_adaptive`` rules) at the tonic ``da`` sampled over it: a steady-state initial condition
    instead of 0, which would read tonic dopamine as a burst for the first seconds."""
    if float(rest) <= 0:
        return
    samples = []
    for _ in range(n_samples):
        brain.run(rest / n_samples)
        samples.append(float(np.mean(msn.da[:])))
    msn.da_avg = float(np.mean(samples))


def _rate(t, n, starts, width):
    t = np.sort(t)
    c = np.searchsorted(t, np.asarray(starts) + width) - np.searchsorted(t, starts)
    return c.sum() / (n * width * len(starts)) if len(starts) else float("nan")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    for r in (p.striatum, p.dopamine, p.cue_region):
        if r not in ctx.config.regions:
            raise ConfigError(f"experiment: region {r!r} is not defined")
    cfg = ctx.config
    brain = ctx.brain(cfg)
    bg, cue = brain.region(p.striatum), brain.region(p.cue_region)
    if bg.params.n_channels != 2:
        raise ConfigError(f"regions.{p.striatum}.n_channels: reversal learning needs 2 channels")
    rew = reward_source(brain, f"{p.dopamine}.reward", p)
    thal_mon = brain.monitors[f"{p.striatum}.thal"]
    ch_thal = bg.channel_of("thal")
    rng = np.random.default_rng(derive_seed(cfg.seed, "reversal_learning"))
    n_trials = p.n_before + p.n_after
    good, chosen, rewarded, no_choice, onsets = [], [], [], [], []
    first = int(rng.integers(2))             # the 0.8 action before the reversal, drawn from the seed
    _rest(brain, bg.groups["msn"], p.rest)
    for k in range(n_trials):
        g = first if k < p.n_before else 1 - first
        t0 = brain.t_run
        onsets.append(t0)
        cue.set_salience([1.0])
        brain.run(p.choice)
        ts, ids = np.asarray(thal_mon.t[:]), np.asarray(thal_mon.i[:])
        keep = ts >= t0 + float(p.settle)
        counts = np.bincount(ch_thal[ids[keep]], minlength=2)[:2]
        rate = counts / (bg.params.n_thal * float(p.choice - p.settle))
        no_choice.append(bool(rate.max() <= float(p.threshold)))
        c = int(np.argmax(counts)) if counts[0] != counts[1] else int(rng.integers(2))
        r = rng.random() < (p.p_reward if c == g else 1.0 - p.p_reward)
        good.append(g)
        chosen.append(c)
        rewarded.append(r)
        cue.set_salience([0.0])
        rew.rate = p.reward_rate if r else 0 * Hz
        rew.t_on = t0 * second + p.outcome
        rew.t_off = t0 * second + p.outcome + p.reward
        brain.run(p.trial - p.choice)
    correct = np.asarray(chosen) == np.asarray(good)
    after = correct[p.n_before:]
    ttc = float("nan")
    for k in range(len(after) - p.n_crit + 1):
        if after[k:k + p.n_crit].mean() >= p.criterion:
            ttc = float(k + p.n_crit)
            break
    spikes = brain.spikes()
    sp = spikes[f"{p.dopamine}.da"]
    onsets, rewarded = np.asarray(onsets), np.asarray(rewarded)
    last = np.arange(n_trials)[p.n_before - p.n_window:p.n_before]
    out0 = onsets + float(p.outcome)
    metrics = {
        "acc_before_reversal": float(correct[p.n_before - p.n_window:p.n_before].mean()),
        "acc_after_reversal": float(correct[-p.n_window:].mean()),
        "trials_to_criterion_after_reversal": ttc,
        "no_choice_rate": float(np.mean(no_choice)),
        "reward_rate": float(np.mean(rewarded)),
        "good_action_first": float(first),
        "da_tonic_hz": _rate(sp["t"], sp["n"], onsets + float(p.trial) - 0.4, 0.4),
        "da_burst_hz": _rate(sp["t"], sp["n"], out0[last][rewarded[last]], 0.2),
        "da_dip_hz": _rate(sp["t"], sp["n"], out0[last][~rewarded[last]], 0.2),
        **_d1_selectivity(spikes.get(f"{p.striatum}.msn"), bg, onsets, np.asarray(chosen), p),
    }
    if ctx.out is not None:
        (ctx.out / "figures").mkdir(parents=True, exist_ok=True)
        choice_figure(np.asarray(chosen), np.asarray(good), rewarded, np.asarray(no_choice), p.n_before,
                      p.n_window, ctx.out / "figures" / "reversal_learning.png")
    syns = {"d1": brain.projections.get(p.d1_projection), "d2": brain.projections.get(p.d2_projection)}
    for name, syn in syns.items():
        if syn is None:
            continue
        w, j = np.asarray(syn.w[:]), np.asarray(syn.j[:])   # j: index within the d1 / d2 subgroup
        ch = j // (bg.params.n_d1 if name == "d1" else bg.params.n_d2)
        for k in range(2):
            metrics[f"w_{name}_ch{k}"] = float(w[ch == k].mean())
    return metrics


def _d1_selectivity(msn, bg, onsets, chosen, p: Params) -> dict[str, float]:
    """D1 MSN rate of the chosen and the unchosen channel in the choice window (eligibility tagging)."""
    if msn is None:
        return {}
    n_d1 = bg.params.n_d1
    d1 = msn["i"] < 2 * n_d1
    i, t = msn["i"][d1], msn["t"][d1]
    width = float(p.choice - p.settle)
    lo, hi = onsets + float(p.settle), onsets + float(p.choice)
    k = np.searchsorted(onsets, t, side="right") - 1          # trial of every spike
    ok = (k >= 0) & (t >= lo[np.maximum(k, 0)]) & (t < hi[np.maximum(k, 0)])
    own = (i[ok] // n_d1) == chosen[k[ok]]
    denom = n_d1 * width * len(onsets)
    return {"d1_rate_chosen_hz": float(own.sum() / denom), "d1_rate_unchosen_hz": float((~own).sum() / denom)}


def choice_figure(chosen, good, rewarded, no_choice, n_before: int, window: int, path) -> None:
    """Choices per trial (dots: rewarded filled, no choice grey) and running accuracy."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    k = np.arange(len(chosen))
    correct = (chosen == good).astype(float)
    run_acc = np.convolve(correct, np.ones(window) / window, mode="full")[:len(k)]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True)
    a1.step(k, good, where="mid", color="tab:green", lw=3, alpha=0.3, zorder=0, label="0.8 action")
    a1.scatter(k[rewarded], chosen[rewarded], s=12, color="k", label="chosen, rewarded")
    a1.scatter(k[~rewarded], chosen[~rewarded], s=12, facecolors="none", edgecolors="k", label="chosen, unrewarded")
    a1.scatter(k[no_choice], chosen[no_choice], s=30, color="0.6", marker="x", label="no choice")
    a1.set(yticks=[0, 1], ylabel="action", ylim=(-0.5, 1.8))
    a1.legend(fontsize=7, ncol=4, loc="upper left")
    a2.plot(k, run_acc, color="k")
    a2.axhline(0.8, ls=":", color="0.5")
    a2.set(xlabel="trial", ylabel=f"accuracy ({window} trials)", ylim=(0, 1.05))
    for a in (a1, a2):
        a.axvline(n_before - 0.5, color="tab:red", lw=1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
