"""two_step's figures: the raster of a rollout decision, the revaluation bars and the stay bars."""
from __future__ import annotations

import numpy as np
from brian2 import second

from brain.trials.stay import stay_probabilities


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def decision_figure(ag, rows: list[dict], path) -> None:
    """Raster of the last test (or stay) decision: the EC cue and CA1 prediction of each rollout (CA1
    cells of state 1 / state 2), the ventral-striatal evaluation, the plan pools and the thalamic choice."""
    row = [r for r in rows if r["block"] in ("test", "stay")][-1]
    spikes = ag.brain.spikes()
    t0, t1 = row["t_start"], row["t_end"]
    plt = _plt()
    panels = [("hippocampus.ca1", "CA1 (EC coords.)"), ("vs.msn", "ventral striatum"),
              ("plan.cells", "plan pools"), ("striatum.thal", "thalamus (choice)")]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 7), sharex=True)
    for ax, (key, label) in zip(axes, panels):
        d = spikes.get(key)
        if d is None:
            continue
        i, t = np.asarray(d["i"]), np.asarray(d["t"])
        keep = (t >= t0) & (t < t1)
        i, t = i[keep], t[keep]
        if key.endswith("ca1"):
            for s, colour in ((1, "C0"), (2, "C3")):
                cells = np.flatnonzero(ag.states[s])
                sel = np.isin(i, cells)
                rank = np.searchsorted(cells, i[sel])
                ax.plot(1e3 * (t[sel] - t0), rank + (s - 1) * len(cells), ".", ms=2, color=colour,
                        label=f"state {s} cells")
            ax.legend(fontsize=7, loc="upper right", markerscale=4)
        else:
            ax.plot(1e3 * (t - t0), i, ".", ms=2, color="k")
        ax.set_ylabel(label, fontsize=8)
        for a in (0, 1):
            start = 1e3 * (row[f"t_rollout{a}"] - t0)
            ax.axvspan(start, start + 1e3 * float((ag.p.t_cue + ag.p.t_lag + ag.p.t_pred) / second), color=f"C{a + 1}",
                       alpha=0.12, lw=0)
        ax.axvline(1e3 * (row["t_choice"] - t0), color="k", lw=0.8, ls="--")
    axes[0].set_title(f"{ag.agent}: imagined action 0 (orange) and 1 (green), then the choice (dashed): "
                      f"chose {row['choice']}; values {row['value0_hz']:.0f} / {row['value1_hz']:.0f} Hz",
                      fontsize=8)
    axes[-1].set_xlabel("time in the trial (ms)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def revaluation_figure(agent_rows: dict, p, better_first: int, path) -> None:
    """P(choosing the action whose common destination pays after revaluation), before and after."""
    plt = _plt()
    good_after = 2 - better_first
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    names = list(agent_rows)
    for k, name in enumerate(names):
        rows = agent_rows[name]
        train = [r for r in rows if r["block"] == "train"][-p.n_window:]
        test = [r for r in rows if r["block"] == "test"]
        before = np.mean([r["choice"] == good_after for r in train])
        after = np.mean([r["choice"] == good_after for r in test])
        ax.bar([3 * k, 3 * k + 1], [before, after], color=["0.6", "C0"])
    ax.set_xticks([3 * k + 0.5 for k in range(len(names))], names)
    ax.set(ylim=(0, 1), ylabel="P(revalued-better action)",
           title="before (grey) and after (blue) revaluation")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def stay_figure(metrics: dict, agents, p, seed: int, path) -> None:
    """Daw et al. (2011) Fig. 2 (:func:`brain.figures.stay_bars`) for each spiking agent (its
    ``stay_*`` metrics) and the tabular TD(1) MF and MB references on the same task."""
    from brain.figures import stay_bars
    from brain.trials.stay import CELLS, run_tabular
    from brain.trials.tasks import TwoStep
    bars = {f"spiking {a}": [metrics.get(f"stay_{c}_{a}", np.nan) for c in CELLS] for a in agents}
    for kind in ("mf", "mb"):
        task = TwoStep(n_trials=p.n_stay, p_common=p.p_common, drift_sd=p.drift_sd, bounds=p.drift_bounds, seed=seed)
        ps = stay_probabilities(run_tabular(task, kind, seed=seed))
        bars[f"tabular {kind}"] = [ps[c] for c in CELLS]
    path.parent.mkdir(parents=True, exist_ok=True)
    stay_bars(bars, path)
