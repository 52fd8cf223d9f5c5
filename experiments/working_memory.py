"""Delayed-response working memory with a gated PFC: persistent activity and distractor gating.

Protocol after Brunel & Wang (2001), Figs. 3 and 7 (object working memory with distractors;
also Compte et al. 2000, Fig. 6): a cue (``cue``, 250 ms) excites one selective pool, which
keeps firing through a 2 s delay at 20-40 Hz while the other pools stay at a few Hz. In a third
of the trials nothing else happens; in the others a distractor of the same strength as the cue
is presented mid-delay to a different pool, either with the gate closed (it must not overwrite
the held item) or with the gate open (it must replace it: the PBWM input-gating of O'Reilly &
Frank 2006). The gate is opened by a Poisson burst on the ``gate`` port, exactly as the cue is
loaded (every cue is presented with the gate open). Between trials a burst on the ``reset`` port
(excitation of the interneurons) clears the memory, so the whole session is one continuous run.

Each trial lasts ``duration``: inter-trial interval (``duration - cue - delay``; reset during
its first ``reset`` part), cue, delay. Trials cycle through the three conditions; cue and
distractor pools are drawn from the brain seed.

Metrics
-------
delay_rate_cued_hz, delay_rate_uncued_hz : mean rates of the cued / uncued selective pools from
    ``settle`` after cue offset to the end of the delay (no-distractor trials).
delay_rate_inh_hz : interneuron rate over the same windows.
precue_rate_sel_hz : selective pools' rate between the end of the reset and the cue (all trials).
recall_accuracy : fraction of no-distractor trials whose cued pool is the most active pool in
    the last ``readout`` of the delay.
distractor_overwrite_gate_closed / _open : fraction of distractor trials (gate closed / open)
    whose distractor pool is the most active pool at delay end.
reset_success : fraction of trials in which every selective pool fires < 5 Hz before the cue.

References
----------
Brunel N, Wang X-J (2001) J Comput Neurosci 11:63-85, Figs. 3, 7.
Compte A, Brunel N, Goldman-Rakic PS, Wang X-J (2000) Cereb Cortex 10:910-923, Fig. 6.
O'Reilly RC, Frank MJ (2006) Neural Comput 18:283-328.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS, second

from brain.config import ConfigError
from brain.stimuli import poisson_input
from plasticity.params import check_nonneg, check_positive, check_positive_int, check_probability, quantity
from regions.base import derive_seed

BACKENDS = ("numpy", "cython")     # closed-loop trial loop: stimuli are switched between run() calls
CONDITIONS = ("none", "closed", "open")


@dataclass(frozen=True)
class Params:
    region: str = "pfc"
    n_trials: int = 10                          # trials per condition (none, gate closed, gate open)
    cue: object = quantity(250 * ms)            # Brunel & Wang 2001: 250 ms cue
    delay: object = quantity(2 * second)
    reset: object = quantity(150 * ms)          # reset burst at the start of the inter-trial interval
    distractor: object = quantity(250 * ms)     # same duration and strength as the cue
    distractor_onset: object = quantity(875 * ms)  # after cue offset (centred in the delay)
    settle: object = quantity(500 * ms)         # delay-rate window starts this long after cue offset
    readout: object = quantity(500 * ms)        # winner = most active pool in the last readout
    stim_n: int = 200                           # Poisson sources per pool stimulus
    stim_p: float = 0.25                        # source -> cell connection probability
    stim_rate: object = quantity(30 * Hz)       # 50 sources/cell: +1.5 kHz (cue response ~70-90 Hz)
    stim_weight: object = quantity(2.1 * nS)    # onto the gated g_in (= background synapse, B&W 2001)
    gate_n: int = 20
    gate_rate: object = quantity(100 * Hz)
    gate_weight: float = 0.1                    # per spike onto the gate trace (tau_gate 20 ms: gate ~ 4)
    reset_n: int = 200
    reset_p: float = 0.25
    reset_rate: object = quantity(60 * Hz)
    reset_weight: object = quantity(2 * nS)     # onto interneurons' g_ampa
    figure: bool = True

    def __post_init__(self):
        check_positive_int(self, "n_trials", "stim_n", "gate_n", "reset_n")
        check_probability(self, "stim_p", "reset_p")
        check_positive(self, "cue", "delay", "readout")
        check_nonneg(self, "reset", "distractor", "distractor_onset", "settle", "stim_rate", "stim_weight",
                     "gate_rate", "gate_weight", "reset_rate", "reset_weight")


def _check(p: Params, duration: float) -> float:
    iti = duration - float(p.cue) - float(p.delay)
    if iti < float(p.reset) - 1e-12:
        raise ConfigError(f"duration: one trial (iti + cue + delay) must be >= reset + cue + delay = "
                          f"{float(p.reset) + float(p.cue) + float(p.delay):g} s, got {duration:g} s")
    if float(p.distractor_onset) + float(p.distractor) > float(p.delay):
        raise ConfigError("experiment.distractor_onset: distractor must end within the delay")
    if float(p.settle) + float(p.readout) > float(p.delay) + 1e-12 or float(p.readout) > float(p.delay):
        raise ConfigError("experiment.readout: settle + readout must fit in the delay")
    return iti


def _pool_rates(i, t, slices, t0, t1):
    """Rates (Hz) of every selective pool in [t0, t1)."""
    m = (t >= t0) & (t < t1)
    counts = np.bincount(i[m], minlength=slices[-1][1])
    return np.array([counts[a:b].sum() / (b - a) / (t1 - t0) for a, b in slices])


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    trial = float(ctx.duration)
    iti = _check(p, trial)
    if p.region not in ctx.config.regions:
        raise ConfigError(f"experiment.region: no region {p.region!r} in regions")
    brain = ctx.brain()
    pfc = brain.region(p.region)
    P = pfc.params.n_pools
    if P < 2:
        raise ConfigError(f"regions.{p.region}.n_pools: the distractor needs at least 2 pools")
    stims = [poisson_input(brain, f"{p.region}.item{k}", p.stim_n, p.stim_weight, p.stim_p, p.stim_rate,
                           name=f"wm_item{k}") for k in range(P)]
    gate = poisson_input(brain, f"{p.region}.gate", p.gate_n, p.gate_weight, 1.0, p.gate_rate, name="wm_gate")
    reset = poisson_input(brain, f"{p.region}.reset", p.reset_n, p.reset_weight, p.reset_p, p.reset_rate,
                          name="wm_reset")
    sources = [*stims, gate, reset]

    def phase(duration: float, *on):
        for obj in sources:
            active = obj in on
            for o in obj:
                o.active = active
        if duration > 0:
            brain.run(duration * second)

    rng = np.random.default_rng(derive_seed(ctx.seed, "working_memory"))
    trials = []
    for k in range(p.n_trials * len(CONDITIONS)):
        cond = CONDITIONS[k % len(CONDITIONS)]
        cue = int(rng.integers(P))
        dis = int((cue + rng.integers(1, P)) % P)
        t0 = brain.t_run
        phase(float(p.reset), reset)
        phase(iti - float(p.reset))
        phase(float(p.cue), stims[cue], gate)
        if cond == "none":
            phase(float(p.delay))
        else:
            phase(float(p.distractor_onset))
            phase(float(p.distractor), stims[dis], *((gate,) if cond == "open" else ()))
            phase(float(p.delay) - float(p.distractor_onset) - float(p.distractor))
        trials.append(dict(cond=cond, cue=cue, dis=dis, t0=t0))
        if (k + 1) % 10 == 0:
            ctx.log(f"working_memory: trial {k + 1}/{p.n_trials * len(CONDITIONS)}")
    phase(0.0)                       # leave every stimulus source switched off

    spikes = brain.spikes()
    e, inh = spikes[f"{p.region}.exc"], spikes[f"{p.region}.inh"]
    slices = pfc.pool_slices
    cued, uncued, inh_rates, precue, resets = [], [], [], [], []
    for tr in trials:
        cue_on = tr["t0"] + iti
        cue_off = cue_on + float(p.cue)
        end = cue_off + float(p.delay)
        pre = _pool_rates(e["i"], e["t"], slices, tr["t0"] + float(p.reset), cue_on) if iti > float(p.reset) else None
        if pre is not None:
            precue.append(pre.mean())
            resets.append(bool(np.all(pre < 5.0)))
        final = _pool_rates(e["i"], e["t"], slices, end - float(p.readout), end)
        tr["winner"] = int(np.argmax(final))
        if tr["cond"] == "none":
            delay = _pool_rates(e["i"], e["t"], slices, cue_off + float(p.settle), end)
            cued.append(delay[tr["cue"]])
            uncued.append(np.delete(delay, tr["cue"]).mean())
            m = (inh["t"] >= cue_off + float(p.settle)) & (inh["t"] < end)
            inh_rates.append(m.sum() / inh["n"] / (end - cue_off - float(p.settle)))
    by = {c: [tr for tr in trials if tr["cond"] == c] for c in ("none", "closed", "open")}

    def frac(cond, key):
        return float(np.mean([tr["winner"] == tr[key] for tr in by[cond]])) if by[cond] else float("nan")

    metrics = {
        "delay_rate_cued_hz": float(np.mean(cued)) if cued else float("nan"),
        "delay_rate_uncued_hz": float(np.mean(uncued)) if cued else float("nan"),
        "delay_rate_inh_hz": float(np.mean(inh_rates)) if cued else float("nan"),
        "precue_rate_sel_hz": float(np.mean(precue)) if precue else float("nan"),
        "recall_accuracy": frac("none", "cue"),
        "distractor_overwrite_gate_closed": frac("closed", "dis"),
        "distractor_overwrite_gate_open": frac("open", "dis"),
        "reset_success": float(np.mean(resets)) if resets else float("nan"),
    }
    if ctx.out is not None and p.figure:
        (ctx.out / "figures").mkdir(parents=True, exist_ok=True)
        trial_figure(e, slices, [by[c][0] for c in CONDITIONS if by[c]], iti, p, trial,
                     ctx.out / "figures" / "working_memory.png")
    return metrics


def trial_figure(e, slices, trials, iti, p: Params, trial: float, path, bin_s: float = 0.025) -> None:
    """Pool rates over one trial of each condition (cued, distractor and other pools)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(trials), figsize=(4 * len(trials), 3.2), sharey=True)
    edges = np.arange(0.0, trial + bin_s / 2, bin_s)
    for ax, tr in zip(np.atleast_1d(axes), trials):
        for k, (a, b) in enumerate(slices):
            m = (e["i"] >= a) & (e["i"] < b) & (e["t"] >= tr["t0"]) & (e["t"] < tr["t0"] + trial)
            r = np.histogram(e["t"][m] - tr["t0"], bins=edges)[0] / (b - a) / bin_s
            role = "cued" if k == tr["cue"] else ("distractor" if k == tr["dis"] and tr["cond"] != "none" else None)
            ax.plot(edges[:-1] + bin_s / 2, r, lw=1.4 if role else 0.7,
                    color={"cued": "C0", "distractor": "C3"}.get(role, "0.6"),
                    label=role or ("other pools" if k == min(set(range(len(slices))) - {tr["cue"], tr["dis"]},
                                                              default=-1) else None))
        ax.axvspan(iti, iti + float(p.cue), color="C0", alpha=0.12)
        if tr["cond"] != "none":
            d0 = iti + float(p.cue) + float(p.distractor_onset)
            ax.axvspan(d0, d0 + float(p.distractor), color="C3", alpha=0.12)
        ax.axvspan(0, float(p.reset), color="k", alpha=0.08)
        ax.set(title=f"distractor: {tr['cond']}" if tr["cond"] != "none" else "no distractor",
               xlabel="time in trial (s)", xlim=(0, trial))
    np.atleast_1d(axes)[0].set_ylabel(f"pool rate (Hz, {bin_s * 1e3:.0f} ms bins)")
    np.atleast_1d(axes)[-1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
