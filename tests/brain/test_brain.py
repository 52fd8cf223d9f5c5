"""Brain assembly: regions + labelled projections in one Network; seeds; store/restore; errors."""
import numpy as np
import pytest
from brian2 import ms

from brain.backends import configure
from brain.brain import Brain
from brain.config import ConfigError
from brain.schema import build_config

SMALL = {"n_exc": 160, "n_inh": 40, "p_connect": 0.1}


def _data(**extra):
    data = {"seed": 5, "regions": {"a": {"type": "cortex", **SMALL}, "b": {"type": "cortex", **SMALL}},
            "projections": {"a->b": {"source": "exc", "target": "exc", "p": 0.2, "weight": "0.3 nS",
                                     "delay": "2 ms"}}}
    data.update(extra)
    return data


def _brain(data, backend="numpy"):
    cfg = build_config(data)
    return Brain(cfg, configure(backend, dt=cfg.dt))


def test_single_explicit_network_and_ports():
    b = _brain(_data())
    names = {o.name for o in b.network.objects}
    assert {"a_cells", "b_cells", "a_exc_all", "proj_a__b", "spikes_a_exc", "spikes_b_inh"} <= names
    syn = b.projections["a->b"]
    assert syn.source is b.regions["a"].groups["exc"] and syn.target is b.regions["b"].groups["exc"]
    assert np.all(syn.delay[:] == 2 * ms)
    assert 0.1 < len(syn) / (160 * 160) < 0.3


def test_projection_connectivity_depends_on_label_seed_only():
    one = _brain(_data()).projections["a->b"]
    ij1 = (one.i[:].copy(), one.j[:].copy())
    data = _data()
    data["regions"]["c"] = {"type": "cortex", **SMALL}           # an extra region changes nothing
    two = _brain(data).projections["a->b"]
    assert np.array_equal(ij1[0], two.i[:]) and np.array_equal(ij1[1], two.j[:])
    three = _brain(_data(seed=6)).projections["a->b"]
    assert len(three) != len(one) or not np.array_equal(ij1[1], three.j[:])


def test_weight_units_checked_against_target():
    data = _data()
    data["projections"]["a->b"]["weight"] = "3 mV"
    with pytest.raises(ConfigError, match=r"^projections.a->b.weight: wrong units for b.g_ampa"):
        _brain(data)


def test_unknown_port():
    data = _data()
    data["projections"]["a->b"]["target"] = "nowhere"
    with pytest.raises(ConfigError, match=r"^projections.a->b.target: region 'b' has no port 'nowhere'"):
        _brain(data)


def test_record_selection_and_unknown_population():
    b = _brain(_data(record={"populations": ["a.exc"]}))
    assert list(b.monitors) == ["a.exc"]
    with pytest.raises(ConfigError, match=r"^record.populations: unknown population 'a.nope'"):
        _brain(_data(record={"populations": ["a.nope"]}))


def test_store_restore_reproduces_run():
    b = _brain(_data())
    b.store("start")
    b.run(50 * ms)
    first = {k: v["t"].copy() for k, v in b.spikes().items()}
    b.restore("start", reseed=5)
    assert float(b.network.t) == 0.0
    b.run(50 * ms)
    second = b.spikes()
    for k, t in first.items():
        assert len(t) > 0
        assert np.array_equal(second[k]["t"], t)   # monitors restored; same noise after reseeding


def test_set_plastic_switch():
    b = _brain(_data())
    b.set_plastic(False)
    assert b.projections["a->b"].plastic[:] == 0
    b.set_plastic(True)
    assert b.projections["a->b"].plastic[:] == 1


def test_projection_transmits():
    data = _data()
    data["projections"]["a->b"].update(weight="3 nS", p=0.5)
    b = _brain(data)
    b.run(100 * ms)
    quiet = _brain(_data())
    quiet.run(100 * ms)
    assert len(b.spikes()["b.exc"]["t"]) > len(quiet.spikes()["b.exc"]["t"])


def _plastic_data(rule="stdp", **rule_params):
    data = _data()
    data["projections"]["a->b"].update(weight="0.5 nS", p=0.3, w_init=0.5, rule=rule, rule_params=rule_params)
    return data


def test_plastic_projection_learns_and_freezes():
    b = _brain(_plastic_data())
    syn = b.projections["a->b"]
    w0 = syn.w[:].copy()
    b.run(200 * ms)
    w1 = syn.w[:].copy()
    assert np.abs(w1 - w0).max() > 1e-4                         # STDP changed weights
    assert w1.min() >= 0.0 and w1.max() <= 1.0                   # hard bounds [w_min, w_max]
    b.set_plastic(False)
    b.run(200 * ms)
    assert np.array_equal(syn.w[:], w1)                          # frozen: no change at all


def test_rule_needing_missing_post_variable_is_config_error():
    with pytest.raises(ConfigError, match=r"^projections.a->b.rule: rule 'da_three_factor' needs variable 'da'"):
        _brain(_plastic_data(rule="da_three_factor"))


def test_rule_params_validated_with_path():
    with pytest.raises(ConfigError, match=r"^projections.a->b.rule_params.pairing: must be one of"):
        _brain(_plastic_data(pairing="sometimes"))


def test_weights_file_assigns_each_weight_to_its_cells(tmp_path):
    from types import SimpleNamespace

    from brain.experiment import _write_weights
    data = _plastic_data()
    data["projections"]["a->b"]["target"] = "inh"            # a subgroup (cells 160-199 of b's group)
    b = _brain(data)
    syn = b.projections["a->b"]
    syn.w = "0.1 + 0.001 * j"                                 # each weight names its target cell
    _write_weights(SimpleNamespace(brains=[b, b]), tmp_path)
    with np.load(tmp_path / "weights.npz") as z:
        assert {"a->b", "a->b.i", "a->b.j", "brain1/a->b.j"} <= set(z.files)
        i, j, w = z["a->b.i"], z["a->b.j"], z["a->b"]
    assert len(i) == len(j) == len(w) == len(syn)
    assert i.max() < 160 and i.max() > 100 and j.max() == 39      # indices within the source / target population
    assert np.allclose(w, 0.1 + 0.001 * j)
