"""Helpers of the hippocampal experiments on the trial engine: pattern drives, patterns, onsets.

Shared by ``pattern_completion``, ``sequence_replay`` and ``next_state`` (experiments never import
each other; CONTRIBUTING.md, "Layout and import rules"). Their storage and recall protocols are
presentations (:class:`brain.trials.tasks.Presentation`): a pattern per trial, driven through one
stimulus abstraction and read from spike counters (``keep: cells``) or from the spikes of the
window (``keep: spikes``).

- :func:`cell_drive`: a stimulus of one Poisson source per cell of a port (a pattern is a level
  per cell), for the trial engine;
- :func:`random_patterns`: binary patterns with a fixed number of active cells;
- :func:`state_scores`: the CA1 score of each candidate state (cells outside the cue that fired);
- :func:`bins`: a duration as a whole number of schedule bins;
- :func:`state_onsets`: per pattern, whether it was reached and its median first-spike time;
- :func:`stdp_hippocampus`: the run's Brain with its hippocampus checked to use the ``stdp`` rule.

References
----------
Willshaw DJ, Buneman OP, Longuet-Higgins HC (1969) Non-holographic associative memory.
    Nature 222:960-962 (sparse random binary patterns with a fixed number of active units).
"""
from __future__ import annotations

import numpy as np

from brain.config import ConfigError
from brain.trials.specs import StimulusSpec

__all__ = ["bins", "cell_drive", "random_patterns", "state_onsets", "state_scores", "stdp_hippocampus"]


def cell_drive(port: str, n_cells: int, weight, rate) -> StimulusSpec:
    """A stimulus of one Poisson source per cell of ``port`` (one-to-one, ``weight`` per spike): a
    pattern is a level per cell (1: ``rate``), e.g. a binary pattern times ``rate_cue / rate``."""
    return StimulusSpec(port=port, kind="poisson", pools=n_cells, n=1, p=1.0, weight=weight, rate=rate)


def random_patterns(n_patterns: int, n: int, m: int, rng) -> np.ndarray:
    """``n_patterns`` x ``n`` boolean patterns with exactly ``m`` active cells each (drawn from ``rng``)."""
    pats = np.zeros((n_patterns, n), dtype=bool)
    for k in range(n_patterns):
        pats[k, rng.choice(n, m, replace=False)] = True
    return pats


def disjoint_patterns(sizes, n: int, rng) -> np.ndarray:
    """``len(sizes)`` x ``n`` boolean patterns with ``sizes[k]`` active cells each and no cell shared
    between two patterns (orthogonal stimuli; drawn from ``rng``)."""
    if sum(sizes) > n:
        raise ValueError(f"disjoint patterns need {sum(sizes)} cells, only {n} exist")
    order = rng.permutation(n)
    pats = np.zeros((len(sizes), n), dtype=bool)
    start = 0
    for k, m in enumerate(sizes):
        pats[k, order[start:start + m]] = True
        start += m
    return pats


def state_scores(states: np.ndarray, counts: np.ndarray, cue: np.ndarray) -> np.ndarray:
    """Per candidate state (rows of ``states``): the fraction of its cells outside ``cue`` that fired
    (``counts`` > 0): the CA1 readout of a predicted state in EC coordinates."""
    own = states & ~cue
    return (own & (counts > 0)).sum(1) / np.maximum(own.sum(1), 1)


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
