"""Neuron templates: units check, rest without input, spiking under drive with the expected shape."""
import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, mV, ms, nA, nS, pA

from regions.neurons import adex, izhikevich, lif_conductance, lif_current, make_group


def _run(group, duration=300 * ms, record_v=False):
    mon = SpikeMonitor(group)
    objs = [group, mon]
    vm = StateMonitor(group, "v", record=True) if record_v else None
    if vm is not None:
        objs.append(vm)
    Network(*objs).run(duration, namespace={})
    return mon, vm


def test_lif_conductance_rest_and_fi():
    g = make_group(lif_conductance(), 3, "lif")
    g.v = -60 * mV
    g.I_ext = [0, 150, 300] * pA        # rheobase g_L (V_th - E_L) = 10 nS * 10 mV = 100 pA
    mon, vm = _run(g, record_v=True)
    counts = mon.count[:]
    assert counts[0] == 0 and np.allclose(vm.v[0] / mV, -60)
    assert 0 < counts[1] < counts[2]


def test_lif_conductance_nmda_mg_block():
    g = make_group(lif_conductance(nmda=True), 2, "nmda")
    g.v = [-70, -20] * mV
    g.g_nmda = 1 * nS
    v0 = np.array(g.v[:])
    block = 1 / (1 + np.exp(-0.062 * v0 / 1e-3) / 3.57)
    assert block[1] > 5 * block[0]       # Jahr & Stevens: block relieved by depolarisation


def test_lif_current_threshold():
    g = make_group(lif_current(), 1, "cuba")
    g.v = -60 * mV
    mon, _ = _run(g, 200 * ms)           # E_L = -49 mV above V_th: tonic firing without input
    assert mon.count[0] >= 3


def test_adex_adaptation():
    g = make_group(adex(), 1, "adex")
    g.v = -70.6 * mV
    g.I_ext = 1 * nA
    mon, _ = _run(g, 500 * ms)
    isi = np.diff(mon.t[:] / ms)
    assert len(isi) > 4 and isi[-1] > 1.5 * isi[0]   # spike-frequency adaptation (b > 0)


def test_izhikevich_regular_spiking():
    g = make_group(izhikevich(), 2, "izh")
    g.v = -65 * mV
    g.u = 0.2 / ms * -65 * mV
    g.I_ext = [0, 10] * mV / ms
    mon, _ = _run(g, 500 * ms)
    assert mon.count[0] == 0 and mon.count[1] > 5


def test_make_group_extra_reset_for_rule_post_side():
    from plasticity.hebbian import BCM_POST
    g = make_group(lif_conductance(), 1, "bcmpost", extra_eqs=BCM_POST.eqs, extra_reset=BCM_POST.reset,
                   extra_namespace=BCM_POST.namespace)
    g.I_ext = 300 * pA
    _run(g, 200 * ms)
    assert g.nu[0] > 0                                # the rate trace moved at post spikes
