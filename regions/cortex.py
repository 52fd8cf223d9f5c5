"""Balanced excitatory/inhibitory cortical network in the asynchronous-irregular (AI) state.

Conductance-based LIF neurons (Vogels & Abbott 2005) with sparse random recurrence (p = 0.02)
and independent external Poisson drive onto every neuron (Brunel 2000), so that recurrent
inhibition balances excitation and neurons fire irregularly (CV of ISI near 1) at low rates
with weak pairwise correlations.

Ports
-----
exc : excitatory population; as a target, adds to ``g_ampa`` of excitatory cells.
inh : inhibitory population; as a target, adds to ``g_ampa`` of inhibitory cells.
exc_gaba : excitatory cells' ``g_gaba`` (inhibitory input from other regions).

References
----------
Brunel N (2000) Dynamics of sparsely connected networks of excitatory and inhibitory spiking
    neurons. J Comput Neurosci 8:183-208.
Vogels TP, Abbott LF (2005) Signal propagation and logic gating in networks of integrate-and-fire
    neurons. J Neurosci 25:10786-10795.
Brette R et al. (2007) Simulation of networks of spiking neurons: a review of tools and
    strategies. J Comput Neurosci 23:349-398 (COBA benchmark: 4000 neurons, p = 0.02).
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Hz, Synapses, mV, ms, nS

from plasticity.params import (check_positive, check_positive_int, check_probability,
                               check_nonneg, quantity)
from regions.poisson_input import PoissonInput
from regions.base import Region
from regions.connect import connect, random_pairs
from regions.neurons import lif_conductance, make_group


@dataclass(frozen=True)
class CortexParams:
    """Parameters of the balanced cortex (defaults: Vogels & Abbott 2005 / Brette et al. 2007)."""

    n_exc: int = 3200                      # 80 % excitatory, 4000 neurons (Brette et al. 2007 COBA)
    n_inh: int = 800
    p_connect: float = 0.02                # Vogels & Abbott 2005
    w_exc: object = quantity(0.4 * nS)     # E->* peak conductance
    w_inh: object = quantity(8 * nS)       # I->* peak conductance; g = w_inh/w_exc = 20 puts the
                                           # network in the AI regime (Brunel 2000 Fig. 8: g > 4)
    delay: object = quantity(1.5 * ms)     # Brunel 2000 uses D = 1.5 ms
    tau_ampa: object = quantity(5 * ms)    # Vogels & Abbott 2005
    tau_gaba: object = quantity(10 * ms)   # Vogels & Abbott 2005
    t_ref: object = quantity(5 * ms)       # Vogels & Abbott 2005
    n_ext: int = 100                       # external Poisson synapses per neuron (Brunel 2000: C_ext = C_E)
    rate_ext: object = quantity(20 * Hz)   # rate per external synapse (nu_ext ~ 2 nu_thr, regime AI)
    w_ext: object = quantity(0.4 * nS)
    v_init_low: object = quantity(-60 * mV)
    v_init_high: object = quantity(-50 * mV)

    def __post_init__(self):
        check_positive_int(self, "n_exc", "n_inh", "n_ext")
        check_probability(self, "p_connect")
        check_positive(self, "tau_ampa", "tau_gaba")
        check_nonneg(self, "w_exc", "w_inh", "w_ext", "rate_ext", "delay", "t_ref")


class Cortex(Region):
    """Balanced E/I cortex (Brunel 2000; Vogels & Abbott 2005) driven by external Poisson input.

    Parameters
    ----------
    name, params, seed : see :class:`regions.base.Region`; ``params`` is a :class:`CortexParams`.

    References
    ----------
    Brunel (2000) J Comput Neurosci 8:183; Vogels & Abbott (2005) J Neurosci 25:10786.
    """

    kind = "cortex"
    Params = CortexParams

    def build(self) -> None:
        p = self.params
        model = lif_conductance(tau_ampa=p.tau_ampa, tau_gaba=p.tau_gaba, t_ref=p.t_ref)
        # E and I share one model: one NeuronGroup with two subgroups and one Synapses object per
        # presynaptic type keeps the number of per-time-step code objects minimal.
        cells = make_group(model, p.n_exc + p.n_inh, self.object_name("cells"))
        subs = self.add_shared_group("cells", cells, {"exc": p.n_exc, "inh": p.n_inh})
        cells.v = p.v_init_low + self.rng.random(len(cells)) * (p.v_init_high - p.v_init_low)
        self.add(PoissonInput(cells, "g_ampa", p.n_ext, p.rate_ext, weight=p.w_ext, name=self.object_name("ext")))
        exc, inh = self.add_group("exc", subs["exc"]), self.add_group("inh", subs["inh"])
        for key, pre, var, w in (("exc", exc, "g_ampa", p.w_exc), ("inh", inh, "g_gaba", p.w_inh)):
            syn = Synapses(pre, cells, on_pre=f"{var}_post += w_syn", delay=p.delay,
                           namespace={"w_syn": w}, name=self.object_name(f"{key}_all"))
            offset = 0 if pre is exc else p.n_exc          # no autapses: skip j == global index of i
            i, j = random_pairs(len(pre), len(cells), p.p_connect, self.rng)
            keep = j != i + offset
            connect(syn, i[keep], j[keep])
            self.add_synapses(key, syn)
        self.add_port("exc", exc, "g_ampa", "excitatory cells (spikes out; excitatory input in)")
        self.add_port("inh", inh, "g_ampa", "inhibitory cells (spikes out; excitatory input in)")
        self.add_port("exc_gaba", exc, "g_gaba", "inhibitory input onto excitatory cells")
