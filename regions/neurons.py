"""Neuron templates as Brian2 equations with units.

Each template returns a :class:`NeuronModel` (equations, threshold, reset, refractoriness,
integration method and the namespace of constants). :func:`make_group` turns a model into a
NeuronGroup with an explicit namespace; ``extra_eqs`` appends variables that rules or ports
need (a dopamine concentration ``da``, a goal-context trace ...).

Synaptic input variables are named by receptor everywhere: ``g_ampa``, ``g_nmda``, ``g_gaba``
(conductances, siemens) for conductance-based models, ``I_syn`` (amp) for current-based ones.

References
----------
Vogels TP, Abbott LF (2005) J Neurosci 25:10786 (COBA LIF, parameters below).
Brunel N, Wang X-J (2001) J Comput Neurosci 11:63 (AMPA/NMDA/GABA-A LIF, Mg block).
Jahr CE, Stevens CF (1990) J Neurosci 10:3178 (NMDA Mg2+ block).
Brette R, Gerstner W (2005) J Neurophysiol 94:3637 (AdEx).
Izhikevich EM (2003) IEEE Trans Neural Netw 14:1569 (Izhikevich model).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from brian2 import NeuronGroup, amp, mV, ms, nA, nS, pA, pF, siemens



@dataclass(frozen=True)
class NeuronModel:
    eqs: str
    threshold: str
    reset: str
    refractory: Any
    namespace: dict = field(default_factory=dict)
    method: str = "euler"


def lif_conductance(C=200 * pF, g_L=10 * nS, E_L=-60 * mV, V_th=-50 * mV, V_reset=-60 * mV,
                    t_ref=5 * ms, tau_ampa=5 * ms, tau_gaba=10 * ms, E_ampa=0 * mV, E_gaba=-80 * mV,
                    nmda=False, tau_nmda_rise=2 * ms, tau_nmda_decay=100 * ms, Mg=1.0) -> NeuronModel:
    """Conductance-based LIF with AMPA and GABA-A (optionally NMDA with Mg2+ block).

    Defaults are Vogels & Abbott (2005): C = 200 pF, g_L = 10 nS (tau_m = 20 ms), E_L = -60 mV,
    V_th = -50 mV, tau_e = 5 ms, tau_i = 10 ms, E_e = 0 mV, E_i = -80 mV. NMDA (Brunel & Wang
    2001): rise 2 ms, decay 100 ms, block 1 / (1 + [Mg] exp(-0.062 v/mV) / 3.57) (Jahr & Stevens
    1990); summed linearly at the soma (no per-synapse saturation).
    """
    nmda_current = " + g_nmda * (E_ampa - v) / (1 + Mg * exp(-0.062 * v / mV) / 3.57)" if nmda else ""
    eqs = f"""
    dv/dt = (g_L * (E_L - v) + g_ampa * (E_ampa - v) + g_gaba * (E_gaba - v){nmda_current} + I_ext) / C : volt (unless refractory)
    dg_ampa/dt = -g_ampa / tau_ampa : siemens
    dg_gaba/dt = -g_gaba / tau_gaba : siemens
    I_ext : amp
    """
    if nmda:
        eqs += """
    dg_nmda/dt = (x_nmda - g_nmda) / tau_nmda_decay : siemens
    dx_nmda/dt = -x_nmda / tau_nmda_rise : siemens
    """
    ns = dict(C=C, g_L=g_L, E_L=E_L, V_th=V_th, V_reset=V_reset, tau_ampa=tau_ampa, tau_gaba=tau_gaba,
              E_ampa=E_ampa, E_gaba=E_gaba, tau_nmda_rise=tau_nmda_rise, tau_nmda_decay=tau_nmda_decay, Mg=Mg)
    return NeuronModel(eqs, "v > V_th", "v = V_reset", t_ref, ns, method="euler")


def lif_current(tau_m=20 * ms, E_L=-49 * mV, V_th=-50 * mV, V_reset=-60 * mV, t_ref=5 * ms,
                tau_e=5 * ms, tau_i=10 * ms) -> NeuronModel:
    """Current-based LIF, synaptic input in voltage units (Brian2 CUBA benchmark, after Vogels & Abbott 2005)."""
    eqs = """
    dv/dt = (ge + gi - (v - E_L)) / tau_m : volt (unless refractory)
    dge/dt = -ge / tau_e : volt
    dgi/dt = -gi / tau_i : volt
    """
    ns = dict(tau_m=tau_m, E_L=E_L, V_th=V_th, V_reset=V_reset, tau_e=tau_e, tau_i=tau_i)
    return NeuronModel(eqs, "v > V_th", "v = V_reset", t_ref, ns, method="exact")


def adex(C=281 * pF, g_L=30 * nS, E_L=-70.6 * mV, V_T=-50.4 * mV, Delta_T=2 * mV, tau_w=144 * ms,
         a=4 * nS, b=0.0805 * nA, V_reset=-70.6 * mV, V_peak=-40.4 * mV) -> NeuronModel:
    """Adaptive exponential integrate-and-fire; defaults are Brette & Gerstner (2005), Table 1.

    Spikes are cut at V_peak = V_T + 5 Delta_T (as in Brette & Gerstner 2005, Fig. 2 simulations).
    """
    eqs = """
    dv/dt = (g_L * (E_L - v) + g_L * Delta_T * exp((v - V_T) / Delta_T) - w_ad + I_ext + I_syn) / C : volt
    dw_ad/dt = (a * (v - E_L) - w_ad) / tau_w : amp
    dI_syn/dt = -I_syn / (5 * ms) : amp
    I_ext : amp
    """
    ns = dict(C=C, g_L=g_L, E_L=E_L, V_T=V_T, Delta_T=Delta_T, tau_w=tau_w, a=a, b=b, V_reset=V_reset, V_peak=V_peak)
    return NeuronModel(eqs, "v > V_peak", "v = V_reset; w_ad += b", 0 * ms, ns, method="euler")


def izhikevich(a=0.02 / ms, b=0.2 / ms, c=-65 * mV, d=8 * mV / ms, tau_syn=5 * ms) -> NeuronModel:
    """Izhikevich (2003) simple model; defaults are regular spiking (a, b, c, d = 0.02, 0.2, -65, 8).

    The input ``I_syn`` is in mV/ms (the model's native current scale) and decays with ``tau_syn``.
    """
    eqs = """
    dv/dt = (0.04 / ms / mV) * v**2 + (5 / ms) * v + 140 * mV / ms - u + I_syn + I_ext : volt
    du/dt = a * (b * v - u) : volt / second
    dI_syn/dt = -I_syn / tau_syn : volt / second
    I_ext : volt / second
    """
    ns = dict(a=a, b=b, c=c, d=d, tau_syn=tau_syn)
    return NeuronModel(eqs, "v >= 30 * mV", "v = c; u += d", 0 * ms, ns, method="euler")


def make_group(model: NeuronModel, n: int, name: str, extra_eqs: str = "", extra_namespace=None,
               events=None, extra_reset: str = "") -> NeuronGroup:
    """NeuronGroup from a template with an explicit namespace (no lookup in calling frames).

    ``extra_eqs`` / ``extra_reset`` / ``extra_namespace`` add what plasticity rules need on the
    postsynaptic side (``plasticity.base.PostSide``: e.g. the BCM rate trace ``nu += 1/tau_nu``).
    """
    ns = {**model.namespace, **(extra_namespace or {})}
    reset = model.reset + ("\n" + extra_reset if extra_reset else "")
    return NeuronGroup(n, model.eqs + "\n" + extra_eqs, threshold=model.threshold, reset=reset,
                       refractory=model.refractory, method=model.method, namespace=ns, name=name,
                       events=events)


__all__ = ["NeuronModel", "lif_conductance", "lif_current", "adex", "izhikevich", "make_group",
           "amp", "pA", "siemens"]
