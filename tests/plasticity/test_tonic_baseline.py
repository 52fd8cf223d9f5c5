"""baseline_tonic: the three-factor zero follows dopamine measured only in tonic windows."""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, ms

from plasticity import make_synapses
from plasticity.params import ParamError
from plasticity.three_factor import DOPAMINE_TONIC_POST, DopamineParams, da_three_factor


def _group(n=2):
    return NeuronGroup(n, "da : 1\n" + DOPAMINE_TONIC_POST.eqs, namespace=dict(DOPAMINE_TONIC_POST.namespace),
                       method="euler")


def test_da_tonic_is_the_mean_of_da_inside_tonic_windows_only():
    g = _group()
    net = Network(g)
    g.da = 5.0                                   # a burst outside any tonic window: never counted
    net.run(50 * ms)
    assert np.all(g.da_tonic[:] == 0) and np.all(g.tonic_time[:] == 0)
    g.tonic_window = 1.0
    g.da = [0.4, 0.2]
    net.run(100 * ms)                            # first window: the plain mean; the 1 ms floor of the
    np.testing.assert_allclose(g.da_tonic[:], [0.4, 0.2], rtol=5e-3)   # step leaves a 0.3 % bias
    assert np.all(g.da_tonic[:] < [0.4, 0.2])
    np.testing.assert_allclose(np.asarray(g.tonic_time[:]), 0.1, rtol=1e-6)
    g.tonic_window = 0.0
    g.da = 3.0                                   # outcome burst: ignored
    net.run(100 * ms)
    np.testing.assert_allclose(g.da_tonic[:], [0.4, 0.2], rtol=5e-3)
    g.tonic_window = 1.0
    g.da = [0.2, 0.4]                            # equal tonic time at a new level: the mean of both
    net.run(100 * ms)
    np.testing.assert_allclose(g.da_tonic[:], [0.3, 0.3], rtol=5e-3)


def test_rule_reads_da_tonic_as_its_baseline():
    p = DopamineParams(baseline_tonic=True, baseline=0.0, eta=10 * ms ** -1 / 1000)
    spec = da_three_factor(p)
    assert "da_tonic" in spec.post_vars and "da_tonic_post" in spec.regular
    post = NeuronGroup(2, "dda/dt = -da / (200 * ms) : 1\n" + DOPAMINE_TONIC_POST.eqs, threshold="False",
                       namespace=dict(DOPAMINE_TONIC_POST.namespace), method="euler")
    pre = NeuronGroup(2, "v : 1", threshold="False")
    syn = make_synapses(spec, pre, post, connect={"j": "i"})
    syn.w, syn.c = 0.5, 1.0
    post.da_tonic = [0.0, 1.0]                   # the same c and da: the baseline decides the sign
    net = Network(pre, post, syn)
    net.run(50 * ms)
    w = np.asarray(syn.w[:])
    assert w[0] == pytest.approx(0.5) and w[1] < 0.5 - 1e-4     # da = 0: only the baseline acts


def test_adaptive_and_tonic_baselines_exclude_each_other():
    with pytest.raises(ParamError, match="baseline_tonic"):
        DopamineParams(baseline_adaptive=True, baseline_tonic=True)
