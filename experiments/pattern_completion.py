"""CA3 pattern completion and storage capacity, measured against Willshaw theory; DG separation.

Protocol (after Treves & Rolls 1994 and the spiking Willshaw network of Golomb, Rubin &
Sompolinsky 1990; cue-fraction curves as in Guzman et al. 2016, Fig. 4 and Mishra et al. 2016,
Fig. 7):

1. **Separation (DG).** Pairs of EC patterns (coding level ``ec_coding``) sharing a fraction
   ``s`` of their active cells are presented (learning off, ``t_sep`` each); the granule-cell
   codes are compared. ``separation_gain = <DG overlap> / <EC overlap>`` (< 1: separated).
2. **Online storage.** ``P`` random CA3 patterns (``M = round(coding_level * n_ca3)`` cells
   each) are stored *online*: each is imposed by a Poisson drive onto its cells (``ca3`` port,
   the stand-in for the mossy-fibre teacher; the DG -> CA3 and EC -> CA3 weights are set to 0 in
   the config so that stored patterns are exactly random, as the theory assumes) for
   ``t_store``, followed by ``t_isi`` of silence, with learning on (encoding mode, Hasselmo et al.
   1995). The recurrent weights start silent and are potentiated by the ``hebbian`` rule. Each
   CA3 pattern is paired with a random EC pattern presented at the same time; the topographic
   EC -> CA1 input teaches the Schaffer collaterals the CA3 -> CA1 association.
   ``t_store`` = 100 ms (chosen here; was 40 ms): a pattern cell is stored only if it fires
   within the rule's 20-ms window after its partners, and at 40 ms 6-8 % of the cells of each
   pattern fired 0-1 spikes (median 3), got 0-20 of their ~79 potentiated inputs and could never
   be recalled (the measured fill was 0.080 against Willshaw's 0.096 at P = 10; at 100 ms it is
   0.094, i.e. storage is complete as the theory assumes).
3. **Recall.** Patterns are stored in blocks up to the loads ``loads``. After each block learning
   is frozen and ``n_test`` stored patterns are cued with a random fraction ``f`` of their cells
   for ``t_cue`` (rate ``rate_cue``); a cell is *recalled* if it fires in [``t_read``,
   ``t_cue``). Each test starts with ``t_clear`` of strong drive onto the CA3 basket cells
   (``ca3_inh`` port) after an activity reset: the reset alone does not clear the 3-ms recurrent
   spikes already in flight, and with it alone the previous test's pattern re-ignited 3 ms into
   the next cue (74 of 75 "spurious" cells of a test belonged to the pattern recalled just
   before) and competed with the cued one; the ignition transient once blamed for early spurious
   cells was this carry-over. ``rate_cue`` = 70 Hz (chosen here; was 150 Hz): cued cells driven
   at ~120 Hz recruit the feedback inhibition that silences the uncued cells, more so for larger
   cues (at ``w_ca3_ie`` 0.15 nS completion was 0.07 at f = 0.5 but 0.88 at f = 0.3). The window
   [40, 90) ms starts after the uncued cells' first volley (20-28 ms); in [30, 60) ms 2-3 tests
   in 10 missed half of them, which had fallen into a slow state (12-25 Hz) after that volley.

Completion vs overlap. The overlap ``|A ∩ ξ| / sqrt(|A| M)`` counts the cued cells, which are
driven during the read-out: a network that completes nothing scores ``sqrt(f)`` (0.71 at
f = 0.5). The headline is therefore ``completion_cue50``, the fraction of the *uncued* pattern
cells recalled, and capacity is also measured on ``completion_overlap`` (the overlap between the
cells the network added, i.e. active minus cued, and the uncued pattern cells), which counts
spurious cells as well: completion alone would reward a runaway that fires every cell.

Theory. Willshaw et al. (1969) clipped binary storage of ``P`` patterns with ``M`` of ``N``
cells active fills a fraction ``p1 = 1 - (1 - (M/N)^2)^P`` of the synapses; the asymptotic
capacity is reached at a half-filled matrix (``p1 = 1/2``)::

    P_W = ln 2 * N^2 / M^2      (= ln 2 / a^2 for coding level a = M/N)

which is the reference used here (``capacity_theory``; Willshaw et al. 1969; Golomb et al. 1990).
Willshaw retrieval sets the threshold at the cue size; here the threshold is the feedback
inhibition (``w_ca3_ie``, 0.12 nS in the config, chosen here; the activity-dependent threshold
of Golomb et al. 1990 and Treves & Rolls 1994) on top of the ~12-15 coincident inputs at which a
silent cell fires (``w_rec`` = 0.6 nS). Once a random cell gets enough potentiated inputs from a
recalled pattern (``p1 M``) recall runs away (hundreds of cells fire), at a fill of 0.33-0.39
instead of 1/2. Stronger inhibition moves the runaway to fuller matrices but silences the uncued
cells (0.15 nS: completion 0.07); 0.11 nS holds completion but the runaway at P = 50 trips the
runaway guard (CA3 > 160 Hz for 100 ms). A lower ``w_rec`` (0.5 nS) lost completion (0.31).
Measured (default config): seeds 4-13, completion_cue50 0.997, 0.995, 0.992, 0.993, 1.000, 0.997,
0.993, 0.982, 0.995, 1.000 (mean 0.994; cue 30 % 0.963-0.996, cue 70 % 0.971-0.996), spurious_cue50
0 at P = 10; capacity_completion_crossing 37.7-41.1 (ratio to ``P_W`` = 69:
0.54-0.59), capacity_crossing 39.0-41.5, capacity_patterns 35-40, fill at the
completion capacity 0.30-0.33; separation_gain 0.42-0.47, separation_gain_vs_noise 0.70-0.86.
Before issue 14 (t_store 40 ms, rate_cue 150 Hz, w_ca3_ie 0.1 nS, no clear, window [30, 60) ms;
seeds 1-3, full runs): completion_cue50 0.725 / 0.812 / 0.765, capacity_crossing 30.4 / 30.8 / 31.7,
capacity_patterns 30, spurious_cue50 0.
A load whose recall trips the runaway guard (seed 13 at P = 50: CA3 at 166 Hz for 100 ms, the
runaway lasting the whole 90-ms cue) is the collapse this sweep looks for: it is scored as what
the guard saw (every CA3 cell firing), recorded as ``runaway_load``, and ends the sweep; the run
is not marked failed (:meth:`brain.guard.RunawayGuard.acknowledge`).

Metrics
-------
completion_cue50 : **headline.** Fraction of the *uncued* pattern cells recalled (lightest load,
    f = 0.5); completion_cue30 / cue70 likewise for f = 0.3 / 0.7 (each cue fraction < 1 tested).
completion_overlap_cue30 / cue50 / cue70 : overlap between the recalled cells outside the cue and
    the uncued pattern cells (spurious cells lower it).
spurious_cue30 / cue50 / cue70 / cue100 : mean number of recalled cells outside the pattern
    (lightest load).
recall_overlap_cue30 / cue50 / cue70 / cue100 : mean overlap at the lightest load, cued cells
    included (``sqrt(f)`` without any completion; kept for comparison).
capacity_completion_patterns : largest tested ``P`` with mean completion_overlap (f = 0.5) >=
    ``criterion``; capacity_completion_crossing : ``P`` at which it first falls below
    ``criterion``, linearly interpolated (NaN if it never falls, or falls at once);
    capacity_completion_ratio : capacity_completion_crossing / capacity_theory;
    fill_at_completion_capacity : measured fill at capacity_completion_patterns.
capacity_patterns / capacity_crossing : the same on the overlap with the cued cells included
    (f = 0.5); capacity_ratio : capacity_patterns / capacity_theory.
capacity_theory : ``ln 2 N^2 / M^2``.
fill_at_capacity / fill_theory_at_capacity : measured fraction of potentiated synapses (w > 0.5)
    and Willshaw's ``p1`` at ``P = capacity_patterns``.
runaway_load : the load whose recall tripped the runaway guard (NaN if none).
overlap_above_capacity : mean overlap (f = 0.5) at the first load above capacity (NaN if none).
energy_stored / energy_recalled / energy_random : normalised Hopfield energy (``gamma = 0.5``) of
    the stored pattern, the recalled state and a random state of ``M`` cells, lightest load.
ca1_readout_overlap : overlap of CA1 activity during CA3 recall (f = 0.5, lightest load) with
    the EC pattern paired at storage (readout in cortical coordinates).
separation_gain, ec_overlap_in, dg_overlap_out : DG separation over all pairs; dg_coding_level :
    fraction of granule cells active per pattern.
dg_overlap_same : DG overlap between two presentations of the *same* EC pattern (Poisson input
    noise: the ceiling of any DG overlap); separation_gain_vs_noise : separation_gain /
    dg_overlap_same (< 1: separation beyond trial-to-trial noise).

The sweep over loads stops at the first load at which both measures are below ``criterion``
(``stop_after``).

Figure ``figures/pattern_completion.png``: overlap vs cue fraction for the loads ``fig_loads``;
overlap and completion overlap vs load.

References
----------
Willshaw DJ, Buneman OP, Longuet-Higgins HC (1969) Non-holographic associative memory. Nature
    222:960-962.
Golomb D, Rubin N, Sompolinsky H (1990) Willshaw model: associative memory with sparse coding and
    low firing rates. Phys Rev A 41:1843-1854.
Treves A, Rolls ET (1994) Computational analysis of the role of the hippocampus in memory.
    Hippocampus 4:374-391.
Guzman SJ, Schlögl A, Frotscher M, Jonas P (2016) Synaptic mechanisms of pattern completion in the
    hippocampal CA3 network. Science 353:1117-1123, Fig. 4.
Mishra RK, Kim S, Guzman SJ, Jonas P (2016) Nat Commun 7:11552, Fig. 7.
Hasselmo ME, Schnell E, Barkai E (1995) J Neurosci 15:5249-5262.
Leutgeb JK, Leutgeb S, Moser M-B, Moser EI (2007) Pattern separation in the dentate gyrus and
    CA3 of the hippocampus. Science 315:961-966.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS

from brain.config import ConfigError
from brain.guard import RunawayError
from brain.trials.engine import Session
from brain.trials.specs import PhaseSpec, ReadoutSpec, SessionSpec, check_phases
from brain.trials.tasks import Presentation
from brain.trials.windows import cell_drive, random_patterns
from plasticity.params import check_nonneg, check_positive, check_positive_int, check_probability, quantity
from regions.base import derive_seed
from regions.hippocampus_circuit import cosine_overlap

BACKENDS = ("numpy", "cython")     # closed loop: storage blocks and recall tests on the trial engine


@dataclass(frozen=True)
class Params:
    region: str = "hippocampus"
    coding_level: float = 0.1                   # CA3 pattern coding level a = M / N
    ec_coding: float = 0.1                      # EC pattern coding level
    loads: tuple[int, ...] = (10, 15, 20, 25, 30, 35, 40, 50, 60, 70)
    fig_loads: tuple[int, ...] = (10, 30, 40)      # loads at which every cue fraction is tested
    cue_fractions: tuple[float, ...] = (0.3, 0.5, 0.7, 1.0)
    n_test: int = 16                            # patterns tested per load and cue fraction (all at P = 10)
    criterion: float = 0.9
    stop_after: int = 1                         # stop after this many loads with both measures < criterion
    t_store: object = quantity(100 * ms)
    t_isi: object = quantity(60 * ms)           # silence between patterns (> 3 tau of the rule's trace)
    t_cue: object = quantity(90 * ms)
    t_read: object = quantity(40 * ms)          # read from here (after the uncued cells' first volley)
    rate_store: object = quantity(300 * Hz)     # teacher drive: one Poisson source per cell
    rate_cue: object = quantity(70 * Hz)
    t_clear: object = quantity(20 * ms)         # before each recall test: CA3 basket cells driven (0: off)
    rate_clear: object = quantity(500 * Hz)
    w_drive: object = quantity(10 * nS)
    rate_ec: object = quantity(150 * Hz)
    sep_overlaps: tuple[float, ...] = (0.5, 0.7, 0.9)
    n_sep_pairs: int = 6                        # pairs per EC overlap level
    t_sep: object = quantity(100 * ms)
    figure: bool = True

    def __post_init__(self):
        check_probability(self, "coding_level", "ec_coding", "criterion")
        check_positive_int(self, "n_test", "stop_after", "n_sep_pairs")
        check_positive(self, "t_store", "t_cue", "t_sep")
        check_nonneg(self, "t_isi", "t_read", "rate_store", "rate_cue", "w_drive", "rate_ec", "t_clear",
                     "rate_clear")
        if not self.loads or any(b <= a for a, b in zip(self.loads, self.loads[1:])) or self.loads[0] <= 0:
            raise ConfigError("experiment.loads: must be a non-empty increasing list of positive integers")
        if not self.cue_fractions or not all(0 < f <= 1 for f in self.cue_fractions):
            raise ConfigError("experiment.cue_fractions: must be fractions in (0, 1]")
        if not self.sep_overlaps or not all(0 <= s <= 1 for s in self.sep_overlaps):
            raise ConfigError("experiment.sep_overlaps: must be a non-empty list of fractions in [0, 1]")
        if float(self.t_read) >= float(self.t_cue):
            raise ConfigError("experiment.t_read: must be shorter than t_cue")


# -- read-out -------------------------------------------------------------------------------
def _recall_overlap(act: np.ndarray, pat: np.ndarray) -> float:
    return float((act & pat).sum() / math.sqrt(max(act.sum(), 1) * pat.sum()))


# -- experiment ---------------------------------------------------------------------------------
def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    if p.region not in ctx.config.regions:
        raise ConfigError(f"experiment.region: no region {p.region!r} in regions")
    brain = ctx.brain()
    hc = brain.regions[p.region]
    n3, n_ec, n_inh = len(hc.groups["ca3"]), len(hc.groups["ec"]), len(hc.groups["ca3_inh"])
    rng = np.random.default_rng(derive_seed(ctx.seed, "pattern_completion"))
    m = max(1, int(round(p.coding_level * n3)))
    m_ec = max(1, int(round(p.ec_coding * n_ec)))
    p_max = p.loads[-1]
    pats = random_patterns(p_max, n3, m, rng)
    ec_pats = random_patterns(p_max, n_ec, m_ec, rng)

    spec = SessionSpec(
        stimuli={"ca3": cell_drive(f"{p.region}.ca3", n3, p.w_drive, p.rate_store),
                 "ec": cell_drive(f"{p.region}.ec", n_ec, p.w_drive, p.rate_ec),
                 "clear": cell_drive(f"{p.region}.ca3_inh", n_inh, p.w_drive, p.rate_clear)},
        readouts={k: ReadoutSpec(port=f"{p.region}.{k}", keep="cells") for k in ("dg", "ca3", "ca1")},
        phases=(PhaseSpec("sep", p.t_sep, drive={"ec": "ec"}, read=("dg",), reset=(p.region,)),),
        sample_dt=1 * ms, latency_window=1 * ms)
    store = (PhaseSpec("store", p.t_store, drive={"ca3": "ca3", "ec": "ec"}),
             *((PhaseSpec("isi", p.t_isi),) if float(p.t_isi) > 0 else ()))
    clear = ((PhaseSpec("clear", p.t_clear, drive={"clear": "all"}, reset=(p.region,)),)
             if float(p.t_clear) > 0 else ())
    recall = (*clear, PhaseSpec("cue", p.t_cue, drive={"ca3": "ca3"}, read=("ca3", "ca1"), read_from=p.t_read,
                                reset=(p.region,)))
    for phases in (spec.phases, store, recall):
        check_phases(spec, phases, "phases")
    fields = {"ca3": n3, "ec": n_ec}
    session = Session(brain, spec, task=Presentation([{}], fields), rows=ctx.trials,
                      epochs=ctx.epochs, log=ctx.log)

    def present(items, labels, phases) -> list[dict]:
        """Run one trial per item with ``phases``; the windows the readouts kept, per trial."""
        first = len(session.rows)
        session.run(Presentation(items, fields, labels), phases=phases, settle=False)
        return session.windows[first:]

    def ec_vector(cells):
        v = np.zeros(n_ec)
        v[cells] = 1.0
        return v

    # 1. DG pattern separation (learning off, no memories yet): pairs of EC patterns sharing a
    #    fraction s of their cells; for the first s, the first pattern again (the noise floor)
    brain.set_plastic(False)
    metrics: dict[str, float] = {}
    items, labels, pairs = [], [], []
    for s in p.sep_overlaps:
        for _ in range(p.n_sep_pairs):
            a = rng.choice(n_ec, m_ec, replace=False)
            keep = a[:int(round(s * m_ec))]
            rest = np.setdiff1d(np.arange(n_ec), a)
            b = np.concatenate([keep, rng.choice(rest, m_ec - len(keep), replace=False)])
            again = s == p.sep_overlaps[0]
            pairs.append((s, len(items), a, b, again))
            items += [{"ec": ec_vector(a)}, {"ec": ec_vector(b)}] + ([{"ec": ec_vector(a)}] if again else [])
            labels += [{"test": "separation", "ec_overlap": s}] * (3 if again else 2)
    dg = [w["dg_sep"] > 0 for w in present(items, labels, spec.phases)]
    ins, outs, dg_levels, same = [], [], [], []
    for s in p.sep_overlaps:
        go = []
        for s_, k, a, b, again in pairs:
            if s_ != s:
                continue
            if again:
                same.append(cosine_overlap(dg[k], dg[k + 2]))
            ins.append(cosine_overlap(ec_vector(a) > 0, ec_vector(b) > 0))
            go.append(cosine_overlap(dg[k], dg[k + 1]))
            dg_levels += [dg[k].mean(), dg[k + 1].mean()]
        outs += go
        metrics[f"dg_overlap_at_{int(round(100 * s))}"] = float(np.mean(go))
    metrics["ec_overlap_in"] = float(np.mean(ins))
    metrics["dg_overlap_out"] = float(np.mean(outs))
    metrics["separation_gain"] = metrics["dg_overlap_out"] / max(metrics["ec_overlap_in"], 1e-12)
    metrics["dg_coding_level"] = float(np.mean(dg_levels))
    metrics["dg_overlap_same"] = float(np.mean(same))
    metrics["separation_gain_vs_noise"] = metrics["separation_gain"] / max(metrics["dg_overlap_same"], 1e-12)

    # 2./3. storage in blocks (learning on), recall tests after each block (learning off)
    level = float(p.rate_cue / p.rate_store) if float(p.rate_store) > 0 else 0.0
    results: dict[tuple[int, float], list] = {}
    stored, fails, capacity, capacity_c, above = 0, 0, 0, 0, float("nan")
    runaway_load = float("nan")                   # the load whose recall tripped the runaway guard
    fill = {}
    light = p.loads[0]
    energies = {"stored": [], "recalled": [], "random": []}
    ca1_read = []
    for load in p.loads:
        hc.reset_activity()
        brain.set_plastic(True)
        present([{"ca3": pats[k].astype(float), "ec": ec_pats[k].astype(float)} for k in range(stored, load)],
                [{"test": "store", "pattern": k} for k in range(stored, load)], store)
        brain.set_plastic(False)
        stored = load
        W = hc.recurrent_weights()
        fill[load] = float(np.mean(W[~np.eye(n3, dtype=bool)] > 0.5))
        fracs = p.cue_fractions if load in p.fig_loads or load == light else (0.5,)
        tests, cues = [], []
        for f in sorted(set(fracs) | {0.5}):
            for k in rng.choice(load, min(p.n_test, load), replace=False):
                cued = rng.choice(np.flatnonzero(pats[k]), max(1, int(round(f * m))), replace=False)
                tests.append((f, int(k), cued))
                cues.append({"ca3": np.isin(np.arange(n3), cued) * level})
        try:
            wins = present(cues, [{"test": "recall", "pattern": k, "cue_fraction": f} for f, k, _ in tests], recall)
        except RunawayError:
            if brain.guard is None:
                raise
            # the memory collapsed into a network-wide runaway: this load fails (it is scored as
            # what the guard saw, every CA3 cell firing), and the sweep ends here
            ctx.log(f"pattern_completion: P={load}: {brain.guard.acknowledge()}; the load counts as failed")
            runaway_load = float(load)
            wins = [{"ca3_cue": np.ones(n3), "ca1_cue": np.zeros(n_ec)}] * len(tests)
        for (f, k, cued), win in zip(tests, wins):
            a3, a1 = win["ca3_cue"] > 0, win["ca1_cue"] > 0
            target = pats[k].copy()
            target[cued] = False                  # the uncued pattern cells: what the network must add
            own = a3.copy()
            own[cued] = False                     # what the network added (the cue's own cells set aside)
            results.setdefault((load, f), []).append(
                (_recall_overlap(a3, pats[k]), (a3 & target).sum() / max(target.sum(), 1),
                 (a3 & ~pats[k]).sum(), _recall_overlap(own, target) if target.any() else float("nan")))
            if load == light and f == 0.5:
                rand = np.zeros(n3, bool)
                rand[rng.choice(n3, m, replace=False)] = True
                energies["stored"].append(hc.energy(pats[k], W))
                energies["recalled"].append(hc.energy(a3, W))
                energies["random"].append(hc.energy(rand, W))
                ca1_read.append(cosine_overlap(a1, ec_pats[k]))
        ov, comp, spur, cov = np.mean(results[(load, 0.5)], axis=0)
        ctx.log(f"pattern_completion: P={load} overlap(f=0.5)={ov:.3f} completion={comp:.2f} "
                f"completion_overlap={cov:.3f} spurious={spur:.1f} fill={fill[load]:.3f}")
        if ov >= p.criterion:
            capacity = load
        elif math.isnan(above) and load > capacity:
            above = ov
        if cov >= p.criterion:
            capacity_c = load
        # stop once both measures have been below criterion for stop_after consecutive loads
        fails = fails + 1 if max(ov, cov) < p.criterion else 0
        if fails >= p.stop_after or not math.isnan(runaway_load):
            break

    def mean(load, f, idx=0):
        r = results.get((load, f))
        return float(np.nanmean([x[idx] for x in r])) if r else float("nan")

    a = m / n3
    theory = math.log(2) / a ** 2

    def curve(idx):
        return [(x, mean(x, 0.5, idx)) for x in p.loads if (x, 0.5) in results]

    crossing_c = _crossing(curve(3), p.criterion)
    for f in sorted(set(p.cue_fractions) | {0.5}):
        tag = f"cue{int(round(100 * f))}"
        metrics[f"recall_overlap_{tag}"] = mean(light, f)
        metrics[f"spurious_{tag}"] = mean(light, f, 2)
        if f < 1:
            metrics[f"completion_{tag}"] = mean(light, f, 1)
            metrics[f"completion_overlap_{tag}"] = mean(light, f, 3)
    metrics.update(
        runaway_load=runaway_load,
        capacity_patterns=float(capacity),
        capacity_crossing=_crossing(curve(0), p.criterion),
        capacity_theory=theory, capacity_ratio=capacity / theory,
        fill_at_capacity=fill.get(capacity, float("nan")),
        fill_theory_at_capacity=1 - (1 - a * a) ** capacity if capacity else float("nan"),
        overlap_above_capacity=above,
        capacity_completion_patterns=float(capacity_c),
        capacity_completion_crossing=crossing_c,
        capacity_completion_ratio=crossing_c / theory,
        fill_at_completion_capacity=fill.get(capacity_c, float("nan")),
        energy_stored=float(np.mean(energies["stored"])), energy_recalled=float(np.mean(energies["recalled"])),
        energy_random=float(np.mean(energies["random"])),
        ca1_readout_overlap=float(np.mean(ca1_read)))
    if p.figure and ctx.out is not None:
        _figure(ctx.out / "figures" / "pattern_completion.png", results, p, theory)
    return metrics


def _crossing(curve: list[tuple[int, float]], criterion: float) -> float:
    """Load at which ``overlap(load)`` first drops below ``criterion`` (linear interpolation)."""
    for (l0, o0), (l1, o1) in zip(curve, curve[1:]):
        if o0 >= criterion > o1:
            return float(l0 + (o0 - criterion) / (o0 - o1) * (l1 - l0))
    return float("nan")


def _figure(path, results, p: Params, theory: float) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for k, load in enumerate(p.fig_loads):
        fs = [f for f in sorted(p.cue_fractions) if (load, f) in results]
        if fs:
            ys = [np.mean([x[0] for x in results[(load, f)]]) for f in fs]
            ax1.plot(fs, ys, "o-", color=f"C{k}", label=f"P = {load}")
    ax1.axhline(p.criterion, color="0.6", ls=":")
    ax1.set(xlabel="cue fraction f", ylabel="recall overlap", ylim=(0, 1.05), title="CA3 pattern completion")
    ax1.legend(fontsize=8)
    loads = sorted({load for load, f in results if f == 0.5})
    ax2.plot(loads, [np.mean([x[0] for x in results[(load, 0.5)]]) for load in loads], "o-", color="k",
             label="overlap (cue included)")
    ax2.plot(loads, [np.nanmean([x[3] for x in results[(load, 0.5)]]) for load in loads], "s-", color="C0",
             label="completion overlap (uncued cells)")
    ax2.axvline(theory, color="C3", ls="--", label=f"Willshaw ln2/a² = {theory:.0f}")
    ax2.axhline(p.criterion, color="0.6", ls=":")
    ax2.set(xlabel="stored patterns P", ylabel="f = 0.5", ylim=(0, 1.05), title="capacity")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
