"""The trial engine: a task, stimuli, readouts and phases run as a closed loop on a Brain.

Each step of the task is one trial of the declared phases. At a phase's start its drives are
set (the observation's pools, the reward, or nothing); readouts are marked at ``read_from``
and read at the phase's end (pool rates from spike counters); at the end of the deciding
phase the winning pool above threshold is the choice (no pool above threshold: a no-choice
trial, reported, unrewarded and incorrect), the task steps, and the later phases can show
the outcome. Every trial appends one flat row to the trial log.

Three loop styles, same bookkeeping (``loop`` in the session spec):

- ``operation``: the whole session is one ``run()``; a ``network_operation`` on a
  ``sample_dt`` grid handles the trial boundaries (runtime backends only).
- ``runs``: one ``run()`` per phase boundary (no latency: it would need a run per sample).
- ``graph``: one ``run()`` with the trial logic in generated code, for tasks whose observations
  do not follow the choices; runs on cpp_standalone too (:mod:`brain.trials.graph`).

A session whose phases have no deciding phase presents its task's items: the task steps with no
choice at the end of each trial (:class:`brain.trials.tasks.Presentation`). Readouts that keep
``cells`` or ``spikes`` store each window in :attr:`Session.windows` (one dict per trial, keys
``READOUT_PHASE``). :meth:`Session.run` can be called again with another task and other phases
(e.g. storage blocks and recall tests on the same stimuli and readouts).

A :class:`brain.trials.chain.Chain` runs blocks of trials as one task; learning is frozen
(:meth:`brain.brain.Brain.set_plastic`) from the first trial of each frozen block until the next
learning block or the session's end (a retention test in one session, in-graph too).

Before trial 1 the session can ``settle`` (every stimulus off: start transients such as ``da``
rising from 0 die out) and run a ``settle_tonic`` window (a first estimate of tonic dopamine).
Phases marked ``tonic`` set ``tonic_window = 1`` on every group that has it (the MSNs' tonic
dopamine estimate, ``plasticity.three_factor.DOPAMINE_TONIC_POST``) and 0 elsewhere.

Every Brian2 object (stimuli, readouts, the operation) is built before the first run.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

import numpy as np
from brian2 import NetworkOperation, second

from brain.config import ConfigError
from brain.trials.readout import Readout
from brain.trials.specs import SessionSpec
from brain.trials.stimulus import Stimulus, blocks, drive, first_above
from brain.trials.tasks import make_task



def tonic_groups(brain) -> list:
    """Every group (not subgroup) with a ``tonic_window`` variable: the MSNs whose ``da_tonic``, the
    baseline of ``baseline_tonic`` rules, is measured only while it is 1."""
    return [g for r in brain.regions.values() for g in r.groups.values()
            if "tonic_window" in g.variables and not hasattr(g, "source")]


def settle_tonic(groups, settle, tonic, run) -> None:
    """``run(settle)`` with no tonic window, then ``run(tonic)`` as one (``tonic_window`` 1 on
    ``groups``, from :func:`tonic_groups`), then close it; a zero duration is skipped."""
    for duration, level in ((settle, 0.0), (tonic, 1.0)):
        if float(duration) > 0:
            for g in groups:
                g.tonic_window = level
            run(duration)
    for g in groups:
        g.tonic_window = 0.0

class Session:
    """A closed-loop session on ``brain`` (built before the first run; call :meth:`run` once).

    Parameters
    ----------
    brain : the Brain (runtime backend).
    spec : the validated :class:`~brain.trials.specs.SessionSpec` (an experiment's Params).
    seed : the task's seed (the brain seed by default).
    task : an already-built task (overrides ``spec.task``): a user's own task plugs in here.
    rows : a list the trial rows are appended to (e.g. ``ctx.trials``, so that they survive an error).
    epochs : a list the phase and stimulus epochs are appended to (e.g. ``ctx.epochs``, written to
        ``epochs.csv``): per phase ``kind=phase``, and per stimulus it shows ``kind=stimulus``
        (``shown``: the field and the value, ``all`` or ``reward=R``), each with ``trial`` (the row's
        index in ``rows``), ``start`` and ``stop`` in seconds.
    task_params : the task's parameters when the experiment completes ``spec.task`` (e.g. sizes
        taken from the brain).
    log : progress messages (every 10 % of the session).
    """

    windows: list[dict]   #: per trial, READOUT_PHASE -> what a ``cells`` / ``spikes`` readout kept

    def __init__(self, brain, spec: SessionSpec, seed: int | None = None, task=None,
                 rows: list | None = None, log: Callable[[str], None] | None = None,
                 task_params: dict | None = None, epochs: list | None = None):
        self.brain, self.spec = brain, spec
        seed = brain.config.seed if seed is None else seed
        if task is None:
            params = {k: v for k, v in (spec.task if task_params is None else task_params).items() if k != "type"}
            task = make_task(spec.task["type"], params, seed)
        self.task = task
        self.rows = rows if rows is not None else []
        self.epochs = epochs if epochs is not None else []
        self.log = log or (lambda msg: None)
        self.dt = float(spec.sample_dt)
        self.windows, self.block = [], -1
        self._configure(spec.phases)
        graph = spec.loop == "graph"
        rewarded = {n for ph in self.phases for n, what in ph.drive.items() if what == "reward"}
        self.stimuli = {name: Stimulus(name, s, brain, s.pools or self._field_pools(name),
                                       outcome=graph and name in rewarded and s.kind == "poisson")
                        for name, s in spec.stimuli.items()}
        self.readouts = {name: Readout(name, r, brain, r.pools or self._readout_pools(name), spikes=graph)
                         for name, r in spec.readouts.items()}
        self._weights, self._weight_index = self._weight_pools(), None
        self._tonic = tonic_groups(brain)
        self.operation = self.graph = None
        self._froze = False                  # learning frozen by a chain's block (see _freeze_blocks)
        if graph:
            from brain.trials.graph import GraphLoop
            self.graph = GraphLoop(self)
        elif brain.backend.standalone:
            raise ConfigError(f"experiment.loop: {spec.loop!r} needs a runtime backend (numpy, cython); "
                              f"cpp_standalone runs loop: graph")
        if spec.loop == "operation":
            self.operation = NetworkOperation(self._tick, dt=spec.sample_dt, when="start", name="trial_engine")
            self.operation.active = False          # only during run(): other runs of the brain are left alone
            brain.add(self.operation)
        self.done = True

    # -- construction --------------------------------------------------------------------
    def _configure(self, phases) -> None:
        """Use ``phases`` for the next trials (their stimuli and readouts must exist)."""
        self.phases = tuple(phases)
        self.decider = next((p for p in self.phases if p.decide), None)
        for k, ph in enumerate(self.phases):
            for region in ph.reset:
                if not hasattr(self.brain.regions.get(region), "reset_activity"):
                    raise ConfigError(f"experiment.phases[{k}].reset: region {region!r} is unknown or has no "
                                      f"activity reset")
        self._schedule, self.trial_steps = self._build_schedule()

    def _field_pools(self, stim: str) -> int:
        fields = {p.drive[stim] for p in self.phases if stim in p.drive}
        sizes = {self.task.fields[f] for f in fields if f in self.task.fields}
        unknown = fields - set(self.task.fields) - {"reward", "all"}
        if unknown:
            raise ConfigError(f"experiment.phases: stimulus {stim!r} shows {sorted(unknown)[0]!r}, which the task "
                              f"does not present (fields: {', '.join(self.task.fields)}; or reward, all)")
        if len(sizes) > 1:
            raise ConfigError(f"experiment.stimuli.{stim}.pools: shows fields of different sizes {sorted(sizes)}")
        return sizes.pop() if sizes else 1

    def _readout_pools(self, name: str) -> int:
        return self.task.n_actions if self.decider is not None and self.decider.decide == name else 1

    def _weight_pools(self):
        out = []
        for label in self.spec.log_weights:
            syn = self.brain.projections.get(label)
            if syn is None:
                raise ConfigError(f"experiment.log_weights: unknown projection {label!r}")
            tag = label.split(":", 1)[1] if ":" in label else "".join(c if c.isalnum() else "_" for c in label)
            out.append((tag, syn))
        return out

    def _log_weights(self, row: dict) -> None:
        """The mean weight per target pool of each ``log_weights`` projection, into ``row``
        (the pools are read at the first call: cpp_standalone knows its synapses after the run)."""
        n = self.task.n_actions
        if self._weight_index is None:
            self._weight_index = {}
            for tag, syn in self._weights:
                pool = blocks(len(syn.target), n)[np.asarray(syn.j[:])]
                self._weight_index[tag] = (pool, np.bincount(pool, minlength=n))
        for tag, syn in self._weights:
            pool, count = self._weight_index[tag]
            w = np.bincount(pool, weights=np.asarray(syn.w[:]), minlength=len(count)) / np.maximum(count, 1)
            row.update({f"w_{tag}_{k}": float(v) for k, v in enumerate(w)})

    def _build_schedule(self):
        """Grid index within a trial -> actions, and the trial length in grid steps."""
        sched, t = defaultdict(list), 0
        for k, ph in enumerate(self.phases):
            start, n = t, int(round(float(ph.duration) / self.dt))
            sched[start].append(("start", k))
            if ph.read:
                sched[start + int(round(float(ph.read_from) / self.dt))].append(("mark", k))
            if ph.decide:
                for s in range(start + 1, start + n):
                    sched[s].append(("sample", k))
            t = start + n
            sched[t].insert(0, ("end", k))   # ends are handled before the next phase starts
        return dict(sched), t

    # -- the loop ------------------------------------------------------------------------
    def run(self, task=None, phases=None, settle: bool = True) -> list[dict]:
        """Run the whole session (the task until it ends, or ``max_trials``); returns the trial rows.

        ``task`` / ``phases``: run another task, or trials of other phases, on the same stimuli and
        readouts (their sizes must match); rows and windows are appended to the earlier ones.
        ``settle``: run the spec's ``settle`` / ``settle_tonic`` windows first.
        """
        if self.graph is not None:
            if task is not None or phases is not None or not settle:
                raise ConfigError("experiment.loop: graph runs the session's own task and phases once")
            self.block += 1
            return self.graph.run()
        if task is not None:
            self.task = task
        if phases is not None:
            self._configure(phases)
        for name, stim in self.stimuli.items():
            if any(name in ph.drive for ph in self.phases) and not self.spec.stimuli[name].pools \
                    and self._field_pools(name) != stim.pools:
                raise ConfigError(f"experiment.stimuli.{name}.pools: the task shows {self._field_pools(name)} "
                                  f"pools, the stimulus was built with {stim.pools}")
        ck = self._checkpointer()
        self.block += 1
        if ck is not None and ck.pending is not None:
            self._max_steps = self._steps()
            self.done = ck.restore(self)         # True: the loop had ended before the run stopped
            if self.done:
                return self._finish()
        else:
            if settle:
                self._settle()
            self.obs = self.task.reset()
            self.step, self.done, self._t0 = 0, False, float(self.brain.t_run)
            self._max_steps = self._steps()
            self._new_row()
        if self.operation is not None:
            # the last trial's end falls on the run's end, where no operation runs: handled after it.
            # With checkpoints the run stops every `every` trials, just before a trial's end is
            # processed (by the next run's first operation, as in an unbroken run) and is saved there
            self.operation.active = True
            try:
                while not self.done:
                    covered, end = 0, self._max_steps            # without checkpoints: one run
                    if ck is not None:
                        elapsed = float(self.brain.network.t / second) - self._t0
                        covered = int(round(elapsed / (self.trial_steps * self.dt)))
                        end = min(covered + ck.every, self._max_steps)
                    self.brain.run((end - covered) * self.trial_steps * self.dt * second)
                    self.brain.t_run = float(self.brain.network.t / second)   # a task that ended early stopped it
                    if not self.done and end == self._max_steps:
                        self._process(self.trial_steps)
                    if ck is not None:
                        ck.save(self, done=self.done)
            finally:
                self.operation.active = False
        else:
            self._process(0)
            grid = sorted(g for g, acts in self._schedule.items() if any(a[0] != "sample" for a in acts))
            while not self.done:
                for a, b in zip(grid[:-1], grid[1:]):
                    self.brain.run((b - a) * self.dt * second)
                    self._process(b)
                    if self.done:
                        break
        return self._finish()

    def _steps(self) -> int:
        return self.spec.max_trials or getattr(self.task, "max_steps", None) or self.task.n_trials

    def _checkpointer(self):
        """The run's checkpointer when this is its first session run with an operation loop."""
        ck = getattr(self.brain, "checkpointer", None)
        if ck is None or not ck.claim():
            return None
        if self.operation is None or ck.every <= 0:
            if ck.pending is not None:
                raise ConfigError("resume: this run's loop takes no checkpoints (experiment.loop: runs)")
            return None
        return ck

    def _finish(self) -> list[dict]:
        for stim in self.stimuli.values():
            stim.off()
        if self._froze:                      # a chain that ended on a frozen block
            self.brain.set_plastic(True)
            self._froze = False
        return self.rows

    def _freeze_blocks(self) -> None:
        """At a trial's start: learning off in a chain's frozen blocks (:class:`brain.trials.chain.Chain`),
        on again after them; a freeze the session did not make is left alone."""
        frozen = getattr(self.task, "frozen", None)          # None: a task without blocks (learning on)
        want = frozen is not None and self.step < len(frozen) and bool(frozen[self.step])
        if want and not self._froze and not self.brain.is_frozen:
            self.brain.set_plastic(False)
            self._froze = True
        elif self._froze and not want:
            self.brain.set_plastic(True)
            self._froze = False

    def _settle(self) -> None:
        """``settle`` with every stimulus off and no tonic window, then ``settle_tonic`` as one."""
        for stim in self.stimuli.values():
            stim.off()
        settle_tonic(self._tonic, self.spec.settle, self.spec.settle_tonic, self.brain.run)

    def _tick(self, t) -> None:
        if self.done:
            return
        pos = int(round((float(t / second) - self._t0) / self.dt)) - self.step * self.trial_steps
        if pos in self._schedule or pos == self.trial_steps:
            self._process(pos)

    def _process(self, pos: int) -> None:
        if pos == 0:
            self._freeze_blocks()
        now = self._t0 + (self.step * self.trial_steps + pos) * self.dt
        phases = self.phases
        for kind, k in self._schedule.get(pos, ()):
            ph = phases[k]
            if kind == "end":
                self._end_phase(ph, now)
            elif kind == "start":
                self._start_phase(ph, now)
            elif kind == "mark":
                for r in ph.read:
                    self.readouts[r].mark(now)
            elif kind == "sample":
                self._samples.append((now, self.readouts[ph.decide].counts()))
        if pos == self.trial_steps:
            self._end_trial()
            if not self.done:
                self._process(0)          # the next trial starts at the same instant

    def _start_phase(self, ph, now: float) -> None:
        self.row[f"t_{ph.name}"] = round(now, 6)
        for region in ph.reset:
            self.brain.regions[region].reset_activity()
        shown = {}
        reward = float(self.outcome.reward) if self.outcome else 0.0
        for name, stim in self.stimuli.items():
            what = ph.drive.get(name)
            if what is None:
                stim.off()
                continue
            levels, text = drive(what, self.obs, reward, stim.pools)
            stim.set(levels)
            if text:
                shown[name] = text
        self._shown = shown               # what the open phase's stimuli show (its epochs)
        for g in self._tonic:
            g.tonic_window = 1.0 if ph.tonic else 0.0
        if ph.decide:
            self._samples = [(now, self.readouts[ph.decide].counts())]

    def _end_phase(self, ph, now: float) -> None:
        where = {"trial": len(self.rows), "start": self.row[f"t_{ph.name}"], "stop": round(now, 6)}
        self.epochs.append({**where, "kind": "phase", "name": ph.name, "shown": ""})
        self.epochs.extend({**where, "kind": "stimulus", "name": name, "shown": what}
                           for name, what in self._shown.items())
        read = {r: self.readouts[r].rates(now) for r in ph.read}     # the deciding readout is among them
        for r, rates in read.items():
            kept = self.readouts[r].window()
            if kept is not None:
                self.window[f"{r}_{ph.name}"] = kept
            if self.readouts[r].pools == 1:
                self.row[f"{r}_{ph.name}_hz"] = float(rates[0])
            else:
                for k, v in enumerate(rates):
                    self.row[f"{r}{k}_{ph.name}_hz"] = float(v)
        if ph.decide:
            ro = self.readouts[ph.decide]
            self._samples.append((now, ro.counts()))
            choice = ro.winner(read[ph.decide])
            self.outcome = self.task.step(choice)
            self.row.update(choice=-1 if choice is None else choice, no_choice=int(choice is None),
                            n_selected=int(np.sum(read[ph.decide] > ro.threshold)),
                            latency_ms=self._latency(ro, choice, ph), reward=float(self.outcome.reward),
                            correct=int(bool(self.outcome.correct)))
            for key, val in self.outcome.info.items():
                self.row.setdefault(key, val)

    def _latency(self, ro: Readout, choice, ph) -> float:
        """Time from the deciding phase's start until the chosen pool's rate over the trailing
        ``latency_window`` first exceeds threshold, i.e. the end of the first such window after the
        phase's start (resolution ``sample_dt``; NaN without a choice or in the ``runs`` loop)."""
        if choice is None or self.operation is None or len(self._samples) < 2:
            return float("nan")
        t = np.array([s[0] for s in self._samples])
        c = np.array([s[1][choice] for s in self._samples])
        lag = int(round(float(self.spec.latency_window) / self.dt))
        j = first_above(c, ro._size[choice], lag, self.dt, ro.threshold)
        return float((t[lag + j] - self.row[f"t_{ph.name}"]) * 1000.0) if j is not None else float("nan")

    def _new_row(self) -> None:
        self.outcome = None
        self.row = {"block": self.block, "step": self.step, "trial": int(self.obs.get("trial", self.step))}
        self.window = {}
        hidden = getattr(self.task, "hidden_fields", ())
        for k, v in self.obs.items():
            if k == "trial" or k in hidden:
                continue
            if isinstance(v, (tuple, list, np.ndarray)):
                self.row.update({f"{k}{j}": float(x) for j, x in enumerate(v)})
            else:
                self.row[k] = -1 if v is None else v

    def _end_trial(self) -> None:
        if self.decider is None:             # a presentation: the task moves on with no choice
            self.outcome = self.task.step(None)
            for key, val in self.outcome.info.items():
                self.row.setdefault(key, val)
        self._log_weights(self.row)
        self.rows.append(self.row)
        self.windows.append(self.window)
        self.step += 1
        if self.decider is not None and self.step % max(1, self._max_steps // 10) == 0:
            acc = np.mean([r["correct"] for r in self.rows[-max(1, self._max_steps // 10):]])
            self.log(f"trial engine: step {self.step}/{self._max_steps}, recent accuracy {acc:.2f}")
        if self.outcome is None or self.outcome.done or self.step >= self._max_steps:
            self.done = True
            if self.operation is not None:
                self.brain.network.stop()
            return
        self.obs = self.outcome.observation
        self._new_row()
