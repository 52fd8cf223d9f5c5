"""Trial windows for the hippocampal experiments: pattern drives, schedules and read-outs.

Shared by ``pattern_completion``, ``sequence_replay`` and ``next_state`` (experiments never import
each other; CONTRIBUTING.md, "Layout and import rules"). The code moved here unchanged from
``experiments/pattern_completion.py`` and ``experiments/sequence_replay.py``, so their metrics are
bit-identical.

- :class:`PatternDrive`: one Poisson source per cell of a region port, driving a per-cell rate set
  between runs and a schedule of patterns (``TimedArray``) during a run;
- :func:`random_patterns`: binary patterns with a fixed number of active cells;
- :func:`bins`: a duration as a whole number of schedule bins;
- :func:`active_cells`: which cells fired in a time window;
- :func:`state_onsets`: per pattern, whether it was reached and its median first-spike time;
- :func:`stdp_hippocampus`: the run's Brain with its hippocampus checked to use the ``stdp`` rule.

References
----------
Brette R, Goodman DFM (2011) Vectorized algorithms for spiking neural network simulation.
    Neural Comput 23:1503-1535 (Poisson sources as thresholded ``rand() < rate * dt``).
Willshaw DJ, Buneman OP, Longuet-Higgins HC (1969) Non-holographic associative memory.
    Nature 222:960-962 (sparse random binary patterns with a fixed number of active units).
"""
from __future__ import annotations

import numpy as np
from brian2 import Hz, NeuronGroup, Synapses, TimedArray, ms, second

from brain.config import ConfigError
from regions.connect import connect

__all__ = ["PatternDrive", "active_cells", "bins", "random_patterns", "state_onsets", "stdp_hippocampus"]


class PatternDrive:
    """One Poisson source per cell of a port, one-to-one: a per-cell ``rate`` set between runs,
    plus scheduled patterns: during run time ``t``, row ``sched(t - offset)`` of ``table``
    (patterns x cells, 0/1) is driven at ``rate_sched`` (row 0 must be silent).

    Parameters
    ----------
    brain : the :class:`brain.brain.Brain` the sources are added to.
    target : ``"region.port"``.
    weight : conductance (or current) added to the port's variable per input spike.
    rate_sched : rate of the scheduled patterns.
    name : Brian2 name of the source group (its synapses are ``NAME_syn``).
    """

    def __init__(self, brain, target: str, weight, rate_sched=0 * Hz, name: str = "drive"):
        region, port = target.split(".", 1)
        self.port = brain.regions[region].port(port)
        self.n = len(self.port.group)
        self.group = NeuronGroup(self.n, "rate : Hz\noffset : second (shared)",
                                 threshold="rand() < (rate + rate_sched * table(sched(t - offset) * second, i)) * dt",
                                 namespace={"rate_sched": rate_sched}, name=name)
        self.set_schedule(np.zeros((1, self.n)), np.zeros(1), 1 * ms)
        self.syn = Synapses(self.group, self.port.group, on_pre=f"{self.port.var}_post += w_drive",
                            namespace={"w_drive": weight}, name=f"{name}_syn")
        connect(self.syn, np.arange(self.n), np.arange(self.n))
        brain.add(self.group, self.syn)

    def set_schedule(self, table: np.ndarray, rows: np.ndarray, bin_dt) -> None:
        """``rows[k]``: table row driven during bin ``k`` (width ``bin_dt``) of the schedule."""
        self.group.namespace["table"] = TimedArray(np.asarray(table, dtype=float), dt=1 * second,
                                                   name=f"{self.group.name}_table")
        self.group.namespace["sched"] = TimedArray(np.asarray(rows, dtype=float), dt=bin_dt,
                                                   name=f"{self.group.name}_sched")

    def set(self, cells=None, rate=0 * Hz) -> None:
        """Drive ``cells`` at ``rate`` (all other cells silent) until the next call."""
        r = np.zeros(self.n)
        if cells is not None:
            r[np.asarray(cells)] = float(rate)
        self.group.rate = r * Hz


def active_cells(monitor, start: int, t0: float, t1: float, n: int, min_spikes: int = 1) -> np.ndarray:
    """Binary vector: cells of ``monitor`` with >= ``min_spikes`` spikes in [t0, t1) (spikes from index ``start``)."""
    i = np.asarray(monitor.i[start:])
    t = np.asarray(monitor.t[start:] / second)
    counts = np.bincount(i[(t >= t0) & (t < t1)], minlength=n)
    return counts >= min_spikes


def random_patterns(n_patterns: int, n: int, m: int, rng) -> np.ndarray:
    """``n_patterns`` x ``n`` boolean patterns with exactly ``m`` active cells each (drawn from ``rng``)."""
    pats = np.zeros((n_patterns, n), dtype=bool)
    for k in range(n_patterns):
        pats[k, rng.choice(n, m, replace=False)] = True
    return pats


def bins(q, bin_dt) -> int:
    """``q / bin_dt`` as an integer; a :class:`ConfigError` when ``q`` is not a multiple of ``bin_dt``."""
    n = float(q / bin_dt)
    if abs(n - round(n)) > 1e-6:
        raise ConfigError(f"experiment: durations must be multiples of {bin_dt} (got {q})")
    return int(round(n))


def state_onsets(i, t, own, frac):
    """Per state: (replayed?, onset = median first-spike time of its own cells that fired).

    ``i``, ``t``: time-ordered spikes; ``own``: the cells of each state; a state counts as
    replayed when at least ``frac`` of its cells fired.
    """
    first = {}
    for cell, ts in zip(i, t):
        first.setdefault(int(cell), float(ts))     # spikes are time-ordered
    out = []
    for cells in own:
        ft = [first[c] for c in cells if c in first]
        out.append((len(ft) >= frac * max(len(cells), 1) and len(cells) > 0,
                    float(np.median(ft)) if ft else float("nan")))
    return out


def stdp_hippocampus(ctx, region: str, experiment: str):
    """Build the run's Brain; return it and its hippocampus ``region``, checked to use the ``stdp`` rule."""
    if region not in ctx.config.regions:
        raise ConfigError(f"experiment.region: no region {region!r} in regions")
    if ctx.config.regions[region].params.rec_rule != "stdp":
        raise ConfigError(f"regions.{region}.rec_rule: {experiment} needs the asymmetric 'stdp' rule")
    brain = ctx.brain()
    return brain, brain.regions[region]
