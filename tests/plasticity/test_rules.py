"""Each rule against closed-form weight changes for controlled spikes (numpy target)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from brian2 import Hz, ms, mV, second

from plasticity import RULES
from plasticity.hebbian import BCMParams, HebbianParams, OjaParams, anti_hebbian, bcm, hebbian, oja
from plasticity.homeostasis import ScalingParams, synaptic_scaling
from plasticity.inhibitory import ISTDPParams, istdp
from plasticity.params import ParamError
from plasticity.stdp import STDPParams, stdp
from plasticity.three_factor import DopamineParams, da_three_factor, goal_three_factor

TAU = 0.020  # s


def e(x_ms, tau=TAU):
    return math.exp(-x_ms * 1e-3 / tau)


# -- STDP ------------------------------------------------------------------------------------
def test_stdp_pair_window_matches_exponentials(make_rig):
    p = STDPParams()
    lags = [-40, -10, -1, 1, 10, 40]  # t_post - t_pre, ms
    pre = [[50 * ms] for _ in lags]
    post = [[(50 + d) * ms] for d in lags]
    dw = make_rig(stdp(p), pre, post, 120 * ms).run() - 0.5
    expected = [p.A_plus * e(d) if d > 0 else -p.A_minus * e(-d) for d in lags]
    np.testing.assert_allclose(dw, expected, rtol=1e-9)


@pytest.mark.parametrize("pairing", ["all_to_all", "nearest"])
def test_stdp_pairing_schemes_differ_for_spike_triplets(make_rig, pairing):
    p = STDPParams(pairing=pairing)
    # synapse 0: pre 10, 30 -> post 50 (LTP); synapse 1: post 10, 30 -> pre 50 (LTD)
    pre = [[10 * ms, 30 * ms], [50 * ms]]
    post = [[50 * ms], [10 * ms, 30 * ms]]
    dw = make_rig(stdp(p), pre, post, 80 * ms).run() - 0.5
    if pairing == "all_to_all":
        expected = [p.A_plus * (e(40) + e(20)), -p.A_minus * (e(40) + e(20))]
    else:
        expected = [p.A_plus * e(20), -p.A_minus * e(20)]
    np.testing.assert_allclose(dw, expected, rtol=1e-9)


def test_stdp_multiplicative_soft_bounds(make_rig):
    p = STDPParams(weight_dependence="multiplicative", A_plus=0.1, A_minus=0.1)
    pre = [[20 * ms], [30 * ms]]
    post = [[30 * ms], [20 * ms]]
    w0 = 0.8
    dw = make_rig(stdp(p), pre, post, 60 * ms, w0=w0).run() - w0
    np.testing.assert_allclose(dw, [0.1 * (1 - w0) * e(10), -0.1 * (w0 - 0) * e(10)], rtol=1e-9)


def test_stdp_additive_hard_bounds_saturate(make_rig):
    p = STDPParams(A_plus=0.3, A_minus=0.3)
    ltp_pre = [[(10 + 20 * k) * ms for k in range(5)], [(15 + 20 * k) * ms for k in range(5)]]
    ltp_post = [[(15 + 20 * k) * ms for k in range(5)], [(10 + 20 * k) * ms for k in range(5)]]
    w = make_rig(stdp(p), ltp_pre, ltp_post, 120 * ms, w0=0.5).run()
    np.testing.assert_array_equal(w, [1.0, 0.0])


def test_stdp_decay_is_exact_between_events(make_rig):
    p = STDPParams(A_plus=0.0, A_minus=0.0, tau_decay=100 * ms)
    w = make_rig(stdp(p), [[50 * ms, 150 * ms]], [[]], 200 * ms, w0=0.5).run()
    np.testing.assert_allclose(w, [0.5 * math.exp(-1.5)], rtol=1e-9)


def test_stdp_pruning_zeroes_and_freezes(make_rig):
    p = STDPParams(A_plus=0.2, A_minus=0.2, prune_below=0.2)
    # depression pairs at 10/12 ms and 30/32 ms take w 0.5 -> ~0.32 -> ~0.14 < 0.2: pruned;
    # later potentiation pairs at 60/62 ms must not revive it.
    pre = [[12 * ms, 32 * ms, 60 * ms, 80 * ms]]
    post = [[10 * ms, 30 * ms, 62 * ms, 82 * ms]]
    r = make_rig(stdp(p), pre, post, 120 * ms, w0=0.5)
    w = r.run()
    assert w[0] == 0.0 and r.syn.pruned[0] == 1.0


def test_transmission_precedes_rule_and_uses_w_unit(make_rig):
    """The transmitted weight is the one before this spike's update (post 5 ms, pre 10 ms)."""
    r = make_rig(stdp(STDPParams(A_minus=0.1)), [[10 * ms]], [[5 * ms]], 20 * ms, w0=0.25,
                 extra_post="v : volt", target_var="v", weight=2 * mV)
    w = r.run()[0]
    assert float(r.post.v[0] / mV) == pytest.approx(0.5, rel=1e-12)
    assert w == pytest.approx(0.25 - 0.1 * e(5), rel=1e-9)


# -- three-factor ----------------------------------------------------------------------------
def _tau_prime(p):
    return 1.0 / (1.0 / float(p.tau_c) + 1.0 / float(p.tau_da))


def test_dopamine_reward_after_pairing_matches_integral(make_rig):
    """Pre 100 ms, post 110 ms (c = A+ e^-0.5), dopamine D arriving at 500 ms (tick-aligned):
    Δw = eta ∫ c(t) d(t) dt = eta c110 e^{-0.39 s/tau_c} D τ' (1 - e^{-(T-0.5 s)/τ'})."""
    p = DopamineParams()
    T, D = 1.5, 0.5
    r = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], T * second, w0=0.25,
                 dopamine=[499 * ms], da_weight=D, dt=1 * ms)
    dw = r.run()[0] - 0.25
    tp, tc = _tau_prime(p), float(p.tau_c)
    expected = float(p.eta) * p.A_plus * e(10) * math.exp(-0.39 / tc) * D * tp * (1 - math.exp(-(T - 0.5) / tp))
    assert expected > 1e-3
    assert dw == pytest.approx(expected, rel=1e-6)


def test_presynaptic_eligibility_needs_no_postsynaptic_spike(make_rig):
    """A_pre: a pre spike at 100 ms and no post spike; c = A_pre at 100 ms, dopamine D at 500 ms:
    the same integral as a pairing with c = A_pre (and nothing without A_pre)."""
    T, D = 1.5, 0.5
    for a_pre in (0.0, 0.02):
        p = DopamineParams(A_plus=0.0, A_minus=0.0, A_pre=a_pre)
        r = make_rig(da_three_factor(p), [[100 * ms]], [[]], T * second, w0=0.25,
                     dopamine=[499 * ms], da_weight=D, dt=1 * ms)
        dw = r.run()[0] - 0.25
        tp, tc = _tau_prime(p), float(p.tau_c)
        expected = float(p.eta) * a_pre * math.exp(-0.4 / tc) * D * tp * (1 - math.exp(-(T - 0.5) / tp))
        assert dw == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert expected > 1e-3


def test_dopamine_dip_below_baseline_depresses(make_rig):
    """da = 0 < baseline b: Δw = -eta b ∫ c dt, counted from the first tick after the pairing."""
    p = DopamineParams(baseline=0.2)
    T = 2.0
    r = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], T * second, w0=0.5, dt=1 * ms)
    dw = r.run()[0] - 0.5
    tc = float(p.tau_c)
    c120 = p.A_plus * e(10) * math.exp(-0.010 / tc)
    expected = -float(p.eta) * 0.2 * c120 * tc * (1 - math.exp(-(T - 0.120) / tc))
    assert dw < -1e-3
    assert dw == pytest.approx(expected, rel=1e-6)


def test_dopamine_acausal_pairing_with_reward_depresses(make_rig):
    p = DopamineParams()
    r = make_rig(da_three_factor(p), [[110 * ms]], [[100 * ms]], 1 * second, w0=0.5,
                 dopamine=[299 * ms], da_weight=0.5, dt=1 * ms)
    assert r.run()[0] < 0.5 - 1e-3


@pytest.mark.parametrize("dopamine", [[499 * ms], []], ids=["burst", "dip"])
def test_d2_sign_mirrors_d1(make_rig, dopamine):
    """``da_sign = -1`` (D2): a burst depresses and a dip below baseline potentiates, by exactly
    the D1 change with the opposite sign."""
    dws = []
    for sign in (1.0, -1.0):
        p = DopamineParams(baseline=0.2, da_sign=sign)
        r = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], 1.5 * second, w0=0.5,
                     dopamine=dopamine, da_weight=2.0, dt=1 * ms)
        dws.append(r.run()[0] - 0.5)
    assert abs(dws[0]) > 1e-3
    assert (dws[0] > 0) == bool(dopamine)
    assert dws[1] == pytest.approx(-dws[0], rel=1e-9)


def test_da_max_saturates_bursts_not_dips(make_rig):
    """Receptor saturation ``min(da, da_max)``: a burst far above da_max counts as da_max; a dip
    (da below da_max throughout) gives exactly the unsaturated change."""
    def dw(da_max, dopamine):
        p = DopamineParams(baseline=0.2, da_max=da_max)
        r = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], 1.5 * second, w0=0.5,
                     dopamine=dopamine, da_weight=5.0, dt=1 * ms)
        return r.run()[0] - 0.5
    dip = dw(0.4, [])
    assert dip < 0 and dip == pytest.approx(dw(0.0, []), rel=1e-12)
    gain_lin, gain_sat = dw(0.0, [499 * ms]) - dip, dw(0.4, [499 * ms]) - dip   # the burst's share
    assert 0 < gain_sat < 0.5 * gain_lin      # da = 5 decays below 0.4 after ~0.5 s: ratio ~0.28


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["d1", "d2"])
def test_dip_gain_scales_dips_only(make_rig, sign):
    """``dip_gain`` g: a dip below the baseline (no dopamine, b 0.2) changes the weight exactly g
    times as much; a burst against b = 0 (every period above the baseline) not at all."""
    def dw(g, dopamine, b):
        p = DopamineParams(baseline=b, da_sign=sign, dip_gain=g, eta=20 * Hz)
        r = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], 1.5 * second, w0=0.5,
                     dopamine=dopamine, da_weight=2.0, dt=1 * ms)
        return r.run()[0] - 0.5
    dip = dw(1.0, [], 0.2)
    assert abs(dip) > 1e-3 and (dip < 0) == (sign > 0)
    assert dw(3.0, [], 0.2) == pytest.approx(3.0 * dip, rel=1e-9)
    burst = dw(1.0, [499 * ms], 0.0)
    assert abs(burst) > 1e-3 and dw(3.0, [499 * ms], 0.0) == pytest.approx(burst, rel=1e-12)
    with pytest.raises(ParamError, match="dip_gain"):
        DopamineParams(dip_gain=-1.0)


def test_adaptive_baseline_is_the_running_mean(make_rig):
    """``baseline_adaptive``: b = baseline + da_avg_post. With da_avg held at 0.2 the change equals
    the fixed-baseline change for b = 0.2 exactly; a rule needing da_avg names it when missing."""
    def dw(params, extra="", da_avg=None):
        r = make_rig(da_three_factor(params), [[100 * ms]], [[110 * ms]], 2 * second, w0=0.5, dt=1 * ms,
                     extra_post=extra)
        if da_avg is not None:
            r.post.da_avg = da_avg
        return r.run()[0] - 0.5
    fixed = dw(DopamineParams(baseline=0.2))
    assert fixed < -1e-3
    assert dw(DopamineParams(baseline=0.0, baseline_adaptive=True), "da_avg : 1", 0.2) == pytest.approx(fixed, rel=1e-9)
    assert dw(DopamineParams(baseline=0.1, baseline_adaptive=True), "da_avg : 1", 0.1) == pytest.approx(fixed, rel=1e-9)
    assert "da_avg" in da_three_factor(DopamineParams(baseline_adaptive=True)).post_vars


@pytest.mark.parametrize("dopamine, w0", [([499 * ms], 0.25), ([], 0.6)], ids=["burst", "dip"])
def test_soft_bounds_scale_by_the_room_left(make_rig, dopamine, w0):
    """``soft_bounds`` (range 1 here): a burst (baseline 0, so every period potentiates) whose
    hard-bounded change is H gives dw/dt = h(t) (1 - w), so 1 - w decays by exp(-H); a dip gives
    dw/dt = h(t) w, so w is scaled by exp(H). At the bound it moves to, nothing changes."""
    def dw(soft, w):
        p = DopamineParams(baseline=0.0 if dopamine else 0.2, eta=20 * Hz, soft_bounds=soft)
        r = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], 1.5 * second, w0=w,
                     dopamine=dopamine, da_weight=2.0, dt=1 * ms)
        return r.run()[0] - w
    hard = dw(False, w0)
    assert abs(hard) > 1e-2 and (hard > 0) == bool(dopamine)
    soft = (1 - w0) * (1 - math.exp(-hard)) if dopamine else w0 * (math.exp(hard) - 1)
    assert dw(True, w0) == pytest.approx(soft, rel=5e-3)     # Euler in w over 10 ms periods
    assert dw(True, 1.0 if dopamine else 0.0) == 0.0
    with pytest.raises(ParamError, match="soft_bounds"):
        DopamineParams(soft_bounds=True, w_min=0.5, w_max=0.5)


def test_da_sign_must_be_plus_or_minus_one():
    with pytest.raises(ParamError, match="da_sign"):
        DopamineParams(da_sign=0.5)
    with pytest.raises(ParamError, match="da_max"):
        DopamineParams(da_max=-1.0)


@pytest.mark.parametrize("g", [0.0, 0.5, 3.0])
def test_goal_context_scales_learning(make_rig, g):
    p = DopamineParams()
    T = 1.0
    kw = dict(w0=0.25, dopamine=[299 * ms], da_weight=0.5, dt=1 * ms)
    r = make_rig(goal_three_factor(p), [[100 * ms]], [[110 * ms]], T * second, **kw)
    r.post.goal = g
    r.post.namespace["tau_goal"] = 1e9 * second  # hold the context constant
    dw_goal = r.run()[0] - 0.25
    r2 = make_rig(da_three_factor(p), [[100 * ms]], [[110 * ms]], T * second, **kw)
    dw_da = r2.run()[0] - 0.25
    assert dw_da > 1e-3
    if g == 0:
        assert dw_goal == 0.0
    else:                                        # bounded: goal_level = clip(goal, 0, 1)
        assert dw_goal == pytest.approx(min(g, 1.0) * dw_da, rel=1e-9)


# -- Hebbian family --------------------------------------------------------------------------
def test_hebbian_and_anti_hebbian(make_rig):
    p = HebbianParams(eta=0.01)
    pre, post = [[10 * ms]], [[15 * ms]]
    dw = make_rig(hebbian(p), pre, post, 30 * ms).run()[0] - 0.5
    assert dw == pytest.approx(0.01 * e(5), rel=1e-9)
    dw = make_rig(anti_hebbian(p), pre, post, 30 * ms).run()[0] - 0.5
    assert dw == pytest.approx(-0.01 * e(5), rel=1e-9)


def test_hebbian_pre_ltd_scales_w_at_each_pre_spike(make_rig):
    p = HebbianParams(eta=0.01, pre_ltd=0.1)
    w = make_rig(hebbian(p), [[10 * ms]], [[15 * ms]], 30 * ms).run()[0]
    assert w == pytest.approx(0.5 * 0.9 + 0.01 * e(5), rel=1e-9)


def test_hebbian_pre_ltd_learns_reliability_not_count(make_rig):
    """Pre cells followed by their post cell on 80 % / 40 % / 40 % of 30 / 30 / 60 spikes: with
    pre_ltd the weight tracks P(post | pre) (equal for the last two); without it, the pair count."""
    period, lag = 20 * ms, 5 * ms
    n = [30, 30, 60]
    follow = [lambda k: k % 5 != 0, lambda k: k % 5 < 2, lambda k: k % 5 < 2]
    pre = [[(10 * ms + k * period) for k in range(m)] for m in n]
    post = [[(10 * ms + k * period + lag) for k in range(m) if f(k)] for m, f in zip(n, follow)]
    dur = 10 * ms + max(n) * period
    d, eta = 0.25, 0.01
    w = make_rig(hebbian(HebbianParams(eta=eta, pre_ltd=d, w_max=10.0)), pre, post, dur, w0=0.0).run()
    assert w[2] == pytest.approx(w[1], rel=1e-3)
    assert w[0] > 2 * w[1]
    plain = make_rig(hebbian(HebbianParams(eta=eta, w_max=10.0)), pre, post, dur, w0=0.0).run()
    assert plain[2] == pytest.approx(2 * plain[1], rel=0.05)      # the count (traces carry over)


def test_oja_normalising_term(make_rig):
    p = OjaParams(eta=0.05, alpha=1.0)
    w = make_rig(oja(p), [[10 * ms]], [[15 * ms, 25 * ms]], 40 * ms, w0=0.5).run()[0]
    w1 = 0.5 + 0.05 * e(5)
    w2 = w1 + 0.05 * (e(15) - 1.0 * e(10) * w1)
    assert w == pytest.approx(w2, rel=1e-9)


def test_bcm_sign_follows_sliding_threshold(make_rig):
    """nu = 20 Hz; theta = nu_sq/nu0 = 10, 20, 40 Hz -> LTP, no change, LTD per pre spike."""
    p = BCMParams(eta=0.01, nu_0=10 * Hz)
    n_pre = 3
    pre = [[(10 + 10 * k) * ms for k in range(n_pre)] for _ in range(3)]
    r = make_rig(bcm(p), pre, [[], [], []], 50 * ms, w0=0.5)
    r.post.namespace.update(tau_nu=1e9 * second, tau_theta=1e9 * second)  # freeze the traces
    r.post.nu = 20 * Hz
    r.post.nu_sq = [100, 200, 400] * Hz ** 2
    dw = r.run() - 0.5
    step = [0.01 * 2 * (20 - th) / 10 for th in (10, 20, 40)]
    np.testing.assert_allclose(dw, np.array(step) * n_pre, rtol=1e-9, atol=1e-10)


# -- inhibitory and homeostatic ---------------------------------------------------------------
def test_vogels_istdp_symmetric_window_and_constant_depression(make_rig):
    p = ISTDPParams(eta=0.01, rho_0=5 * Hz)
    alpha = 2 * 5 * TAU
    dw = make_rig(istdp(p), [[10 * ms], [15 * ms], [10 * ms]], [[15 * ms], [10 * ms], []], 40 * ms).run() - 0.5
    np.testing.assert_allclose(dw, [0.01 * (e(5) - alpha), 0.01 * (e(5) - alpha), -0.01 * alpha], rtol=1e-9)


def test_synaptic_scaling_is_multiplicative(make_rig):
    p = ScalingParams(nu_target=5 * Hz, tau_scale=10 * second, update_dt=1 * second)
    r = make_rig(synaptic_scaling(p), [[], []], [[], []], 3 * second, w0=0.5, dt=10 * ms)
    r.post.namespace.update(tau_nu=1e9 * second)
    r.post.nu = [10, 2.5] * Hz
    w = r.run()
    # ticks at 0, 1, 2 s: w0 * exp(3 * 0.1 * (1 - nu/nu_target))
    np.testing.assert_allclose(w, [0.5 * math.exp(-0.3), 0.5 * math.exp(0.15)], rtol=1e-9)


# -- properties of every rule ------------------------------------------------------------------
def _busy_rig(make_rig, name, rng, w0):
    P, builder = RULES[name]
    names = {f.name for f in dataclasses.fields(P)}
    fast = {k: v for k, v in (("A_plus", 0.3), ("A_minus", 0.3), ("eta", 0.3)) if k in names}
    if name in ("da_three_factor", "goal_three_factor"):
        fast["eta"] = 1000 * Hz
    if name == "synaptic_scaling":
        fast.update(update_dt=10 * ms, tau_scale=0.1 * second)
    params = P(**fast)
    n, T = 8, 0.4
    steps = int(T / 5e-4)

    def train():
        return list(np.sort(rng.choice(steps, 30, replace=False)) * 0.5 * ms)

    pre, post = [train() for _ in range(n)], [train() for _ in range(n)]
    r = make_rig(builder(params), pre, post, T * second, w0=w0, dopamine=[0.1 * second, 0.25 * second],
                 da_weight=1.0, record=("w",), dt=0.5 * ms)
    r.post.goal = 1.0
    return r, params


LEARNING = sorted(set(RULES) - {"static"})


@pytest.mark.parametrize("name", LEARNING)
def test_bounds_always_hold(make_rig, name):
    rng = np.random.default_rng(3)
    r, params = _busy_rig(make_rig, name, rng, w0=rng.uniform(0, 1, 8))
    w = r.run()
    trace = np.asarray(r.mon.w)
    assert trace.min() >= params.w_min and trace.max() <= params.w_max
    assert np.any(np.abs(w - trace[:, 0]) > 1e-6), "the rig must actually change weights"


@pytest.mark.parametrize("name", LEARNING)
def test_frozen_means_no_change(make_rig, name):
    rng = np.random.default_rng(4)
    w0 = rng.uniform(0, 1, 8)
    r, _ = _busy_rig(make_rig, name, rng, w0=w0)
    r.syn.plastic = 0
    np.testing.assert_array_equal(r.run(), w0)


def test_params_validate_from_yaml_mapping():
    from brain.config import ConfigError, from_mapping
    p = from_mapping(STDPParams, {"tau_plus": "16.8 ms", "pairing": "nearest"}, "projections.x.rule_params")
    assert float(p.tau_plus) == pytest.approx(0.0168) and p.pairing == "nearest"
    with pytest.raises(ConfigError, match="rule_params.pairing"):
        from_mapping(STDPParams, {"pairing": "triplet"}, "projections.x.rule_params")
    with pytest.raises(ConfigError, match="w_max"):
        from_mapping(DopamineParams, {"w_min": 1.0, "w_max": 0.5}, "p")
    with pytest.raises(ConfigError, match="tau_c"):
        from_mapping(DopamineParams, {"tau_c": "1 mV"}, "p")
