"""Hippocampus: parameters, ports, YAML wiring, DG sparsity, the plastic switch, CA3 recall, energy."""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, ms, nS

from brain.brain import Brain
from brain.config import ConfigError
from brain.schema import build_config
from brain.trials.stimulus import poisson_stimulus
from brain.trials.windows import random_patterns
from plasticity.params import ParamError
from regions.hippocampus import Hippocampus, HippocampusParams
from regions.hippocampus_circuit import cosine_overlap, hopfield_energy

SMALL = dict(n_ec=40, n_dg=100, n_dg_inh=10, n_ca3=60, n_ca3_inh=15, n_ca1=40, n_ca1_inh=10, k_mf=5)
DG_BAND = (0.01, 0.05)          # issue 5: ~1-5 % of granule cells active


# -- parameters and structure ---------------------------------------------------------------------
@pytest.mark.parametrize("bad, field", [
    (dict(n_ca3=0), "n_ca3"), (dict(p_rec=1.5), "p_rec"), (dict(w_rec=-1 * nS), "w_rec"),
    (dict(rec_rule="oja"), "rec_rule"), (dict(rec_tau=0 * ms), "rec_tau"), (dict(n_ca1=10), "n_ca1"),
    (dict(k_mf=5000), "k_mf"), (dict(ach_suppression=2.0), "ach_suppression")])
def test_params_rejected_naming_the_field(bad, field):
    with pytest.raises(ParamError, match=rf"^{field}:") as info:
        HippocampusParams(**bad)
    assert info.value.field == field


def test_yaml_params_validated():
    with pytest.raises(ConfigError, match=r"regions\.hippocampus\.w_rec"):
        build_config({"regions": {"hippocampus": {"type": "hippocampus", "w_rec": "1 mV"}}})
    with pytest.raises(ConfigError, match=r"regions\.hippocampus\.rec_rule"):
        build_config({"regions": {"hippocampus": {"type": "hippocampus", "rec_rule": "bcm"}}})


def test_builds_alone_with_ports():
    hc = Hippocampus("hc", HippocampusParams(**SMALL), seed=2)
    assert hc.kind == "hippocampus" and hc.default_input == "ec" and hc.default_output == "ca1"
    assert set(hc.ports) == {"ec", "dg", "ca3", "ca3_inh", "ca1"}
    assert all(hc.port(k).var == "g_ampa" for k in hc.ports)
    assert set(hc.populations) == {"ec", "dg", "ca3", "ca1"}        # basket cells are not recorded
    assert {k: len(g) for k, g in hc.groups.items()} == dict(ec=40, dg=100, dg_inh=10, ca3=60, ca3_inh=15,
                                                             ca1=40, ca1_inh=10, pyr=140, basket=35)
    # one NeuronGroup per neuron model: EC, CA3 and CA1 are views of "pyr", the basket cells of "basket"
    assert hc.groups["ca3"].source.name == "hc_pyr" and hc.groups["ca1_inh"].source.name == "hc_basket"
    rec, sc = hc.synapses["rec"], hc.synapses["sc"]
    assert len(rec) == 60 * 59 and np.all(rec.i[:] != rec.j[:])        # p_rec = 1, no autapses
    assert np.all(rec.w[:] == 0) and np.all(sc.w[:] == 0)               # silent until learned
    mf = hc.synapses["mf"]
    assert np.all(np.bincount(mf.j[:], minlength=60) == 5)               # k_mf per CA3 cell
    ec_ca1 = hc.synapses["ec_ca1"]
    assert np.array_equal(ec_ca1.i[:], ec_ca1.j[:])                      # topographic teacher
    assert all(o.name.startswith("hc_") for o in hc.objects)
    hc.set_plastic(False)
    assert np.all(rec.plastic[:] == 0) and np.all(rec.ach[:] == 0)        # retrieval: full transmission
    hc.set_plastic(True)
    assert np.all(sc.plastic[:] == 1) and np.all(sc.ach[:] == 1)          # encoding: ACh suppression
    with pytest.raises(KeyError, match="ports"):
        hc.port("ca2")


def test_builds_in_brain_from_yaml():
    cfg = build_config({
        "seed": 3,
        "regions": {"ctx": {"type": "cortex", "n_exc": 80, "n_inh": 20},
                    "hpc": {"type": "hippocampus", **SMALL, "rec_rule": "stdp"}},
        "projections": {"ctx->hpc": {"source": "exc", "p": 0.2, "weight": "0.5 nS"},
                        "hpc->ctx": {"target": "exc", "p": 0.1, "weight": "0.2 nS"}}})
    brain = Brain(cfg, record=False)
    hc = brain.region("hpc")
    assert brain.projections["ctx->hpc"].target is hc.port("ec").group       # default input
    assert brain.projections["hpc->ctx"].source is hc.port("ca1").group      # default output
    assert "apost" in hc.synapses["rec"].variables                          # stdp rule
    brain.run(5 * ms)


def test_hopfield_energy_minimum_at_stored_pattern():
    rng = np.random.default_rng(0)
    n, m = 200, 20
    pats = random_patterns(5, n, m, rng)
    W = np.clip(sum(np.outer(x, x) for x in pats.astype(float)), 0, 1)
    np.fill_diagonal(W, 0)
    rand = random_patterns(1, n, m, rng)[0]
    e_stored, e_rand = hopfield_energy(W, pats[0]), hopfield_energy(W, rand)
    assert e_stored == pytest.approx(-(1 - 1 / m) + 0.5)                 # saturated: -(1 - gamma)
    assert e_rand > e_stored + 0.3
    assert hopfield_energy(W, np.zeros(n)) == 0.0
    assert cosine_overlap(pats[0], pats[0]) == pytest.approx(1.0)


# -- dynamics (default sizes: the tuned circuit) -----------------------------------------------------
@pytest.fixture(scope="module")
def session():
    """One brain at default sizes with direct drives onto EC and CA3."""
    from brain.backends import configure, reset_brian
    reset_brian()
    configure("numpy")
    cfg = build_config({"seed": 1, "regions": {"hippocampus": {"type": "hippocampus", "w_mf": "0 nS",
                                                               "w_ec_ca3": "0 nS"}}})
    brain = Brain(cfg)
    hc = brain.region("hippocampus")
    # one Poisson source per cell (one-to-one), 300 Hz at level 1
    ca3 = poisson_stimulus(brain, "hippocampus.ca3", 1, 10 * nS, 1.0, 300 * Hz, name="drive_ca3", pools=800)
    ec = poisson_stimulus(brain, "hippocampus.ec", 1, 10 * nS, 1.0, 300 * Hz, name="drive_ec", pools=400)
    rng = np.random.default_rng(7)
    yield brain, hc, ca3, ec, rng
    reset_brian()


def _drive(stim, cells, rate):
    """Drive ``cells`` of a one-source-per-cell stimulus at ``rate`` (the others off)."""
    levels = np.zeros(stim.pools)
    levels[np.asarray(cells)] = float(rate / (300 * Hz))
    stim.set(levels)


def _present(brain, hc, drive, cells, rate, duration, pop, t_read=0 * ms):
    hc.reset_activity()
    mon = brain.monitors[f"hippocampus.{pop}"]
    start, t0 = mon.num_spikes, float(brain.network.t)
    _drive(drive, cells, rate)
    brain.run(duration)
    drive.off()
    i, t = np.asarray(mon.i[start:]), np.asarray(mon.t_[start:])
    keep = (t >= t0 + float(t_read)) & (t < t0 + float(duration))
    return np.bincount(i[keep], minlength=len(mon.source)) > 0


def test_dg_sparsity_in_band(session):
    brain, hc, _, ec, rng = session
    hc.set_plastic(False)
    levels = [_present(brain, hc, ec, rng.choice(400, 40, replace=False), 150 * Hz, 100 * ms, "dg").mean()
              for _ in range(3)]
    assert DG_BAND[0] <= np.mean(levels) <= DG_BAND[1], levels


def test_storage_with_plastic_off_changes_no_weight(session):
    brain, hc, ca3, ec, rng = session
    before = {k: np.array(hc.synapses[k].w[:]) for k in ("rec", "sc")}
    hc.set_plastic(False)
    pats = random_patterns(3, 800, 80, rng)
    for x in pats:                          # CA3 pattern + paired EC pattern, as during encoding
        hc.reset_activity()
        _drive(ca3, np.flatnonzero(x), 300 * Hz)
        _drive(ec, rng.choice(400, 40, replace=False), 150 * Hz)
        brain.run(40 * ms)
        ca3.off()
        ec.off()
    fired = brain.monitors["hippocampus.ca3"].num_spikes
    assert fired > 3 * 80                    # the patterns were active
    for k, w in before.items():
        assert np.array_equal(np.asarray(hc.synapses[k].w[:]), w), k


def test_online_storage_and_full_cue_recall(session):
    brain, hc, ca3, _, rng = session
    pats = random_patterns(5, 800, 80, rng)
    hc.set_plastic(False)
    hc.reset_activity()
    brain.run(200 * ms)                      # the previous tests' synaptic traces decay
    hc.set_plastic(True)
    for x in pats:
        _present(brain, hc, ca3, np.flatnonzero(x), 300 * Hz, 40 * ms, "ca3")
        brain.run(60 * ms)                   # silence: traces decay between patterns
    hc.set_plastic(False)
    W = hc.recurrent_weights()
    within = np.mean([W[np.ix_(x, x)][~np.eye(80, dtype=bool)].mean() for x in pats])
    assert within > 0.6                      # co-active pairs potentiated online (one-shot)
    other = ~np.eye(800, dtype=bool)
    for x in pats:
        other[np.ix_(x, x)] = False
    assert (W[other] > 0.5).mean() < 0.001   # other pairs stay silent
    assert hc.energy(pats[0], W) < hc.energy(random_patterns(1, 800, 80, rng)[0], W) - 0.3
    for x in pats[:3]:
        act = _present(brain, hc, ca3, np.flatnonzero(x), 150 * Hz, 60 * ms, "ca3", t_read=30 * ms)
        assert (act & x).sum() / np.sqrt(act.sum() * x.sum()) >= 0.9


def test_transition_table_of_next_state():
    from experiments.next_state import transitions
    T = transitions(6, 3, np.random.default_rng(0))
    assert T.shape == (6, 3)
    for s, row in enumerate(T):
        assert s not in row and len(set(row)) == 3      # no self-transition; actions lead apart
    assert set(T.ravel()) <= set(range(6))


def test_two_step_instruction_block_is_counterbalanced():
    from experiments.two_step import forced_common
    rng = np.random.default_rng(3)
    actions = rng.permutation(np.arange(40) % 2)
    seqs = [forced_common(actions, 0.7, rng) for _ in range(50)]
    for common in seqs:
        for a in (0, 1):
            assert common[actions == a].sum() == 14          # exactly 70 % of each action's 20 trials
    places = np.mean(seqs, axis=0)                           # shuffled: every trial is sometimes rare
    assert 0.4 < places.min() and places.max() < 0.95
    assert forced_common(np.array([0, 1, 1]), 0.5, rng).sum() == 1    # round(0.5) = 0 for a lone trial


def test_capacity_crossing_interpolates_the_first_drop():
    from experiments.pattern_completion import _crossing
    assert _crossing([(10, 0.95), (20, 0.85), (30, 0.95), (40, 0.3)], 0.9) == pytest.approx(15.0)
    assert np.isnan(_crossing([(10, 0.95), (20, 0.92)], 0.9))      # never falls below
    assert np.isnan(_crossing([(10, 0.8), (20, 0.7)], 0.9))        # below from the start
