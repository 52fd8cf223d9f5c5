"""Delayed recall with a gated PFC: persistent activity and distractor gating.

Protocol after Brunel & Wang (2001), Figs. 3 and 7 (object working memory with distractors;
also Compte et al. 2000, Fig. 6): a cue (250 ms) excites one selective pool, which keeps firing
through a 2 s delay at 20-40 Hz while the other pools stay at a few Hz. In a third of the trials
nothing else happens; in the others a distractor of the same strength as the cue is presented
mid-delay to a different pool, either with the gate closed (it must not overwrite the held item)
or with the gate open (it must replace it: the PBWM input-gating of O'Reilly & Frank 2006). The
gate is opened by a Poisson burst on the ``gate`` port, exactly as the cue is loaded (every cue
is presented with the gate open). At the start of every trial a burst on the ``reset`` port
(excitation of the interneurons) clears the memory, so the whole session is one continuous run.

The session is a declaration for the trial engine (:mod:`brain.trials`): the ``delayed_recall``
task (conditions none / closed / open cycling; cue and distractor items drawn from the brain
seed) and the phases of a trial (``reset`` 150 ms, ``iti`` 100 ms, ``cue`` 250 ms, then the
delay split around the distractor: ``delay`` 875 ms, ``distractor`` 250 ms, ``recall`` 875 ms).
Three stimuli drive the PFC ports: ``items`` (200 Poisson sources per selective pool onto the
gated ``g_in``; the task's ``cue`` in the cue phase, its ``distractor`` in the distractor phase,
nothing in ``none`` trials), ``gate`` (in the cue phase, and in the distractor phase of ``open``
trials) and ``reset``. The recalled item (the engine's choice) is the selective pool firing
above ``threshold`` (10 Hz: above spontaneous activity, 1-2 Hz, and the reset criterion, 5 Hz;
below the persistent state, 20-40 Hz) with the highest rate over the last 500 ms of the delay
(``read_from`` of the ``recall`` phase); no pool above threshold is a no-recall (reported,
incorrect). Correct = the item that should be held: the distractor in gate-open trials, else the
cue. The trial log (``trials.csv``) holds every trial's condition, items, phase onsets, pool
rates per phase and recalled item.

Metrics
-------
delay_rate_cued_hz, delay_rate_uncued_hz : mean rates of the cued / uncued selective pools from
    ``delay_rate_from`` after cue offset to the end of the delay (no-distractor trials; from the
    spikes, with the phase onsets of the trial log).
delay_rate_inh_hz : interneuron rate over the same windows.
precue_rate_sel_hz : selective pools' rate in the ``iti`` phase, between the reset and the cue
    (all trials).
recall_accuracy : fraction of no-distractor trials whose recalled item is the cue.
distractor_overwrite_gate_closed / _open : fraction of distractor trials (gate closed / open)
    whose recalled item is the distractor.
reset_success : fraction of trials in which every selective pool fires < 5 Hz in the ``iti`` phase.
no_recall_rate : fraction of trials with no pool above threshold at the end of the delay.

References
----------
Brunel N, Wang X-J (2001) J Comput Neurosci 11:63-85, Figs. 3, 7.
Compte A, Brunel N, Goldman-Rakic PS, Wang X-J (2000) Cereb Cortex 10:910-923, Fig. 6.
O'Reilly RC, Frank MJ (2006) Neural Comput 18:283-328.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import ms, second

from brain.config import ConfigError
from brain.trials.engine import Session
from brain.trials.specs import PhaseSpec, SessionSpec, check_phases, check_session
from brain.trials.stimulus import resolve_port
from brain.trials.tasks import DelayedRecall, Presentation
from plasticity.params import ParamError, check_nonneg, check_positive, quantity
from regions.base import derive_seed

BACKENDS = ("numpy", "cython")     # closed loop: the trial engine switches stimuli during the run
CONDITIONS = DelayedRecall.CONDITIONS   # none, closed, open
RESET_HZ = 5.0                     # reset_success: every selective pool below this before the cue


@dataclass(frozen=True)
class Params(SessionSpec):
    """The session (``delayed_recall`` task, stimuli, readout ``items`` of the selective pools,
    phases: :class:`brain.trials.specs.SessionSpec`) plus the delay-rate window and the figure."""

    delay_rate_from: object = quantity(500 * ms)   # delay-rate window starts this long after cue offset
    spontaneous_runs: int = 0                      # no-cue runs (after a reset) checked for ignition
    spontaneous_duration: object = quantity(5 * second)
    spontaneous_window: object = quantity(250 * ms)   # ignition: a pool above threshold in such a window
    figure: bool = True

    def __post_init__(self):
        check_nonneg(self, "delay_rate_from")
        check_positive(self, "spontaneous_duration", "spontaneous_window")
        if isinstance(self.spontaneous_runs, bool) or not isinstance(self.spontaneous_runs, int) \
                or self.spontaneous_runs < 0:
            raise ParamError("spontaneous_runs", f"must be an integer >= 0, got {self.spontaneous_runs!r}")
        n = float(self.spontaneous_duration) / float(self.spontaneous_window)
        if abs(n - round(n)) > 1e-6:
            raise ParamError("spontaneous_window", "must divide spontaneous_duration")
        check_session(self)
        if self.task.get("type") != "delayed_recall":
            raise ParamError("task.type", f"working_memory runs the delayed_recall task, got {self.task.get('type')!r}")
        if "items" not in self.readouts:
            raise ParamError("readouts", "needs an 'items' readout (the selective pools, e.g. pfc.input)")
        names = [ph.name for ph in self.phases]
        for name in ("iti", "cue"):
            if name not in names:
                raise ParamError("phases", f"needs a phase named {name!r}")
        decider = next(k for k, ph in enumerate(self.phases) if ph.decide)
        if self.phases[decider].decide != "items":
            raise ParamError("phases", f"the deciding phase must decide 'items', got {self.phases[decider].decide!r}")
        iti, cue = names.index("iti"), names.index("cue")
        if not iti < cue < decider:
            raise ParamError("phases", "order must be iti, cue, then the deciding phase (end of the delay)")
        if "items" not in self.phases[iti].read:
            raise ParamError("phases", "the iti phase must read 'items' (pre-cue rates, reset success)")
        delay = sum(float(ph.duration) for ph in self.phases[cue + 1:decider + 1])
        if float(self.delay_rate_from) >= delay:
            raise ParamError("delay_rate_from", f"must be shorter than the delay ({delay:g} s), "
                                                f"got {self.delay_rate_from}")


def _pool_rates(i, t, slices, t0, t1):
    """Rates (Hz) of every selective pool in [t0, t1)."""
    m = (t >= t0) & (t < t1)
    counts = np.bincount(i[m], minlength=slices[-1][1])
    return np.array([counts[a:b].sum() / (b - a) / (t1 - t0) for a, b in slices])


def _check_ports(brain, p: Params, region: str, n_sel: int) -> None:
    """``items`` reads exactly the selective pools (poisson weights are checked by the engine)."""
    port = resolve_port(brain, p.readouts["items"].port, "experiment.readouts.items.port")
    if len(port.group) != n_sel:
        raise ConfigError(f"experiment.readouts.items.port: must span {region}'s selective pools "
                          f"({n_sel} cells, e.g. {region}.input), got {len(port.group)} cells")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    region = p.readouts["items"].port.split(".", 1)[0]
    if region not in ctx.config.regions:
        raise ConfigError(f"experiment.readouts.items.port: no region {region!r} in regions")
    brain = ctx.brain()
    pfc = brain.region(region)
    if not hasattr(pfc, "pool_slices"):
        raise ConfigError(f"experiment.readouts.items.port: {region!r} has no selective pools (a pfc region)")
    slices, P = pfc.pool_slices, len(pfc.pool_slices)
    if P < 2:
        raise ConfigError(f"regions.{region}.n_pools: the distractor needs at least 2 pools")
    if p.task.get("n_items", P) != P:
        raise ConfigError(f"experiment.task.n_items: must equal {region}'s n_pools ({P})")
    _check_ports(brain, p, region, slices[-1][1])
    session = Session(brain, p, seed=derive_seed(ctx.seed, "working_memory"), rows=ctx.trials, epochs=ctx.epochs,
                      log=ctx.log, task_params=dict(p.task, n_items=P))
    rows = list(session.run())

    col = lambda key: np.array([r.get(key, np.nan) for r in rows], dtype=float)  # noqa: E731
    cond = np.array([r["condition"] for r in rows])
    cue, dis, choice = col("cue").astype(int), col("distractor").astype(int), col("choice").astype(int)
    phase = {ph.name: ph for ph in p.phases}
    cue_off = col("t_cue") + float(phase["cue"].duration)
    end = col(f"t_{session.decider.name}") + float(session.decider.duration)
    pre = np.stack([col(f"items{k}_iti_hz") for k in range(P)], axis=1)

    spikes = ctx.spikes()
    e, inh = spikes[f"{region}.exc"], spikes[f"{region}.inh"]
    cued, uncued, inh_rates = [], [], []
    for k in np.flatnonzero(cond == "none"):
        t0 = cue_off[k] + float(p.delay_rate_from)
        delay = _pool_rates(e["i"], e["t"], slices, t0, end[k])
        cued.append(delay[cue[k]])
        uncued.append(np.delete(delay, cue[k]).mean())
        m = (inh["t"] >= t0) & (inh["t"] < end[k])
        inh_rates.append(m.sum() / inh["n"] / (end[k] - t0))

    def frac(c, target):
        sel = cond == c
        return float(np.mean(choice[sel] == target[sel])) if sel.any() else float("nan")

    def mean(x):
        return float(np.mean(x)) if len(x) else float("nan")

    metrics = {
        "delay_rate_cued_hz": mean(cued),
        "delay_rate_uncued_hz": mean(uncued),
        "delay_rate_inh_hz": mean(inh_rates),
        "precue_rate_sel_hz": mean(pre.mean(axis=1)),
        "recall_accuracy": frac("none", cue),
        "distractor_overwrite_gate_closed": frac("closed", dis),
        "distractor_overwrite_gate_open": frac("open", dis),
        "reset_success": mean(np.all(pre < RESET_HZ, axis=1)),
        "no_recall_rate": mean(choice < 0),
    }
    if p.spontaneous_runs:
        metrics.update(_spontaneous(session, p, P))
    if ctx.out is not None and p.figure:
        (ctx.out / "figures").mkdir(parents=True, exist_ok=True)
        first = [next(r for r in rows if r["condition"] == c) for c in CONDITIONS if (cond == c).any()]
        trial_figure(e, slices, first, p, ctx.out / "figures" / "working_memory.png")
    return metrics


def trial_figure(e, slices, rows, p: Params, path, bin_s: float = 0.025) -> None:
    """Pool rates over one trial of each condition (cued, distractor and other pools), with the
    phases that show the cue (blue), the distractor (red) or only other stimuli (the reset: grey)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trial = sum(float(ph.duration) for ph in p.phases)
    fig, axes = plt.subplots(1, len(rows), figsize=(4 * len(rows), 3.2), sharey=True)
    edges = np.arange(0.0, trial + bin_s / 2, bin_s)
    for ax, r in zip(np.atleast_1d(axes), rows):
        t0, shown = r[f"t_{p.phases[0].name}"], r["condition"] != "none"
        for k, (a, b) in enumerate(slices):
            m = (e["i"] >= a) & (e["i"] < b) & (e["t"] >= t0) & (e["t"] < t0 + trial)
            rate = np.histogram(e["t"][m] - t0, bins=edges)[0] / (b - a) / bin_s
            role = "cued" if k == r["cue"] else ("distractor" if shown and k == r["distractor"] else None)
            other = min(set(range(len(slices))) - {r["cue"], r["distractor"]}, default=-1)
            ax.plot(edges[:-1] + bin_s / 2, rate, lw=1.4 if role else 0.7,
                    color={"cued": "C0", "distractor": "C3"}.get(role, "0.6"),
                    label=role or ("other pools" if k == other else None))
        for ph in p.phases:
            shows = set(ph.drive.values())
            color = ("C0" if "cue" in shows else "C3" if "distractor" in shows and shown
                     else "k" if ph.drive and not shows & {"distractor", "gate"} else None)
            if color:
                on = r[f"t_{ph.name}"] - t0
                ax.axvspan(on, on + float(ph.duration), color=color, alpha=0.08 if color == "k" else 0.12)
        ax.set(title=f"distractor: {r['condition']}" if shown else "no distractor",
               xlabel="time in trial (s)", xlim=(0, trial))
    np.atleast_1d(axes)[0].set_ylabel(f"pool rate (Hz, {bin_s * 1e3:.0f} ms bins)")
    np.atleast_1d(axes)[-1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _spontaneous(session: Session, p: Params, n_pools: int) -> dict[str, float]:
    """``spontaneous_runs`` runs of ``spontaneous_duration`` with no cue, each after the reset burst:
    a run ignites when a selective pool's rate exceeds the ``items`` threshold in any window of
    ``spontaneous_window`` (the held state is 20-40 Hz, spontaneous activity 1-2 Hz)."""
    reset = next((ph for ph in p.phases if "reset" in ph.drive), None)
    n = int(round(float(p.spontaneous_duration) / float(p.spontaneous_window)))
    phases = ((PhaseSpec("sreset", reset.duration, drive=dict(reset.drive)),) if reset else ()) + tuple(
        PhaseSpec(f"free{k}", p.spontaneous_window, read=("items",)) for k in range(n))
    check_phases(p, phases, "spontaneous phases")
    first = len(session.rows)
    session.run(Presentation([{}] * p.spontaneous_runs, {}), phases=phases, settle=False)
    thr = float(p.readouts["items"].threshold)
    ignited, onset = [], []
    for r in session.rows[first:]:
        rates = np.array([[r[f"items{j}_free{k}_hz"] for j in range(n_pools)] for k in range(n)])
        hot = np.flatnonzero((rates > thr).any(axis=1))
        ignited.append(bool(len(hot)))
        if len(hot):
            onset.append((hot[0] + 1) * float(p.spontaneous_window))
    return {"spontaneous_ignition_rate": float(np.mean(ignited)),
            "spontaneous_ignition_onset_s": float(np.mean(onset)) if onset else float("nan"),
            "spontaneous_max_rate_hz": float(max(r[f"items{j}_free{k}_hz"] for r in session.rows[first:]
                                                 for j in range(n_pools) for k in range(n)))}
