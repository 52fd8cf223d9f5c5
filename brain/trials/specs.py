"""Declarative parts of a closed-loop session, validated from the experiment YAML.

A session is a task (plain Python, :mod:`brain.trials.tasks`), named stimuli that drive ports,
named readouts that count spikes of ports, and the phases of one trial::

    experiment:
      task: {type: reversal, n_before: 50, n_after: 70}
      stimuli:
        cue: {port: cue.out, kind: rate, rate: 40 Hz}              # sets the port group's `rate`
        reward: {port: dopamine.reward, kind: poisson, n: 50, p: 0.5, weight: 0.5 nS, rate: 25 Hz}
      readouts:
        choice: {port: striatum.output, pools: 2, threshold: 20 Hz}
        da: {port: dopamine.da}
      phases:
        - {name: cue, duration: 300 ms, drive: {cue: stimulus}, read: [choice], read_from: 50 ms, decide: choice}
        - {name: outcome, duration: 100 ms, drive: {reward: reward}, read: [da]}
        - {name: iti, duration: 400 ms, read: [da], tonic: true}

``drive`` maps a stimulus to what it shows in that phase: an observation field of the task
(``stimulus``, ``goal``, ``state``: the pool with that index is driven at full rate), ``reward``
(every pool at the outcome's reward, 0 or 1), ``all`` (every pool at 1). A stimulus not named in a
phase is off. ``decide`` names the readout whose winning pool above ``threshold`` is the choice,
read over ``[read_from, end)`` of the phase: the task steps at the end of that phase, and later
phases can show the reward. ``tonic: true`` marks windows with neither cue nor outcome, in
which learning's baseline follows tonic dopamine (``tonic_window`` variables, if any, are 1).
``reset: [REGION]`` silences a region's activity at the phase's start (``reset_activity()``, e.g.
between recall tests). A trial with no deciding phase is a presentation: the task steps with no
choice at the trial's end (storage and recall protocols, :class:`brain.trials.tasks.Presentation`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from numbers import Real

from brian2 import Hz, Quantity, ms

from plasticity.params import ParamError, check_nonneg, check_positive, check_positive_int, quantity


def _check_port_pools(spec) -> None:
    """``port`` is ``region.port``; ``pools`` >= 0 (stimuli and readouts)."""
    if "." not in spec.port:
        raise ParamError("port", f"must be 'region.port', got {spec.port!r}")
    if spec.pools < 0:
        raise ParamError("pools", f"must be >= 0, got {spec.pools}")


@dataclass(frozen=True)
class StimulusSpec:
    """One stimulus: ``rate`` sets the ``rate`` of the port's (input-region) units, ``poisson`` adds
    ``n`` Poisson sources per pool projecting onto the port's variable with probability ``p``."""

    port: str
    kind: Literal["rate", "poisson"] = "rate"
    pools: int = 0                         # 0: one pool per value of the driven field (or 1)
    rate: object = quantity(40 * Hz)       # rate of a driven unit at level 1
    base: object = quantity(0 * Hz)        # rate of the units that are not driven
    n: int = 50                            # poisson: sources per pool
    p: float = 0.5                         # poisson: connection probability onto the pool's cells
    weight: object = "0.5 nS"              # poisson: increment of the port variable per spike, in
                                           # its units (checked against the port when built)

    def __post_init__(self):
        _check_port_pools(self)
        check_positive_int(self, "n")
        check_nonneg(self, "rate", "base")
        if not 0.0 < self.p <= 1.0:
            raise ParamError("p", f"must be a probability in (0, 1], got {self.p}")
        w = self.weight
        if isinstance(w, str):
            from brain.config import ConfigError, parse_quantity   # brain.config imports nothing of trials
            try:
                w = parse_quantity(w, None, "weight")
            except ConfigError as err:
                raise ParamError("weight", str(err).split(": ", 1)[-1]) from None
        elif isinstance(w, bool) or not isinstance(w, (Real, Quantity)):
            raise ParamError("weight", f"must be a quantity like '2 nS' or a number, got {w!r}")
        if float(w) < 0:
            raise ParamError("weight", f"must be non-negative, got {w}")
        object.__setattr__(self, "weight", w)


@dataclass(frozen=True)
class ReadoutSpec:
    """Spike counts of a port split into ``pools`` equal blocks (0: one per action for the readout
    that decides, one pool for any other).

    ``exclusive``: two or more pools above threshold are no selection (the basal ganglia
    disinhibited competing actions: a no-choice, not the stronger of the two).
    ``keep``: ``rates`` logs the pool rates of each window in the trial row; ``cells`` keeps each
    window's spike count per cell, ``spikes`` its spikes (cell, time), in :attr:`Session.windows`
    (not in the row; ``spikes`` records the port with a SpikeMonitor and reads only the spikes
    since the window opened)."""

    port: str
    pools: int = 0
    threshold: object = quantity(20 * Hz)  # a choice needs its pool's rate above this
    exclusive: bool = False                # a choice needs the ONLY pool above threshold (2+: no-choice)
    keep: Literal["rates", "cells", "spikes"] = "rates"

    def __post_init__(self):
        _check_port_pools(self)
        check_nonneg(self, "threshold")
        if self.keep not in ("rates", "cells", "spikes"):
            raise ParamError("keep", f"must be one of rates, cells, spikes, got {self.keep!r}")


@dataclass(frozen=True)
class PhaseSpec:
    """One phase of a trial."""

    name: str
    duration: object = quantity(100 * ms)
    drive: dict = field(default_factory=dict)      # stimulus -> field | "reward" | "all"
    read: tuple[str, ...] = ()                     # readouts counted over [read_from, end)
    read_from: object = quantity(0 * ms)
    decide: str = ""                               # readout whose winner is the choice
    tonic: bool = False                            # no cue, no outcome: tonic dopamine window
    reset: tuple[str, ...] = ()                    # regions whose activity is reset at the start

    def __post_init__(self):
        check_positive(self, "duration")
        check_nonneg(self, "read_from")
        if float(self.read_from) >= float(self.duration):
            raise ParamError("read_from", f"must be shorter than the phase ({self.duration}), got {self.read_from}")
        if self.decide and self.decide not in self.read:
            object.__setattr__(self, "read", (*self.read, self.decide))


@dataclass(frozen=True)
class SessionSpec:
    """Everything the engine needs besides the brain (the ``experiment:`` fields of a closed loop)."""

    task: dict = field(default_factory=dict)                  # {type: NAME, **task params}
    stimuli: dict[str, StimulusSpec] = field(default_factory=dict)
    readouts: dict[str, ReadoutSpec] = field(default_factory=dict)
    phases: tuple[PhaseSpec, ...] = ()
    log_weights: tuple[str, ...] = ()                         # projections whose mean w per pool is logged
    loop: Literal["operation", "runs", "graph"] = "operation"  # one run() + network_operation, a run() per
                                                              # phase, or in generated code (brain.trials.graph)
    sample_dt: object = quantity(10 * ms)                     # grid of the decision readout (latency)
    latency_window: object = quantity(20 * ms)                # the chosen pool's rate over this window
                                                              # exceeds threshold: the decision time
    max_trials: int = 0                                       # 0: the task's own length
    settle: object = quantity(0 * ms)        # before trial 1, no stimulus: the start transients die out
                                             # (e.g. da rising from 0 to tonic with tau_da)
    settle_tonic: object = quantity(0 * ms)  # then a tonic window (first estimate of da_tonic)


def check_session(s) -> None:
    """Cross-field checks of a session (phases name existing stimuli and readouts)."""
    if "type" not in s.task:
        raise ParamError("task.type", "required (e.g. reversal, bandit, goal_cued, two_step)")
    check_phases(s, s.phases, "phases")
    check_nonneg(s, "settle", "settle_tonic")


def check_phases(s, phases, path: str) -> None:
    """One trial's phases: unique names, at most one deciding phase, known stimuli and readouts,
    durations on the ``sample_dt`` grid."""
    if not phases:
        raise ParamError(path, "at least one phase is needed")
    names = [p.name for p in phases]
    if len(set(names)) != len(names):
        raise ParamError(path, f"phase names must be unique, got {names}")
    deciders = [p for p in phases if p.decide]
    if len(deciders) > 1:
        raise ParamError(path, f"at most one phase may decide (decide: READOUT), got {len(deciders)}")
    for k, p in enumerate(phases):
        for stim in p.drive:
            if stim not in s.stimuli:
                raise ParamError(f"{path}[{k}].drive.{stim}", f"unknown stimulus (known: {', '.join(s.stimuli)})")
        for r in p.read:
            if r not in s.readouts:
                raise ParamError(f"{path}[{k}].read", f"unknown readout {r!r} (known: {', '.join(s.readouts)})")
    check_positive(s, "sample_dt", "latency_window")
    grid = float(s.sample_dt)
    lag = float(s.latency_window) / grid
    if lag < 1 - 1e-6 or abs(lag - round(lag)) > 1e-6:
        raise ParamError("latency_window", f"must be a positive multiple of sample_dt ({s.sample_dt})")
    for k, p in enumerate(phases):
        for what, value in (("duration", p.duration), ("read_from", p.read_from)):
            steps = float(value) / grid
            if abs(steps - round(steps)) > 1e-6:
                raise ParamError(f"{path}[{k}].{what}", f"must be a multiple of sample_dt ({s.sample_dt})")
