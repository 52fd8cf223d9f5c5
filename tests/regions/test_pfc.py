"""Gated PFC working memory: parameters, ports, YAML wiring, persistent activity, gating, reset."""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, nS, second

from brain.brain import Brain
from brain.config import ConfigError
from brain.schema import build_config
from brain.trials.stimulus import poisson_stimulus
from plasticity.params import ParamError
from regions.pfc import PFC, PFCParams

# pools of 40 cells; recurrent conductances rescale (n_ref / n). At this size finite-size noise needs
# w_plus 2.2 (the default 2.1 is for the reference 1600 + 400 network) for the cued pool to persist.
SMALL = dict(n_exc=400, n_inh=100, w_plus=2.2)


def _rates(spikes, slices, t0, t1):
    i, t = spikes["i"], spikes["t"]
    m = (t >= t0) & (t < t1)
    counts = np.bincount(i[m], minlength=slices[-1][1])
    return np.array([counts[a:b].sum() / (b - a) / (t1 - t0) for a, b in slices])


# -- parameters ------------------------------------------------------------------------------
def test_params_defaults_and_w_minus():
    p = PFCParams()
    assert p.pool_size == 160 and p.n_pools * p.pool_size < p.n_exc   # the reference network: 1600 + 400
    # Brunel & Wang (2001): w- = 1 - f (w+ - 1) / (1 - f)
    assert p.w_minus == pytest.approx(1 - 0.1 * (p.w_plus - 1) / 0.9)


@pytest.mark.parametrize("bad", [dict(n_pools=10, f_pool=0.1), dict(gain_closed=1.5), dict(n_exc=0),
                                 dict(tau_gate=0 * second), dict(f_pool=0.001, n_exc=100),
                                 dict(gate_threshold=1.0), dict(gate_threshold=-0.1)])
def test_params_rejected(bad):
    with pytest.raises(ParamError):
        PFCParams(**bad)


def test_yaml_params_validated():
    with pytest.raises(ConfigError, match=r"regions\.pfc\.f_pool"):
        build_config({"regions": {"pfc": {"n_pools": 12}}})
    with pytest.raises(ConfigError, match=r"regions\.pfc\.tau_gate"):
        build_config({"regions": {"pfc": {"tau_gate": "20 mV"}}})


# -- structure and ports ---------------------------------------------------------------------
def test_builds_alone_with_ports():
    pfc = PFC("wm", PFCParams(**SMALL, n_pools=5), seed=3)
    assert pfc.kind == "pfc"
    assert set(pfc.ports) == {"input", "gate", "reset", "goal", "exc", "inh", "exc_gaba",
                              *(f"item{k}" for k in range(5))}
    assert pfc.pool_slices == [(40 * k, 40 * (k + 1)) for k in range(5)]
    for k, (a, b) in enumerate(pfc.pool_slices):
        port = pfc.port(f"item{k}")
        assert port.var == "g_in" and len(port.group) == b - a
    assert pfc.port("input").var == "g_in" and len(pfc.port("input").group) == 200
    assert pfc.port("goal").var is None and len(pfc.port("goal").group) == 200
    assert pfc.port("gate").var == "gate" and len(pfc.port("gate").group) == 1
    assert pfc.port("reset").var == "g_ampa" and len(pfc.port("reset").group) == 100
    assert set(pfc.populations) == {"exc", "inh"}           # helper groups are not recorded
    assert all(o.name.startswith("wm_") for o in pfc.objects)
    with pytest.raises(KeyError, match="ports"):
        pfc.port("nope")


def test_structured_weights():
    p = PFCParams(**SMALL)
    pfc = PFC("pfc", p, seed=1)
    syn = pfc.synapses["units_units"]
    w = np.zeros((p.n_pools + 2, p.n_pools + 2))
    w[syn.i[:], syn.j[:]] = syn.w[:]
    P = p.n_pools
    assert np.allclose(np.diag(w)[:P], p.w_plus)
    assert w[0, 1] == pytest.approx(p.w_minus) and w[P, 0] == pytest.approx(p.w_minus)
    assert w[0, P] == 1.0 and w[P, P] == 1.0 and w[0, P + 1] == 1.0     # sel -> nonsel, E -> I
    assert np.all(w[P + 1] == 0.0)                                        # GABA travels on w_gaba
    assert np.all(syn.w_gaba[:][syn.i[:] == P + 1] == 1.0)


def test_yaml_projections_onto_ports():
    cfg = build_config({
        "seed": 2,
        "regions": {"ctx": {"type": "cortex", "n_exc": 80, "n_inh": 20}, "pfc": {"type": "pfc", **SMALL}},
        "projections": {
            "ctx->pfc": {"source": "exc", "target": "item1", "p": 0.5, "weight": "0.5 nS"},
            "ctx->pfc:gate": {"source": "exc", "target": "gate", "p": 1.0, "weight": 0.01},
            "ctx->pfc:reset": {"source": "inh", "target": "reset", "p": 0.1, "weight": "1 nS"},
            "pfc->ctx": {"source": "goal", "target": "exc", "p": 0.1, "weight": "0.2 nS"},
        }})
    brain = Brain(cfg, record=False)
    pfc = brain.region("pfc")
    item = brain.projections["ctx->pfc"]
    assert set(np.unique(item.j[:])) <= set(range(40)) and len(item) > 0.4 * 80 * 40
    assert len(brain.projections["ctx->pfc:gate"]) == 80
    assert brain.projections["pfc->ctx"].source is pfc.port("goal").group
    with pytest.raises(ConfigError, match="takes no input"):
        Brain(build_config({"regions": {"a": {"type": "pfc", **SMALL}, "b": {"type": "pfc", **SMALL}},
                            "projections": {"a->b": {"source": "goal", "target": "goal", "weight": "1 nS"}}}),
              record=False)


def test_gate_threshold_keeps_a_weak_gate_closed():
    """Above ``gate_threshold`` the gate opens linearly up to full gain at a trace of 1; below it the
    input keeps its closed gain and the interneurons get no gate drive."""
    from brian2 import Network, defaultclock
    from brain.backends import configure, reset_brian
    configure("numpy")
    pfc = PFC("pfc", PFCParams(**SMALL, gate_threshold=0.2))
    net = Network(*pfc.objects)
    units, gate, inh = pfc.groups["units"], pfc.groups["gate"], pfc.params.n_pools + 1
    closed = pfc.params.gain_closed
    for level, open_frac in ((0.1, 0.0), (0.2, 0.0), (0.6, 0.5), (1.5, 1.0)):
        gate.gate = level
        net.run(defaultclock.dt)                          # the gate trace reaches the units each step
        g = float(units.gate[0])                          # the level the units saw
        frac = min(max((g - 0.2) / 0.8, 0.0), 1.0)
        assert float(units.gain[0]) == pytest.approx(closed + (1 - closed) * frac)
        assert float(units.g_gate[inh] / nS) == pytest.approx(float(pfc.params.g_gate_inh / nS) * frac)
        assert frac == pytest.approx(open_frac, abs=0.01)
    reset_brian()


# -- dynamics ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def session():
    """One short session: spontaneous, cue, closed-gate distractor, open-gate distractor, reset."""
    from brain.backends import configure, reset_brian
    configure("numpy")
    cfg = build_config({"seed": 1, "regions": {"pfc": {"type": "pfc", **SMALL}}})
    brain = Brain(cfg)
    pfc = brain.region("pfc")
    stims = [poisson_stimulus(brain, f"pfc.item{k}", 200, 2.1 * nS, 0.25, 30 * Hz, name=f"s{k}") for k in range(4)]
    gate = poisson_stimulus(brain, "pfc.gate", 20, 0.1, 1.0, 100 * Hz, name="g")
    reset = poisson_stimulus(brain, "pfc.reset", 200, 2 * nS, 0.25, 60 * Hz, name="r")
    gains = {}

    def phase(dur, item=None, gate_on=False, reset_on=False):
        for k, stim in enumerate(stims):
            stim.set([k == item])
        gate.set([gate_on])
        reset.set([reset_on])
        brain.run(dur * second)

    phase(0.5)
    gains["closed"] = float(pfc.groups["units"].gain[0])
    phase(0.25, item=0, gate_on=True)             # 0.50-0.75 cue pool 0
    gains["open"] = float(pfc.groups["units"].gain[0])
    phase(0.75)                                   # 0.75-1.50 delay
    phase(0.25, item=1)                           # 1.50-1.75 distractor, gate closed
    phase(0.75)                                   # 1.75-2.50
    phase(0.25, item=2, gate_on=True)             # 2.50-2.75 distractor, gate open
    phase(0.75)                                   # 2.75-3.50
    phase(0.15, reset_on=True)                    # 3.50-3.65 reset
    phase(0.35)                                   # 3.65-4.00
    spikes = brain.spikes()
    yield pfc, spikes, gains
    reset_brian()


def test_spontaneous_state(session):
    pfc, spikes, _ = session
    e = _rates(spikes["pfc.exc"], [(0, pfc.params.n_exc)], 0.1, 0.5)[0]
    i = _rates(spikes["pfc.inh"], [(0, pfc.params.n_inh)], 0.1, 0.5)[0]
    assert 0.5 < e < 6.0          # Brunel & Wang (2001): spontaneous E ~ 2-3 Hz, I ~ 8-10 Hz
    assert 3.0 < i < 15.0
    assert np.all(_rates(spikes["pfc.exc"], pfc.pool_slices, 0.1, 0.5) < 6.0)


def test_gate_controls_input_gain(session):
    pfc, _, gains = session
    assert gains["closed"] == pytest.approx(pfc.params.gain_closed)
    assert gains["open"] == pytest.approx(1.0)


def test_persistent_activity_after_cue(session):
    pfc, spikes, _ = session
    r = _rates(spikes["pfc.exc"], pfc.pool_slices, 1.0, 1.5)
    assert 10.0 < r[0] < 50.0
    assert np.all(r[1:] < 5.0)


def test_closed_gate_protects_held_item(session):
    pfc, spikes, _ = session
    r = _rates(spikes["pfc.exc"], pfc.pool_slices, 2.0, 2.5)
    assert np.argmax(r) == 0 and r[0] > 10.0 and r[1] < 5.0


def test_open_gate_replaces_held_item(session):
    pfc, spikes, _ = session
    r = _rates(spikes["pfc.exc"], pfc.pool_slices, 3.0, 3.5)
    assert np.argmax(r) == 2 and r[2] > 10.0 and r[0] < 5.0


def test_reset_clears_memory(session):
    pfc, spikes, _ = session
    r = _rates(spikes["pfc.exc"], pfc.pool_slices, 3.7, 4.0)
    assert np.all(r < 5.0)


def test_runs_on_numpy_backend():
    from brain.backends import configure
    configure("numpy")
    brain = Brain(build_config({"seed": 1, "backend": "numpy", "regions": {"pfc": {"type": "pfc", **SMALL}}}))
    brain.run(0.05 * second)
    assert np.all(np.isfinite(brain.region("pfc").groups["cells"].v[:]))
    assert len(brain.spikes()["pfc.inh"]["t"]) > 0


# -- the working_memory experiment's protocol checks ------------------------------------------
def test_experiment_protocol_validation():
    from brain.experiment import resolve_config
    from experiments import working_memory as wm

    data = resolve_config("working_memory")
    cfg = build_config(data, wm.Params)
    phases = cfg.experiment.phases
    assert [ph.name for ph in phases] == ["reset", "iti", "cue", "delay", "distractor", "recall"]
    assert sum(float(ph.duration) for ph in phases) == pytest.approx(float(cfg.duration))   # duration = one trial

    def bad(**experiment):
        return build_config({**data, "experiment": {**data["experiment"], **experiment}}, wm.Params)

    with pytest.raises(ConfigError, match=r"experiment\.delay_rate_from"):
        bad(delay_rate_from="2 s")                             # the delay-rate window must fit in the delay
    with pytest.raises(ConfigError, match=r"experiment\.stimuli\.items\.p"):
        bad(stimuli={**data["experiment"]["stimuli"], "items": {**data["experiment"]["stimuli"]["items"], "p": 2.0}})
    with pytest.raises(ConfigError, match=r"experiment\.task\.type"):
        bad(task={"type": "bandit"})
    with pytest.raises(ConfigError, match=r"experiment\.phases"):
        bad(phases=[ph for ph in data["experiment"]["phases"] if ph["name"] != "iti"])
    with pytest.raises(ConfigError, match=r"experiment\.spontaneous_window"):
        bad(spontaneous_runs=2, spontaneous_duration="1 s", spontaneous_window="300 ms")
    with pytest.raises(ConfigError, match=r"experiment\.spontaneous_runs"):
        bad(spontaneous_runs=-1)


def test_goal_gating_3x3_variant_builds():
    """The 3 goals x 3 stimuli x 3 actions variant (an overlay config) validates and wires goal 2."""
    from pathlib import Path

    from brain.experiment import resolve_config, unrun_brain
    variant = Path(__file__).parents[2] / "experiments" / "configs" / "variants" / "goal_gating_3x3.yaml"
    data = resolve_config("goal_gating", str(variant), ["experiment.ablations=[]"])
    with unrun_brain("goal_gating", data) as (cfg, brain):
        assert cfg.experiment.task["n_goals"] == 3 and brain.region("striatum").params.n_channels == 3
        assert "pfc->striatum:goal2" in brain.projections


def test_goal_gating_learned_gate_variant_opens_no_gate():
    """The learned-gate variant: no phase drives the PFC's gate; the gating loop's Go thalamus is the
    only projection onto it; the cue pools reach their PFC items and the gating MSNs."""
    from pathlib import Path

    from brain.experiment import resolve_config, unrun_brain
    variant = Path(__file__).parents[2] / "experiments" / "configs" / "variants" / "goal_gating_learned_gate.yaml"
    data = resolve_config("goal_gating", str(variant), [])
    with unrun_brain("goal_gating", data) as (cfg, brain):
        assert not any("gate" in ph.drive for ph in cfg.experiment.phases)
        onto_gate = [k for k, v in cfg.projections.items() if v.post == "pfc" and v.target == "gate"]
        assert onto_gate == ["gating->pfc:gate"] and cfg.projections["gating->pfc:gate"].source == "thal_0"
        assert {"cues->pfc:item3", "cues->gating:d1", "cues->gating:d2", "dopamine->gating"} <= set(brain.projections)
        assert "gate" in cfg.experiment.readouts


def test_gate_metrics_count_the_go_pool_per_phase():
    import dataclasses
    from pathlib import Path

    from brain.experiment import resolve_config
    from experiments import goal_gating as gg
    variant = Path(__file__).parents[2] / "experiments" / "configs" / "variants" / "goal_gating_learned_gate.yaml"
    cfg = build_config(resolve_config("goal_gating", str(variant), []), gg.Params)
    p = dataclasses.replace(cfg.experiment, n_last=2, n_crit=2, criterion=1.0)
    go = [(30, 30), (0, 30), (30, 0), (30, 0), (30, 25), (25, 0)]        # (goal, distractor) Go rates in Hz
    rows = [{"gate0_goal_hz": g, "gate0_distractor_hz": d} for g, d in go]
    m = gg._gate_metrics(rows, p, n_goals=2)       # last 4 trials; threshold 20 Hz
    assert m["gate_goal_rate"] == 1.0 and m["gate_distractor_rate"] == 0.25 and m["gate_right_rate"] == 0.75
    assert m["gate_trials_to_criterion"] == 4.0     # trials 3 and 4 (1-based) are the first two right in a row
    unread = [dataclasses.replace(ph, read=()) if ph.name == "distractor" else ph for ph in p.phases]
    with pytest.raises(ParamError, match="readouts.gate"):
        dataclasses.replace(p, phases=tuple(unread))


def test_goal_gating_protocol_validation():
    from brain.experiment import resolve_config
    from experiments import goal_gating as gg

    data = resolve_config("goal_gating")
    cfg = build_config(data, gg.Params)
    assert sum(float(ph.duration) for ph in cfg.experiment.phases) == pytest.approx(float(cfg.duration))

    def bad(**experiment):
        return build_config({**data, "experiment": {**data["experiment"], **experiment}}, gg.Params)

    with pytest.raises(ConfigError, match=r"experiment\.ablations"):
        bad(ablations=["no_pfc"])
    with pytest.raises(ConfigError, match=r"experiment\.task\.type"):
        bad(task={"type": "reversal"})
    with pytest.raises(ConfigError, match=r"experiment\.retention_trials"):
        bad(retention_trials=-3)
    with pytest.raises(ConfigError, match=r"experiment\.ablate: must be one of"):
        bad(ablate="no_pfc")
    with pytest.raises(ConfigError, match=r"experiment\.ablations: must be \[\] with loop: graph"):
        bad(loop="graph")
    assert bad(loop="graph", ablations=[], ablate="ungated").experiment.ablate == "ungated"   # retention in-graph
    with pytest.raises(ConfigError, match=r"experiment\.readouts"):
        bad(readouts={k: v for k, v in data["experiment"]["readouts"].items() if k != "pfc"},
            phases=[{**ph, "read": []} if ph.get("read") == ["pfc"] else ph for ph in data["experiment"]["phases"]])


def test_goal_uninformative_ablation_wires_every_goal_pool_to_every_goal_port():
    """The control that keeps the goal signal and removes its information: each goal port hears
    every goal pool, with the config's own connection parameters."""
    from brain.experiment import resolve_config
    from experiments import goal_gating as gg

    cfg = build_config(resolve_config("goal_gating"), gg.Params)
    p = cfg.experiment
    goal = gg.goal_projections(gg._ablated_config(cfg, p, "goal_uninformative"), p)
    assert {(v.source, v.target) for v in goal.values()} == {(f"item{i}", f"goal{j}") for i in (0, 1) for j in (0, 1)}
    assert len({(v.p, str(v.weight), v.rule) for v in goal.values()}) == 1
    assert not gg.goal_projections(gg._ablated_config(cfg, p, "no_goal_projection"), p)
