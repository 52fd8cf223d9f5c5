"""Short variants of the plasticity experiments through the experiment runner.

Default suite: short runs on the numpy target (no compilation). ``slow``: the full-scale or
compiled variants (``pytest -m slow``).
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, ms, second

from brain.experiment import resolve_config, run_experiment


def run(name, *overrides, backend="numpy", seed=1, duration=None):
    data = resolve_config(name, overrides=list(overrides), seed=seed, backend=backend, duration=duration)
    metrics, _ = run_experiment(name, data, out=None)
    return metrics


def test_stdp_window_fit_recovers_configured_rule():
    m = run("stdp_window", "experiment.n_pairings=5")
    assert m["max_rel_error"] < 0.1
    assert m["tau_plus_ms"] == pytest.approx(16.8, rel=0.1)
    assert m["tau_minus_ms"] == pytest.approx(33.7, rel=0.1)
    assert m["ltp_amplitude"] == pytest.approx(0.005, rel=0.1)
    assert m["ltd_amplitude"] == pytest.approx(0.00525, rel=0.1)


def test_stdp_window_rejects_multiplicative():
    from brain.config import ConfigError
    with pytest.raises(ConfigError, match="experiment.rule.weight_dependence"):
        run("stdp_window", "experiment.rule.weight_dependence=multiplicative")


def test_bcm_short_run_is_selective():
    m = run("bcm_selectivity", "dt=1 ms", "experiment.n_neurons=6", "experiment.test_cycles=5",
            duration="100 s")
    assert m["selectivity_index"] >= 0.7
    assert m["rate_preferred_hz"] > 5


def test_distal_reward_loop_schedules_one_delayed_dopamine_pulse():
    """n1 -> n2 in 10 ms: one reward 1-3 s later; acausal, too late and pending pairs: none."""
    from experiments.distal_reward import Params, reward_loop
    from plasticity.three_factor import DOPAMINE_POST

    p = Params()
    times = {0: [100, 1000, 5000], 1: [110, 1005, 4990, 5030]}  # ms; (1000, 1005) while pending
    idx = [k for k, ts in times.items() for _ in ts]
    src = SpikeGeneratorGroup(2, idx, [t for ts in times.values() for t in ts] * ms)
    target = NeuronGroup(3, DOPAMINE_POST.eqs, namespace=dict(DOPAMINE_POST.namespace), method="exact")
    critic, *loop = reward_loop(src, 0, 1, target, p)
    spikes, da = SpikeMonitor(critic), StateMonitor(target, "da", record=[0])
    Network(src, target, critic, *loop, spikes, da).run(6 * second, namespace={})
    t = np.asarray(spikes.t / second)
    assert len(t) == 1 and 1.11 < t[0] <= 3.11 and critic.n_rewards[0] == 1
    k = int(round(t[0] / float(da.clock.dt))) + 1
    assert float(da.da[0][k]) == pytest.approx(0.5, rel=1e-9) and float(da.da[0][k - 1]) == 0.0


@pytest.mark.slow
def test_distal_reward_standalone_short():
    """cpp_standalone (reward loop in generated code), 120 s: rewards arrive and the rewarded
    synapse has grown from 0 while the median falls below its initial 0.25."""
    m = run("distal_reward", backend="cpp_standalone", duration="120 s")
    assert m["n_rewards"] >= 1
    assert m["rewarded_w_over_wmax"] > 0.0
    assert m["median_w_over_wmax"] < 0.25
    assert 0.5 < m["rate_exc_hz"] < 5


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distal_reward_full_hour(seed):
    m = run("distal_reward", backend="cpp_standalone", seed=seed, duration="3600 s")
    assert m["rewarded_w_over_wmax"] >= 0.9
    assert m["rewarded_percentile"] > 95


@pytest.mark.slow
@pytest.mark.parametrize("name", ["stdp_song2000", "bcm_selectivity", "stdp_window"])
def test_full_experiments_default_config(name):
    m = run(name, backend=None)          # each config's own backend
    if name == "stdp_song2000":   # Song et al. 2000 parameters, 1000 s in cpp_standalone
        assert m["frac_w_bounds"] > 0.6 and m["frac_w_low"] > m["frac_w_high"] > 0.15
        assert m["post_rate_hz"] < 0.3 * m["post_rate_initial_hz"]
    elif name == "bcm_selectivity":
        assert m["selectivity_index"] >= 0.7
    else:
        assert m["max_rel_error"] < 0.1
