"""Runaway detection: stop a run whose activity has left the physiological range.

Two conditions end a run with a :class:`RunawayError` that names the population and the time:

- **rate ceiling**: a population's mean rate stays above ``rate_fraction`` of its refractory
  ceiling ``1 / t_ref`` for ``window`` (default 0.8 of the ceiling for 100 ms). A neuron firing at
  rate ``r`` with a fixed refractory period ``t_ref`` is refractory a fraction ``r * t_ref`` of the
  time, so the guard samples the fraction of refractory cells every ``period`` and compares its mean
  over the window with ``rate_fraction``: no spike counter and no per-step code object is added
  (dispatch cost per object is what the in-graph loop issue is about). Groups without a fixed
  refractory period (Izhikevich cells, Poisson sources) have no ceiling and are skipped.
- **NaN**: a floating-point state variable of a neuron group becomes NaN.

Runtime backends check during the run (a ``NetworkOperation`` every ``period``, ``when='end'``);
the experiment runner keeps the trial log and the spikes recorded so far and marks the run failed.
In cpp_standalone nothing can stop the compiled run from Python: :func:`check_results` runs on
the recorded spikes and the final state after the run and marks the run failed the same way
(the recorded spikes of ``record.max_neurons`` cells stand in for the population).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from brian2 import NetworkOperation, second


class RunawayError(RuntimeError):
    """A run left the physiological range; the message is one line naming population and time."""


@dataclass(frozen=True)
class _Watched:
    key: str           # "region.population"
    group: object      # the NeuronGroup or Subgroup
    t_ref: float       # s; 0 when the group has no fixed refractory period


def _t_ref(group) -> float:
    ref = getattr(getattr(group, "source", group), "_refractory", False)
    try:
        return float(ref / second) if ref is not False and ref is not None else 0.0
    except (TypeError, ValueError, AttributeError):
        return 0.0          # a string condition: no fixed ceiling


def _float_state(group) -> list[str]:
    names = []
    for name, var in group.variables.items():
        if (getattr(var, "read_only", True) or getattr(var, "constant", True) or name.startswith("_")
                or not np.issubdtype(np.dtype(var.dtype), np.floating)):
            continue
        if getattr(var, "owner", None) is not None and var.owner.name != getattr(group, "source", group).name:
            continue        # linked / shared from another object
        names.append(name)
    return names


def _nan_variable(group, names) -> str | None:
    """The first of ``names`` holding a NaN in ``group``'s own cells (a subgroup's slice only)."""
    for name in names:
        if np.isnan(np.asarray(group.state(name, use_units=False)[:], dtype=float)).any():
            return name
    return None


class RunawayGuard:
    """Watches ``populations`` (``{"region.pop": group}``) during runtime runs.

    ``rate_fraction`` 0 turns the rate check off; ``nan`` False turns the NaN check off.
    """

    def __init__(self, populations: Mapping[str, object], rate_fraction: float = 0.8,
                 window: float = 0.1, period: float = 0.01, nan: bool = True):
        self.rate_fraction = float(rate_fraction)
        self.nan = bool(nan)
        self.period = float(period)
        self.n_window = max(1, int(round(float(window) / self.period)))
        self.watched = [_Watched(k, g, _t_ref(g)) for k, g in populations.items()]
        self._samples = {w.key: deque(maxlen=self.n_window) for w in self.watched}
        self._state = {w.key: _float_state(w.group) for w in self.watched} if self.nan else {}
        self.error: RunawayError | None = None
        self._calls = 0
        self.operation = NetworkOperation(self._check, dt=self.period * second, when="end",
                                          name="runaway_guard")

    def reset(self) -> None:
        """Forget the sampled history (after a restore)."""
        for q in self._samples.values():
            q.clear()

    def acknowledge(self) -> str:
        """Take the tripped error as a result and re-arm the guard; return its message.

        For experiments whose measurement is the collapse itself (the load at which a memory runs
        away): they catch the :class:`RunawayError`, record it, call this, and the run is not
        marked failed. The history is cleared too, so a later runaway trips again.
        """
        message = str(self.error) if self.error is not None else ""
        self.error = None
        self.reset()
        return message

    def _check(self, t) -> None:
        if self.error is not None:
            raise self.error
        now = float(t / second)
        self._calls += 1
        check_nan = self.nan and self._calls % self.n_window == 0      # NaN: once per window
        for w in self.watched:
            name = _nan_variable(w.group, self._state[w.key]) if check_nan else None
            if name:
                self._trip(f"{w.key}.{name} became NaN at t = {now:.4g} s")
            if self.rate_fraction > 0 and w.t_ref > 0:
                refractory = ~np.asarray(w.group.not_refractory[:], dtype=bool)
                q = self._samples[w.key]
                q.append(float(refractory.mean()))
                if len(q) == q.maxlen and min(q) > self.rate_fraction:
                    rate = np.mean(q) / w.t_ref
                    self._trip(f"{w.key} fired at {rate:.0f} Hz (> {self.rate_fraction:g} x its ceiling "
                               f"1/t_ref = {1 / w.t_ref:.0f} Hz) for {self.n_window * self.period * 1e3:.0f} ms "
                               f"up to t = {now:.4g} s")

    def _trip(self, message: str) -> None:
        self.error = RunawayError(f"runaway: {message}")
        raise self.error


def check_results(spikes: Mapping[str, dict], groups: Mapping[str, object], duration: float,
                  rate_fraction: float = 0.8, window: float = 0.1, nan: bool = True) -> str | None:
    """After-the-run check (cpp_standalone): the first runaway found, as a message, or None.

    ``spikes``: ``{"region.pop": {"i", "t", "n"}}`` as recorded; ``n`` is the number of recorded
    cells. The rate is the recorded cells' mean rate in sliding windows of ``window`` (steps of a
    tenth of it).
    """
    for key, group in groups.items():
        name = _nan_variable(group, _float_state(group)) if nan else None
        if name:
            return f"runaway: {key}.{name} is NaN at the end of the run (t = {duration:.4g} s)"
        t_ref = _t_ref(group)
        d = spikes.get(key)
        if rate_fraction <= 0 or t_ref <= 0 or d is None or not d["n"] or duration < window:
            continue
        step = window / 10
        edges = np.arange(0.0, duration + step / 2, step)
        counts = np.histogram(np.asarray(d["t"]), bins=edges)[0]
        sums = np.convolve(counts, np.ones(10), mode="valid")        # spikes per window
        rates = sums / (d["n"] * window)
        over = np.flatnonzero(rates > rate_fraction / t_ref)
        if over.size:
            t_end = (over[0] + 10) * step
            return (f"runaway: {key} fired at {rates[over[0]]:.0f} Hz (> {rate_fraction:g} x its ceiling "
                    f"1/t_ref = {1 / t_ref:.0f} Hz) for {window * 1e3:.0f} ms up to t = {t_end:.4g} s")
    return None
