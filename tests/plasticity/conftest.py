"""Fixtures for the plasticity tests: a clean numpy-target Brian2 per test, and spike-pair rigs."""
from __future__ import annotations

from types import SimpleNamespace

import brian2
import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, StateMonitor, TimedArray,
                    defaultclock, ms, second)

from plasticity import make_synapses
from plasticity.base import RuleSpec, StaticParams, static
from plasticity.hebbian import BCM_POST
from plasticity.three_factor import DOPAMINE_POST, GOAL_POST

DT = 0.1 * ms


@pytest.fixture(autouse=True)
def numpy_brian():
    """Reset Brian2 to the runtime device with the numpy target (no compilation) for each test."""
    brian2.device.reinit()
    brian2.device.activate()
    brian2.set_device("runtime")
    brian2.prefs.reset_to_defaults()
    brian2.prefs.codegen.target = "numpy"
    brian2.prefs.logging.warn_for_unused_objects = False
    defaultclock.dt = DT
    yield


def post_group(post_times, duration, extra="", dt=DT):
    """``n`` neurons spiking exactly at ``post_times[k]`` (a list per neuron), with every
    neuron-side variable a rule may read (da, goal, nu, nu_sq), integrated exactly."""
    n = len(post_times)
    steps = int(round(float(duration / dt))) + 1
    drive = np.zeros((steps, n))
    for k, times in enumerate(post_times):
        for t in times:
            drive[int(round(float(t / dt))), k] = 1.0
    spk = TimedArray(drive, dt=dt, name="post_spikes")
    eqs = "\n".join([DOPAMINE_POST.eqs, GOAL_POST.eqs, BCM_POST.eqs, "x : 1", extra])
    ns = {**DOPAMINE_POST.namespace, **GOAL_POST.namespace, **BCM_POST.namespace, "spk": spk}
    return NeuronGroup(n, eqs, threshold="spk(t, i) > 0.5", reset=BCM_POST.reset, method="exponential_euler",
                       namespace=ns)


def pre_group(pre_times):
    idx = [k for k, ts in enumerate(pre_times) for _ in ts]
    times = [float(t) for ts in pre_times for t in ts]
    return SpikeGeneratorGroup(len(pre_times), idx, np.asarray(times) * second)


def rig(spec: RuleSpec, pre_times, post_times, duration, w0=0.5, dopamine=(), da_weight=1.0,
        record=(), extra_post="", target_var=None, weight=1.0, dt=DT):
    """One-to-one synapses k: pre k -> post k (independent pairs in one network).

    ``dopamine``: times at which a dopamine source spikes; it projects (rule ``static``,
    volume transmission) onto ``da`` of every postsynaptic neuron with weight ``da_weight``.
    Spike times must be multiples of ``dt`` (the default clock's step for this rig).
    Returns a namespace with the network, groups, synapses and monitors; call ``.run()``.
    """
    defaultclock.dt = dt
    n = len(pre_times)
    pre, post = pre_group(pre_times), post_group(post_times, duration, extra_post, dt)
    syn = make_synapses(spec, pre, post, target_var=target_var, weight=weight, connect={"j": "i"})
    syn.w = w0
    objs = [pre, post, syn]
    if dopamine:
        src = SpikeGeneratorGroup(1, [0] * len(dopamine), np.asarray([float(t) for t in dopamine]) * second)
        vol = make_synapses(static(StaticParams()), src, post, target_var="da", weight=da_weight,
                            connect={})
        vol.w = 1.0
        objs += [src, vol]
    mon = StateMonitor(syn, list(record), record=True) if record else None
    if mon is not None:
        objs.append(mon)
    net = Network(*objs)

    def run():
        net.run(duration, namespace={})
        return np.asarray(syn.w[:])

    return SimpleNamespace(net=net, pre=pre, post=post, syn=syn, mon=mon, run=run, n=n)


@pytest.fixture
def make_rig():
    return rig
