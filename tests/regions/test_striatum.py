"""Basal ganglia (striatum region): parameters, ports, YAML wiring, tonic state, selection, gating."""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, ms, nS, second

from brain.brain import Brain
from brain.config import ConfigError
from brain.schema import build_config
from brain.trials.stimulus import poisson_stimulus
from plasticity.params import ParamError
from regions.basal_ganglia_circuit import channel_pairs
from regions.channel_input import ChannelInput, ChannelInputParams
from regions.striatum import Striatum, StriatumParams


def _pool_rates(d, channel, nc, t0, t1):
    m = (d["t"] >= t0) & (d["t"] < t1)
    return np.bincount(channel[d["i"][m]], minlength=nc)[:nc] / (np.bincount(channel, minlength=nc)[:nc] * (t1 - t0))


# -- parameters and structure ---------------------------------------------------------------------
@pytest.mark.parametrize("bad", [dict(n_channels=0), dict(p_lat=1.5), dict(w_d1_gpi=-1 * nS),
                                 dict(rate_bg_gpi=-1 * Hz), dict(tau_goal=0 * ms)])
def test_params_rejected(bad):
    with pytest.raises(ParamError):
        StriatumParams(**bad)


def test_single_channel_builds_without_lateral_synapses():
    """One channel (a ventral-striatal value population): the MSN collaterals reach only *other*
    channels, so they are an empty synapse set (Brian2 rejects empty index arrays: regions.connect)."""
    p = StriatumParams(n_channels=1, n_d1=6, n_d2=4, n_fsi=4, n_gpe=4, n_stn=4, n_gpi=4, n_thal=4)
    bg = Striatum("vs", p, seed=1)
    assert len(bg.synapses["msn_msn"]) == 0
    assert len(bg.port("d1").group) == 6
    # one NeuronGroup per neuron model: GPe, STN, GPi and thalamus are views of "nuclei"
    assert all(bg.groups[k].source.name == "vs_nuclei" for k in ("gpe", "stn", "gpi", "thal"))
    assert len(bg.groups["nuclei"]) == 16 and "nuclei" not in bg.populations


def test_goal_trace_decay_is_a_parameter():
    p = StriatumParams(n_channels=1, n_d1=6, n_d2=4, n_fsi=4, n_gpe=4, n_stn=4, n_gpi=4, n_thal=4,
                       tau_goal=30 * ms)
    assert Striatum("vs", p, seed=1).groups["msn"].namespace["tau_goal"] == 30 * ms
    assert StriatumParams().tau_goal == 100 * ms        # GOAL_POST's decay, the default before


def test_yaml_params_validated():
    with pytest.raises(ConfigError, match=r"regions\.striatum\.w_lat"):
        build_config({"regions": {"striatum": {"w_lat": "1 mV"}}})


def test_channel_pairs_modes():
    rng = np.random.default_rng(0)
    i, j = channel_pairs(3, 4, 5, 1.0, rng, "focused")
    assert np.all(i // 4 == j // 5) and len(i) == 3 * 4 * 5
    i, j = channel_pairs(3, 4, 5, 1.0, rng, "others", pre_offset=100, post_offset=7)
    assert np.all((i - 100) // 4 != (j - 7) // 5) and len(i) == 6 * 4 * 5
    i, j = channel_pairs(2, 4, 5, 1.0, rng, "diffuse")
    assert len(i) == 8 * 10


def test_ports_and_layout():
    p = StriatumParams(n_channels=2, n_d1=10, n_d2=12, n_fsi=6, n_gpe=5, n_stn=5, n_gpi=5, n_thal=4)
    bg = Striatum("bg", p, seed=1)
    assert bg.kind == "striatum"
    expected = {"d1", "d2", "stn", "fsi", "dopamine", "goal", "output", "gpi",
                *(f"{k}_{c}" for k in ("d1", "d2", "stn", "thal") for c in range(2))}
    assert set(bg.ports) == expected
    msn = bg.groups["msn"]
    assert len(msn) == 2 * 10 + 2 * 12
    assert bg.port("dopamine").var == "da" and bg.port("dopamine").group is msn
    assert bg.port("goal").var == "goal" and bg.port("goal").group is msn
    assert bg.port("d1").var == bg.port("d2_1").var == "g_ctx"     # cortical input: the goal-gained conductance
    assert bg.synapses["thal_msn"].target is msn and "g_ampa_post" in bg.synapses["thal_msn"].pre.code
    assert bg.port("output").var is None and len(bg.port("output").group) == 8
    assert len(bg.port("d1_1").group) == 10 and bg.port("d1_1").group.start == 10
    assert len(bg.port("d2_0").group) == 12 and bg.port("d2_0").group.start == 20
    assert list(bg.channel_of("msn")) == [0] * 10 + [1] * 10 + [0] * 12 + [1] * 12
    assert all(o.name.startswith("bg_") for o in [*bg.groups.values(), *bg.synapses.values()])
    # D1 project only onto GPi of their own channel, D2 onto GPe of their own channel
    d1_gpi, d2_gpe = bg.synapses["d1_gpi"], bg.synapses["d2_gpe"]
    assert np.all(d1_gpi.i[:] < 20) and np.all(d1_gpi.i[:] // 10 == d1_gpi.j[:] // 5)
    assert np.all(d2_gpe.i[:] >= 20) and np.all((d2_gpe.i[:] - 20) // 12 == d2_gpe.j[:] // 5)
    lat = bg.synapses["msn_msn"]
    assert np.all(bg.channel_of("msn")[lat.i[:]] != bg.channel_of("msn")[lat.j[:]])


def test_yaml_wiring_with_three_factor_rule():
    cfg = build_config({
        "regions": {"ctx": {"type": "channel_input", "n_channels": 2, "n_per_channel": 10},
                    "striatum": {"n_channels": 2, "n_d1": 10, "n_d2": 10}},
        "projections": {
            "ctx->striatum": {"source": "ch1", "target": "d1_1", "p": 1.0, "weight": "1 nS",
                              "rule": "da_three_factor"},
            "ctx->striatum:goal": {"source": "out", "target": "goal", "p": 0.5, "weight": 0.1,
                                   "rule": "da_three_factor"},
            "ctx->striatum:d2": {"source": "out", "target": "d2", "p": 0.5, "weight": "1 nS",
                                 "rule": "goal_three_factor"}}})
    brain = Brain(cfg, record=False)
    proj = brain.projections["ctx->striatum"]
    assert np.all(proj.i[:] < 10) and set(np.unique(proj.j[:])) == set(range(10))   # j is within d1_1
    assert "c" in proj.variables and "da" in brain.region("striatum").groups["msn"].variables


# -- dynamics ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def session():
    """Rest, then strong input to channel 1, weak input alone, weak input with goal context."""
    from brain.backends import configure, reset_brian
    configure("numpy", dt=0.2 * ms)
    nc = 3
    data = {"seed": 1, "dt": "0.2 ms",
            "regions": {"ctx": {"type": "channel_input", "n_channels": nc},
                        "striatum": {"n_channels": nc}},
            "projections": {f"ctx->striatum:{t}_{k}": {"source": f"ch{k}", "target": f"{t}_{k}", "p": 0.5,
                                                       "weight": "0.3 nS" if t == "stn" else "2 nS",
                                                       "delay": "2 ms"}
                            for k in range(nc) for t in ("d1", "d2", "stn")}}
    brain = Brain(build_config(data))
    ctx = brain.region("ctx")
    goal = poisson_stimulus(brain, "striatum.goal", 20, 0.1, 1.0, 200 * Hz, name="goal_stim")
    da = poisson_stimulus(brain, "striatum.dopamine", 20, 0.01, 1.0, 100 * Hz, name="da_stim")
    brain.run(0.4 * second)                               # 0.0-0.4 rest
    ctx.set_salience([0.0, 1.0, 0.7])
    brain.run(0.3 * second)                               # 0.4-0.7 channel 1 strongest
    ctx.set_salience([0.0, 0.0, 0.0])
    brain.run(0.3 * second)                               # 0.7-1.0 rest
    ctx.set_salience([0.45, 0.0, 0.0])
    brain.run(0.3 * second)                               # 1.0-1.3 weak input to channel 0
    goal.on()
    brain.run(0.3 * second)                               # 1.3-1.6 same input + goal context
    goal.off()
    ctx.set_salience([0.0, 0.0, 0.0])
    da.on()
    brain.run(0.1 * second)                               # 1.6-1.7 dopamine spikes
    msn = brain.region("striatum").groups["msn"]
    state = {"da": float(np.mean(msn.da[:])), "goal": float(np.mean(msn.goal[:]))}
    yield brain.region("striatum"), brain.spikes(), state
    reset_brian()


def test_tonic_state_no_action(session):
    bg, sp, _ = session
    nc = bg.params.n_channels
    gpi = _pool_rates(sp["striatum.gpi"], bg.channel_of("gpi"), nc, 0.1, 0.4)
    gpe = _pool_rates(sp["striatum.gpe"], bg.channel_of("gpe"), nc, 0.1, 0.4)
    thal = _pool_rates(sp["striatum.thal"], bg.channel_of("thal"), nc, 0.1, 0.4)
    msn = _pool_rates(sp["striatum.msn"], bg.channel_of("msn"), nc, 0.1, 0.4)
    assert np.all((gpi > 50) & (gpi < 120))        # GPi/SNr tonic 60-100 Hz (DeLong 1971)
    assert np.all((gpe > 30) & (gpe < 110))
    assert np.all(thal < 3) and np.all(msn < 1)     # thalamus inhibited, MSNs in the down state


def test_strongest_channel_selected(session):
    bg, sp, _ = session
    nc = bg.params.n_channels
    thal = _pool_rates(sp["striatum.thal"], bg.channel_of("thal"), nc, 0.45, 0.7)
    gpi = _pool_rates(sp["striatum.gpi"], bg.channel_of("gpi"), nc, 0.45, 0.7)
    assert np.argmax(thal) == 1 and thal[1] > 40 and np.all(np.delete(thal, 1) < 5)
    assert gpi[1] < 10 and np.all(np.delete(gpi, 1) > 50)
    after = _pool_rates(sp["striatum.thal"], bg.channel_of("thal"), nc, 0.8, 1.0)
    assert np.all(after < 3)                        # selection ends with the input


def test_goal_context_amplifies_cortical_input(session):
    bg, sp, _ = session
    nc, n1 = bg.params.n_channels, bg.params.n_channels * bg.params.n_d1
    d1 = {k: v for k, v in sp["striatum.msn"].items()}
    keep = d1["i"] < n1
    d1 = {"i": d1["i"][keep], "t": d1["t"][keep]}
    ch = bg.channel_of("msn")[:n1]
    weak = _pool_rates(d1, ch, nc, 1.05, 1.3)[0]
    goal = _pool_rates(d1, ch, nc, 1.35, 1.6)[0]
    assert goal > 2 * weak + 5
    thal = _pool_rates(sp["striatum.thal"], bg.channel_of("thal"), nc, 1.35, 1.6)
    assert thal[0] > 20                             # goal context turns a weak input into a selection


def test_dopamine_and_goal_ports_reach_msn_variables(session):
    _, _, state = session
    assert state["da"] > 0.05                        # DA spikes raised the MSN dopamine concentration
    assert state["goal"] > 0.1                       # goal trace still decaying 0.1 s after the goal input


def test_channel_input_salience():
    ci = ChannelInput("ctx", ChannelInputParams(n_channels=2, n_per_channel=3, rate_max=50 * Hz,
                                                rate_base=1 * Hz))
    ci.set_salience([0.0, 0.5])
    assert np.allclose(ci.groups["units"].rate[:] / Hz, [1, 1, 1, 26, 26, 26])
    assert len(ci.port("ch1").group) == 3 and ci.port("out").var is None
    with pytest.raises(ValueError):
        ci.set_salience([1.0])


def test_goal_subpools_are_ports_onto_every_channel():
    bg = Striatum("bg", StriatumParams(n_channels=3, n_d1=12, n_d2=12, n_goals=2), seed=1)
    sub, ch = bg.goal_of("msn"), bg.channel_of("msn")
    for q in range(2):
        port = bg.port(f"goal{q}")
        assert port.var == "goal" and port.group is bg.groups["msn"]
        assert np.all(sub[port.cells] == q) and len(port.cells) == 3 * 2 * 6     # D1 + D2, every channel
        assert set(ch[port.cells]) == {0, 1, 2}
    with pytest.raises(ParamError, match="n_d1"):
        StriatumParams(n_d1=10, n_goals=3)


def test_goal_port_projection_reaches_only_its_subpool():
    data = {"seed": 2, "regions": {"pfc": {"type": "channel_input", "n_channels": 2, "n_per_channel": 10},
                                   "striatum": {"type": "striatum", "n_channels": 2, "n_d1": 8, "n_d2": 8,
                                                "n_goals": 2}},
            "projections": {"pfc->striatum:g1": {"source": "ch1", "target": "goal1", "p": 1.0, "weight": 0.1,
                                                  "rule": "static"}}}
    brain = Brain(build_config(data), record=False)
    syn, bg = brain.projections["pfc->striatum:g1"], brain.region("striatum")
    assert len(syn) == 10 * 16 and set(bg.goal_of()[np.asarray(syn.j[:])]) == {1}
