"""CA3 sequence learning with asymmetric STDP and time-compressed replay from a cue.

Protocol (after Levy 1996 and Jensen & Lisman 1996: asymmetric recurrent CA3 links store a
sequence of states so that one state predicts the next; replay compressed in time as in Nádasdy
et al. 1999 and Lee & Wilson 2002):

1. **Experience (learning on).** ``n_seq`` sequences of ``K`` states are presented *online*, each
   state a random CA3 pattern of ``M = round(coding_level * n_ca3)`` cells imposed by a Poisson
   drive (``ca3`` port, the stand-in for the mossy-fibre teacher) for ``t_state``; the states of
   one sequence follow each other without a gap, sequences are separated by ``t_gap`` of
   silence. The recurrent CA3 synapses start silent and learn with the region's ``stdp`` rule
   (``regions.hippocampus.rec_rule: stdp``; additive pair STDP, tau = 20 ms, Bi & Poo 1998): the
   last spikes of state ``k`` precede the first spikes of state ``k + 1`` within the STDP
   window, so ``k -> k+1`` synapses are potentiated and ``k+1 -> k`` depressed. Recurrent
   transmission is suppressed while learning (high ACh, Hasselmo et al. 1995).
2. **Replay (learning off).** Each sequence is cued ``n_cue`` times by driving the cells of its
   *first* state for ``t_cue`` and then left to run for ``t_replay`` (activity reset between
   trials). A state is *replayed* if at least ``replay_frac`` of its own cells (those in no other
   state of the sequence) fire; its onset is the median first-spike time of those cells.
3. **Control (asymmetry).** Each sequence's *last* state is cued once; earlier states should not
   follow (``reverse_replay_fraction``).

Metrics
-------
replay_order_accuracy : over all cue trials, fraction of transitions ``k -> k+1`` (``K - 1`` per
    trial) with both states replayed and ``onset(k+1) > onset(k)``.
replay_states_reached : mean fraction of the ``K - 1`` uncued states replayed.
replay_time_per_state_ms : mean over trials of ``(onset(last replayed) - onset(first)) / steps``.
experience_time_per_state_ms : ``t_state``.
replay_speedup : experience time per state / replay time per state (Nádasdy et al. 1999 and Lee &
    Wilson 2002 report ~6-20x compression of sleep / rest replay).
reverse_replay_fraction : fraction of earlier states replayed when the *last* state is cued.
spurious_per_trial : mean number of CA3 cells outside the cued sequence firing per replay trial.

Figure ``figures/sequence_replay.png``: CA3 raster of the cells of sequence 0 sorted by state,
during experience and during one replay trial (time axes in ms from the start of each window).

References
----------
Levy WB (1996) A sequence predicting CA3 is a flexible associator that learns and uses context
    to solve hippocampal-like tasks. Hippocampus 6:579-590.
Jensen O, Lisman JE (1996) Hippocampal CA3 region predicts memory sequences: accounting for the
    phase precession of place cells. Learn Mem 3:279-287.
Bi G-Q, Poo M-M (1998) J Neurosci 18:10464-10472.
Nádasdy Z, Hirase H, Czurkó A, Csicsvari J, Buzsáki G (1999) Replay and time compression of
    recurring spike sequences in the hippocampus. J Neurosci 19:9497-9507.
Lee AK, Wilson MA (2002) Memory of sequential experience in the hippocampus during slow wave
    sleep. Neuron 36:1183-1194.
Hasselmo ME, Schnell E, Barkai E (1995) J Neurosci 15:5249-5262.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS, second

from brain.config import ConfigError
from brain.trials.engine import Session
from brain.trials.specs import PhaseSpec, ReadoutSpec, SessionSpec, check_phases
from brain.trials.tasks import Presentation
from brain.trials.windows import bins, cell_drive, random_patterns, state_onsets, stdp_hippocampus
from plasticity.params import check_nonneg, check_positive, check_positive_int, check_probability, quantity
from regions.base import derive_seed

BACKENDS = ("numpy", "cython")     # closed loop: replay trials are read and reset between run() calls


@dataclass(frozen=True)
class Params:
    region: str = "hippocampus"
    n_seq: int = 4                              # sequences stored
    n_states: int = 6                           # K states per sequence (issue: K >= 5)
    coding_level: float = 0.05                  # cells per state / n_ca3
    t_state: object = quantity(50 * ms)         # experience time per state
    t_gap: object = quantity(200 * ms)          # silence between sequences (> 3 tau of STDP traces)
    rate_store: object = quantity(300 * Hz)
    w_drive: object = quantity(10 * nS)
    n_cue: int = 3                              # replay trials per sequence
    t_cue: object = quantity(10 * ms)           # brief cue of the first state
    rate_cue: object = quantity(300 * Hz)
    t_replay: object = quantity(120 * ms)       # trial length (from cue onset)
    replay_frac: float = 0.5                    # a state is replayed if >= this fraction of its cells fire
    figure: bool = True

    def __post_init__(self):
        check_positive_int(self, "n_seq", "n_cue", "n_states")
        check_probability(self, "coding_level", "replay_frac")
        check_positive(self, "t_state", "t_cue", "t_replay")
        check_nonneg(self, "t_gap", "rate_store", "w_drive", "rate_cue")
        if self.n_states < 2:
            raise ConfigError(f"experiment.n_states: must be an integer >= 2, got {self.n_states!r}")
        if float(self.t_cue) >= float(self.t_replay):
            raise ConfigError("experiment.t_cue: must be shorter than t_replay")


def _spec(brain, region: str, p: Params) -> SessionSpec:
    """The drive (one Poisson source per CA3 cell at ``rate_store``) and the CA3 spike readout."""
    n3 = len(brain.regions[region].groups["ca3"])
    spec = SessionSpec(stimuli={"ca3": cell_drive(f"{region}.ca3", n3, p.w_drive, p.rate_store)}, readouts={"ca3": ReadoutSpec(port=f"{region}.ca3", keep="spikes")},
                       phases=(PhaseSpec("present", p.t_state, drive={"ca3": "pattern"}),), sample_dt=5 * ms,
                       latency_window=5 * ms)
    check_phases(spec, spec.phases, "phases")
    return spec


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    brain, hc = stdp_hippocampus(ctx, p.region, "sequence_replay")
    n3 = len(hc.groups["ca3"])
    K, S = p.n_states, p.n_seq
    m = max(1, int(round(p.coding_level * n3)))
    rng = np.random.default_rng(derive_seed(ctx.seed, "sequence_replay"))
    pats = random_patterns(S * K, n3, m, rng).reshape(S, K, n3)
    # own cells of each state: in no other state of the same sequence
    own = []
    for s in range(S):
        counts = pats[s].sum(0)
        own.append([np.flatnonzero(pats[s, k] & (counts == 1)) for k in range(K)])
    fields = {"pattern": n3}
    session = Session(brain, _spec(brain, p.region, p), task=_items([], fields), rows=ctx.trials,
                      epochs=ctx.epochs, log=ctx.log)

    # 1. experience (learning on): each sequence's states back to back after a gap of silence
    n_gap = bins(p.t_gap, p.t_state) if float(p.t_gap) > 0 else 0
    items, labels = [], []
    for s in range(S):
        items += [{}] * n_gap + [{"pattern": pats[s, k]} for k in range(K)]
        labels += [{"sequence": -1, "state": -1}] * n_gap + [{"sequence": s, "state": k} for k in range(K)]
    items += [{}] * n_gap
    labels += [{"sequence": -1, "state": -1}] * n_gap
    hc.reset_activity()
    brain.set_plastic(True)
    t_exp0 = float(brain.network.t)
    session.run(_items(items, fields, labels))
    brain.set_plastic(False)
    exp_window = (t_exp0 + float(p.t_gap), t_exp0 + float(p.t_gap) + K * float(p.t_state))

    # 2./3. replay trials (learning off): a brief cue of the first (control: the last) state, then free run
    replay = (PhaseSpec("cue", p.t_cue, drive={"ca3": "pattern"}, read=("ca3",), reset=(p.region,)),
              PhaseSpec("replay", p.t_replay - p.t_cue, read=("ca3",)))
    level = float(p.rate_cue / p.rate_store) if float(p.rate_store) > 0 else 0.0
    cues, labels = [], []
    for s in range(S):
        cues += [{"pattern": pats[s, 0] * level}] * p.n_cue + [{"pattern": pats[s, K - 1] * level}]
        labels += [{"sequence": s, "cued_state": 0}] * p.n_cue + [{"sequence": s, "cued_state": K - 1}]
    first = len(session.rows)
    session.run(_items(cues, fields, labels), phases=replay)

    correct, reached, per_state, spurious, reverse = [], [], [], [], []
    fig_trial = None
    for row, win in zip(session.rows[first:], session.windows[first:]):
        s, t0 = row["sequence"], row["t_cue"]
        i = np.concatenate([win["ca3_cue"][0], win["ca3_replay"][0]])
        t = np.concatenate([win["ca3_cue"][1], win["ca3_replay"][1]]) - t0
        st = state_onsets(i, t, own[s], p.replay_frac)
        if row["cued_state"] == K - 1:
            reverse.append(np.mean([st[k][0] for k in range(K - 1)]))
            ctx.log(f"sequence_replay: seq {s} order={np.mean(correct[-(K - 1) * p.n_cue:]):.2f} "
                    f"reached={np.mean(reached[-p.n_cue:]):.2f} reverse={reverse[-1]:.2f}")
            continue
        if fig_trial is None:
            fig_trial = (t0, t0 + float(p.t_replay))
        correct += [float(st[k][0] and st[k + 1][0] and st[k + 1][1] > st[k][1]) for k in range(K - 1)]
        reached.append(np.mean([st[k][0] for k in range(1, K)]))
        done = [k for k in range(K) if st[k][0]]
        if len(done) >= 2 and done[0] == 0:
            per_state.append((st[done[-1]][1] - st[0][1]) / (done[-1]))
        spurious.append(len(np.unique(i[~pats[s].any(0)[i]])))

    t_rep = float(np.mean(per_state)) if per_state else float("nan")
    exp_ms = float(p.t_state / ms)
    metrics = dict(
        replay_order_accuracy=float(np.mean(correct)), replay_states_reached=float(np.mean(reached)),
        replay_time_per_state_ms=t_rep * 1e3, experience_time_per_state_ms=exp_ms,
        replay_speedup=exp_ms / (t_rep * 1e3) if per_state and t_rep > 0 else float("nan"),
        reverse_replay_fraction=float(np.mean(reverse)), spurious_per_trial=float(np.mean(spurious)))
    mon = brain.monitors.get(f"{p.region}.ca3")
    if p.figure and ctx.out is not None and mon is not None:
        _figure(ctx.out / "figures" / "sequence_replay.png", mon, pats[0], exp_window, fig_trial, p)
    return metrics


def _items(items, fields, labels=None) -> Presentation:
    return Presentation(items or [{}], fields, labels)


def _figure(path, mon, pats0, exp_window, rep_window, p: Params) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path.parent.mkdir(parents=True, exist_ok=True)
    K = len(pats0)
    order, bounds = [], []
    for k in range(K):                       # cells sorted by state (first state that contains them)
        cells = [c for c in np.flatnonzero(pats0[k]) if c not in set(order)]
        order += cells
        bounds.append(len(order))
    rank = np.full(pats0.shape[1], -1)
    rank[order] = np.arange(len(order))
    i_all, t_all = np.asarray(mon.i[:]), np.asarray(mon.t[:] / second)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    for ax, (t0, t1), title in ((axes[0], exp_window, "experience (learning on)"),
                                (axes[1], rep_window, "replay from a cue of state 1 (learning off)")):
        sel = (t_all >= t0) & (t_all < t1) & (rank[i_all] >= 0)
        state = np.searchsorted(bounds, rank[i_all[sel]], side="right")
        ax.scatter((t_all[sel] - t0) * 1e3, rank[i_all[sel]], s=2, c=[f"C{k % 10}" for k in state])
        for b in bounds[:-1]:
            ax.axhline(b - 0.5, color="0.85", lw=0.5)
        ax.set(xlabel="time (ms)", title=title, xlim=(0, (t1 - t0) * 1e3), ylim=(-0.5, len(order) - 0.5))
    axes[0].set_ylabel("CA3 cell (sorted by state)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
