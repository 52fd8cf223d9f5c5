"""CA3 as a one-step world model: the next state from the current state and an action, read out in CA1.

The hook the orchestrator's mental rollouts need ("predict the next state given state and
action"; Levy 1996; Stachenfeld, Botvinick & Gershman 2017). Episodes are state-action-next-state
triples stored online with the asymmetric recurrent rule of ``sequence_replay``
(``regions.hippocampus.rec_rule: stdp``): the CA3 code of ``(s, a)`` precedes the CA3 code of the
next state ``s'``, so ``(s, a) -> s'`` links are potentiated; the Schaffer collaterals learn to
read ``s'`` out in CA1, in cortical (EC) coordinates.

The code of ``(s, a)`` in CA3 (``experiment.code``):

- ``conjunctive`` (default): a random CA3 pattern of its own per pair, the code that dentate
  pattern separation provides for conjunctions of its inputs (O'Reilly & McClelland 1994;
  Rolls & Kesner 2006). As in ``pattern_completion`` and ``sequence_replay``, CA3 codes are
  imposed through the ``ca3`` port (the stand-in for the mossy-fibre teacher).
- ``superposition`` (control): the union of the state's and the action's CA3 patterns. The
  state's cells then link to the outcomes of *every* action taken in it and the action's cells
  to its outcomes in every state, so no threshold can pick the right one (an XOR-like problem
  for a one-layer associator): accuracy should fall towards chance.

Protocol
--------
1. **Experience (learning on).** ``n_states`` states (a CA3 pattern of ``M = round(coding_level *
   n_ca3)`` cells and a paired EC pattern of ``round(ec_coding * n_ec)`` cells each) and
   ``n_actions`` actions. A deterministic table ``T[s, a]`` (a random state other than ``s``,
   different for the actions of one state) is experienced once per pair, in random order: the
   code of ``(s, a)`` for ``t_state``, then ``T[s, a]`` (CA3 and EC patterns) for ``t_state``,
   then ``t_gap`` of silence.
2. **Prediction (learning off).** The code of each pair is cued ``n_cue`` times for ``t_cue``
   (activity reset between trials); CA3 and CA1 are read in [``t_cue``, ``t_cue + t_pred``). The
   score of a candidate state is the fraction of its cells that fire (CA3: its CA3 cells outside
   the cue; CA1: the CA1 cells of its EC pattern); the prediction is the best candidate other
   than ``s``.

Metrics
-------
next_state_accuracy / ca1_accuracy : fraction of trials whose CA3 / CA1 prediction is ``T[s, a]``.
next_state_score / ca1_next_score : mean CA3 / CA1 score of ``T[s, a]``.
other_action_score : mean CA3 score of ``T[s, a']``, ``a' != a`` (another action's outcome).
ca1_other_score : mean CA1 score of the other candidates.
chance_accuracy : ``1 / (n_states - 1)``.
prediction_latency_ms : mean median first-spike time of ``T[s, a]``'s cells after the cue onset.

Measured (cython; seeds 1 / 2 / 3): defaults (6 states x 2 actions): next_state_accuracy and
ca1_accuracy 1.0 / 1.0 / 1.0, other_action_score 0.19 / 0.20 / 0.14, latency 14-15 ms; the
superposition control: 0.29 / 0.12 / 0.25 (CA1 0.33 / 0.33 / 0.42; chance 0.2), its
other_action_score 0.99 / 0.93 / 1.0. Load 10 states x 3 actions (30 episodes): CA3 0.78 / 0.87 /
0.70, CA1 1.0 / 1.0 / 1.0 (other_action_score 0.43-0.52: CA1's feedback inhibition cleans up
what CA3 spreads). Not yet working: CA3 codes made by EC -> DG -> CA3 instead of imposed (a
prototype reached CA3 0.42-0.67, CA1 0.58-0.83; the two dentate volleys of an episode land ~37 ms
apart, beyond the 20-ms STDP window).

Figure ``figures/next_state.png``: mean CA1 score of every candidate state per ``(s, a)`` cue,
the stored ``T[s, a]`` marked.

References
----------
Levy WB (1996) A sequence predicting CA3 is a flexible associator that learns and uses context
    to solve hippocampal-like tasks. Hippocampus 6:579-590.
O'Reilly RC, McClelland JL (1994) Hippocampal conjunctive encoding, storage, and recall:
    avoiding a trade-off. Hippocampus 4:661-682.
Rolls ET, Kesner RP (2006) A computational theory of hippocampal function, and empirical tests
    of the theory. Prog Neurobiol 79:1-48.
Stachenfeld KL, Botvinick MM, Gershman SJ (2017) The hippocampus as a predictive map. Nat
    Neurosci 20:1643-1653.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS

from brain.config import ConfigError
from brain.trials.engine import Session
from brain.trials.specs import PhaseSpec, ReadoutSpec, SessionSpec, check_phases
from brain.trials.tasks import Presentation
from brain.trials.windows import cell_drive, random_patterns, state_onsets, stdp_hippocampus
from plasticity.params import (check_choice, check_nonneg, check_positive, check_positive_int,
                               check_probability, quantity)
from regions.base import derive_seed

BACKENDS = ("numpy", "cython")     # closed loop: trials are read and reset between run() calls
CODES = ("conjunctive", "superposition")


@dataclass(frozen=True)
class Params:
    region: str = "hippocampus"
    code: str = "conjunctive"                   # CA3 code of (s, a): conjunctive | superposition
    n_states: int = 6
    n_actions: int = 2
    coding_level: float = 0.05                  # CA3 cells per pattern / n_ca3 (as sequence_replay)
    ec_coding: float = 0.1                      # EC cells per state pattern / n_ec
    t_state: object = quantity(50 * ms)         # experience time per element of an episode
    t_gap: object = quantity(200 * ms)          # silence between episodes (> 3 tau of STDP traces)
    rate_store: object = quantity(300 * Hz)
    rate_ec: object = quantity(150 * Hz)
    w_drive: object = quantity(10 * nS)
    n_cue: int = 2                              # prediction trials per (s, a)
    t_cue: object = quantity(10 * ms)           # brief cue of the (s, a) code
    rate_cue: object = quantity(300 * Hz)
    t_pred: object = quantity(20 * ms)          # read window after the cue
    figure: bool = True

    def __post_init__(self):
        check_choice(self, "code", CODES)
        check_positive_int(self, "n_actions", "n_cue")
        check_probability(self, "coding_level", "ec_coding")
        check_positive(self, "t_state", "t_cue", "t_pred")
        check_nonneg(self, "t_gap", "rate_store", "rate_ec", "w_drive", "rate_cue")
        if not isinstance(self.n_states, int) or self.n_states < self.n_actions + 1:
            raise ConfigError(f"experiment.n_states: must be an integer > n_actions, got {self.n_states!r}")


def transitions(n_states: int, n_actions: int, rng) -> np.ndarray:
    """``T[s, a]``: a random state other than ``s``, different across the actions of ``s``."""
    return np.array([rng.choice(np.setdiff1d(np.arange(n_states), [s]), n_actions, replace=False)
                     for s in range(n_states)])


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    brain, hc = stdp_hippocampus(ctx, p.region, "next_state")
    n3, n_ec = len(hc.groups["ca3"]), len(hc.groups["ec"])
    S, A = p.n_states, p.n_actions
    m, m_ec = max(1, round(p.coding_level * n3)), max(1, round(p.ec_coding * n_ec))
    rng = np.random.default_rng(derive_seed(ctx.seed, "next_state"))
    states, ec_states = random_patterns(S, n3, m, rng), random_patterns(S, n_ec, m_ec, rng)
    T = transitions(S, A, rng)
    pairs = [(s, a) for s in range(S) for a in range(A)]
    if p.code == "conjunctive":
        codes = random_patterns(len(pairs), n3, m, rng)
    else:
        actions = random_patterns(A, n3, m, rng)
        codes = np.array([states[s] | actions[a] for s, a in pairs])

    spec = SessionSpec(
        stimuli={"ca3": cell_drive(f"{p.region}.ca3", n3, p.w_drive, p.rate_store),
                 "ec": cell_drive(f"{p.region}.ec", n_ec, p.w_drive, p.rate_ec)},
        readouts={"ca3": ReadoutSpec(port=f"{p.region}.ca3", keep="spikes"),
                  "ca1": ReadoutSpec(port=f"{p.region}.ca1", keep="cells")},
        phases=(PhaseSpec("sa", p.t_state, drive={"ca3": "code"}),
                PhaseSpec("next", p.t_state, drive={"ca3": "next3", "ec": "next_ec"}),
                *((PhaseSpec("gap", p.t_gap),) if float(p.t_gap) > 0 else ())),
        settle=p.t_gap, sample_dt=5 * ms, latency_window=5 * ms)
    check_phases(spec, spec.phases, "phases")
    fields = {"code": n3, "next3": n3, "next_ec": n_ec}

    # 1. experience (learning on): t_gap of silence, then per pair code(s, a), T[s, a] (CA3 and EC), silence
    order = rng.permutation(len(pairs))
    items = [{"code": codes[k], "next3": states[T[pairs[k]]], "next_ec": ec_states[T[pairs[k]]]} for k in order]
    labels = [{"state": pairs[k][0], "action": pairs[k][1], "next_state": int(T[pairs[k]])} for k in order]
    hc.reset_activity()
    brain.set_plastic(True)
    session = Session(brain, spec, task=Presentation(items, fields, labels), rows=ctx.trials,
                      epochs=ctx.epochs, log=ctx.log)
    session.run()
    brain.set_plastic(False)

    # 2. prediction trials (learning off): cue code(s, a) for t_cue, read CA3 and CA1 for t_pred
    level = float(p.rate_cue / p.rate_store) if float(p.rate_store) > 0 else 0.0
    cues = [{"code": codes[k] * level} for k in range(len(pairs)) for _ in range(p.n_cue)]
    labels = [{"state": s, "action": a, "next_state": int(T[s, a])} for s, a in pairs for _ in range(p.n_cue)]
    predict = (PhaseSpec("cue", p.t_cue, drive={"ca3": "code"}, reset=(p.region,)),
               PhaseSpec("pred", p.t_pred, read=("ca3", "ca1")))
    first = len(session.rows)
    session.run(Presentation(cues, fields, labels), phases=predict, settle=False)
    trials = []
    for row, win in zip(session.rows[first:], session.windows[first:]):
        i, t = win["ca3_pred"]
        trials.append(({"ca3": np.bincount(i, minlength=n3) > 0, "ca1": win["ca1_pred"] > 0}, i,
                       t - row["t_cue"]))

    res = {k: [] for k in ("hit3", "hit1", "own3", "own1", "other_a", "other1", "lat")}
    ca1_scores = np.zeros((len(pairs), S))
    for k, (s, a) in enumerate(pairs):
        cand = states & ~codes[k]
        for r in range(p.n_cue):
            act, i, t = trials[k * p.n_cue + r]
            sc3 = (cand & act["ca3"]).sum(1) / np.maximum(cand.sum(1), 1)
            sc1 = (ec_states & act["ca1"]).sum(1) / m_ec
            ca1_scores[k] += sc1 / p.n_cue
            sc3[s] = sc1[s] = -1.0
            nxt = T[s, a]
            res["hit3"].append(float(np.argmax(sc3) == nxt))
            res["hit1"].append(float(np.argmax(sc1) == nxt))
            res["own3"].append(sc3[nxt])
            res["own1"].append(sc1[nxt])
            res["other_a"] += [sc3[T[s, b]] for b in range(A) if b != a]
            res["other1"] += [sc1[x] for x in range(S) if x not in (s, nxt)]
            onset = state_onsets(i, t, [np.flatnonzero(cand[nxt])], 0.0)[0][1]
            if np.isfinite(onset):
                res["lat"].append(onset)
    metrics = dict(
        next_state_accuracy=float(np.mean(res["hit3"])), ca1_accuracy=float(np.mean(res["hit1"])),
        next_state_score=float(np.mean(res["own3"])), ca1_next_score=float(np.mean(res["own1"])),
        other_action_score=float(np.mean(res["other_a"])) if res["other_a"] else float("nan"),
        ca1_other_score=float(np.mean(res["other1"])), chance_accuracy=1.0 / (S - 1),
        prediction_latency_ms=1e3 * float(np.mean(res["lat"])) if res["lat"] else float("nan"))
    ctx.log("next_state: " + " ".join(f"{k}={v:.2f}" for k, v in metrics.items()))
    if p.figure and ctx.out is not None:
        _figure(ctx.out / "figures" / "next_state.png", ca1_scores, pairs, T, p.code)
    return metrics


def _figure(path, scores, pairs, T, code: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(0.5 * scores.shape[1] + 2.5, 0.3 * len(pairs) + 1.5))
    im = ax.imshow(scores, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.scatter([T[s, a] for s, a in pairs], range(len(pairs)), marker="o", facecolors="none",
               edgecolors="r", s=60, label="stored T[s, a]")
    ax.set(xlabel="candidate next state", ylabel="cue (s, a)", title=f"CA1 readout ({code} CA3 code)",
           yticks=range(len(pairs)), yticklabels=[f"({s}, {a})" for s, a in pairs])
    fig.colorbar(im, ax=ax, label="fraction of the state's EC cells firing in CA1")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
