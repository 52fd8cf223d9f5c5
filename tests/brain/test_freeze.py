"""Freezing learning (``Brain.set_plastic(False)`` / ``brain.frozen()``) excises the frozen phase.

Whatever happens while learning is frozen (spikes, dopamine bursts, hippocampal input) must leave
no trace in the learning state: weights, eligibility ``c``, STDP traces ``apre`` / ``apost``,
neuromodulator means (``da``, ``da_avg``, ``da_tonic``, ``tonic_time``, ``da_bar``), the critic's
weights and traces, hippocampal storage. Time stamps (``lastupdate``) come back shifted by exactly
the frozen duration, so that traces do not decay over the excised interval either.

Small brains on the numpy backend (no compilation), dt 0.2 ms; each test runs a few hundred ms of
simulated time.
"""
import warnings

import numpy as np
import pytest
from brian2 import ms, nA

from brain.backends import Backend, configure
from brain.brain import Brain
from brain.schema import build_config

RULE = {"A_plus": 0.025, "A_minus": 0.0125, "tau_c": "1 s", "tau_da": "200 ms", "baseline": 0.3,
        "eta": "2 Hz", "update_dt": "10 ms"}
STRIATUM = {"type": "striatum", "n_channels": 2, "n_d1": 6, "n_d2": 6, "n_fsi": 4, "n_gpe": 4,
            "n_stn": 4, "n_gpi": 4, "n_thal": 4, "n_bg": 20}
DOPAMINE = {"type": "dopamine", "n_da": 10, "n_cue": 8, "n_pools": 3, "n_per_pool": 4,
            "pool_first": "20 ms", "pool_step": "30 ms"}
HIPPOCAMPUS = {"type": "hippocampus", "n_ec": 20, "n_dg": 40, "n_dg_inh": 5, "n_ca3": 30, "n_ca3_inh": 8,
               "n_ca1": 20, "n_ca1_inh": 5, "k_mf": 4, "n_bg": 20}
SILENT = -0.5 * nA     # MSN I_ext that keeps every MSN far below threshold (v_inf ~ -130 mV)


def _source(n=20, rate="200 Hz"):
    return {"type": "channel_input", "n_channels": 1, "n_per_channel": n, "rate_max": rate}


def _brain(dopamine=True, hippocampus=False, seed=3) -> Brain:
    """cue -> striatum D1 / D2 (da_three_factor); dopamine (critic) -> MSN ``da``; a Poisson
    reward source on the dopamine ``reward`` port; optionally a hippocampus driven on CA3."""
    regions = {"cue": _source(), "striatum": STRIATUM}
    projections = {
        "cue->striatum:d1": {"source": "out", "target": "d1", "p": 0.5, "weight": "2 nS", "w_init": 0.5,
                             "w_jitter": 0.1, "delay": "2 ms", "rule": "da_three_factor",
                             "rule_params": RULE},
        "cue->striatum:d2": {"source": "out", "target": "d2", "p": 0.5, "weight": "2 nS", "w_init": 0.5,
                             "w_jitter": 0.1, "delay": "2 ms", "rule": "da_three_factor",
                             "rule_params": {**RULE, "da_sign": -1}},
    }
    if dopamine:
        regions.update(rew=_source(), dopamine=DOPAMINE)
        projections.update({
            "cue->dopamine": {"source": "out", "target": "cue", "p": 0.5, "weight": "2 nS", "delay": "2 ms"},
            "rew->dopamine": {"source": "out", "target": "reward", "p": 0.5, "weight": "3 nS",
                              "delay": "1 ms"},
            "dopamine->striatum": {"source": "da", "target": "dopamine", "p": 1.0, "weight": 0.05,
                                   "delay": "2 ms"},
        })
    if hippocampus:
        regions.update(hin=_source(), hippocampus=HIPPOCAMPUS)
        projections["hin->hippocampus"] = {"source": "out", "target": "ca3", "p": 0.3, "weight": "3 nS",
                                           "delay": "1 ms"}
    cfg = build_config({"seed": seed, "backend": "numpy", "dt": "0.2 ms", "regions": regions,
                        "projections": projections})
    return Brain(cfg, configure("numpy", dt=cfg.dt), record=False)


def _drive(b: Brain, cue=0.0, reward=0.0, hippocampus=0.0, msn_silent=False) -> None:
    b.regions["cue"].set_salience([cue])
    if "rew" in b.regions:
        b.regions["rew"].set_salience([reward])
    if "hin" in b.regions:
        b.regions["hin"].set_salience([hippocampus])
    b.regions["striatum"].groups["msn"].I_ext = SILENT if msn_silent else 0 * nA


def _is_stamp(key: str) -> bool:
    return key.endswith(".lastupdate")


def _assert_restored(before: dict, after: dict, shift: float) -> None:
    assert after.keys() == before.keys()
    for key, old in before.items():
        expected = old + shift if _is_stamp(key) else old
        assert np.array_equal(after[key], expected), key


def test_frozen_phase_leaves_no_trace_in_learning_state():
    b = _brain(hippocampus=True)
    msn = b.regions["striatum"].groups["msn"]
    tonic = "tonic_time" in msn.variables          # DOPAMINE_TONIC_POST in the MSN model
    if tonic:
        msn.tonic_window = 1.0                     # da_tonic and tonic_time accumulate throughout
    _drive(b, cue=0.5, hippocampus=0.2)
    b.run(100 * ms)                                # learning: eligibility, traces, storage
    before = b.learning_values()
    d1 = "proj_cue__striatum_d1"
    assert np.abs(before[f"{d1}.c"]).max() > 1e-3  # eligibility exists
    assert before["hippocampus_rec.w"].max() > 0   # something is stored in CA3
    t_freeze = float(b.network.t)

    b.set_plastic(False)
    assert b.is_frozen
    _drive(b, cue=1.0, reward=1.0, hippocampus=1.0)  # strong activity and dopamine bursts
    b.run(100 * ms)
    during = b.learning_values()
    changed = {k for k in before if not np.array_equal(before[k], during[k])}
    # the frozen phase did act on every kind of trace (so the test below is not vacuous) ...
    expected_changed = {f"{d1}.c", f"{d1}.apre", f"{d1}.apost", f"{d1}.lastupdate",
                        "striatum_msn.da", "striatum_msn.da_avg", "dopamine_da.da", "dopamine_da.da_bar",
                        "dopamine_cue.y", "dopamine_cue.elig", "dopamine_timer.x",
                        "hippocampus_rec.apre", "hippocampus_rec.lastupdate"}
    if tonic:
        expected_changed |= {"striatum_msn.tonic_time", "striatum_msn.da_tonic"}
    assert expected_changed <= changed, expected_changed - changed
    assert during["striatum_msn.da"].mean() > before["striatum_msn.da"].mean()   # bursts arrived
    # ... but never on a weight: the gates are closed
    assert not {k for k in changed if k.endswith(".w")}

    b.set_plastic(True)
    assert not b.is_frozen
    shift = float(b.network.t) - t_freeze
    assert shift == pytest.approx(0.1, abs=1e-12)
    after = b.learning_values()
    _assert_restored(before, after, shift)        # bit-identical; time stamps shifted exactly
    assert any(not np.array_equal(before[k], after[k]) for k in after if _is_stamp(k))
    if tonic:                                     # a duration (integrated), not a time stamp
        assert np.array_equal(after["striatum_msn.tonic_time"], before["striatum_msn.tonic_time"])
    assert all(np.all(s.plastic[:] == 1) for s in b.projections.values())


def _reward_phase(b: Brain) -> None:
    """A deterministic DA burst onto silent MSNs: only learning state decides the weight change.

    No cue spikes (rate 0), MSNs held far below threshold (no STDP event), the dopamine region's
    own output (Poisson-driven, so different after a frozen phase) cut, and the burst written
    into ``da`` by hand; 100 ms of eligibility x dopamine -> weight.
    """
    _drive(b, msn_silent=True)
    b.projections["dopamine->striatum"].w = 0.0
    b.regions["striatum"].groups["msn"].da += 0.8
    b.run(100 * ms)


def _striatal_learning(b: Brain) -> dict:
    """The learning state of the corticostriatal projections and the MSNs (da, da_avg...)."""
    return {k: v for k, v in b.learning_values().items()
            if k.startswith(("proj_cue__striatum", "striatum_msn"))}


def test_reward_after_unfreezing_changes_weights_as_without_frozen_phase():
    b = _brain()
    plastic = ("cue->striatum:d1", "cue->striatum:d2")
    _drive(b, cue=0.5)
    b.run(100 * ms)                                  # learning: eligibility from cue x MSN spikes
    _drive(b, msn_silent=True)
    b.run(20 * ms)                                   # no spike in flight (delays 2 ms) at the store
    b.store("learned")
    w0 = {k: b.projections[k].w[:].copy() for k in plastic}
    c0 = b.projections["cue->striatum:d1"].c[:].copy()
    assert np.abs(c0).max() > 1e-3

    # (A) frozen phase with strong activity and dopamine bursts, then the reward
    b.set_plastic(False)
    t_freeze = float(b.network.t)
    _drive(b, cue=1.0, reward=1.0)
    b.run(80 * ms)
    _drive(b, msn_silent=True)
    b.run(20 * ms)                                   # still frozen: in-flight spikes land before unfreezing
    assert not np.array_equal(b.projections["cue->striatum:d1"].c[:], c0)   # the frozen phase moved c
    b.set_plastic(True)
    shift = float(b.network.t) - t_freeze
    _reward_phase(b)
    a = _striatal_learning(b)

    # (B) the reward right after learning, no frozen phase
    b.restore("learned", reseed=11)
    assert not b.is_frozen
    _reward_phase(b)
    bb = _striatal_learning(b)

    for k in plastic:
        name = b.projections[k].name
        dw_a, dw_b = a[f"{name}.w"] - w0[k], bb[f"{name}.w"] - w0[k]
        assert np.abs(dw_b).max() > 1e-4, k         # the reward does change the weights
        assert np.array_equal(dw_a, dw_b), k        # exactly as without the frozen phase
    _assert_restored(bb, a, shift)                  # c, traces, da, da_avg... too; stamps shifted


def test_gate_only_keeps_traces_evolving():
    b = _brain(dopamine=False)
    syn = b.projections["cue->striatum:d1"]
    _drive(b, cue=0.5)
    b.run(30 * ms)
    w0, c0 = syn.w[:].copy(), syn.c[:].copy()
    b.set_plastic(False, gate_only=True)
    assert b.is_frozen and syn.plastic[:] == 0
    _drive(b, cue=1.0)
    b.run(30 * ms)
    assert np.array_equal(syn.w[:], w0)              # weights fixed
    assert not np.array_equal(syn.c[:], c0)          # eligibility went on
    c1 = syn.c[:].copy()
    b.set_plastic(True)                               # nothing to restore: the gates open
    assert syn.plastic[:] == 1 and np.array_equal(syn.c[:], c1)


def test_set_plastic_is_idempotent():
    b = _brain(dopamine=False)
    syn = b.projections["cue->striatum:d1"]
    _drive(b, cue=0.5)
    b.run(20 * ms)
    first = b.learning_values()
    t0 = float(b.network.t)
    b.set_plastic(False)
    _drive(b, cue=1.0)
    b.run(10 * ms)
    b.set_plastic(False)                              # keeps the first snapshot
    b.run(10 * ms)
    b.set_plastic(True)
    _assert_restored(first, b.learning_values(), float(b.network.t) - t0)
    b.run(10 * ms)                                    # learning again
    now = b.learning_values()
    b.set_plastic(True)                               # no snapshot left: only the gates
    assert all(np.array_equal(v, b.learning_values()[k]) for k, v in now.items())
    assert syn.plastic[:] == 1 and not b.is_frozen


def test_frozen_context_restores_on_exception_and_nests():
    b = _brain(dopamine=False)
    syn = b.projections["cue->striatum:d1"]
    _drive(b, cue=0.5)
    b.run(20 * ms)
    before = b.learning_values()
    t0 = float(b.network.t)
    with pytest.raises(RuntimeError, match="boom"):
        with b.frozen():
            assert b.is_frozen and syn.plastic[:] == 0
            b.run(10 * ms)
            raise RuntimeError("boom")
    assert not b.is_frozen and syn.plastic[:] == 1
    _assert_restored(before, b.learning_values(), float(b.network.t) - t0)

    b.set_plastic(False)
    with b.frozen():                                  # already frozen: stays frozen on exit
        b.run(10 * ms)
    assert b.is_frozen and syn.plastic[:] == 0
    b.set_plastic(True)


def test_unfreezing_sets_each_gate_back_to_its_state_before_the_freeze():
    """A region switched off on its own (the hippocampus: plasticity off, ACh still high) and a
    static-by-hand projection stay as they were after a freeze; the freeze itself closes both."""
    b = _brain(dopamine=False, hippocampus=True)
    hc, d2 = b.regions["hippocampus"], b.projections["cue->striatum:d2"]
    hc.set_plastic(False)
    hc.set_ach(1.0)
    d2.plastic = 0.0
    with b.frozen():
        assert hc.synapses["sc"].ach[:] == 0 and b.projections["cue->striatum:d1"].plastic[:] == 0
        b.run(10 * ms)
    for key in ("rec", "sc"):
        assert hc.synapses[key].plastic[:] == 0 and hc.synapses[key].ach[:] == 1
    assert d2.plastic[:] == 0 and b.projections["cue->striatum:d1"].plastic[:] == 1
    b.set_plastic(True)                               # nothing frozen: every gate opens
    assert hc.synapses["sc"].plastic[:] == 1 and d2.plastic[:] == 1


def test_store_restore_carries_the_freeze():
    b = _brain(dopamine=False)
    _drive(b, cue=0.5)
    b.run(20 * ms)
    before = b.learning_values()
    t0 = float(b.network.t)
    b.set_plastic(False)
    b.store("frozen")
    b.run(10 * ms)
    b.set_plastic(True)
    b.restore("frozen")                               # back to frozen, with the same snapshot
    assert b.is_frozen
    b.run(10 * ms)
    b.set_plastic(True)
    _assert_restored(before, b.learning_values(), float(b.network.t) - t0)


def test_warns_when_frozen_duration_is_not_a_multiple_of_update_dt():
    b = _brain(dopamine=False)
    b.run(10 * ms)
    b.set_plastic(False)
    b.run(5 * ms)
    with pytest.warns(UserWarning, match=r"not a multiple of the 0\.01 s update period"):
        b.set_plastic(True)
    b.set_plastic(False)
    b.run(20 * ms)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.set_plastic(True)


def test_cpp_standalone_refuses_a_full_freeze(monkeypatch):
    b = _brain(dopamine=False)
    syn = b.projections["cue->striatum:d1"]
    monkeypatch.setattr(b, "backend", Backend("cpp_standalone"))   # no device change: a label only
    with pytest.raises(RuntimeError, match=r"cpp_standalone cannot read .* gate_only=True"):
        b.set_plastic(False)
    assert not b.is_frozen and syn.plastic[:] == 1   # nothing half-done
    b.set_plastic(False, gate_only=True)
    assert b.is_frozen and syn.plastic[:] == 0
    b.set_plastic(True)
    assert not b.is_frozen and syn.plastic[:] == 1
