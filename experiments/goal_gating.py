"""Goal-context gating: the goal held in the PFC gates which striatal values are learned and expressed.

The first orchestrated ability (O'Reilly & Frank 2006, PBWM; Frank & Badre 2012): four regions on
one trial engine. Each trial (phases of ``experiment.phases``): a burst clears the PFC
(``reset``), a tonic window (``iti``), a goal cue loads one PFC pool with the input gate open
(``goal``), a delay, a distractor (another PFC item pool, same strength) with the gate closed,
a delay (``hold``), one of the stimuli (the sensory pools of ``stim``: ``onset``, its first 50 ms,
which also cues the critic, then ``stimulus``), the choice (the basal ganglia's thalamic pool above
threshold in ``stimulus``; ``latency_ms`` counts from that phase's start, 50 ms after stimulus
onset), and the reward (``outcome``).
Default mapping: 2 goals x 2 stimuli x 2 actions, action = stimulus XOR goal (the
``goal_cued`` task, ``(stimulus + goal) mod 2``): no stimulus-action association alone exceeds
50 %. Learning comes from reward only.

Wiring (``configs/goal_gating.yaml``):

- ``stim -> striatum`` D1 and D2 (``goal_three_factor``: ``dw/dt = eta c (da - da_tonic)
  goal_level``), reaching every MSN of both channels;
- the striatum's MSNs of each channel are split into goal sub-pools (each the size of a
  reversal_learning channel: under its goal a sub-pool drives the selection circuit as a
  reversal channel does), wired *topographically*:
  PFC pool g projects (static) onto the goal trace of sub-pool g in every channel (port
  ``goalG``). ``goal_level = clip(goal, 0, 1)`` is the one bounded signal that sets both the
  sub-pool's cortical gain (``1 + k_goal goal_level``: expression) and its learning rate
  (learning). A held pool (~25 Hz) saturates it; the trace (tau 100 ms) is fed by the PFC's
  persistent activity, so it lasts through the outcome's dopamine;
- the dopamine critic (the timed expectation of reward after the stimulus, and the
  tonic-dopamine baseline of reversal_learning) and the BG loop. Its cue relay is driven by the
  stimulus onset only (phase ``onset``, 50 ms), so each timing pool fires one brief burst at its
  delay (time since cue onset, Schultz et al. 1997). Driven for the whole stimulus, every pool
  fired for 300 ms, the learned expectation spread over 300-900 ms and its dips around the reward
  burst outweighed the burst in the MSNs' eligibility: a rewarded choice lost D1 and gained D2
  weight until it was no longer made (seed 6: 0.725).

So under goal g only sub-pool g's synapses from the shown stimulus learn, and they learn the
action that goal g pays for that stimulus: goal x stimulus conjunctions live in different
synapses.

Ablations (each a fresh brain, same seed and task): ``no_goal_projection`` (no PFC -> striatum
goal projections: a control; measured on seeds 4-8 it is below chance, not at it: without the
goal signal's gain no thalamic pool reaches threshold and every trial is a no-choice),
``goal_uninformative`` (every goal pool projects to every goal port: each sub-pool gets the held
goal's gain and learns, but no sub-pool knows which goal is held; the control that removes the goal
information and keeps its signal; seeds 4-13: accuracy 0.44-0.64, mean 0.52 (sd 0.07) against
chance 0.5, no-choice 0: the sub-pools learn one stimulus -> action map, right for one goal,
0.85 / 0.1 on seed 4), ``ungated`` (``da_three_factor`` in place of ``goal_three_factor``: the goal still sets the
gain), ``open_gate`` (the gate also opens for the distractor, which then overwrites the goal). ``ablate: NAME`` runs the main session on that
ablation's brain instead (one brain per run: how ablations run on cpp_standalone, where a run
builds one program, and how a sweep runs them in parallel); the metrics are then that brain's,
plus its ``accuracy_NAME`` (and the open gate's overwrite metrics).

The retention test runs in the same session as training: one task, a
:class:`brain.trials.chain.Chain` of the training block, the interference block and the frozen
test block, so that it runs in-graph too (the main session and the ``ungated`` ablation carry it).
The ungated rule retains too (seeds 4-13: 0.97 against 1.0 gated), and this is why: at gain 1
(goal A not held) goal A's MSNs fire little in the goal-B block, so their eligibility stays small.
Its goal-A weights still move ~8 x more than the gated rule's over that block (mean |dw| of the D1
weights onto goal A's sub-pool 0.012 against 0.0015, max 0.10-0.20 against 0.011-0.015, seeds
4-8; goal B's sub-pool moves 0.026 under both), but that is small against the learned margin
(~0.9 against ~0.6).

``loop: graph`` (the session in generated code, :mod:`brain.trials.graph`; also on cpp_standalone)
runs one brain: ``ablations: []`` (``ablate: NAME`` instead). With the same seed it gives the
Python loop's trials.

Metrics
-------
accuracy_goal_min : the lowest, over goals, of the accuracy over the last ``n_last`` trials of
    that goal; accuracy_goal0, accuracy_goal1, ... the per-goal values.
trials_to_criterion_goal_max : per goal, the trial (of the session) at which the last
    ``n_crit`` trials of that goal first reach ``criterion`` accuracy; the largest over goals
    (NaN if a goal never does).
goal_decoding : fraction of trials in which the PFC goal pool with the highest rate over the
    stimulus phase is the cued goal (decoded from the network, not from the cue).
goal_hold_errors : fraction of trials whose held pool at choice time (the item pool above
    ``readouts.pfc.threshold`` with the highest rate) is not the cued goal (none held counts).
no_choice_rate : fraction of trials with no thalamic pool above threshold.
retention_gated : after training, ``interference_trials`` rewarded goal-1-only trials, then
    ``retention_trials`` goal-0 trials with learning frozen: their accuracy.
accuracy_no_goal_projection, accuracy_goal_uninformative, accuracy_ungated, retention_ungated :
    the ablations' accuracy
    (mean over goals of the last-``n_last`` accuracy) and the ungated rule's retention.
accuracy_open_gate : accuracy with the gate open for the distractor; overwrite_rate_open_gate :
    fraction of its trials whose held pool was the distractor; accuracy_overwritten_open_gate :
    accuracy on those trials.
gate_goal_rate, gate_distractor_rate, gate_right_rate, gate_trials_to_criterion : with a ``gate``
    readout (the learned gate, below): over the last ``n_last`` x G trials, the fraction whose Go
    pool (pool 0 of the gating loop's thalamus) passed threshold in the ``goal`` phase, in the
    ``distractor`` phase, and in the first but not the second; the trial at which the last
    ``n_crit`` trials first reach ``criterion`` on the latter.

The learned gate (``configs/variants/goal_gating_learned_gate.yaml``; PBWM, O'Reilly & Frank 2006):
the experiment opens no gate. The item cues come from a sensory region (``cues``) that drives its
PFC item pool and a second basal-ganglia loop (``gating``): at each cue its channels compete,
channel 0 (Go) disinhibits a thalamic pool that drives the PFC's gate port, channel 1 (NoGo) one that
projects nowhere. The cue -> gating synapses learn by reversal_learning's rule from the session's
one dopamine signal. Reward comes mostly with the goal held at the choice: a held distractor or an
empty PFC gives no output sub-pool the goal's gain (but with the distractor held the output still
chose right on 0.6-0.7 of trials, seeds 1-2: mostly where the overwritten goal pool still fired
3-8 Hz in the stimulus window). Results:
``experiments/results/goal_gating.md``.

References
----------
O'Reilly RC, Frank MJ (2006) Making working memory work: a computational model of learning in
    the prefrontal cortex and basal ganglia. Neural Comput 18:283-328.
Frank MJ, Badre D (2012) Mechanisms of hierarchical reinforcement learning in corticostriatal
    circuits 1: computational analysis. Cereb Cortex 22:509-526.
Miller EK, Cohen JD (2001) An integrative theory of prefrontal cortex function. Annu Rev
    Neurosci 24:167-202 (PFC goal representations bias downstream pathways).
Izhikevich EM (2007) Cereb Cortex 17:2443-2452 (dopamine-modulated STDP).
Schultz W, Dayan P, Montague PR (1997) Science 275:1593-1599 (timing of the expectation since
    cue onset: the complete serial compound).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from brain.config import ConfigError
from brain.trials.chain import Chain
from brain.trials.engine import Session
from brain.trials.specs import SessionSpec, check_session
from brain.trials.tasks import GoalCued
from plasticity.params import ParamError, check_positive_int, check_probability
from regions.base import derive_seed

BACKENDS = ("numpy", "cython", "cpp_standalone")   # cpp_standalone with experiment.loop: graph
ABLATIONS = ("no_goal_projection", "goal_uninformative", "ungated", "open_gate")


@dataclass(frozen=True)
class Params(SessionSpec):
    """The session (:class:`brain.trials.specs.SessionSpec`) plus the names the metrics need."""

    striatum: str = "striatum"
    pfc: str = "pfc"
    stimulus_projections: tuple[str, ...] = ("stim->striatum:d1", "stim->striatum:d2")
    n_last: int = 40
    n_crit: int = 10
    criterion: float = 0.9
    interference_trials: int = 100       # goal-1-only rewarded trials after training
    retention_trials: int = 40           # then goal-0 trials, learning frozen (0: no retention test)
    ablations: tuple[str, ...] = ABLATIONS
    ablate: str = ""                     # run the main session on this ablation's brain
    figure: bool = True

    def __post_init__(self):
        check_positive_int(self, "n_last", "n_crit")
        check_probability(self, "criterion")
        for key in ("interference_trials", "retention_trials"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ParamError(key, f"must be an integer >= 0, got {v!r}")
        check_session(self)
        if self.task.get("type") != "goal_cued":
            raise ParamError("task.type", f"goal_gating runs the goal_cued task, got {self.task.get('type')!r}")
        for key in ("choice", "pfc"):
            if key not in self.readouts:
                raise ParamError("readouts", f"needs a {key!r} readout")
        gate_read = {ph.name for ph in self.phases if "gate" in ph.read}
        if "gate" in self.readouts and not {"goal", "distractor"} <= gate_read:
            raise ParamError("readouts.gate", "the learned gate's readout must be read in phases goal and distractor")
        for a in self.ablations:
            if a not in ABLATIONS:
                raise ParamError("ablations", f"each must be one of {', '.join(ABLATIONS)}, got {a!r}")
        if self.ablate and self.ablate not in ABLATIONS:
            raise ParamError("ablate", f"must be one of {', '.join(ABLATIONS)} or empty, got {self.ablate!r}")
        for key, names in (("ablations", self.ablations), ("ablate", (self.ablate,))):
            if "open_gate" in names and "distractor" not in {ph.name for ph in self.phases}:
                raise ParamError(key, "open_gate needs a phase named 'distractor'")
        if self.loop == "graph" and self.ablations:
            raise ParamError("ablations", "must be [] with loop: graph (one brain per run: use ablate: NAME)")


def _task(p: Params, seed: int, **over) -> GoalCued:
    params = {k: v for k, v in p.task.items() if k != "type"}
    params.update(over)
    return GoalCued(**params, seed=seed)


def _per_goal(rows, n_goals: int, n_last: int) -> list[float]:
    goal = np.array([r["goal"] for r in rows])
    correct = np.array([r["correct"] for r in rows], dtype=float)
    return [float(correct[goal == g][-n_last:].mean()) if (goal == g).any() else float("nan")
            for g in range(n_goals)]


def _held(rows) -> np.ndarray:
    """Per trial, the PFC item pool above threshold with the highest rate at choice time (-1: none)."""
    return np.array([r.get("pfc_held", -1) for r in rows])


class _Run:
    """One brain and its session: the main session, then the interference / retention blocks."""

    def __init__(self, ctx, p: Params, config, label: str, record: bool, ablation: str = "",
                 retention: bool = False):
        self.p, self.ctx = p, ctx
        self.brain = ctx.brain(config, record=record)
        if p.striatum not in self.brain.regions or p.pfc not in self.brain.regions:
            raise ConfigError(f"experiment.striatum / pfc: regions {p.striatum!r} and {p.pfc!r} are needed")
        self.seed = derive_seed(ctx.seed, "goal_gating")
        pools = self.brain.region(p.pfc).params.n_pools
        self.task = task = _task(p, self.seed)
        if self.task.n_goals + self.task.distractors > pools:
            raise ConfigError(f"experiment.task: n_goals + distractors must not exceed {p.pfc}'s n_pools ({pools})")
        self.retention = retention and p.retention_trials > 0 and task.n_goals > 1
        if self.retention:      # training, goal-1-only rewarded trials, then goal 0 with learning frozen
            blocks = [task, *([_task(p, self.seed + 1, n_trials=p.interference_trials, goals=[1])]
                              if p.interference_trials else []),
                      _task(p, self.seed + 2, n_trials=p.retention_trials, goals=[0])]
            task = Chain(blocks, frozen=[False] * (len(blocks) - 1) + [True])
            self.test_block = len(blocks) - 1
        spec = p
        if ablation == "open_gate":
            phases = tuple(dataclasses.replace(ph, drive={**ph.drive, "gate": "all"}) if ph.name == "distractor"
                           else ph for ph in p.phases)
            spec = dataclasses.replace(p, phases=phases)
        self.session = Session(self.brain, spec, task=task, rows=ctx.trials if label == "main" else None,
                               epochs=ctx.epochs if label == "main" else None, log=lambda m: ctx.log(f"[{label}] {m}"))
        self.threshold = float(p.readouts["pfc"].threshold)

    def run(self) -> tuple[list[dict], float]:
        """The session: the main block's rows, and the retention test's accuracy (nan without one)."""
        first = len(self.session.rows)
        self.session.run()
        rows = self.session.rows[first:]
        for r in rows:
            rates = np.array([r.get(f"pfc{k}_stimulus_hz", np.nan) for k in range(self.session.readouts["pfc"].pools)])
            top = int(np.nanargmax(rates)) if np.isfinite(rates).any() else -1
            r["pfc_held"] = top if top >= 0 and rates[top] > self.threshold else -1
            goals = rates[:self.task.n_goals]
            r["pfc_goal_decoded"] = int(np.nanargmax(goals)) if np.isfinite(goals).any() else -1
        if not self.retention:
            return rows, float("nan")
        block = np.array([r["chain_block"] for r in rows])
        test = [r["correct"] for r, b in zip(rows, block) if b == self.test_block]   # none: max_trials ended it
        return [r for r, b in zip(rows, block) if b == 0], float(np.mean(test)) if test else float("nan")


def goal_projections(config, p: Params) -> dict:
    """The config's projections onto the striatum's goal ports, by label."""
    return {k: v for k, v in config.projections.items() if v.post == p.striatum and v.target.startswith("goal")}


def _ablated_config(config, p: Params, ablation: str):
    projections = dict(config.projections)
    goal = goal_projections(config, p)
    if ablation == "no_goal_projection":
        projections = {k: v for k, v in projections.items() if k not in goal}
    elif ablation == "goal_uninformative":     # every goal pool -> every goal port, each as the config wires one
        for v in goal.values():
            for w in goal.values():
                if (w.pre, w.source) != (v.pre, v.source):
                    label = f"{w.pre}->{v.post}:{v.target}_from_{w.source}"
                    projections[label] = dataclasses.replace(v, label=label, pre=w.pre, source=w.source)
    elif ablation == "ungated":
        for label in p.stimulus_projections:
            if label not in projections:
                raise ConfigError(f"experiment.stimulus_projections: unknown projection {label!r}")
            projections[label] = dataclasses.replace(projections[label], rule="da_three_factor")
    return dataclasses.replace(config, projections=projections)


def _ablation_metrics(ablation: str, rows, n_goals: int, p: Params) -> dict[str, float]:
    out = {f"accuracy_{ablation}": float(np.nanmean(_per_goal(rows, n_goals, p.n_last)))}
    if ablation == "open_gate":
        over = _held(rows) == np.array([r.get("distractor", -1) for r in rows])
        out["overwrite_rate_open_gate"] = float(np.mean(over))
        out["accuracy_overwritten_open_gate"] = (
            float(np.mean([r["correct"] for r, o in zip(rows, over) if o])) if over.any() else float("nan"))
    return out


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    config = _ablated_config(ctx.config, p, p.ablate) if p.ablate else ctx.config
    main = _Run(ctx, p, config, "main", record=True, ablation=p.ablate, retention=p.ablate in ("", "ungated"))
    G = main.task.n_goals
    rows, retention = main.run()
    goal = np.array([r["goal"] for r in rows])
    correct = np.array([r["correct"] for r in rows], dtype=float)
    acc = _per_goal(rows, G, p.n_last)
    crit = []
    for g in range(G):
        idx = np.flatnonzero(goal == g)
        c = correct[idx]
        k = _first_window(c, p.n_crit, p.criterion)
        crit.append(float(idx[k] + 1) if k is not None else float("nan"))
    held, decoded = _held(rows), np.array([r["pfc_goal_decoded"] for r in rows])
    metrics = {
        "accuracy_goal_min": float(np.min(acc)),
        **{f"accuracy_goal{g}": a for g, a in enumerate(acc)},
        "trials_to_criterion_goal_max": float(np.max(crit)),
        "goal_decoding": float(np.mean(decoded == goal)),
        "goal_hold_errors": float(np.mean(held != goal)),
        "no_choice_rate": float(np.mean([r["choice"] < 0 for r in rows])),
    }
    if main.retention:
        metrics[f"retention_{p.ablate or 'gated'}"] = retention
    if "gate" in p.readouts:
        metrics.update(_gate_metrics(rows, p, G))
    curves = {p.ablate or "gated": rows}
    if p.ablate:
        metrics.update(_ablation_metrics(p.ablate, rows, G, p))
    for ablation in p.ablations:
        ab = _Run(ctx, p, _ablated_config(ctx.config, p, ablation), ablation, record=False, ablation=ablation,
                  retention=ablation == "ungated")
        ab_rows, ab_retention = ab.run()
        curves[ablation] = ab_rows
        metrics.update(_ablation_metrics(ablation, ab_rows, G, p))
        if ab.retention:
            metrics["retention_ungated"] = ab_retention
    _weights(main, metrics, p)
    if p.figure and ctx.out is not None:
        figures = ctx.out / "figures"
        figures.mkdir(parents=True, exist_ok=True)
        learning_figure(curves, G, figures / "goal_gating_learning.png", 1.0 / main.task.n_actions)
        trial = next((r for r in rows if r["goal"] == 1), rows[0])
        trial_figure(ctx.spikes(), main, trial, p, figures / "goal_gating_trial.png")
    return metrics


def _first_window(ok, n: int, criterion: float) -> int | None:
    """Index of the last trial of the first ``n`` trials in a row whose mean of ``ok`` reaches
    ``criterion`` (None if none does)."""
    ok = np.asarray(ok, dtype=float)
    return next((k + n - 1 for k in range(len(ok) - n + 1) if ok[k:k + n].mean() >= criterion), None)


def _gate_metrics(rows, p: Params, n_goals: int) -> dict[str, float]:
    """The learned gate (readout ``gate`` of the gating loop's thalamus, pool 0 = Go): per trial,
    whether Go's pool passed threshold in the ``goal`` and in the ``distractor`` phase."""
    thr = float(p.readouts["gate"].threshold)
    go_goal = np.array([r.get("gate0_goal_hz", np.nan) > thr for r in rows])
    go_dis = np.array([r.get("gate0_distractor_hz", np.nan) > thr for r in rows])
    right = go_goal & ~go_dis
    last = slice(-p.n_last * n_goals, None)
    k = _first_window(right, p.n_crit, p.criterion)
    return {"gate_goal_rate": float(go_goal[last].mean()), "gate_distractor_rate": float(go_dis[last].mean()),
            "gate_right_rate": float(right[last].mean()),
            "gate_trials_to_criterion": float(k + 1) if k is not None else float("nan")}


def learning_figure(curves: dict, n_goals: int, path, chance: float = 0.5, window: int = 10) -> None:
    """Sliding accuracy (``window`` trials of the same goal) per goal, for the gated session and
    each ablation."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from brain.analysis import sliding_mean
    fig, axes = plt.subplots(1, n_goals, figsize=(4.5 * n_goals, 3.2), sharey=True)
    for g, ax in enumerate(np.atleast_1d(axes)):
        for k, (label, rows) in enumerate(curves.items()):
            trial = np.array([r["trial"] for r in rows if r["goal"] == g])
            correct = np.array([r["correct"] for r in rows if r["goal"] == g], dtype=float)
            if len(trial):
                ax.plot(trial, sliding_mean(correct, window), color=f"C{k}", label=label)
        ax.axhline(chance, color="0.7", lw=0.5, ls="--")
        ax.set(title=f"goal {g}", xlabel="trial", ylim=(-0.02, 1.02))
    np.atleast_1d(axes)[0].set_ylabel(f"accuracy ({window} trials of the goal)")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def trial_figure(spikes, run: _Run, row: dict, p: Params, path) -> None:
    """One trial on one time axis: PFC item pools, striatal D1 sub-pools (channel x goal), GPi,
    thalamus and DA cells, with the phase onsets marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    pfc, bg = run.brain.region(p.pfc), run.brain.region(p.striatum)
    t0 = row[f"t_{p.phases[0].name}"]
    t1 = t0 + sum(float(ph.duration) for ph in p.phases)
    n1 = bg.params.n_channels * bg.params.n_d1
    d1_order = np.lexsort((bg.goal_of()[:n1], bg.channel_of("msn")[:n1]))    # channel-major, goal inside
    rank = np.full(len(bg.goal_of()), -1)
    rank[d1_order] = np.arange(n1)
    blocks = [("PFC item pools", f"{p.pfc}.exc", lambda i: i < pfc.pool_slices[-1][1], lambda i: i),
              ("D1 MSNs (channel, goal)", f"{p.striatum}.msn", lambda i: i < n1, lambda i: rank[i]),
              ("GPi", f"{p.striatum}.gpi", None, None), ("thalamus", f"{p.striatum}.thal", None, None),
              ("DA", "dopamine.da", None, None),
              ("gate loop thalamus (Go, NoGo)", "gating.thal", None, None)]     # the learned-gate variant
    blocks = [b for b in blocks if b[1] in spikes]
    fig, axes = plt.subplots(len(blocks), 1, figsize=(9, 1.6 * len(blocks) + 1), sharex=True)
    for ax, (title, key, keep, order) in zip(np.atleast_1d(axes), blocks):
        i, t = np.asarray(spikes[key]["i"]), np.asarray(spikes[key]["t"])
        m = (t >= t0) & (t < t1)
        if keep is not None:
            m &= keep(i)
        y = order(i[m]) if order is not None else i[m]
        ax.plot(t[m] - t0, y, ".", ms=1.0, color="k")
        ax.set_ylabel(title, fontsize=8)
        for ph in p.phases:
            ax.axvline(row[f"t_{ph.name}"] - t0, color="0.8", lw=0.5)
    ax.set_xlabel(f"time in trial {row['trial']} (s): goal {row['goal']}, stimulus {row['stimulus']}, "
                  f"choice {row['choice']}, reward {row['reward']:.0f}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _weights(run: _Run, metrics: dict, p: Params) -> None:
    """Mean D1 weight from each stimulus pool onto each (goal sub-pool, channel): the learned mapping."""
    bg = run.brain.region(p.striatum)
    syn = run.brain.projections.get(p.stimulus_projections[0])
    if syn is None or bg.params.n_goals < 2:
        return
    n_stim = run.task.n_actions
    src = np.asarray(syn.i[:]) // (len(syn.source) // n_stim)
    j = np.asarray(syn.j[:])
    sub, ch = bg.goal_of("msn")[j], bg.channel_of("msn")[j]
    w = np.asarray(syn.w[:])
    for s in range(n_stim):
        for g in range(bg.params.n_goals):
            for k in range(bg.params.n_channels):
                m = (src == s) & (sub == g) & (ch == k)
                metrics[f"w_d1_s{s}_g{g}_ch{k}"] = float(w[m].mean()) if m.any() else float("nan")
