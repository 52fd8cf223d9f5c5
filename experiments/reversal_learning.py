"""Probabilistic reversal learning by dopamine-gated corticostriatal plasticity (actor-critic).

Protocol after Frank (2005), Figs. 8-9 and Cools et al. (2002): two actions rewarded with
probability 0.8 / 0.2, contingencies swapped after ``task.n_before`` trials. The session is a
declaration for the trial engine (:mod:`brain.trials`): the ``reversal`` task, the phases of a
trial (``iti`` 400 ms, ``cue`` 300 ms, ``delay`` 300 ms, ``outcome`` 100 ms, ``post`` 300 ms), a
cue population (``cue`` region) that drives the D1 and D2 MSNs of both action channels of the
``striatum`` through plastic corticostriatal synapses and the dopamine region's cue port, and the
reward (Poisson sources onto the DA cells' ``reward`` port) in the outcome phase. The choice is
the thalamic pool of the basal ganglia above 20 Hz over ``[50, 300)`` ms of the cue phase; a
trial with no pool above threshold is a no-choice (unrewarded, incorrect).

Learning is local only: D1 synapses (``da_three_factor``) potentiate when a burst meets their
STDP eligibility, D2 synapses the same rule with ``da_sign: -1`` (potentiate on dips, Frank 2005).

Critic and baseline (no hand-set constant): the three-factor term is ``da - da_tonic``.

- The phasic part is the prediction error of the dopamine region's critic, kept as it was: its
  timed inhibition, triggered by the cue, learns the expected reward of the cue state at outcome
  time, V(s) with s = the cue present (not Q(s, a): it never sees the action, so the chosen
  action's mean error stays positive while it is the better one). An omitted reward after a
  rewarded history is a dip, a reward after a poor history a burst.
- The zero is ``da_tonic``, each MSN's mean of ``da`` measured only in the ``iti`` phase
  (``tonic: true``: no cue, no outcome; ``plasticity.three_factor.DOPAMINE_TONIC_POST``). It
  follows the circuit's tonic dopamine by itself (it replaced ``baseline: 0.39``, which was
  tuned to cancel tonic dopamine on seeds 1-3 with a margin of +-0.04), and it is not a value
  estimate: bursts and dips never enter it (a running mean over everything, tried before,
  absorbed the rewards and fell into no-choice traps on 44-59 % of trials).

Burst / dip balance: a dopamine dip can lower ``da`` at most by its tonic value D, a burst raises it by
B. The chosen action's weights gain on average ``p B - (1 - p) D`` per trial, so only
``(1 - p) / p < B / D < p / (1 - p)`` (0.25-4 for p = 0.8) keeps the good action and drops the bad one
(dopamine codes positive errors with a larger range than negative ones: Bayer & Glimcher 2005). The
reward (50 sources at 25 Hz) gives bursts of B / D ~ 2; with 60 Hz the 0.2 action was reinforced as well.

Metrics
-------
acc_before_reversal : fraction of the last ``n_window`` trials before the reversal choosing the
    0.8 action (no-choice trials count as incorrect).
acc_after_reversal : same, last ``n_window`` trials of the session (new 0.8 action).
trials_to_criterion_after_reversal : trials after the reversal until the new 0.8 action is
    chosen in ``criterion`` of a sliding ``n_crit`` trials (NaN if never).
no_choice_rate : fraction of trials with no thalamic pool above threshold.
multi_selection_rate : fraction of trials with both thalamic pools above threshold (the basal
    ganglia did not select; the choice is then the higher rate).
reward_rate : fraction of rewarded trials; good_action_first : the 0.8 action before the reversal
    (drawn from the seed, so that an initial bias of the network helps on some seeds only).
latency_ms : mean time from cue onset until the chosen pool's rate over 20 ms exceeds threshold.
w_d1_ch0 ... w_d2_ch1 : mean corticostriatal weight per pathway and channel at the end.
da_burst_hz, da_dip_hz : DA rate in the outcome phase of rewarded / unrewarded trials (last
    ``n_window`` trials before the reversal); da_tonic_hz : DA rate in the ``iti`` phase;
    mean_da_tonic : the MSNs' tonic dopamine estimate at the end (the learned baseline).
d1_rate_chosen_hz, d1_rate_unchosen_hz : D1 MSN rate of the chosen / unchosen channel in the cue
    phase (how channel-specific the STDP eligibility is).

The trial log (``trials.csv``) holds every trial's phase onsets, choice, latency, reward, DA
rates and the mean weight per pathway and channel.

References
----------
Frank MJ (2005) J Cogn Neurosci 17:51-72 (D1 Go / D2 NoGo learning; probabilistic reversal).
Cools R, Clark L, Owen AM, Robbins TW (2002) J Neurosci 22:4563-4567 (probabilistic reversal).
Izhikevich EM (2007) Cereb Cortex 17:2443-2452 (dopamine-modulated STDP).
Schultz W, Dayan P, Montague PR (1997) Science 275:1593-1599 (dopamine as prediction error).
Schultz W (2007) Annu Rev Neurosci 30:259-288 (tonic and phasic dopamine).
Bayer HM, Glimcher PW (2005) Neuron 47:129-141 (midbrain dopamine neurons encode a quantitative
    reward prediction error signal; negative errors in a compressed range).
Houk JC, Adams JL, Barto AG (1995) in Models of Information Processing in the Basal Ganglia,
    MIT Press, 249-270 (striatal actor-critic).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brain.config import ConfigError
from brain.trials.engine import Session
from brain.trials.specs import SessionSpec, check_session
from plasticity.params import ParamError, check_positive_int, check_probability
from regions.base import derive_seed

BACKENDS = ("numpy", "cython", "cpp_standalone")   # cpp_standalone with experiment.loop: graph


@dataclass(frozen=True)
class Params(SessionSpec):
    """The session (task, stimuli, readouts, phases: :class:`brain.trials.specs.SessionSpec`) plus
    the names the metrics need."""

    striatum: str = "striatum"
    d1_projection: str = "cue->striatum:d1"
    d2_projection: str = "cue->striatum:d2"
    n_window: int = 20                       # trials of the accuracy windows
    n_crit: int = 10
    criterion: float = 0.8

    def __post_init__(self):
        check_positive_int(self, "n_window", "n_crit")
        check_probability(self, "criterion")
        check_session(self)
        if self.task.get("type") != "reversal":
            raise ParamError("task.type", f"reversal_learning runs the reversal task, got {self.task.get('type')!r}")
        for key in ("choice", "da"):
            if key not in self.readouts:
                raise ParamError("readouts", f"needs a {key!r} readout")
        if "outcome" not in {ph.name for ph in self.phases}:
            raise ParamError("phases", "needs a phase named 'outcome' (the dopamine response is read there)")


def _criterion(correct: np.ndarray, n: int, criterion: float) -> float:
    for k in range(len(correct) - n + 1):
        if correct[k:k + n].mean() >= criterion:
            return float(k + n)
    return float("nan")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    brain = ctx.brain()
    if p.striatum not in brain.regions:
        raise ConfigError(f"experiment.striatum: region {p.striatum!r} is not defined")
    if brain.region(p.striatum).params.n_channels != 2:
        raise ConfigError(f"regions.{p.striatum}.n_channels: reversal learning needs 2 channels")
    session = Session(brain, p, seed=derive_seed(ctx.seed, "reversal_learning"), rows=ctx.trials,
                      epochs=ctx.epochs, log=ctx.log)
    if session.task.n_after < p.n_window or session.task.n_before < p.n_window:
        raise ConfigError("experiment.n_window: must not exceed task.n_before and task.n_after")
    rows = session.run()
    n_before = session.task.n_before
    col = lambda key: np.array([r.get(key, np.nan) for r in rows], dtype=float)  # noqa: E731
    correct, rewarded, choice = col("correct") > 0, col("reward") > 0, col("choice").astype(int)
    last = slice(n_before - p.n_window, n_before)
    da_out, latency = col("da_outcome_hz")[last], col("latency_ms")
    burst, dip = da_out[rewarded[last]], da_out[~rewarded[last]]
    metrics = {
        "acc_before_reversal": float(correct[last].mean()),
        "acc_after_reversal": float(correct[-p.n_window:].mean()),
        "trials_to_criterion_after_reversal": _criterion(correct[n_before:], p.n_crit, p.criterion),
        "no_choice_rate": float(np.mean(choice < 0)),
        "multi_selection_rate": float(np.mean(col("n_selected") > 1)),
        "reward_rate": float(rewarded.mean()),
        "good_action_first": float(rows[0]["good_action"]),
        "da_burst_hz": float(burst.mean()) if len(burst) else float("nan"),
        "da_dip_hz": float(dip.mean()) if len(dip) else float("nan"),
        "latency_ms": float(np.nanmean(latency)) if np.isfinite(latency).any() else float("nan"),
    }
    tonic = [ph.name for ph in p.phases if ph.tonic and "da" in ph.read]
    if tonic:
        metrics["da_tonic_hz"] = float(np.nanmean(col(f"da_{tonic[0]}_hz")))
    if "d1" in p.readouts:          # D1 rate of the chosen / unchosen channel (eligibility tagging)
        d1 = np.stack([col("d10_cue_hz"), col("d11_cue_hz")], axis=1)
        made = choice >= 0
        k = np.arange(len(rows))[made]
        metrics["d1_rate_chosen_hz"] = float(d1[k, choice[made]].mean())
        metrics["d1_rate_unchosen_hz"] = float(d1[k, 1 - choice[made]].mean())
    for tag in ("d1", "d2"):
        for k in range(2):
            key = f"w_{tag}_{k}"
            if key in rows[-1]:
                metrics[f"w_{tag}_ch{k}"] = float(rows[-1][key])
    metrics["mean_da_tonic"] = float(np.mean(brain.region(p.striatum).groups["msn"].da_tonic[:]))
    return metrics
