"""Raster, population-rate and learning-curve figures (Matplotlib).

Every function draws into ``ax`` when given (its figure is returned), else into a new
``matplotlib.figure.Figure`` made without pyplot (no GUI backend, no global figure state: this
module never switches the backend, so a notebook's ``%matplotlib inline`` keeps working), saves it
to ``path`` when given and returns the Figure (shown inline in a notebook as a cell's value).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from brain.analysis import rate_histogram, sliding_mean


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot()


def _finish(fig: Figure, path, own: bool) -> Figure:
    if own:
        fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def raster(spikes: Mapping[str, Mapping[str, Any]], duration: float, path: Path | None = None,
           max_neurons: int = 200, ax=None) -> Figure:
    """Stacked raster, at most ``max_neurons`` neurons per population."""
    own = ax is None
    fig, ax = _axes(ax, (9, 5))
    offset = 0
    for k, (pop, d) in enumerate(spikes.items()):
        n_show = min(int(d["n"]), max_neurons)
        sel = np.asarray(d["i"]) < n_show
        ax.plot(np.asarray(d["t"])[sel], np.asarray(d["i"])[sel] + offset, ".", ms=1.2, color=f"C{k}", label=pop)
        offset += n_show
    ax.set(xlabel="time (s)", ylabel="neuron", xlim=(0, duration))
    if spikes:
        ax.legend(loc="upper right", markerscale=8, fontsize=8)
    return _finish(fig, path, own)


def rates(spikes: Mapping[str, Mapping[str, Any]], duration: float, path: Path | None = None,
          bin_s: float = 0.01, ax=None) -> Figure:
    """Population rate per population (Hz per neuron) in bins of ``bin_s``."""
    own = ax is None
    fig, ax = _axes(ax, (9, 3.5))
    for k, (pop, d) in enumerate(spikes.items()):
        centres, r = rate_histogram(np.asarray(d["t"]), int(d["n"]), duration, bin_s)
        ax.plot(centres, r, lw=0.8, color=f"C{k}", label=pop)
    ax.set(xlabel="time (s)", ylabel=f"rate (Hz, {bin_s * 1e3:.0f} ms bins)", xlim=(0, duration))
    if spikes:
        ax.legend(loc="upper right", fontsize=8)
    return _finish(fig, path, own)


def _column(rows: Sequence[Mapping[str, Any]], key: str, default=np.nan) -> np.ndarray:
    """``rows[k][key]`` as floats (missing, None or '' -> ``default``; bools -> 0/1)."""
    out = []
    for r in rows:
        v = r.get(key, default)
        out.append(default if v is None or v == "" else float(v))
    return np.asarray(out, dtype=float)


def learning_curve(rows: Sequence[Mapping[str, Any]], path: Path | None = None, window: int = 10,
                   axes=None) -> Figure:
    """Choices per trial and the sliding accuracy / reward of a trial log (``RunContext.trials``).

    Top: the chosen action per trial (``choice``; filled when ``reward`` > 0, open when not; trials
    without a choice, ``choice`` < 0 or ``no_choice`` true, as grey crosses at -1) over the good
    action (``good_action``, when the rows have it). Bottom: sliding means over ``window`` trials
    (:func:`brain.analysis.sliding_mean`, divided by the trials actually in the window) of
    ``correct`` (accuracy) and ``reward``. ``axes``: two Axes to draw into.
    """
    rows = list(rows)
    own = axes is None
    if own:
        fig = Figure(figsize=(8, 4.5))
        a1, a2 = fig.subplots(2, 1, sharex=True)
    else:
        a1, a2 = axes
        fig = a1.figure
    k = _column(rows, "trial") if any("trial" in r for r in rows) else np.arange(len(rows), dtype=float)
    k = np.where(np.isnan(k), np.arange(len(rows)), k)
    choice = _column(rows, "choice", -1.0)
    none = (choice < 0) | np.isnan(choice) | (_column(rows, "no_choice", 0.0) > 0)
    reward = _column(rows, "reward")
    rewarded = ~none & (np.nan_to_num(reward) > 0)
    unrewarded = ~none & ~rewarded
    if any("good_action" in r for r in rows):
        a1.step(k, _column(rows, "good_action"), where="mid", color="tab:green", lw=3, alpha=0.3, zorder=0,
                label="good action")
    a1.scatter(k[rewarded], choice[rewarded], s=12, color="k", label="chosen, rewarded")
    a1.scatter(k[unrewarded], choice[unrewarded], s=12, facecolors="none", edgecolors="k",
               label="chosen, unrewarded")
    a1.scatter(k[none], np.full(int(none.sum()), -1.0), s=30, color="0.6", marker="x", label="no choice")
    top = max(1.0, float(np.nanmax(choice))) if len(rows) and np.isfinite(choice).any() else 1.0
    a1.set(ylabel="action", ylim=(-1.5, top + 0.8), yticks=[-1, *range(int(top) + 1)],
           yticklabels=["none", *map(str, range(int(top) + 1))])
    if rows:
        a1.legend(fontsize=7, ncol=4, loc="upper left")
    if any("correct" in r for r in rows):
        a2.plot(k, sliding_mean(_column(rows, "correct"), window), color="k", label="accuracy")
    if any("reward" in r for r in rows):
        a2.plot(k, sliding_mean(reward, window), color="tab:orange", lw=1, label="reward")
    a2.set(xlabel="trial", ylabel=f"sliding mean ({window} trials)", ylim=(-0.05, 1.05))
    if a2.lines:
        a2.legend(fontsize=7, loc="lower right")
    return _finish(fig, path, own)


def wiring(config, path: Path | None = None, ax=None) -> Figure:
    """The brain's wiring: regions as nodes (on a circle), projections as arrows labelled
    ``source -> target, rule, weight``. Several projections between one pair of regions bend apart;
    a projection of a region onto itself is a loop above its node."""
    from matplotlib.patches import FancyArrowPatch

    own = ax is None
    fig, ax = _axes(ax, (8, 7))
    names = list(config.regions)
    n = max(len(names), 1)
    angle = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    pos = {name: (np.cos(a), np.sin(a)) if n > 1 else (0.0, 0.0) for name, a in zip(names, angle)}
    seen: dict[tuple[str, str], int] = {}
    for label, pc in config.projections.items():
        k = seen.get((pc.pre, pc.post), 0)
        seen[(pc.pre, pc.post)] = k + 1
        text = f"{pc.source or 'out'}->{pc.target or 'in'}\n{pc.rule}, {pc.weight}"
        (x0, y0), (x1, y1) = pos[pc.pre], pos[pc.post]
        if pc.pre == pc.post:
            r = 0.18 + 0.08 * k
            loop = FancyArrowPatch((x0 - 0.06, y0 + 0.08), (x0 + 0.06, y0 + 0.08),
                                   connectionstyle=f"arc3,rad={-2.5 - k}", arrowstyle="-|>", mutation_scale=10,
                                   color=f"C{len(seen) % 10}", lw=1)
            ax.add_patch(loop)
            ax.text(x0, y0 + 0.1 + r, text, ha="center", va="bottom", fontsize=6, color=f"C{len(seen) % 10}")
            continue
        rad = 0.15 + 0.3 * k
        arrow = FancyArrowPatch((x0, y0), (x1, y1), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                mutation_scale=12, shrinkA=22, shrinkB=22, color=f"C{len(seen) % 10}", lw=1.2)
        ax.add_patch(arrow)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2          # label at the arc's midpoint
        nx, ny = (y1 - y0), -(x1 - x0)
        ax.text(mx + rad * nx / 2, my + rad * ny / 2, text, ha="center", va="center", fontsize=6,
                color=f"C{len(seen) % 10}", bbox=dict(fc="white", ec="none", alpha=0.7, pad=0.5))
    for name in names:
        x, y = pos[name]
        ax.scatter([x], [y], s=2800, color="white", edgecolors="k", zorder=3)
        ax.text(x, y, f"{name}\n[{config.regions[name].kind}]", ha="center", va="center", fontsize=7, zorder=4)
    ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), aspect="equal", title=f"wiring: {config.name or 'brain'}")
    ax.axis("off")
    return _finish(fig, path, own)


def stay_bars(bars: Mapping[str, Sequence[float]], path: Path | None = None) -> Figure:
    """Daw et al. (2011) Fig. 2: one panel per agent, P(stay) after rewarded / unrewarded trials
    whose transition was common (blue) or rare (red). ``bars``: name -> the four probabilities in
    :data:`brain.trials.stay.CELLS` order (NaN draws no bar)."""
    fig = Figure(figsize=(2.3 * max(len(bars), 1), 2.8))
    axes = fig.subplots(1, max(len(bars), 1), sharey=True, squeeze=False)[0]
    for ax, (name, ps) in zip(axes, bars.items()):
        ax.bar([0, 1, 3, 4], np.nan_to_num(np.asarray(ps, dtype=float)), color=["C0", "C3", "C0", "C3"])
        ax.set_xticks([0.5, 3.5], ["rewarded", "unrewarded"], fontsize=8)
        ax.set_title(name, fontsize=9)
    axes[0].set(ylabel="P(stay)", ylim=(0, 1))
    fig.suptitle("previous transition: common (blue) or rare (red)", fontsize=9)
    return _finish(fig, path, own=True)
