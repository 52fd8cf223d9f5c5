"""Raster and population-rate figures (Matplotlib, Agg backend, files only)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from brain.analysis import rate_histogram  # noqa: E402


def raster(spikes: Mapping[str, Mapping[str, Any]], duration: float, path: Path, max_neurons: int = 200):
    """Stacked raster, at most ``max_neurons`` neurons per population."""
    fig, ax = plt.subplots(figsize=(9, 5))
    offset = 0
    for k, (pop, d) in enumerate(spikes.items()):
        n_show = min(int(d["n"]), max_neurons)
        sel = np.asarray(d["i"]) < n_show
        ax.plot(np.asarray(d["t"])[sel], np.asarray(d["i"])[sel] + offset, ".", ms=1.2, color=f"C{k}", label=pop)
        offset += n_show
    ax.set(xlabel="time (s)", ylabel="neuron", xlim=(0, duration))
    if spikes:
        ax.legend(loc="upper right", markerscale=8, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def rates(spikes: Mapping[str, Mapping[str, Any]], duration: float, path: Path, bin_s: float = 0.01):
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for k, (pop, d) in enumerate(spikes.items()):
        centres, r = rate_histogram(np.asarray(d["t"]), int(d["n"]), duration, bin_s)
        ax.plot(centres, r, lw=0.8, color=f"C{k}", label=pop)
    ax.set(xlabel="time (s)", ylabel=f"rate (Hz, {bin_s * 1e3:.0f} ms bins)", xlim=(0, duration))
    if spikes:
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
