"""Timed actions inside one ``run()``: a trial's stimulus switches, reads and freezes on a grid.

A runtime ``run()`` call re-creates every code object of the network (measured on the two-step
brain, ~150 code objects: ~1 s per call, whatever the duration), so a trial made of ten short
runs spends more time starting runs than simulating. :class:`Timeline` runs a trial as one
``run()``: a ``network_operation`` on a ``dt`` grid calls each action when its offset is reached
(before the step's state update: ``when="start"``); actions at the run's end are called after it.
Actions may schedule later actions of the same run (:meth:`Timeline.at`).

Offsets are kept as whole grid steps, and actions on one step are called in the order they were
scheduled. Offsets computed by different sums (``0.1 + 0.2`` and ``0.3``) name the same step, so a
rounding error cannot reorder them (ordered by the float, a rollout scheduled from another's end
could begin before that one had finished).
"""
from __future__ import annotations

import bisect
import math
from typing import Callable

from brian2 import NetworkOperation, second


class Timeline:
    """Call ``(offset, action)`` pairs during one ``run()`` of ``brain`` (offsets in seconds)."""

    def __init__(self, brain, dt, name: str = "timeline"):
        self.brain, self.dt = brain, float(dt)
        self._events: list[tuple[int, int, Callable[[], None]]] = []
        self._t0, self._n = 0.0, 0
        self.op = NetworkOperation(self._tick, dt=self.dt * second, when="start", name=name)
        self.op.active = False
        brain.add(self.op)

    def at(self, offset: float, action: Callable[[], None]) -> None:
        """Call ``action`` at ``offset`` seconds after the start of the current (or next) run."""
        k = offset / self.dt
        if abs(k - round(k)) > 1e-6:
            raise ValueError(f"timeline: offset {offset} s is not on the {self.dt} s grid")
        self._n += 1                        # (step, n) is unique: insort never compares the actions
        bisect.insort(self._events, (round(k), self._n, action))

    def now(self) -> float:
        """Seconds since the start of the current run."""
        return float(self.brain.network.t / second) - self._t0

    def run(self, duration: float) -> None:
        """One ``run()`` of ``duration`` seconds calling the scheduled actions; the rest after it."""
        self._t0 = float(self.brain.network.t / second)
        self.op.active = True
        try:
            self._tick(None)
            self.brain.run(duration * second)
        finally:
            self.op.active = False
        self._fire(math.floor(duration / self.dt + 1e-6))     # a duration off the grid: the steps before its end
        self._events.clear()

    def _tick(self, t) -> None:
        self._fire(round(self.now() / self.dt))

    def _fire(self, upto: int) -> None:
        """Call, in order, every action whose grid step is ``upto`` or earlier."""
        while self._events and self._events[0][0] <= upto:
            _, _, action = self._events.pop(0)
            action()
