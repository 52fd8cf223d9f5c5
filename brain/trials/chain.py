"""Blocks of one-step tasks run back to back as one session, some with learning frozen.

``Chain([train, interference, test], frozen=[False, False, True])`` is one task whose trial ``t``
is trial ``t - start[b]`` of block ``b``: the trial engine runs it as one session (one ``run()``,
in-graph too), and freezes learning (:meth:`brain.brain.Brain.set_plastic`) from the first trial of
a frozen block until the first trial of a block that is not (or the session's end). This is the
protocol of interference and retention tests: train, then a block of other trials, then a test
with learning off.

Each block keeps its own pre-drawn sequence (its own seed); the chain concatenates them, so
:meth:`sequence` feeds the in-graph loop exactly as one task would. The blocks must be one-step
tasks (:class:`brain.trials.tasks._OneStep`) of the same kind, with the same actions and fields.
"""
from __future__ import annotations

import numpy as np

from brain.trials.tasks import _err, _OneStep


class Chain(_OneStep):
    """One-step tasks back to back (see the module docstring); ``frozen[b]``: learning off in block ``b``."""

    def __init__(self, tasks, frozen=None):
        tasks = list(tasks)
        if not tasks or not all(isinstance(t, _OneStep) and t.in_graph and not isinstance(t, Chain) for t in tasks):
            raise _err("tasks", "a chain needs one or more one-step tasks whose observations do not follow "
                                "the choices (not chains)")
        first = tasks[0]
        for t in tasks[1:]:
            if type(t) is not type(first) or t.n_actions != first.n_actions or t.fields != first.fields:
                raise _err("tasks", f"every block must be a {first.name} task with the same actions and fields")
        frozen = [False] * len(tasks) if frozen is None else [bool(f) for f in frozen]
        if len(frozen) != len(tasks):
            raise _err("frozen", f"needs one flag per block ({len(tasks)}), got {len(frozen)}")
        super().__init__(sum(t.n_trials for t in tasks), first.seed)
        self.blocks, self.name, self.n_actions, self.fields = tasks, first.name, first.n_actions, first.fields
        self._seq = first._seq
        for key in self._seq:
            setattr(self, key, np.concatenate([np.asarray(getattr(t, key)) for t in tasks]))
        self.starts = np.cumsum([0] + [t.n_trials for t in tasks])[:-1]
        self.frozen = np.repeat(frozen, [t.n_trials for t in tasks])   # per trial: learning frozen

    def _at(self, t: int) -> tuple[int, _OneStep, int]:
        b = int(np.searchsorted(self.starts, t, side="right")) - 1
        return b, self.blocks[b], t - int(self.starts[b])

    def _correct_at(self, t: int):
        """The block's own rule (a task may override :meth:`_OneStep._correct_at`)."""
        _, task, k = self._at(t)
        return task._correct_at(k)

    def _field_values(self, t: int) -> dict:
        _, task, k = self._at(t)
        return task._field_values(k)

    def _is_correct(self, t: int, a: int) -> bool:
        _, task, k = self._at(t)
        return task._is_correct(k, a)

    def _info(self, t: int, a) -> dict:
        b, task, k = self._at(t)
        return {**task._info(k, a), "chain_block": b}
