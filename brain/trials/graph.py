"""The in-graph loop (``loop: graph``): a whole session as one ``run()``, decided in generated code.

For tasks whose observations do not depend on the choices (:class:`brain.trials.tasks._OneStep`:
bandit, reversal, goal_cued), the trial logic is written as equations, so that the session
compiles once and runs on cpp_standalone as well as on the runtime backends, with no Python
between trials:

- The task pre-draws its sequence from its seed (``u[t, a]``, ``p[t, a]``); the reward each action
  would earn on each trial, ``u < p`` (the task's own rule), and every phase's drives (stimulus
  levels, the tonic window) are laid out on the ``sample_dt`` grid as ``TimedArray`` s.
- A one-cell controller group counts the deciding readout's spikes per pool (a synapse from every
  cell, ``count<k>_post += 1``). Its ``run_regularly`` (``when='start'`` on the ``sample_dt`` grid,
  as the Python loop's operation) zeroes the counters at ``read_from`` and, at the deciding
  phase's end, applies :meth:`brain.trials.readout.Readout.winner`'s rule (highest rate above
  threshold and unique; ``exclusive``) and looks the reward up: ``rew``.
- Stimuli run a ``run_regularly`` of their own: ``rate = base + (full - base) * level(t, pool)``,
  and a stimulus that shows the reward reads ``rew`` through a linked variable.

After the run, the trial log is rebuilt from recorded spikes with the Python loop's windows
(rates, ``n_selected``, latency, ``cells`` / ``spikes`` windows, epochs); the in-graph choices
(a ``StateMonitor`` of the controller) are replayed through the Python task for reward,
correctness and info, and are checked against the choices recomputed from the spikes
(:attr:`GraphLoop.mismatches`, 0 when the two agree). The corticostriatal weights of
``log_weights`` are logged on the last trial only (the state at the end of the run).

Nothing here draws random numbers, so with the same seed the graph loop gives the operation
loop's trials; Brian2 2.11's cpp_standalone draws the same stream as the runtime targets, so it
does too (reversal_learning seeds 4 and 10: identical metrics and trial logs).

A chain of blocks (:class:`brain.trials.chain.Chain`) runs as one task; its frozen blocks set every
learning gate to 0 from their first trial on (they must come last: a retention test).

Not supported (a one-line ``ConfigError``): tasks whose observations follow the choices (two_step),
phases that reset a region, a reward shown on a ``rate`` port, a session without a deciding
phase, a second :meth:`Session.run`.
"""
from __future__ import annotations

import warnings

import numpy as np
from brian2 import NeuronGroup, StateMonitor, Synapses, TimedArray, defaultclock, linked_var, second

from brain.config import ConfigError
from brain.trials.stimulus import blocks, drive, first_above


def _steps(value, dt: float, what: str) -> int:
    n = float(value) / dt
    if abs(n - round(n)) > 1e-6:
        raise ConfigError(f"experiment.{what}: must be a multiple of sample_dt ({dt * 1000:g} ms) for loop: graph")
    return int(round(n))


def _namespace(group, values: dict) -> list[str]:
    """Add ``values`` to ``group``'s namespace (where its ``run_regularly`` code resolves names)."""
    if group.namespace is None:
        group.namespace = {}
    group.namespace.update(values)
    return list(values)


def decision_code(n: int) -> tuple[str, str]:
    """The controller's equations and its ``run_regularly`` code for ``n`` pools.

    At ``events(t, 1)`` (the deciding phase's end) it applies :meth:`Readout.winner`: the pool with
    the highest rate ``r<k> = count<k> / sw<k>``, if above ``thr`` and unique (and, with ``excl``,
    the only one above), else -1; then the reward ``rewarded(t, choice)``. ``events(t, 2)`` (a
    trial's start) clears the reward, ``events(t, 0)`` (``read_from``) zeroes the counters.
    Comparisons only, no arithmetic on rates (which rounds: 38.6 + (126.2 - 38.6) != 126.2):
    ``top<k>`` is 1 where pool k is at the maximum, ``b<k>`` the first such pool from k on.
    """
    eqs = "\n".join([f"count{k} : 1\nr{k} : 1\ntop{k} : 1\nb{k} : 1" for k in range(n)]
                    + ["choice : 1", "rew : 1", "ntop : 1", "nsel : 1", "ok : 1", "mark : 1", "decide : 1",
                       "begin : 1"])
    code = ["mark = events(t, 0)", "decide = events(t, 1)", "begin = events(t, 2)"]
    code += [f"r{k} = count{k} / sw{k}" for k in range(n)]
    code += [f"top{k} = " + (" * ".join(f"int(r{k} >= r{j})" for j in range(n) if j != k) or "1")
             for k in range(n)]
    code += ["ntop = " + " + ".join(f"top{k}" for k in range(n)),
             "nsel = " + " + ".join(f"int(r{k} > thr)" for k in range(n)),
             f"b{n - 1} = {n - 1} * top{n - 1} - (1 - top{n - 1})"]
    code += [f"b{k} = b{k + 1} + ({k} - b{k + 1}) * top{k}" for k in reversed(range(n - 1))]
    code += ["ok = int(nsel > 0) * int(ntop == 1) * (1 - excl * int(nsel > 1))",
             "choice = decide * (ok * b0 - (1 - ok)) + (1 - decide) * choice",
             "rew = (decide * int(choice >= 0) * rewarded(t, int(clip(choice, 0, n_act - 1)))"
             " + (1 - decide) * rew) * (1 - begin)"]
    code += [f"count{k} = count{k} * (1 - mark)" for k in range(n)]
    return eqs, "\n".join(code)


class GraphLoop:
    """The session's trials as generated code (built by :class:`brain.trials.engine.Session`)."""

    def __init__(self, session):
        self.s = s = session
        self._check()
        dt = self.dt = s.dt
        self.sim_steps = int(round(dt / float(defaultclock.dt)))
        if abs(dt / float(defaultclock.dt) - self.sim_steps) > 1e-6:
            raise ConfigError(f"experiment.sample_dt: must be a multiple of dt for loop: graph, got {dt * 1000:g} ms")
        self.n_trials, self.T = s._steps(), s.trial_steps
        self.t0 = float(s.brain.t_run)
        first = _steps(self.t0, dt, "loop (the brain's time at the session's start)")
        settle, tonic = _steps(s.spec.settle, dt, "settle"), _steps(s.spec.settle_tonic, dt, "settle_tonic")
        self.start = first + settle + tonic                    # grid index of trial 1's start
        self.total = self.start + self.n_trials * self.T + 1   # one closing sample: everything off
        self.trial_starts = self.start + np.arange(self.n_trials) * self.T
        self.phase_at, at = [], 0                              # (phase, start offset, end offset) in a trial
        for ph in s.phases:
            n = int(round(float(ph.duration) / dt))
            self.phase_at.append((ph, at, at + n))
            at += n
        self._gates = None
        objects = self._controller()
        tonic_level = self._during(lambda ph: ph.tonic)
        tonic_level[first + settle:self.start] = 1.0           # settle_tonic, then the tonic phases
        for g in s._tonic:
            key = _namespace(g, {f"graph_tonic_{g.name}": TimedArray(tonic_level, dt=dt * second)})[0]
            objects.append(g.run_regularly(f"tonic_window = {key}(t)", dt=dt * second, when="start", order=-5,
                                           name=f"graph_tonic_{g.name}"))
        objects += self._stimuli()
        self._freezers = self._freezer()
        objects += self._freezers
        self.monitors = {name: r.monitor for name, r in s.readouts.items()}     # they record spikes here
        s.brain.add(*objects)
        self.used, self.mismatches = False, 0

    def _check(self) -> None:
        s = self.s
        if s.decider is None:
            raise ConfigError("experiment.loop: graph needs a deciding phase (decide: READOUT)")
        if not getattr(s.task, "in_graph", False):
            raise ConfigError(f"experiment.loop: the {s.task.name} task cannot run in-graph (its observations "
                              f"follow the choices); use loop: operation")
        for k, ph in enumerate(s.phases):
            if ph.reset:
                raise ConfigError(f"experiment.phases[{k}].reset: not supported with loop: graph")

    def _during(self, keep) -> np.ndarray:
        """1.0 on the samples of the trials' phases for which ``keep(phase)``, else 0."""
        out = np.zeros(self.total)
        for ph, a, b in self.phase_at:
            if keep(ph):
                out[(self.trial_starts[:, None] + np.arange(a, b)[None, :]).ravel()] = 1.0
        return out

    def _controller(self) -> list:
        """The controller group, its decision code, the counting synapses and the choice monitor."""
        s, dt, n = self.s, self.dt, self.s.task.n_actions
        ph, a, b = next(x for x in self.phase_at if x[0] is s.decider)
        self.read_at, self.decide_at = a + int(round(float(ph.read_from) / dt)), b
        ro = s.readouts[ph.decide]
        events = np.zeros((self.total, 3))                     # mark, decide, begin
        for col, at in enumerate((self.read_at, self.decide_at, 0)):
            events[self.trial_starts + at, col] = 1
        # the reward each action would earn, on the samples (start, end] of its trial (the decision
        # of a deciding phase that ends the trial falls on the next trial's first sample)
        seq = s.task.sequence()
        self.earn = (seq["u"][:self.n_trials] < seq["p"][:self.n_trials]).astype(float)
        owner = np.full(self.total, -1)
        owner[self.start + 1:] = np.arange(self.total - self.start - 1) // self.T
        rewarded = np.zeros((self.total, n))
        rewarded[owner >= 0] = self.earn[owner[owner >= 0]]
        ns = {"thr": ro.threshold, "excl": float(ro.exclusive), "n_act": n,
              "events": TimedArray(events, dt=dt * second, name="graph_events"),
              "rewarded": TimedArray(rewarded, dt=dt * second, name="graph_rewarded"),
              **{f"sw{k}": ro._size[k] * (b - self.read_at) * dt for k in range(n)}}
        eqs, code = decision_code(n)
        self.ctl = NeuronGroup(1, eqs, namespace=ns, name="graph_controller")
        self.ctl.choice = -1
        runner = self.ctl.run_regularly(code, dt=dt * second, when="start", order=-10, name="graph_decide")
        pool = blocks(len(ro.monitor.source), n)
        counter = Synapses(ro.monitor.source, self.ctl, model="pool : integer (constant)",
                           on_pre="\n".join(f"count{k}_post += int(pool == {k})" for k in range(n)),
                           name="graph_counter")
        counter.connect(i=np.arange(len(pool)), j=0)
        counter.pool = pool
        self.choices = StateMonitor(self.ctl, ["choice"], record=0, dt=dt * second, name="graph_choices")
        return [self.ctl, runner, counter, self.choices]

    def _stimuli(self) -> list:
        """Each stimulus's levels on the grid, and its ``run_regularly`` (the reward through ``rew``)."""
        s, dt, task = self.s, self.dt, self.s.task
        obs, fields = task.reset(), []
        for t in range(self.n_trials):                         # observations do not follow the choices
            fields.append(obs)
            if t < self.n_trials - 1:
                obs = task.step(None).observation
        task.reset()
        out = []
        for name, stim in s.stimuli.items():
            level, gate = np.zeros((self.total, stim.pools)), np.zeros(self.total)
            for ph, a, b in self.phase_at:
                what = ph.drive.get(name)
                rows = self.trial_starts[:, None] + np.arange(a, b)[None, :]      # trial x samples
                if what == "reward":
                    gate[rows.ravel()] = 1.0                   # the level is the in-graph reward
                elif what is not None:
                    for t, r in enumerate(rows):
                        level[r] = drive(what, fields[t], 0.0, stim.pools)[0]
            key = f"graph_{name}"
            _namespace(stim.group, {f"{key}_level": TimedArray(level, dt=dt * second),
                                    f"{key}_base": float(stim.spec.base), f"{key}_full": float(stim.spec.rate),
                                    f"{key}_per": len(stim._pool) // stim.pools})
            lev = f"{key}_level(t, i // {key}_per)"
            if gate.any():
                if stim.spec.kind != "poisson":
                    raise ConfigError(f"experiment.stimuli.{name}.kind: loop: graph shows the reward on "
                                      f"poisson stimuli only")
                _namespace(stim.group, {f"{key}_gate": TimedArray(gate, dt=dt * second)})
                stim.group.outcome = linked_var(self.ctl, "rew", index=np.zeros(len(stim.group), dtype=int))
                lev = f"clip({lev} + {key}_gate(t) * outcome, 0, 1)"
            out.append(stim.group.run_regularly(f"rate = ({key}_base + {lev} * ({key}_full - {key}_base)) * Hz",
                                                dt=dt * second, when="start", order=-5, name=f"graph_stim_{name}"))
        return out

    def _freezer(self) -> list:
        """A chain's frozen blocks (:class:`brain.trials.chain.Chain`): every gate that
        :meth:`Brain.set_plastic` switches is multiplied by 0 from their first trial's start on.

        Gates only: the graph cannot restore the learning state a freeze would snapshot, so frozen
        blocks must come last (a retention test), where gating is all a freeze does. After the run
        the freezers are switched off and the gates set back (runtime backends; a cpp_standalone
        brain does not run again); traces and means are not restored.
        """
        frozen = np.asarray(getattr(self.s.task, "frozen", [])[:self.n_trials], dtype=bool)
        if not frozen.any():
            return []
        first = int(np.argmax(frozen))
        if not frozen[first:].all():
            raise ConfigError("experiment.loop: graph freezes learning for good: a chain's frozen blocks must "
                              "come last (use loop: operation)")
        brain = self.s.brain
        for name, region in brain.regions.items():
            if region.mode_vars:
                raise ConfigError(f"experiment.loop: graph cannot freeze region {name!r} (its freeze also sets "
                                  f"{', '.join(region.mode_vars)}); use loop: operation")
        level = np.zeros(self.total)
        level[self.trial_starts[first]:] = 1.0
        frozen_at = TimedArray(level, dt=self.dt * second, name="graph_frozen")
        if not brain.backend.standalone:      # set back after the run, as the Python loop's unfreezing does
            self._gates = brain._gate_state()
        out = []
        for syn in brain.gates():           # named to run where the Python loop's operation (trial_engine) freezes:
            key = _namespace(syn, {"graph_frozen": frozen_at})[0]        # same slot and order, ties by name
            out.append(syn.run_regularly(f"plastic = plastic * (1 - {key}(t))", dt=self.dt * second, when="start",
                                         name=f"trial_engine_freeze_{syn.name}"))
        return out

    # -- the run and the trial log ------------------------------------------------------------
    def run(self) -> list[dict]:
        s, brain = self.s, self.s.brain
        if self.used:
            raise ConfigError("experiment.loop: graph runs one session per brain (a second Session.run)")
        if abs(float(brain.t_run) - self.t0) > 1e-9:
            raise ConfigError("experiment.loop: graph must run right after the session is built (the brain ran since)")
        self.used = True
        # the run ends with the last trial; one more sample when the decision falls on that end
        stop = (self.total - 1 + int(self.decide_at == self.T)) * self.dt
        s.log(f"trial engine (in-graph): {self.n_trials} trials in one run of {stop - self.t0:.1f} s")
        brain.run(stop * second - self.t0 * second)
        brain.finish()
        for obj in self._freezers:           # later runs of the brain learn again (runtime backends):
            obj.active = False               # the gates as before the session; traces are not restored
        if self._gates is not None:
            brain._restore_gates(self._gates)
        grid = self._grid()
        c_t = np.round(np.asarray(self.choices.t_) / self.dt).astype(int)
        c_v = np.asarray(self.choices.choice[0])
        made = dict(zip(c_t, c_v))
        task, obs = s.task, s.task.reset()
        for k, t0 in enumerate(self.trial_starts):
            choice = int(round(made[t0 + self.decide_at]))
            choice = None if choice < 0 else choice
            s.obs, s.step = obs, k
            s._new_row()
            outcome = self._row(k, t0, choice, grid)
            obs = outcome.observation
            s.rows.append(s.row)
            s.windows.append(s.window)
        s._log_weights(s.rows[-1])                           # the state at the end of the run
        s.step, s.done = self.n_trials, True
        if self.mismatches:            # a bug of the generated rule: say so loudly, keep the results
            msg = f"trial engine (in-graph): {self.mismatches} in-graph choices differ from the spikes' choices"
            s.log(msg)
            warnings.warn(msg, RuntimeWarning, stacklevel=2)
        acc = np.mean([r["correct"] for r in s.rows]) if s.rows else float("nan")
        s.log(f"trial engine (in-graph): {len(s.rows)} trials, accuracy {acc:.2f}")
        return s.rows

    def _grid(self) -> dict:
        """Per readout: spike counts per pool and per cell on the ``sample_dt`` grid (cumulative per pool)."""
        out, steps = {}, self.sim_steps
        for name, mon in self.monitors.items():
            ro = self.s.readouts[name]
            step = np.round(np.asarray(mon.t_) / (self.dt / steps)).astype(np.int64)
            sample = step // steps
            cells = np.asarray(mon.i[:])
            per_pool = np.zeros((ro.pools, self.total + 1))
            np.add.at(per_pool, (ro._pool[cells], sample + 1), 1.0)
            out[name] = (np.cumsum(per_pool, axis=1), sample, cells)    # C[:, s] = spikes before sample s
        return out

    def _row(self, k: int, t0: int, choice, grid):
        s, dt = self.s, self.dt
        earned = self.earn[k]
        for ph, a, b in self.phase_at:
            s.row[f"t_{ph.name}"] = round((t0 + a) * dt, 6)
        for ph, a, b in self.phase_at:
            where = {"trial": len(s.rows), "start": round((t0 + a) * dt, 6), "stop": round((t0 + b) * dt, 6)}
            s.epochs.append({**where, "kind": "phase", "name": ph.name, "shown": ""})
            reward = float(a >= self.decide_at and choice is not None and bool(earned[choice]))
            for name, what in ph.drive.items():
                shown = drive(what, s.obs, reward, s.stimuli[name].pools)[1]
                if shown:
                    s.epochs.append({**where, "kind": "stimulus", "name": name, "shown": shown})
            if ph.read:
                lo, hi = t0 + a + int(round(float(ph.read_from) / dt)), t0 + b
            for r in ph.read:
                ro = s.readouts[r]
                C, sample, cells = grid[r]
                rates = (C[:, hi] - C[:, lo]) / (ro._size * (hi - lo) * dt)
                if ro.keep == "cells":
                    inside = (sample >= lo) & (sample < hi)
                    s.window[f"{r}_{ph.name}"] = np.bincount(cells[inside], minlength=len(ro._pool)).astype(float)
                elif ro.keep == "spikes":
                    inside = (sample >= lo) & (sample < hi)
                    s.window[f"{r}_{ph.name}"] = (cells[inside], np.asarray(self.monitors[r].t_)[inside])
                if ro.pools == 1:
                    s.row[f"{r}_{ph.name}_hz"] = float(rates[0])
                else:
                    s.row.update({f"{r}{j}_{ph.name}_hz": float(v) for j, v in enumerate(rates)})
                if ph is s.decider and r == ph.decide:           # the deciding readout (others are read too)
                    if ro.winner(rates) != choice:
                        self.mismatches += 1
                    decided = rates
        outcome = s.task.step(choice)
        ro = s.readouts[s.decider.decide]
        s.row.update(choice=-1 if choice is None else choice, no_choice=int(choice is None),
                     n_selected=int(np.sum(decided > ro.threshold)),
                     latency_ms=self._latency(ro, choice, t0, grid[s.decider.decide][0]),
                     reward=float(outcome.reward), correct=int(bool(outcome.correct)))
        for key, val in outcome.info.items():
            s.row.setdefault(key, val)
        return outcome

    def _latency(self, ro, choice, t0: int, C) -> float:
        """As :meth:`Session._latency`: the end of the first ``latency_window`` after the deciding
        phase's start in which the chosen pool's rate exceeds threshold."""
        if choice is None:
            return float("nan")
        a = next(a for ph, a, b in self.phase_at if ph is self.s.decider)
        c = C[choice, t0 + a:t0 + self.decide_at + 1]
        lag = int(round(float(self.s.spec.latency_window) / self.dt))
        j = first_above(c, ro._size[choice], lag, self.dt, ro.threshold)
        return float((lag + j) * self.dt * 1000.0) if j is not None else float("nan")
