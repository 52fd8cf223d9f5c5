"""Spike statistics through one adapter to Elephant (with Neo): rates, CV of ISI, Fano factor,
pairwise correlation and a population synchrony measure.

Inputs are plain arrays (neuron indices, spike times in seconds); the adapter builds
``neo.SpikeTrain`` objects and calls Elephant. Large populations are subsampled with a fixed
generator (``max_neurons``) so statistics stay cheap and reproducible.

References
----------
Denker M et al. (2018) Elephant - Electrophysiology Analysis Toolkit.
Golomb D (2007) Neuronal synchrony measures. Scholarpedia 2:1347 (chi synchrony).
"""
from __future__ import annotations

import warnings

import numpy as np
import quantities as pq


def _elephant():
    # Imported lazily: Elephant/Neo add ~1 s to start-up that `brain list` does not need.
    import logging

    import elephant.utils
    import neo
    from elephant import conversion, spike_train_correlation, statistics

    elephant.utils.logger.setLevel(logging.ERROR)  # binning round-off notices
    return neo, conversion, spike_train_correlation, statistics


def spike_trains(i: np.ndarray, t: np.ndarray, neurons, t_start: float, t_stop: float) -> list:
    """``neo.SpikeTrain`` per neuron in ``neurons`` with spikes in [t_start, t_stop)."""
    neo = _elephant()[0]
    keep = (t >= t_start) & (t < t_stop)
    i, t = i[keep], t[keep]
    order = np.argsort(i, kind="stable")
    i, t = i[order], t[order]
    bounds = np.searchsorted(i, np.asarray(neurons))
    ends = np.searchsorted(i, np.asarray(neurons), side="right")
    return [neo.SpikeTrain(np.sort(t[a:b]) * pq.s, t_start=t_start * pq.s, t_stop=t_stop * pq.s)
            for a, b in zip(bounds, ends)]


def _sample(n: int, max_neurons: int, seed: int = 0) -> np.ndarray:
    if max_neurons and n > max_neurons:
        return np.sort(np.random.default_rng(seed).choice(n, max_neurons, replace=False))
    return np.arange(n)


def population_stats(i, t, n: int, t_start: float, t_stop: float, max_neurons: int = 300,
                     count_bin: float = 0.1, corr_bin: float = 0.01) -> dict[str, float]:
    """Statistics of one population.

    Returns
    -------
    dict with ``rate_hz`` (all neurons), ``cv_isi`` (mean over neurons with >= 3 spikes),
    ``fano`` (spike counts in ``count_bin`` windows, mean over active neurons), ``corr``
    (mean pairwise Pearson correlation of counts in ``corr_bin`` bins among active neurons),
    ``sync_chi`` (Golomb's chi from binned counts) and ``active_frac``.
    """
    i, t = np.asarray(i), np.asarray(t)
    duration = t_stop - t_start
    in_window = (t >= t_start) & (t < t_stop)
    out = {"rate_hz": float(in_window.sum() / max(n, 1) / duration) if duration > 0 else float("nan")}
    neurons = _sample(n, max_neurons)
    trains = spike_trains(i, t, neurons, t_start, t_stop)
    _, conversion, correlation, statistics = _elephant()
    counts = np.array([len(st) for st in trains])
    out["active_frac"] = float(np.mean(counts > 0)) if len(counts) else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cvs = [statistics.cv(statistics.isi(st)) for st in trains if len(st) >= 3]
        out["cv_isi"] = float(np.mean(cvs)) if cvs else float("nan")
        active = [st for st in trains if len(st) > 0]
        if len(active) >= 2 and duration >= 2 * count_bin:
            binned = conversion.BinnedSpikeTrain(active, bin_size=count_bin * pq.s).to_array()
            m = binned.mean(axis=1)
            out["fano"] = float(np.mean(binned.var(axis=1)[m > 0] / m[m > 0]))
            fine = conversion.BinnedSpikeTrain(active, bin_size=corr_bin * pq.s)
            cc = correlation.correlation_coefficient(fine)
            off = cc[~np.eye(len(active), dtype=bool)]
            out["corr"] = float(np.nanmean(off))
            x = fine.to_array().astype(float)
            var_single = x.var(axis=1).mean()
            out["sync_chi"] = float(np.sqrt(x.mean(axis=0).var() / var_single)) if var_single > 0 else float("nan")
        else:
            out.update(fano=float("nan"), corr=float("nan"), sync_chi=float("nan"))
    return out


def rate_histogram(t: np.ndarray, n: int, t_stop: float, bin_s: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Population rate (Hz per neuron) in bins of ``bin_s``; returns (bin centres, rates)."""
    edges = np.arange(0.0, t_stop + bin_s, bin_s)
    counts, _ = np.histogram(t, bins=edges)
    return edges[:-1] + bin_s / 2, counts / max(n, 1) / bin_s


def sliding_mean(x, window: int) -> np.ndarray:
    """Trailing mean of ``x`` over the last ``window`` entries, divided by the entries actually there.

    ``out[k] = mean(x[max(0, k - window + 1) : k + 1])`` ignoring NaN (missing trials), so the first
    value is ``x[0]`` (not ``x[0] / window``) and the curve needs no warm-up; NaN where the window
    holds no value.
    """
    if int(window) < 1:
        raise ValueError(f"sliding_mean: window must be a positive integer, got {window!r}")
    window = int(window)
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    sums = np.concatenate(([0.0], np.cumsum(np.where(ok, x, 0.0))))
    counts = np.concatenate(([0], np.cumsum(ok)))
    hi = np.arange(1, len(x) + 1)
    lo = np.maximum(hi - window, 0)
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[hi] - sums[lo]) / np.maximum(n, 1), np.nan)
