"""Model-based revaluation on the two-step world (Daw et al. 2011): rollouts vs cached values.

World: stage 1 is state 0 with actions 0 and 1; action ``a`` leads to state ``1 + a`` with
probability ``p_common`` (else to the other second-stage state). Second-stage states pay a reward
that depends on the state only: before revaluation the state ``rewarded_first`` (drawn from the
seed) pays with ``p_high``, the other with ``p_low``; revaluation swaps them.

One brain (``experiments/configs/two_step.yaml``), built afresh per agent from the same seed:

- ``hippocampus``: the world model, learned from the experienced transitions (EC shows state 0
  plus the chosen action, then the state reached: ``experiments.next_state``);
- ``vs`` (ventral striatum, one channel): values of the states, learned on the CA1 -> vs:d1
  projection by dopamine-gated STDP from the reward at the second stage;
- ``plan``: one gated pool per action (:class:`regions.plan.Plan`); each projects onto the D1
  MSNs of its action channel in the dorsal ``striatum``;
- ``striatum`` (dorsal, two channels): the choice (thalamic pool above threshold), with a cue
  (``cue``: the stage-1 context) on plastic corticostriatal synapses (cached, model-free values);
- ``reward``: the reward, as dopamine onto the ventral striatum and as excitation of the dorsal
  critic's DA cells;
- ``dopamine`` (the dorsal critic, as in reversal_learning): DA cells excited by the reward and by
  the ventral D1 response to the state reached (``vs -> dopamine``: the value of the stage-2 state
  credits the stage-1 choice before the reward does, TD-like credit), inhibited by timing cells
  that the stage-1 cue's onset (``onset``) starts and that learn when dopamine is expected; they
  release dopamine onto the dorsal MSNs, whose cached-value rules subtract tonic dopamine
  (``baseline_tonic``, measured in the ``t_tonic`` window before the first trial). Bursts and
  dips are then prediction errors: the expectation grows until paid and unpaid outcomes balance.

Agents (the same brain): ``mb``: before each stage-1 choice both actions are imagined
(:class:`brain.trials.rollout.Imagination`, learning frozen, random order), the cue -> striatum
synapses are static (no cached values); ``mf``: no rollouts, cue -> striatum learns;
``hybrid``: both.

Protocol per agent: ``n_forced`` instructed trials (the experiment picks the action, half each,
and no choice is read: both actions' transitions are experienced, as in rodent protocols with
forced trials; with ``forced_transitions`` "balanced" each action's instructed trials hold the
task's share of common transitions, shuffled; with ``model_learning`` "forced" the world model learns
here only, a transition model trained beforehand, so that the agent's own choices do not skew it),
``n_train`` trials
(values and cached values learn; a no-choice trial shows no transition and pays nothing), then
after a break of ``t_break`` (5 tau_c: no training eligibility meets the revaluation's dopamine),
``n_reval`` second-stage-only trials (EC shows state 1 or 2 and its new reward; the hippocampus's
own plasticity is off: the world model is not touched; the cue is off, so no cached stage-1 value
is touched either), then ``n_test`` stage-1 choices with learning frozen and
no feedback.

Protocol ``stay`` (the stay analysis of Daw et al. 2011): the instructed trials, then ``n_stay``
(200) choice trials in which each second-stage state pays with its own probability, drifting by a
Gaussian walk (sd ``drift_sd`` 0.025, reflecting ``drift_bounds`` [0.25, 0.75]; the states have one
action each, as in the rodent versions of the task, Miller et al. 2017, but Daw's drifting
probabilities); no revaluation block.

Metrics (per agent, suffix ``_mb``, ``_mf``, ``_hybrid``)
---------------------------------------------------------
revaluation_index : P(choosing the action whose common destination is better after revaluation)
    in the test block minus the same in the last ``n_window`` training trials (no-choice counts as
    not choosing it).
train_accuracy : fraction of the last ``n_window`` training trials choosing the action whose
    common destination pays more before revaluation; no_choice_rate : over every choice.
rollout_common_accuracy : (rollout agents) fraction of rollout steps whose CA1 prediction is the
    common destination of the imagined action (training and test).
value_better / value_worse : (rollout agents) mean value-population rate (Hz) in rollouts of the
    action whose common destination pays more / less (test block, after revaluation).
choice_follows_value : (rollout agents) fraction of the choices, among those whose two imagined
    values differ by more than ``value_margin`` Hz, that took the action imagined as more valuable
    (the basal ganglia's comparison of the plan pools, read by Python only for this report);
    value_clear_rate : the fraction of the choices whose imagined values differ by that much (the
    others are decided by something other than the imagined values).
value_silent_rate, interaction_silent : (rollout agents, protocol ``stay``) the fraction of the choices
    whose two imagined values were both 0 Hz, and the stay regression's interaction over the stays
    into those choices only (NaN below 20): a model-based signature that the imagined values cannot
    have caused.
value_seen_better_hz / value_seen_worse_hz : (every agent) the value population's rate while the
    real state is shown (no world model involved) in the second half of the revaluation block, for
    the state that pays after revaluation / the other: what the values learned.
rollout_sim_ms_per_step, rollout_wall_s_per_decision : simulated ms of one rollout step and wall
    seconds of the rollouts of one decision.
stay_rewarded_common ... stay_unrewarded_rare, reward_effect, transition_effect, interaction :
    (every agent) the stay analysis of Daw et al. (2011) over the training trials with a choice:
    P(same stage-1 choice as in the previous trial) per (reward, transition) of that trial, and
    the logistic-regression coefficients of stay on reward, transition (common = +1) and their
    product (:mod:`brain.trials.stay`). With the default 24 training trials and deterministic
    rewards these are indicative only; protocol ``stay`` runs it over its 200 drifting-reward trials.
lagged_{cell}_lag{k} : (protocol ``stay``) the lagged regression of Akam et al. (2015): P(choose action
    0) on each (reward, transition) trial type ``k`` trials back, signed by that trial's choice.
reward_rate : (protocol ``stay``) rewards per choice trial (a no-choice trial pays nothing).
da_outcome_paid_hz / da_outcome_unpaid_hz / da_state_hz : the dorsal critic's DA cells' mean rate
    (tonic ~4 Hz) in the outcome window of paid / unpaid trials, and while the state reached is shown
    before it, over the second half of the choice trials (training or stay): a burst and a dip once
    the critic expects the reward.

Results. Per seed on seeds 4-13, with the commands and what does not meet its target:
``experiments/results/two_step.md``.

References
----------
Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011) Neuron 69:1204-1215 (two-step task).
Gläscher J, Daw N, Dayan P, O'Doherty JP (2010) Neuron 66:585-595 (state-prediction errors).
Dickinson A, Balleine BW (2002) in Stevens' Handbook of Experimental Psychology 3:497-533
    (outcome revaluation separates goal-directed from habitual control).
O'Doherty J, Dayan P, Schultz J, Deichmann R, Friston K, Dolan RJ (2004) Science 304:452-454
    (ventral striatum critic, dorsal striatum actor).
Miller KJ, Botvinick MM, Brody CD (2017) Nat Neurosci 20:1269-1276 (rat two-step task: one action
    per second-stage state).
Akam T, Costa R, Dayan P (2015) PLoS Comput Biol 11:e1004648 (the lagged regression).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS, second

from brain.config import ConfigError
from brain.trials.engine import settle_tonic, tonic_groups
from brain.trials.readout import Readout
from brain.trials.rollout import Imagination, RolloutResult
from brain.trials.specs import ReadoutSpec, StimulusSpec
from brain.trials.stimulus import Stimulus
from brain.trials.tasks import random_walk
from brain.trials.timeline import Timeline
from brain.trials.windows import cell_drive, disjoint_patterns
from plasticity.params import (ParamError, check_choice, check_nonneg, check_nonneg_int, check_positive,
                               check_positive_int, check_probability, check_probability_range, quantity)
from regions.base import derive_seed

from experiments._two_step_figures import decision_figure, revaluation_figure, stay_figure
from experiments._two_step_metrics import metrics as _metrics

BACKENDS = ("numpy", "cython")     # closed loop: choices are read between run() calls
AGENTS = ("mb", "mf", "hybrid")


@dataclass(frozen=True)
class Params:
    agents: tuple = ("mb", "mf")
    hippocampus: str = "hippocampus"
    plan: str = "plan"
    mf_projections: tuple = ("cue->striatum:d1", "cue->striatum:d2")   # static in the mb agent
    n_forced: int = 40                       # instructed trials first (half per action): no choice
    model_learning: str = "forced"           # the world model learns in the instructed trials only (a
                                             # transition model trained beforehand); "always": also later
    forced_transitions: str = "balanced"     # each action's instructed trials hold round(p_common n) common
                                             # transitions in a shuffled order; "drawn": each drawn anew
    protocol: str = "revaluation"            # "stay": forced, then n_stay trials of drifting rewards (Daw)
    n_train: int = 24
    n_reval: int = 24
    n_test: int = 20                         # the test block: 20 frozen stage-1 choices
    n_window: int = 20                       # against the last 20 training choices
    n_stay: int = 200                        # protocol "stay": choice trials for the stay analysis
    drift_sd: float = 0.025                  # protocol "stay": each state's reward probability walks
    drift_bounds: tuple = (0.25, 0.75)       # (Gaussian, reflecting bounds; Daw et al. 2011)
    n_lags: int = 2                          # protocol "stay": lags of the Akam et al. (2015) regression
    p_common: float = 0.7
    p_high: float = 1.0
    p_low: float = 0.0
    ec_coding: float = 0.1                   # as experiments.next_state
    action_coding: float = 0.05              # as next_state (0.15 drove 250-430 of 800 CA3 cells per cue, seed 1)
    rate_ec: object = quantity(2000 * Hz)
    w_drive: object = quantity(1 * nS)
    t_cue: object = quantity(20 * ms)        # rollout: EC cue, then the CA1 prediction window
    t_lag: object = quantity(10 * ms)
    t_pred: object = quantity(40 * ms)
    t_choice: object = quantity(200 * ms)
    choice_from: object = quantity(50 * ms)
    threshold: object = quantity(20 * Hz)
    t_sa: object = quantity(20 * ms)         # experience: EC shows state 0 + action, then the state reached
    t_next: object = quantity(80 * ms)       # s' alone before the reward: its cells, not the cue's, are eligible
    t_outcome: object = quantity(100 * ms)   # EC still shows the state; reward dopamine if paid
    t_iti: object = quantity(500 * ms)     # the reward's dorsal dopamine decays before the next choice
    t_rest: object = quantity(200 * ms)      # after an instructed or revaluation trial (no rollouts, no choice)
    rate_reward: object = quantity(40 * Hz)
    # the dorsal critic (region ``dopamine``, if the config has one): its cue relay is driven by the
    # stage-1 cue's onset only (region ``onset``, rate_onset for t_onset), as in goal_gating: each
    # timing pool then fires one burst at its delay
    onset: str = "onset"
    rate_onset: object = quantity(150 * Hz)
    t_onset: object = quantity(50 * ms)
    # before the first trial: t_settle with no stimulus (the MSNs' da rises from 0 to tonic), then a
    # tonic window of t_tonic (da_tonic, the baseline of ``baseline_tonic`` rules, is measured only
    # here: every later window holds a cue, a state or an outcome, or their dopamine's tail)
    t_settle: object = quantity(1 * second)
    t_tonic: object = quantity(2 * second)
    t_break: object = quantity(5 * second)   # before the revaluation block: 5 tau_c, no eligibility left
    figure: bool = True
    value_margin: float = 5.0                # Hz: choice_follows_value counts decisions whose values differ more

    def __post_init__(self):
        if isinstance(self.agents, str):                  # one agent (e.g. --set experiment.agents=mb)
            object.__setattr__(self, "agents", (self.agents,))
        if not isinstance(self.agents, (list, tuple)) or not self.agents or any(a not in AGENTS for a in self.agents):
            got = list(self.agents) if isinstance(self.agents, tuple) else self.agents
            raise ParamError("agents", f"must be a list of {', '.join(AGENTS)}, got {got!r}")
        check_choice(self, "model_learning", ("forced", "always"))
        check_choice(self, "forced_transitions", ("balanced", "drawn"))
        check_choice(self, "protocol", ("revaluation", "stay"))
        check_positive_int(self, "n_stay", "n_lags")
        check_nonneg(self, "drift_sd")
        check_probability_range(self, "drift_bounds")
        check_positive_int(self, "n_train", "n_test", "n_window")
        check_nonneg_int(self, "n_reval", "n_forced")
        check_probability(self, "p_common", "p_high", "p_low", "ec_coding", "action_coding")
        check_nonneg(self, "t_lag")
        check_positive(self, "t_cue", "t_pred", "t_choice", "t_sa", "t_next", "t_outcome", "t_iti", "t_rest")
        check_nonneg(self, "choice_from", "rate_ec", "w_drive", "threshold", "rate_reward", "rate_onset", "t_onset",
                     "t_settle", "t_tonic", "t_break")
        if self.n_window > self.n_train:
            raise ParamError("n_window", f"must not exceed n_train ({self.n_train})")
        if float(self.choice_from) >= float(self.t_choice):
            raise ParamError("choice_from", "must be shorter than t_choice")


def forced_common(actions, p_common: float, rng) -> np.ndarray:
    """Which instructed trials take the common transition: for each action, ``round(p_common n)``
    of its ``n`` trials, at shuffled places (a counterbalanced instruction block, so that every
    seed's world model is trained on the task's transition statistics, not on a lucky or unlucky
    draw: with 20 drawn trials per action, P(at most 12 common) = 0.23)."""
    actions = np.asarray(actions)
    common = np.zeros(actions.size, dtype=bool)
    for a in np.unique(actions):
        idx = np.flatnonzero(actions == a)
        common[rng.permutation(idx)[:int(round(p_common * idx.size))]] = True
    return common


def _seconds(q) -> float:
    return float(q / second)


class _Agent:
    """One agent's brain, stimuli, readouts and the loop of its three blocks."""

    def __init__(self, ctx, p: Params, agent: str, rng):
        self.p, self.agent, self.rng, self.ctx = p, agent, rng, ctx
        config = ctx.config
        if agent == "mb":
            projections = dict(config.projections)
            for label in p.mf_projections:
                if label not in projections:
                    raise ConfigError(f"experiment.mf_projections: unknown projection {label!r}")
                projections[label] = dataclasses.replace(projections[label], rule="static", rule_params={})
            config = dataclasses.replace(config, projections=projections)
        for name in (p.hippocampus, p.plan, "striatum", "vs", "cue", "reward"):
            if name not in config.regions:
                raise ConfigError(f"regions: two_step needs a region {name!r}")
        b = self.brain = ctx.brain(config)
        self.hc, self.plan = b.regions[p.hippocampus], b.regions[p.plan]
        n_ec = len(self.hc.groups["ec"])
        pat = np.random.default_rng(derive_seed(ctx.seed, "two_step_patterns"))
        m_s, m_a = max(1, round(p.ec_coding * n_ec)), max(1, round(p.action_coding * n_ec))
        try:
            pats = disjoint_patterns([m_s] * 3 + [m_a] * 2, n_ec, pat)   # orthogonal stimuli
        except ValueError:
            raise ConfigError(f"experiment.action_coding: 3 states and 2 actions of {m_s} and {m_a} cells "
                              f"do not fit disjointly in {n_ec} EC cells") from None
        self.states, self.actions = pats[:3], pats[3:]
        self.ec = Stimulus("ec", cell_drive(f"{p.hippocampus}.ec", n_ec, p.w_drive, p.rate_ec), b, n_ec)
        self.cue = Stimulus("cue", StimulusSpec(port="cue.out"), b, 1)
        self.reward = Stimulus("reward", StimulusSpec(port="reward.out", rate=p.rate_reward), b, 1)
        self.onset = (Stimulus("onset", StimulusSpec(port=f"{p.onset}.out", rate=p.rate_onset), b, 1)
                      if p.onset in b.regions else None)
        self.da = Readout("da", ReadoutSpec(port="dopamine.da"), b, 1) if "dopamine" in b.regions else None
        self._tonic = tonic_groups(b)
        self.choice = Readout("choice", ReadoutSpec(port="striatum.output", threshold=p.threshold), b, 2)
        ca1 = Readout("ca1", ReadoutSpec(port=f"{p.hippocampus}.ca1", keep="cells"), b, n_ec)
        value = self.value = Readout("value", ReadoutSpec(port="vs.d1"), b, 1)
        self.timeline = Timeline(b, 0.01)
        self.imagine = Imagination(b, self.hc, self.ec, ca1, value, self.states, self.actions,
                                   self.plan if agent != "mf" else None, t_cue=p.t_cue, t_pred=p.t_pred, t_lag=p.t_lag,
                                   timeline=self.timeline)
        self.rows = ctx.trials
        self.steps, self.wall = [], []

    def now(self) -> float:
        """The network's time (s)."""
        return float(self.brain.network.t / second)

    def fix_model(self) -> None:
        """Stop the world model's learning (hippocampal plasticity off) while it keeps perceiving in
        encoding mode (ACh high, as when it learned). Rollouts keep it so: unfreezing the brain sets
        every gate back to its state before the freeze."""
        self.hc.set_plastic(False)
        self.hc.set_ach(1.0)

    def trial(self, block: str, row: dict, outcome=None) -> None:
        """One stage-1 trial as one run: rollouts (mb, hybrid), the choice, and, when ``outcome``
        (a function of the choice -> (state reached, paid) or None) is given, the experience."""
        p, tl, sec = self.p, self.timeline, _seconds
        t, results = 0.0, []
        t0 = row["t_start"] = self.now()
        self.plan.reset_activity()
        if self.agent != "mf":
            for a in self.rng.permutation(2):
                res = RolloutResult()
                results.append((int(a), res))
                row[f"t_rollout{a}"] = t0 + t
                t = self.imagine.schedule(tl, t, 0, [a], int(a), res)
        t_choice = t
        row["t_choice"] = t0 + t_choice
        tl.at(t_choice, self.cue.on)
        if self.onset is not None:
            tl.at(t_choice, self.onset.on)
            tl.at(t_choice + sec(p.t_onset), self.onset.off)
        tl.at(t_choice + sec(p.choice_from), lambda: self.choice.mark(self.now()))
        t_read = t_choice + sec(p.t_choice)

        def read():
            rates = self.choice.rates(self.now())
            self.cue.off()
            choice = self.choice.winner(rates)
            row.update(block=block, choice=-1 if choice is None else choice, rate0_hz=float(rates[0]),
                       rate1_hz=float(rates[1]))
            if choice is not None and outcome is not None:
                reached, paid = outcome(choice)
                row.update(reached=reached, reward=float(paid))
                self.experience(t_read, 0, reached, paid, choice, row)

        tl.at(t_read, read)
        end = t_read + (self._t_experience(True) if outcome is not None else 0.0) + sec(p.t_iti)
        row["t_read"], row["t_end"] = t0 + t_read, t0 + end
        tl.run(end)
        for a, res in results:
            row[f"imagined{a}"], row[f"value{a}_hz"] = res.states[0], res.values[0]
            self.steps.append(res.sim_ms_per_step)
        if results:
            self.wall.append(sum(res.wall_s for _, res in results))

    def _t_experience(self, stage1: bool) -> float:
        p = self.p
        return float(((p.t_sa if stage1 else 0 * ms) + p.t_next + p.t_outcome) / second)

    def experience(self, t: float, state: int | None, reached: int, paid: bool, action: int | None = None,
                   row: dict | None = None) -> None:
        """From offset ``t``: EC shows (state + action) then the state reached; reward dopamine in
        the outcome if paid. ``row`` gets ``value_seen_hz``: the value population's rate while the
        reached state is shown, before any reward (what the values have learned, with no world model)."""
        p, tl, sec = self.p, self.timeline, _seconds
        if state is not None:
            tl.at(t, lambda: self.ec.set((self.states[state] | self.actions[action]).astype(float)))
            t += sec(p.t_sa)
        tl.at(t, lambda: self.ec.set(self.states[reached].astype(float)))
        if row is not None:
            tl.at(t + sec(p.t_lag), lambda: self.value.mark(self.now()))
            tl.at(t + sec(p.t_next), lambda: row.update(value_seen_hz=float(self.value.rates(self.now())[0])))
            self._read_da(t, t + sec(p.t_next), row, "da_state_hz")
        t += sec(p.t_next)
        if paid:
            tl.at(t, self.reward.on)
        if row is not None:
            self._read_da(t, t + sec(p.t_outcome), row, "da_outcome_hz")
        t += sec(p.t_outcome)
        tl.at(t, self.reward.off)
        tl.at(t, self.ec.off)

    def _read_da(self, start: float, end: float, row: dict, key: str) -> None:
        """``row[key]``: the DA cells' mean rate (Hz) between offsets ``start`` and ``end``."""
        if self.da is not None:
            self.timeline.at(start, lambda: self.da.mark(self.now()))
            self.timeline.at(end, lambda: row.update({key: float(self.da.rates(self.now())[0])}))

    def settle(self) -> None:
        """``t_settle`` with no stimulus, then ``t_tonic`` as the only tonic window (``tonic_window``
        1 on every group that has one: the MSNs' ``da_tonic``)."""
        settle_tonic(self._tonic, self.p.t_settle, self.p.t_tonic, lambda d: self.timeline.run(_seconds(d)))

    def run(self, better_first: int) -> list[dict]:
        """The protocol's blocks (instructed, then training, revaluation and test, or the stay block);
        ``better_first``: the second-stage state paying ``p_high`` first (1 or 2; revaluation only)."""
        p, rng = self.p, self.rng
        pay = {better_first: p.p_high, 3 - better_first: p.p_low}
        out = []
        walk = None
        if p.protocol == "stay":        # each state's reward probability per trial (forced, then stay)
            walk = random_walk(rng.uniform(*p.drift_bounds, 2), p.n_forced + p.n_stay, p.drift_sd,
                               p.drift_bounds, rng)

        def outcome(a):
            reached = 1 + (a if rng.random() < p.p_common else 1 - a)
            return reached, bool(rng.random() < pay[reached])

        def drift(t, row):
            pay.update({1: float(walk[t, 0]), 2: float(walk[t, 1])})
            row.update(p1=pay[1], p2=pay[2])

        self.settle()
        rest = float(p.t_rest / second)
        actions = rng.permutation(np.arange(p.n_forced) % 2)
        common = forced_common(actions, p.p_common, rng) if p.forced_transitions == "balanced" else None
        for t, a in enumerate(actions):
            row = {"agent": self.agent, "trial": t, "block": "forced", "choice": int(a)}
            if walk is not None:
                drift(t, row)
            if common is None:
                reached, paid = outcome(int(a))
            else:
                reached = int(1 + (a if common[t] else 1 - a))
                paid = bool(rng.random() < pay[reached])
            self.experience(0.0, 0, reached, paid, int(a))
            self.timeline.run(self._t_experience(True) + rest)
            row.update(reached=reached, reward=float(paid))
            out.append(row)
            self.rows.append(row)
        if p.model_learning == "forced":
            self.fix_model()
        if walk is not None:
            return out + self.choices("stay", p.n_stay, outcome, lambda t, row: drift(p.n_forced + t, row))
        out += self.choices("train", p.n_train, outcome)
        pay.update({better_first: p.p_low, 3 - better_first: p.p_high})
        # the world model is not touched; retrieval mode (ACh low) as in the rollouts: with ACh high a
        # state whose value synapses sank to w_min in training evoked no ventral response and could
        # not regain value (seeds 1-2)
        self.hc.set_plastic(False)
        if p.t_break > 0:
            self.timeline.run(_seconds(p.t_break))
        for t, s in enumerate(rng.permutation(np.arange(p.n_reval) % 2 + 1)):
            paid = bool(rng.random() < pay[int(s)])
            row = {"agent": self.agent, "trial": t, "block": "revalue", "reached": int(s), "reward": float(paid)}
            self.experience(0.0, None, int(s), paid, row=row)
            self.timeline.run(self._t_experience(False) + rest)
            out.append(row)
            self.rows.append(row)
        with self.brain.frozen():
            out += self.choices("test", p.n_test)
        return out

    def choices(self, block: str, n: int, outcome=None, before=None) -> list[dict]:
        """``n`` stage-1 choice trials of ``block``; ``before(t, row)`` prepares trial ``t``."""
        out = []
        for t in range(n):
            row = {"agent": self.agent, "trial": t}
            if before is not None:
                before(t, row)
            self.trial(block, row, outcome)
            out.append(row)
            self.rows.append(row)
            if (t + 1) % max(1, n // 5) == 0:
                self.ctx.log(f"two_step {self.agent}: {block} trial {t + 1}/{n}")
        return out


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    rng = np.random.default_rng(derive_seed(ctx.seed, "two_step"))
    better_first = int(rng.integers(1, 3))
    metrics: dict[str, float] = {"better_first": float(better_first)}
    shown = {}
    for agent in p.agents:
        ag = _Agent(ctx, p, agent, np.random.default_rng(derive_seed(ctx.seed, f"two_step_{agent}")))
        rows = ag.run(better_first)
        metrics.update(_metrics(rows, p, better_first, agent))
        if p.figure and ctx.out is not None:
            shown[agent] = rows
            if agent != "mf":
                decision_figure(ag, rows, ctx.out / "figures" / f"two_step_decision_{agent}.png")
        if ag.steps:
            metrics[f"rollout_sim_ms_per_step_{agent}"] = float(np.mean(ag.steps))
            metrics[f"rollout_wall_s_per_decision_{agent}"] = float(np.mean(ag.wall))
        ctx.log("two_step: " + " ".join(f"{k}={v:.2f}" for k, v in metrics.items() if k.endswith(agent)))
    if shown and p.protocol == "stay":
        stay_figure(metrics, shown, p, ctx.seed, ctx.out / "figures" / "two_step_stay.png")
    elif shown:
        revaluation_figure(shown, p, better_first, ctx.out / "figures" / "two_step_revaluation.png")
    return metrics
