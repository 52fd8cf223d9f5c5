"""Gated prefrontal working memory: selective pools with NMDA-dominated recurrent excitation.

The network of Brunel & Wang (2001) at its reference size (Wang 2002: 1600 + 400 cells):
excitatory cells are split into ``n_pools`` selective pools (fraction ``f_pool`` each; one per
item/goal) and a non-selective rest; one inhibitory population inhibits everyone. Connectivity is all-to-all with structured weights
(within a pool ``w_plus``; between pools and non-selective -> selective ``w_minus = 1 - f (w_plus - 1)
/ (1 - f)``; everything else 1). Recurrent NMDA has a saturating gating variable per
presynaptic cell (Wang 1999), ``ds/dt = -s / tau_d + alpha x (1 - s)``, ``dx/dt = -x / tau_r``,
``x += 1`` per spike, which makes a cued pool bistable: it keeps firing through a delay at
20-40 Hz while uncued pools stay at 1-2 Hz (Brunel & Wang 2001 Figs. 3-4; Compte et al. 2000).

Because connectivity is all-to-all with weights that depend only on pool membership, recurrent
input is delivered through pooled gating variables (Brian2 ``(summed)`` variables, as in the
Brian2 example of Wang 2002): a ``units`` group holds one unit per selective pool, one for the
non-selective cells and one for the interneurons. Each cell's ``s_nmda`` is summed into its unit
and each spike increments its unit's AMPA (GABA) trace; unit-to-unit synapses form the weighted
totals every class of cell receives; one summed synapse per cell turns them into ``I_rec``
(AMPA + Mg-blocked NMDA + GABA, plus the gated input). Cost per step: O(N + n_pools^2), not O(N^2).
Excitatory and inhibitory cells share one NeuronGroup (``cells``; exc = first ``n_exc``) with
per-cell constants, which halves the number of code objects run per time step.

Gating (PBWM-like; O'Reilly & Frank 2006): external input to the selective pools arrives on a
separate conductance ``g_in`` whose efficacy is ``gain = gain_closed + (1 - gain_closed) *
gate_open``, with ``gate_open = clip((gate - gate_threshold) / (1 - gate_threshold), 0, 1)``
(``gate_threshold`` 0 by default: linear). ``gate`` is a one-unit trace (``dgate/dt = -gate /
tau_gate``) incremented by spikes arriving on the ``gate`` port (a basal-ganglia/thalamic
disinhibition signal) and copied to the units each step. Gate closed: inputs are attenuated to
``gain_closed`` and the attractor's recurrent excitation and inhibition protect the held item.
Gate open: the input is at full gain, and the gate also excites the interneurons (``g_gate_inh *
gate_open``), raising inhibition while it is open, so that the held item is released while the
new, strongly driven pool takes over.

Ports
-----
input : all selective pools; as a target, adds to the gated conductance ``g_in``.
item0 .. item{n_pools-1} : one selective pool each; targets ``g_in`` (cue one item).
gate : the gate trace (``gate``, dimensionless weight per spike); spikes open the gate.
reset : inhibitory cells' ``g_ampa``; a strong burst clears the held item.
goal : output only: spikes of the selective pools (the held item/goal, for striatum).
exc : all excitatory cells; targets ``g_ampa`` (ungated excitatory input).
inh : inhibitory cells; targets ``g_ampa``.
exc_gaba : excitatory cells' ``g_gaba`` (inhibitory input from other regions).

References
----------
Brunel N, Wang X-J (2001) Effects of neuromodulation in a cortical network model of object
    working memory dominated by recurrent inhibition. J Comput Neurosci 11:63-85.
Wang X-J (1999) Synaptic basis of cortical persistent activity: the importance of NMDA
    receptors to working memory. J Neurosci 19:9587-9603.
Compte A, Brunel N, Goldman-Rakic PS, Wang X-J (2000) Synaptic mechanisms and network dynamics
    underlying spatial working memory in a cortical network model. Cereb Cortex 10:910-923.
Wang X-J (2002) Probabilistic decision making by slow reverberation in cortical circuits.
    Neuron 36:955-968.
O'Reilly RC, Frank MJ (2006) Making working memory work: a computational model of learning in
    the prefrontal cortex and basal ganglia. Neural Comput 18:283-328.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, NeuronGroup, Synapses, mV, ms, nF, nS

from plasticity.params import (ParamError, check_nonneg, check_positive, check_positive_int,
                               check_probability, quantity)
from regions.poisson_input import PoissonInput
from regions.base import Region
from regions.connect import connect
from regions.neurons import NeuronModel, make_group

_CELL_EQS = """
dv/dt = (g_L * (E_L - v) + g_ampa * (E_ampa - v) + g_gaba * (E_gaba - v) + I_rec) / C : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_in/dt = -g_in / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
ds_nmda/dt = -s_nmda / tau_nmda_decay + alpha_nmda * x_nmda * (1 - s_nmda) : 1
dx_nmda/dt = -x_nmda / tau_nmda_rise : 1
I_rec : amp
C : farad (constant)
g_L : siemens (constant)
t_ref : second (constant)
g_ext : siemens (constant)
G_ampa : siemens (constant)
G_nmda : siemens (constant)
G_gaba : siemens (constant)
"""

# One unit per selective pool, one non-selective, one inhibitory (index P + 1). ``s_fast`` is the
# pool's summed AMPA trace (GABA for the inhibitory unit); ``s_nmda`` the summed saturating NMDA
# gating; ``A_tot`` / ``N_tot`` / ``G_tot`` the weighted totals that cells of this class receive.
_UNIT_EQS = """
ds_fast/dt = -s_fast / tau_fast : 1
tau_fast : second (constant)
s_nmda : 1
A_tot : 1
N_tot : 1
G_tot : 1
gate : 1
gate_open = clip((gate - gate_threshold) / (1 - gate_threshold), 0, 1) : 1
gain = gain_closed + (1 - gain_closed) * gate_open : 1
g_gate = g_gate_unit * gate_open : siemens
g_gate_unit : siemens (constant)
"""

# Recurrent + gated input current of every cell, from the unit of its class (one synapse per cell).
_REC_CURRENT = ("I_rec_post = (G_ampa_post * A_tot_pre + G_nmda_post * N_tot_pre / (1 + Mg * exp(-0.062 * v_post / mV) / 3.57)"
                " + gain_pre * g_in_post + g_gate_pre) * (E_ampa - v_post)"
                " + G_gaba_post * G_tot_pre * (E_gaba - v_post) : amp (summed)")


@dataclass(frozen=True)
class PFCParams:
    """Parameters of the gated PFC.

    Cell and synapse defaults (capacitances, leaks, thresholds, the recurrent AMPA / NMDA / GABA
    conductances, tau_GABA 5 ms, NMDA kinetics, the background g_ext 2.1 / 1.62 nS at 2.4 kHz) are
    those of Wang (2002), Neuron 36:955, the values of Brian2's ``Wang_2002`` example; the pool
    structure (``f_pool`` 0.1, ``w_plus`` 2.1, ``w_minus``) follows Brunel & Wang (2001); gating is
    this model's.

    Recurrent conductances are given for the reference network (``n_ref_exc`` = 1600,
    ``n_ref_inh`` = 400) and scaled by ``n_ref / n`` so that the total recurrent conductance, and
    hence the mean-field dynamics, is independent of the network size.
    """

    # The reference size (Wang 2002): at N = 1000 (800 + 200, conductances rescaled) finite-size
    # noise leaves no w_plus that both holds a cue and stays quiet without one. Measured (seed 1,
    # working_memory, 40 no-cue runs of 5 s after a reset, 5 cued trials per condition):
    #   N 1000, w_plus 2.2 (the old default): spontaneous ignition in 0.45 of runs (onset 3.0 s);
    #   N 1000, w_plus 2.15: 0.225 (onset 2.9 s), cued pool 31.6 Hz;
    #   N 1000, w_plus 2.1: the cued pool's delay activity decays within 2 s;
    #   N 2000, w_plus 2.1: no ignition (max pool rate 8 Hz in any 250 ms window), cued pool held
    #   at 23.5 Hz through the 2 s delay on every trial, closed-gate distractor never stored.
    n_exc: int = 1600
    n_inh: int = 400
    n_pools: int = 4                        # selective pools (items / goals)
    f_pool: float = 0.1                     # fraction of E cells per pool (Brunel & Wang 2001: f = 0.1)
    w_plus: float = 2.1                     # within-pool potentiation (Brunel & Wang 2001, Figs. 3-4)
    n_ref_exc: int = 1600
    n_ref_inh: int = 400
    C_exc: object = quantity(0.5 * nF)
    C_inh: object = quantity(0.2 * nF)
    g_L_exc: object = quantity(25 * nS)
    g_L_inh: object = quantity(20 * nS)
    E_L: object = quantity(-70 * mV)
    V_th: object = quantity(-50 * mV)
    V_reset: object = quantity(-55 * mV)
    t_ref_exc: object = quantity(2 * ms)
    t_ref_inh: object = quantity(1 * ms)
    E_ampa: object = quantity(0 * mV)
    E_gaba: object = quantity(-70 * mV)
    tau_ampa: object = quantity(2 * ms)
    tau_gaba: object = quantity(5 * ms)
    tau_nmda_rise: object = quantity(2 * ms)
    tau_nmda_decay: object = quantity(100 * ms)
    alpha_nmda: object = quantity(0.5 / ms)
    Mg: float = 1.0                         # [Mg2+] in mM (Jahr & Stevens 1990 block)
    g_ampa_rec_exc: object = quantity(0.05 * nS)
    g_ampa_rec_inh: object = quantity(0.04 * nS)
    g_nmda_exc: object = quantity(0.165 * nS)
    g_nmda_inh: object = quantity(0.13 * nS)
    g_gaba_exc: object = quantity(1.3 * nS)
    g_gaba_inh: object = quantity(1.0 * nS)
    delay: object = quantity(0.5 * ms)      # recurrent AMPA/GABA delay
    n_ext: int = 800                        # background: 800 synapses x 3 Hz = 2.4 kHz (B&W 2001)
    rate_ext: object = quantity(3 * Hz)
    g_ext_exc: object = quantity(2.1 * nS)
    g_ext_inh: object = quantity(1.62 * nS)
    gain_closed: float = 0.05               # input efficacy with the gate closed (this model; at 0.1
                                            # a cue-strength distractor overwrites in 1-2 of 10 trials)
    tau_gate: object = quantity(20 * ms)    # gate trace decay (this model)
    gate_threshold: float = 0.0             # the gate opens only above this trace level (this model; 0:
                                            # linear from 0). In the learned gate a losing Go pool at
                                            # 10-15 Hz leaks a distractor in; 0.15 stopped most of that
                                            # but the gate learned no better (results/goal_gating.md)
    g_gate_inh: object = quantity(1 * nS)   # gate -> interneuron drive while open (this model;
                                            # clears the held pool on an open-gate update)
    v_init_low: object = quantity(-60 * mV)
    v_init_high: object = quantity(-50 * mV)

    def __post_init__(self):
        check_positive_int(self, "n_exc", "n_inh", "n_pools", "n_ext", "n_ref_exc", "n_ref_inh")
        check_probability(self, "f_pool", "gain_closed")
        check_positive(self, "f_pool", "w_plus", "C_exc", "C_inh", "g_L_exc", "g_L_inh", "tau_ampa",
                       "tau_gaba", "tau_nmda_rise", "tau_nmda_decay", "alpha_nmda", "tau_gate")
        check_nonneg(self, "Mg", "g_ampa_rec_exc", "g_ampa_rec_inh", "g_nmda_exc", "g_nmda_inh",
                     "g_gaba_exc", "g_gaba_inh", "delay", "rate_ext", "g_ext_exc", "g_ext_inh",
                     "g_gate_inh", "t_ref_exc", "t_ref_inh")
        if not 0.0 <= self.gate_threshold < 1.0:
            raise ParamError("gate_threshold", f"must be in [0, 1), got {self.gate_threshold}")
        if self.n_pools * self.f_pool >= 1.0:
            raise ParamError("f_pool", f"n_pools * f_pool must be < 1 (a non-selective rest), "
                             f"got {self.n_pools} * {self.f_pool}")
        if int(round(self.f_pool * self.n_exc)) < 1:
            raise ParamError("f_pool", "pools would be empty (f_pool * n_exc < 1)")

    @property
    def pool_size(self) -> int:
        return int(round(self.f_pool * self.n_exc))

    @property
    def w_minus(self) -> float:
        """Depression between pools keeping the spontaneous state unchanged (B&W 2001, Eq. 7)."""
        return 1.0 - self.f_pool * (self.w_plus - 1.0) / (1.0 - self.f_pool)


class PFC(Region):
    """Gated prefrontal working-memory network (Brunel & Wang 2001) with a gate port.

    Parameters
    ----------
    name, params, seed : see :class:`regions.base.Region`; ``params`` is a :class:`PFCParams`.

    Attributes
    ----------
    pool_slices : list of ``(start, stop)`` excitatory indices of each selective pool.

    Ports
    -----
    input (``g_in``, all selective pools, gated), ``item0..item{P-1}`` (``g_in``, one pool each,
    gated), ``gate`` (gate trace, dimensionless), ``reset`` (interneurons' ``g_ampa``), ``goal``
    (output: selective pools' spikes), ``exc`` / ``inh`` (``g_ampa``, ungated), ``exc_gaba``.

    References
    ----------
    Brunel & Wang (2001) J Comput Neurosci 11:63; Wang (1999) J Neurosci 19:9587;
    Compte et al. (2000) Cereb Cortex 10:910; O'Reilly & Frank (2006) Neural Comput 18:283.
    """

    kind = "pfc"
    Params = PFCParams
    default_input = "input"
    default_output = "goal"

    def build(self) -> None:
        p = self.params
        P, n_pool, n_e, n_i = p.n_pools, p.pool_size, p.n_exc, p.n_inh
        n_sel = P * n_pool
        self.pool_slices = [(k * n_pool, (k + 1) * n_pool) for k in range(P)]
        unit_of = np.full(n_e + n_i, P + 1, dtype=np.int32)   # unit P: non-selective, P + 1: inhibitory
        unit_of[:n_e] = P
        unit_of[:n_sel] = np.repeat(np.arange(P, dtype=np.int32), n_pool)
        scale_e, scale_i = p.n_ref_exc / n_e, p.n_ref_inh / n_i

        # every cell in one group (fewer code objects per time step); exc = [0, n_e), inh = [n_e, N)
        model = NeuronModel(_CELL_EQS, "v > V_th", "v = V_reset\nx_nmda += 1", "t_ref", dict(
            E_L=p.E_L, V_th=p.V_th, V_reset=p.V_reset, E_ampa=p.E_ampa, E_gaba=p.E_gaba, tau_ampa=p.tau_ampa,
            tau_gaba=p.tau_gaba, tau_nmda_rise=p.tau_nmda_rise, tau_nmda_decay=p.tau_nmda_decay,
            alpha_nmda=p.alpha_nmda))
        cells = make_group(model, n_e + n_i, self.object_name("cells"))
        subs = self.add_shared_group("cells", cells, {"exc": n_e, "inh": n_i})
        exc, inh = self.add_group("exc", subs["exc"]), self.add_group("inh", subs["inh"])
        for g, C, g_L, t_ref, g_ext, Ga, Gn, Gg in (
                (exc, p.C_exc, p.g_L_exc, p.t_ref_exc, p.g_ext_exc, p.g_ampa_rec_exc, p.g_nmda_exc, p.g_gaba_exc),
                (inh, p.C_inh, p.g_L_inh, p.t_ref_inh, p.g_ext_inh, p.g_ampa_rec_inh, p.g_nmda_inh, p.g_gaba_inh)):
            g.C, g.g_L, g.t_ref, g.g_ext = C, g_L, t_ref, g_ext
            g.G_ampa, g.G_nmda, g.G_gaba = Ga * scale_e, Gn * scale_e, Gg * scale_i
        cells.v = p.v_init_low + self.rng.random(n_e + n_i) * (p.v_init_high - p.v_init_low)
        self.add(PoissonInput(cells, "g_ampa", p.n_ext, p.rate_ext, weight="g_ext", name=self.object_name("ext")))

        gate_ns = dict(gain_closed=p.gain_closed, gate_threshold=p.gate_threshold)
        units = self.add_group("units", NeuronGroup(P + 2, _UNIT_EQS, method="exact", name=self.object_name("units"),
                                                    namespace=gate_ns), record=False)
        units.tau_fast = p.tau_ampa
        units.tau_fast[P + 1] = p.tau_gaba
        units.g_gate_unit[P + 1] = p.g_gate_inh
        gate = self.add_group("gate", NeuronGroup(1, "dgate/dt = -gate / tau_gate : 1", method="exact",
                                                  name=self.object_name("gate"),
                                                  namespace=dict(tau_gate=p.tau_gate)), record=False)

        # cells -> their unit: AMPA/GABA traces (+1 per spike) and the saturating NMDA gating (summed)
        c2u = Synapses(cells, units, model="s_nmda_post = s_nmda_pre : 1 (summed)", on_pre="s_fast_post += 1",
                       delay=p.delay, name=self.object_name("cells_units"), namespace={})
        connect(c2u, np.arange(n_e + n_i, dtype=np.int32), unit_of)
        # unit -> unit class totals with Brunel & Wang's structured weights [pre unit, post unit]
        w = np.ones((P + 2, P + 2))
        w[:P, :P] = p.w_minus
        w[np.arange(P), np.arange(P)] = p.w_plus
        w[P, :P] = p.w_minus                             # non-selective -> selective
        w[P + 1, :] = 0.0                                # the inhibitory unit carries GABA only
        u2u = Synapses(units, units, model="w : 1\nw_gaba : 1\nA_tot_post = w * s_fast_pre : 1 (summed)\n"
                                           "N_tot_post = w * s_nmda_pre : 1 (summed)\n"
                                           "G_tot_post = w_gaba * s_fast_pre : 1 (summed)",
                       name=self.object_name("units_units"), namespace={})
        pre, post = (a.ravel().astype(np.int32) for a in np.meshgrid(np.arange(P + 2), np.arange(P + 2), indexing="ij"))
        connect(u2u, pre, post)
        u2u.w = w[pre, post]
        u2u.w_gaba = (pre == P + 1).astype(float)
        # unit -> each cell of its class: recurrent AMPA + NMDA (Mg block) + GABA, and the gated input
        u2c = Synapses(units, cells, model=_REC_CURRENT, name=self.object_name("units_cells"),
                       namespace=dict(Mg=p.Mg, mV=mV, E_ampa=p.E_ampa, E_gaba=p.E_gaba, **gate_ns))
        connect(u2c, unit_of, np.arange(n_e + n_i, dtype=np.int32))
        g2u = Synapses(gate, units, model="gate_post = gate_pre : 1 (summed)", name=self.object_name("gate_units"),
                       namespace={})
        connect(g2u, np.zeros(P + 2, dtype=np.int32), np.arange(P + 2, dtype=np.int32))
        for key, syn in (("cells_units", c2u), ("units_units", u2u), ("units_cells", u2c), ("gate_units", g2u)):
            self.add_synapses(key, syn)

        sel = exc[:n_sel]
        self.add_port("input", sel, "g_in", "all selective pools (gated conductance g_in)")
        for k, (a, b) in enumerate(self.pool_slices):
            self.add_port(f"item{k}", exc[a:b], "g_in", f"selective pool {k} (gated conductance g_in)")
        self.add_port("gate", gate, "gate", "gate trace; incoming spikes open the input gate")
        self.add_port("reset", inh, "g_ampa", "interneurons; a strong burst clears working memory")
        self.add_port("goal", sel, None, "spikes of the selective pools (held item / goal)")
        self.add_port("exc", exc, "g_ampa", "excitatory cells (spikes out; ungated excitatory input in)")
        self.add_port("inh", inh, "g_ampa", "inhibitory cells (spikes out; excitatory input in)")
        self.add_port("exc_gaba", exc, "g_gaba", "inhibitory input onto excitatory cells")
