"""The cortex region alone: structure, ports, connectivity, and the AI state of a small variant."""
import numpy as np
from brian2 import Network, SpikeMonitor, nS, second

from brain.backends import configure
from regions.cortex import Cortex, CortexParams


def test_structure_and_ports():
    c = Cortex("ctx", CortexParams(n_exc=80, n_inh=20, p_connect=0.2), seed=1)
    assert len(c.groups["exc"]) == 80 and len(c.groups["inh"]) == 20
    assert set(c.ports) == {"exc", "inh", "exc_gaba"}
    assert c.ports["exc"].var == "g_ampa" and c.ports["exc_gaba"].var == "g_gaba"
    assert all(o.name.startswith("ctx_") for o in c.objects if hasattr(o, "name") and "poissoninput" not in o.name)
    for syn in c.synapses.values():
        pre_offset = 0 if syn.source is c.groups["exc"] else 80
        assert not np.any(syn.i[:] + pre_offset == syn.j[:])            # no autapses
        assert 0.15 < len(syn) / (len(syn.source) * 100) < 0.25
    assert c.describe()["populations"] == {"cells": 100, "exc": 80, "inh": 20}   # cells: their one NeuronGroup


def test_seed_controls_connectivity():
    a = Cortex("ctx", CortexParams(n_exc=80, n_inh=20, p_connect=0.2), seed=1).synapses["exc"]
    b = Cortex("ctx", CortexParams(n_exc=80, n_inh=20, p_connect=0.2), seed=1).synapses["exc"]
    c = Cortex("ctx", CortexParams(n_exc=80, n_inh=20, p_connect=0.2), seed=2).synapses["exc"]
    assert np.array_equal(a.j[:], b.j[:])
    assert len(a) != len(c) or not np.array_equal(a.j[:], c.j[:])


def test_inhibition_controls_rate():
    """Removing recurrent inhibition must raise the excitatory rate (the network is balanced)."""
    configure("numpy")
    rates = {}
    for w_inh in (8 * nS, 0 * nS):
        c = Cortex("ctx", CortexParams(n_exc=800, n_inh=200, p_connect=0.08, w_inh=w_inh), seed=1)
        mon = SpikeMonitor(c.groups["exc"])
        Network(*c.objects, mon).run(0.4 * second, namespace={})
        rates[float(w_inh)] = mon.num_spikes / 800 / 0.4
    assert rates[0.0] > 2 * rates[8e-9]
