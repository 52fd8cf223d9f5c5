"""Mental rollouts (``brain.trials.rollout``), the plan pools (``regions.plan``) and the timeline.

A rollout runs with learning frozen: the learning state (weights, eligibility, STDP traces, the
dopamine the rules read) must be bit-identical before and after it, even when dopamine is
released during it (an imagined value must not reach learning). Small brains on the numpy
backend, dt 0.2 ms.
"""
import numpy as np
import pytest
from brian2 import Hz, ms, nS

from brain.backends import configure
from brain.brain import Brain
from brain.schema import build_config
from brain.trials.readout import Readout
from brain.trials.rollout import Imagination, RolloutResult
from brain.trials.specs import ReadoutSpec, StimulusSpec
from brain.trials.stimulus import Stimulus
from brain.trials.timeline import Timeline
from brain.trials.windows import cell_drive, random_patterns
from tests.brain.test_freeze import HIPPOCAMPUS, _assert_restored, _is_stamp

RULE = {"A_plus": 0.025, "A_minus": 0.0125, "tau_c": "1 s", "tau_da": "200 ms", "baseline": 0.1,
        "eta": "2 Hz", "update_dt": "10 ms"}
VS = {"type": "striatum", "n_channels": 1, "n_d1": 8, "n_d2": 4, "n_fsi": 4, "n_gpe": 4,
      "n_stn": 4, "n_gpi": 4, "n_thal": 4, "n_bg": 20}


def _brain(seed=3) -> Brain:
    """hippocampus CA1 -> vs:d1 (da_three_factor), vs:d1 -> plan, reward -> vs dopamine."""
    regions = {"hippocampus": {**HIPPOCAMPUS, "w_sc": "10 nS", "sc_eta": 0.15}, "vs": VS,
               "plan": {"type": "plan", "n_pools": 2, "n_per_pool": 6, "n_bg": 10},
               "reward": {"type": "channel_input", "n_channels": 1, "n_per_channel": 20, "rate_max": "200 Hz"}}
    projections = {
        "hippocampus->vs:d1": {"source": "ca1", "target": "d1", "p": 1.0, "weight": "30 nS", "w_init": 0.5,
                               "w_jitter": 0.1, "delay": "2 ms", "rule": "da_three_factor", "rule_params": RULE},
        "vs->plan": {"source": "d1", "target": "input", "p": 1.0, "weight": "2 nS", "delay": "2 ms"},
        "reward->vs": {"source": "out", "target": "dopamine", "p": 1.0, "weight": 0.05, "delay": "2 ms"},
    }
    cfg = build_config({"seed": seed, "backend": "numpy", "dt": "0.2 ms", "regions": regions,
                        "projections": projections})
    return Brain(cfg, configure("numpy", dt=cfg.dt), record=False)


def _imagination(b: Brain):
    hc = b.regions["hippocampus"]
    n_ec = len(hc.groups["ec"])
    rng = np.random.default_rng(0)
    states, actions = random_patterns(3, n_ec, 4, rng), random_patterns(2, n_ec, 2, rng)
    ec = Stimulus("ec", cell_drive("hippocampus.ec", n_ec, 1 * nS, 2000 * Hz), b, n_ec)
    ca1 = Readout("ca1", ReadoutSpec(port="hippocampus.ca1", keep="cells"), b, n_ec)
    value = Readout("value", ReadoutSpec(port="vs.d1"), b, 1)
    reward = Stimulus("reward", StimulusSpec(port="reward.out", rate=200 * Hz), b, 1)
    im = Imagination(b, hc, ec, ca1, value, states, actions, b.regions["plan"], t_cue=20 * ms, t_pred=40 * ms)
    return im, ec, reward, states, actions


def test_rollout_leaves_learning_state_bit_identical_even_with_dopamine():
    b = _brain()
    im, ec, reward, states, actions = _imagination(b)
    ec.set((states[0] | actions[0]).astype(float))       # experience with reward: eligibility, traces
    reward.on()
    b.run(60 * ms)
    ec.set(states[1].astype(float))
    reward.off()
    b.run(40 * ms)
    before = b.learning_values()
    assert np.abs(before["proj_hippocampus__vs_d1.c"]).max() > 0       # eligibility exists
    msn, tl, res, seen = b.regions["vs"].groups["msn"], im.timeline, RolloutResult(), []
    t0 = float(b.network.t)
    end = im.schedule(tl, 0.0, 0, [0, 1], 0, res)
    tl.at(0.0, reward.on)                 # dopamine released during the rollout (an imagined value)
    tl.at(0.1, lambda: seen.append(float(msn.da[:].mean())))
    tl.run(end)
    reward.off()
    after = b.learning_values()
    shift = float(b.network.t) - t0
    assert shift == pytest.approx(0.12, abs=1e-9)                    # 2 steps x (20 + 40) ms
    assert seen[0] > 2 * before["vs_msn.da"].mean() + 0.1           # dopamine did arrive ...
    _assert_restored(before, after, shift)                           # ... but left no trace
    assert any(_is_stamp(k) for k in after)
    assert not b.is_frozen
    assert len(res.states) == len(res.values) == 2 and all(0 <= s < 3 for s in res.states)
    assert res.sim_ms_per_step == pytest.approx(60.0)


def test_back_to_back_rollouts_each_run_frozen_and_unfreeze_once():
    """Two rollouts on one timeline, the second from the first's end (two_step's stage-1 decision):
    the second must run with learning frozen too, whatever the rounding of the clock, and the brain
    is unfrozen after it. (Scheduled from the network's clock as it ran, the first rollout's end
    could come after the second's start at the same offset: the second then saw a frozen brain,
    did not freeze it, and ran with learning on once the first unfroze.)"""
    b = _brain()
    im, *_ = _imagination(b)
    tl, seen = im.timeline, []
    tl.run(0.37)                                     # an offset at which the clock's rounding differs
    before = b.learning_values()
    t0 = float(b.network.t)
    mid = im.schedule(tl, 0.0, 0, [0], 0, RolloutResult())
    end = im.schedule(tl, mid, 0, [1], 1, RolloutResult())
    for t in (0.03, mid, mid + 0.03):
        tl.at(t, lambda: seen.append(b.is_frozen))
    tl.run(end)
    assert seen == [True, True, True]
    assert not b.is_frozen
    _assert_restored(before, b.learning_values(), float(b.network.t) - t0)


def test_rollout_inside_frozen_block_keeps_learning_frozen():
    b = _brain()
    im, *_ = _imagination(b)
    with b.frozen():
        im.rollout(1, [0])
        assert b.is_frozen
    assert not b.is_frozen


def test_plan_pool_integrates_only_while_gated_and_then_decays():
    b = _brain()
    plan = b.regions["plan"]
    cells = plan.groups["cells"]
    cells.x_in = 2 * nS                               # input arriving on every pool
    plan.open_gate(1)
    b.run(10 * ms)
    g = np.asarray(cells.g_slow[:])
    pool = np.asarray(cells.pool[:])
    assert g[pool == 0].max() == 0.0 and g[pool == 1].min() > 1e-9
    plan.open_gate(None)
    held = g[pool == 1].mean()
    b.run(100 * ms)                                   # tau_slow = 100 ms: decays by ~e
    later = np.asarray(cells.g_slow[:])[pool == 1].mean()
    assert later == pytest.approx(held * np.exp(-1.0), rel=0.1)
    plan.reset_activity()
    assert np.all(cells.g_slow[:] == 0) and np.all(cells.gate[:] == 0)


def test_timeline_calls_actions_at_their_offsets_in_one_run():
    b = _brain()
    tl = Timeline(b, 0.01)
    seen = []
    stamp = lambda tag: lambda: seen.append((tag, round(tl.now(), 6)))  # noqa: E731
    tl.at(0.0, stamp("start"))
    tl.at(0.03, stamp("mid"))
    tl.at(0.02, lambda: tl.at(tl.now() + 0.02, stamp("nested")))
    tl.at(0.05, stamp("end"))
    tl.run(0.05)
    assert seen == [("start", 0.0), ("mid", 0.03), ("nested", 0.04), ("end", 0.05)]
    order = []
    tl.at(0.03, lambda: order.append("first"))
    tl.at(0.01, lambda: order.append("earlier"))
    tl.at(0.03, lambda: order.append("second"))
    tl.run(0.03)
    assert order == ["earlier", "first", "second"]     # one offset: in the order scheduled
    order.clear()
    tl.at(0.1 + 0.2, lambda: order.append("sum"))      # 0.30000000000000004: the same grid step
    tl.at(0.3, lambda: order.append("literal"))
    tl.run(0.3)
    assert order == ["sum", "literal"]                 # a rounding error does not reorder one step
    order.clear()
    tl.at(0.01, lambda: order.append("inside"))
    tl.at(0.02, lambda: order.append("after the end"))
    tl.run(0.015)                                      # a duration off the grid
    assert order == ["inside"]
    with pytest.raises(ValueError, match="grid"):
        tl.at(0.015, stamp("off-grid"))
