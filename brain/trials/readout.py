"""Readouts: pool rates in a window from spike counters, never from the spike history.

A readout is a ``SpikeMonitor(record=False)`` on a port's group: Brian2 keeps only its per-cell
``count``. A window's rate is the difference of two reads of the counters, so a read costs
the same on trial 1 and trial 1000. A readout that keeps ``spikes`` records (cell, time) and reads
only the spikes recorded since its window opened.
"""
from __future__ import annotations

import numpy as np
from brian2 import SpikeMonitor

from brain.config import ConfigError
from brain.trials.stimulus import blocks, resolve_port


class Readout:
    """Pool rates of a port (built from a :class:`~brain.trials.specs.ReadoutSpec`); ``spikes``:
    record every spike (the in-graph loop rebuilds its windows from them)."""

    def __init__(self, name: str, spec, brain, pools: int, spikes: bool = False):
        self.name, self.spec, self.pools = name, spec, pools
        port = resolve_port(brain, spec.port, f"experiment.readouts.{name}.port")
        if port.cells is not None:
            raise ConfigError(f"experiment.readouts.{name}.port: {spec.port} is an input port (a set of cells)")
        n = len(port.group)
        if n % pools:
            raise ConfigError(f"experiment.readouts.{name}.pools: {n} cells do not split into {pools} pools")
        self.keep = spec.keep
        self.monitor = SpikeMonitor(port.group, record=spikes or spec.keep == "spikes", name=f"readout_{name}")
        brain.add(self.monitor)
        self._pool = blocks(n, pools)
        self._size = np.bincount(self._pool, minlength=pools).astype(float)
        self.threshold, self.exclusive = float(spec.threshold), bool(spec.exclusive)
        self._mark, self._t_mark = np.zeros(pools), 0.0
        self._mark_cells, self._mark_spike = np.zeros(n), 0

    def counts(self) -> np.ndarray:
        """Spikes per pool since the start of the run (cumulative counters)."""
        return np.bincount(self._pool, weights=np.asarray(self.monitor.count[:], dtype=float),
                           minlength=self.pools)

    def mark(self, t: float) -> None:
        """Start a window at ``t`` (seconds)."""
        cells = np.asarray(self.monitor.count[:], dtype=float)
        self._mark, self._t_mark = np.bincount(self._pool, weights=cells, minlength=self.pools), t
        if self.keep == "cells":
            self._mark_cells = cells
        elif self.keep == "spikes":
            self._mark_spike = int(self.monitor.num_spikes)

    def window(self):
        """What the readout keeps of the window since :meth:`mark`: spike counts per cell
        (``cells``) or the spikes ``(cell indices, times in s)`` (``spikes``); None for ``rates``."""
        if self.keep == "cells":
            return np.asarray(self.monitor.count[:], dtype=float) - self._mark_cells
        if self.keep == "spikes":
            k = self._mark_spike
            return np.asarray(self.monitor.i[k:]), np.asarray(self.monitor.t_[k:])
        return None

    def rates(self, t: float) -> np.ndarray:
        """Mean rate per cell of each pool (Hz) in ``[mark, t)``."""
        width = t - self._t_mark
        if width <= 0:
            return np.full(self.pools, np.nan)
        return (self.counts() - self._mark) / (self._size * width)

    def winner(self, rates: np.ndarray) -> int | None:
        """The pool with the highest rate if it is above threshold and unique, else ``None``.

        ``None`` is a no-choice: never an argmax of sub-threshold counts, never a coin flip. An
        ``exclusive`` readout also returns ``None`` when two or more pools are above threshold.
        """
        top = float(np.max(rates))
        if not np.isfinite(top) or top <= self.threshold or np.sum(rates == top) > 1:
            return None
        if self.exclusive and np.sum(rates > self.threshold) > 1:
            return None
        return int(np.argmax(rates))
