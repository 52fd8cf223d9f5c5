"""Dopamine region: parameters, ports, tonic firing, reward burst, critic rule signs, YAML wiring."""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, Network, mV, ms, nS, second

from brain.brain import Brain
from brain.config import ConfigError
from brain.schema import build_config
from brain.trials.stimulus import poisson_stimulus
from plasticity.params import ParamError
from regions.dopamine import Dopamine, DopamineParams

SMALL = dict(n_da=30, n_cue=10, n_pools=3, n_per_pool=4)


@pytest.mark.parametrize("bad", [dict(n_da=0), dict(p_cue_da=2.0), dict(tau_elig=0 * ms), dict(g_us=0 * nS),
                                 dict(eta_timer=-1 * Hz), dict(w_cue_max=0.0)])
def test_params_rejected(bad):
    with pytest.raises(ParamError):
        DopamineParams(**bad)


def test_yaml_params_validated():
    with pytest.raises(ConfigError, match=r"regions\.dopamine\.pool_step"):
        build_config({"regions": {"dopamine": {"pool_step": "3 nS"}}})


def test_ports_and_delay_line():
    p = DopamineParams(**SMALL, pool_first=200 * ms, pool_step=150 * ms)
    d = Dopamine("vta", p, seed=2)
    assert d.kind == "dopamine"
    assert set(d.ports) == {"reward", "cue", "da_gaba", "da"}
    assert d.port("reward").var == "g_rew" and d.port("reward").group is d.groups["da"]
    assert d.port("cue").var == "g_ampa" and d.port("cue").group is d.groups["cue"]
    assert d.port("da_gaba").var == "g_gaba" and d.port("da").var is None
    assert set(d.populations) == {"da", "cue", "timer"}
    assert all(o.name.startswith("vta_") for o in [*d.groups.values(), *d.synapses.values()])
    ct = d.synapses["cue_timer"]
    pool = d.pool_of()[ct.j[:]]
    assert np.allclose(ct.delay[:] / ms, 200 + 150 * pool)          # tapped delay line
    assert len(d.synapses["volume"]) == 30 * 30
    assert np.all(d.synapses["timer_da"].w[:] == 0) and np.all(d.synapses["cue_da"].w[:] == 0)


def test_plastic_switch():
    d = Dopamine("dopamine", DopamineParams(**SMALL))
    d.set_plastic(False)
    assert d.synapses["cue_da"].plastic[:] == 0 and d.synapses["timer_da"].plastic[:] == 0


@pytest.fixture(scope="module")
def session():
    """2 s of tonic firing, then a 100 ms reward burst."""
    from brain.backends import configure, reset_brian
    configure("numpy", dt=0.2 * ms)
    brain = Brain(build_config({"seed": 1, "dt": "0.2 ms", "regions": {"dopamine": {}}}))
    rew = poisson_stimulus(brain, "dopamine.reward", 50, 0.5 * nS, 0.5, 60 * Hz, name="rew_stim")
    brain.run(2 * second)
    rew.on()
    brain.run(0.1 * second)
    rew.off()
    brain.run(0.2 * second)
    yield brain.region("dopamine"), brain.spikes()["dopamine.da"]
    reset_brian()


def _rate(d, t0, t1):
    return np.sum((d["t"] >= t0) & (d["t"] < t1)) / (d["n"] * (t1 - t0))


def test_tonic_firing_irregular(session):
    _, d = session
    assert 2.0 < _rate(d, 0.5, 2.0) < 8.0           # Grace & Bunney 1984: 2-8 Hz, ~4 Hz
    isi = np.concatenate([np.diff(np.sort(d["t"][(d["i"] == k) & (d["t"] < 2.0)])) for k in range(d["n"])])
    assert 0.3 < isi.std() / isi.mean() < 1.2


def test_reward_evokes_burst(session):
    region, d = session
    assert _rate(d, 2.0, 2.1) > 4 * _rate(d, 0.5, 2.0)
    da = region.groups["da"]
    assert np.all(da.da_bar[:] > 0.1) and np.all(da.da_bar[:] < 0.5)   # tonic mean ~ 4 Hz x 50 ms


def _rule_net(da_level, plastic=1.0):
    d = Dopamine("dopamine", DopamineParams(**SMALL, w_timer_init=0.5, w_cue_init=0.1))
    da, timer, cue = d.groups["da"], d.groups["timer"], d.groups["cue"]
    for g in (da, timer, cue):                       # silence every cell: only the rule acts
        g.v = -70 * mV
    net = Network(*[o for o in d.objects if "poissoninput" not in o.name])
    da.da_bar = 0.2
    da.da = da_level
    timer.x = 1.0
    cue.elig = 1.0
    d.set_plastic(bool(plastic))
    net.run(20 * ms, namespace={})
    return d


def test_timed_inhibition_rule_signs():
    burst, dip, frozen = _rule_net(1.0), _rule_net(0.0), _rule_net(1.0, plastic=0.0)
    assert np.all(burst.synapses["timer_da"].w[:] > 0.5)       # bursts strengthen the expectation
    assert np.all(dip.synapses["timer_da"].w[:] < 0.5)         # dips weaken it
    assert np.allclose(frozen.synapses["timer_da"].w[:], 0.5)
    assert np.all(dip.synapses["cue_da"].w[:] < 0.1)           # dips extinguish the cue pathway
    assert np.allclose(burst.synapses["cue_da"].w[:], 0.1)     # no reward input: no cue learning


def test_dopamine_projects_onto_striatum_da():
    cfg = build_config({"regions": {"dopamine": SMALL, "striatum": {"n_channels": 2, "n_d1": 5, "n_d2": 5}},
                        "projections": {"dopamine->striatum": {"source": "da", "target": "dopamine", "p": 1.0,
                                                               "weight": 0.01}}})
    brain = Brain(cfg, record=False)
    syn = brain.projections["dopamine->striatum"]
    assert len(syn) == 30 * 20 and syn.target is brain.region("striatum").groups["msn"]
