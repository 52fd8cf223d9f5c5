"""Mental rollouts: the hippocampus imagines the next state, a value population evaluates it.

One rollout step, with learning frozen (:meth:`brain.brain.Brain.frozen`: weights, eligibility,
STDP traces and the dopamine the rules read are restored afterwards, so an imagined value never
reaches learning):

1. every hippocampal population is silenced (``reset_activity``), the EC shows the current state
   plus the candidate action for ``t_cue``;
2. the cue ends; after ``t_lag``, for ``t_pred`` the CA1 cells fire the predicted next state in EC coordinates
   (the trisynaptic path lags the direct one; ``experiments.next_state``). The CA1 output
   drives the value population (a CA1 -> ventral striatum projection learned from real
   outcomes), whose rate in that window is the step's value response;
3. while CA1 predicts, the plan pool of the imagined action (if any) is gated in and
   integrates the value population's spikes (:class:`regions.plan.Plan`): the value is left in
   the network as a decaying channel-specific bias; the basal ganglia compare the pools later.

Python sequences the rollouts (which action to imagine, and when) and reads the predicted state
from CA1 only to report it (and, in ``clean`` chains of ``depth`` > 1, to cue the next step with
the EC pattern of the decoded state). It never compares values: the basal ganglia do.

References
----------
Daw ND, Niv Y, Dayan P (2005) Nat Neurosci 8:1704-1711 (model-based tree search vs cached values).
Pfeiffer BE, Foster DJ (2013) Nature 497:74-79 (hippocampal place-cell sequences depict future paths).
Lansink CS, Goltstein PM, Lankelma JV, McNaughton BL, Pennartz CMA (2009) PLoS Biol 7:e1000173
    (hippocampus leads ventral striatum in replay of reward-related information).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from brian2 import second

from brain.trials.timeline import Timeline
from brain.trials.windows import state_scores


@dataclass
class RolloutResult:
    """What one rollout imagined: per step the decoded state, its CA1 score and the value response."""

    states: list[int] = field(default_factory=list)
    scores: list[np.ndarray] = field(default_factory=list)   # per step: score of every candidate state
    values: list[float] = field(default_factory=list)        # per step: value population rate (Hz)
    sim_ms_per_step: float = 0.0
    wall_s: float = 0.0


class Imagination:
    """Rollouts on a built brain (runtime backend).

    Parameters
    ----------
    brain : the Brain.
    hippocampus : its hippocampus region (``reset_activity`` before each step).
    ec : the EC drive (:class:`brain.trials.stimulus.Stimulus`, one pool per EC cell).
    ca1 : a CA1 readout keeping ``cells``.
    value : the value population's readout (one pool).
    states, actions : boolean EC patterns (candidate states x n_ec, actions x n_ec).
    plan : the plan region (:class:`regions.plan.Plan`) or None (nothing is left behind).
    t_cue, t_lag, t_pred : Brian2 durations (multiples of ``grid``) of the cue, of the silence after it
        (CA1's direct-path response to the cue dies out; the trisynaptic prediction arrives ~30 ms
        after the cue onset) and of the prediction window, in which CA1 is read and the plan gated.
    timeline : the :class:`~brain.trials.timeline.Timeline` that :meth:`rollout` runs on (built
        here on a ``grid`` of 10 ms when not given: freezes then last whole update periods).
    """

    def __init__(self, brain, hippocampus, ec, ca1, value, states, actions, plan=None, *, t_cue, t_pred,
                 t_lag=0 * second, timeline: Timeline | None = None, grid=0.01):
        self.brain, self.hc, self.ec, self.ca1, self.value, self.plan = brain, hippocampus, ec, ca1, value, plan
        self.states, self.actions = np.asarray(states, bool), np.asarray(actions, bool)
        self.t_cue, self.t_pred, self.t_lag = t_cue, t_pred, t_lag
        self.timeline = timeline if timeline is not None else Timeline(brain, grid, name="imagination")

    def rollout(self, state: int, actions, pool: int | None = None) -> RolloutResult:
        """Imagine ``actions`` (one per step) from ``state`` now, in one ``run()``; the value of every
        step is gated into plan pool ``pool``. Learning is frozen throughout."""
        res = RolloutResult()
        self.timeline.run(self.schedule(self.timeline, 0.0, state, actions, pool, res))
        return res

    def schedule(self, tl: Timeline, start: float, state: int, actions, pool: int | None,
                 res: RolloutResult) -> float:
        """Put a rollout on timeline ``tl`` from ``start`` (s); ``res`` is filled as it runs.
        Returns the offset at which it ends.

        Every step's actions are put on the timeline here, in order, from offsets computed the way
        the returned end is, so a rollout scheduled next from that end starts after this one has read
        its last step and unfrozen the brain (the timeline calls the actions of one grid step in the
        order they were scheduled)."""
        actions = [int(a) for a in np.atleast_1d(actions)]
        t_cue, t_lag, t_pred = (float(q / second) for q in (self.t_cue, self.t_lag, self.t_pred))
        step = t_cue + t_lag + t_pred
        res.sim_ms_per_step = 1e3 * step
        ctx = {"s": int(state), "current": self.states[state], "was_frozen": False, "wall": 0.0}

        def begin():
            ctx["wall"] = time.perf_counter()
            ctx["was_frozen"] = self.brain.is_frozen
            self.brain.set_plastic(False)

        def cue(k):
            ctx["cue"] = ctx["current"] | self.actions[actions[k]]
            self.hc.reset_activity()
            self.ec.set(ctx["cue"].astype(float))

        def predict():
            now = float(self.brain.network.t / second)
            self.ca1.mark(now)
            self.value.mark(now)
            if self.plan is not None:
                self.plan.open_gate(pool)

        def read():
            if self.plan is not None:
                self.plan.open_gate(None)
            sc = state_scores(self.states, self.ca1.window(), ctx["cue"])
            sc[ctx["s"]] = -1.0                  # the prediction is a state other than the current one
            s = ctx["s"] = int(np.argmax(sc))
            res.states.append(s)
            res.scores.append(sc)
            res.values.append(float(self.value.rates(float(self.brain.network.t / second))[0]))
            ctx["current"] = self.states[s]

        def finish():
            self.hc.reset_activity()
            if not ctx["was_frozen"]:
                self.brain.set_plastic(True)
            res.wall_s = time.perf_counter() - ctx["wall"]

        tl.at(start, begin)
        for k in range(len(actions)):
            t = start + k * step
            tl.at(t, lambda k=k: cue(k))
            tl.at(t + t_cue, self.ec.off)
            tl.at(t + t_cue + t_lag, predict)
            tl.at(start + (k + 1) * step, read)      # the grid step of step k + 1's cue and of ``end``
        end = start + len(actions) * step
        tl.at(end, finish)
        return end
