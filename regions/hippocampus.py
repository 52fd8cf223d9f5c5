"""Hippocampus: dentate pattern separation, CA3 autoassociative memory and sequences, CA1 readout.

The trisynaptic circuit of Marr (1971), McNaughton & Morris (1987) and Treves & Rolls (1992,
1994), in conductance-based LIF cells (Vogels & Abbott 2005 template, ``regions.neurons``):

- **EC** (entorhinal layer II/III, ``n_ec`` cells): the cortical input layer.
- **DG** (granule cells, ``n_dg`` ~ 5 x EC; rat ~ 10 x, Amaral et al. 1990): random EC input
  (``p_ec_dg``), hyperpolarised rest (mature granule cells rest near -80 mV; Schmidt-Hieber et
  al. 2004) and strong, fast feedback inhibition through basket cells. The first granule cells to
  fire recruit inhibition that silences the rest (an E%-max winner-take-all; de Almeida, Idiart &
  Lisman 2009), so only ~1-5 % fire and overlapping EC inputs map onto less overlapping codes.
- **CA3** (``n_ca3`` pyramidal cells, ``n_ca3_inh`` basket cells): recurrent collaterals
  between all pairs (``p_rec``; dimensionless weights ``w`` start at 0, i.e. silent, and are
  potentiated *online* by the local rule ``rec_rule`` while patterns are presented), the spiking
  counterpart of the clipped Willshaw / sparse Hopfield memory (Willshaw et al. 1969; Tsodyks &
  Feigel'man 1988). ``hebbian`` (default) potentiates co-active cells in both directions, like
  the symmetric STDP window of CA3-CA3 synapses (Mishra et al. 2016); ``stdp`` (asymmetric,
  Bi & Poo 1998) links each state to the next one presented, so that a cue replays a stored
  sequence (Levy 1996; Jensen & Lisman 1996). Fast feedback inhibition (E->I->E delays 0.5 ms,
  shorter than the 3 ms recurrent delay) acts as the activity-dependent retrieval threshold.
  Inputs: mossy fibres from DG (``k_mf`` per cell, strong "detonator" synapses; Henze et al.
  2002), perforant path from EC (``p_ec_ca3``), and the ``ca3`` port (direct drive).
- **CA1** (``n_ca1`` = ``n_ec`` pyramidal cells, ``n_ca1_inh`` basket cells): Schaffer
  collaterals from CA3 (``p_sc``, plastic, ``hebbian``) and a topographic temporo-ammonic input
  from EC (cell ``k`` of EC -> cell ``k`` of CA1; EC-CA1 point-to-point loops, Tamamaki & Nojyo
  1995), which acts as the teacher during encoding; at recall the CA3 pattern alone re-evokes
  the EC pattern in CA1, i.e. a readout in cortical coordinates (Treves & Rolls 1994).

Encoding vs retrieval (``set_plastic``): learning on is the high-acetylcholine encoding mode, in
which transmission at recurrent CA3 and Schaffer synapses is scaled by ``1 - ach_suppression``
while their plasticity is on (Hasselmo et al. 1995); learning off restores full transmission for
recall and replay. An energy diagnostic (``energy``) evaluates the Hopfield energy of a CA3 state
from the stored weights (see :mod:`regions.hippocampus_circuit`).

Known limit (measured; seeds 1-3, learning off, 40-cell EC patterns, 50-ms presentations): with
an EC drive of one strong Poisson source per cell (150 Hz x 10 nS; EC fires ~70 Hz, count CV 0.3)
the EC -> DG -> CA3 codes are not reproducible: two presentations of the same pattern give CA3
overlaps 0.15-0.17 (DG 0.39-0.44), because DG fires one E%-max volley ~20 ms after onset, decided
by which EC cells happened to spike first (frozen input noise: 0.90 / 0.94). A near-steady,
regular EC drive (2000 Hz x 1 nS) with ``w_ec_dg`` 0.85 nS, ``w_ec_ca3`` 0 and ``k_mf`` 46
(Amaral et al. 1990) gives CA3 0.70-0.77 (DG 0.87-0.90), 5.5 % of CA3 active, and CA3 overlap
0.10-0.15 for EC inputs sharing half their cells. ``pattern_completion`` and ``sequence_replay``
impose CA3 patterns through the ``ca3`` port (``w_mf`` 0 in their configs), as the Willshaw theory
they test assumes random patterns; ``next_state`` uses the near-steady drive and lets EC -> DG ->
CA3 make its conjunctive codes (``k_mf`` 30: ~6 % of CA3 per code, reproducibility at recall
0.74-0.77 on seeds 1-3). The defaults here are unchanged.

Populations that share a neuron model are subgroups of one NeuronGroup (not recorded itself): EC,
CA3 and CA1 of ``pyr``, the three basket-cell populations of ``basket``.

Ports
-----
ec : EC cells; as a target, ``g_ampa`` (cortical input, the default input); spikes out.
dg : granule cells; target ``g_ampa``; spikes out.
ca3 : CA3 pyramidal cells; target ``g_ampa`` (direct cue / teaching drive); spikes out.
ca3_inh : CA3 basket cells; target ``g_ampa`` (a strong burst silences CA3).
ca1 : CA1 pyramidal cells (the default output, to PFC / cortex); target ``g_ampa``.

References
----------
Marr D (1971) Simple memory: a theory for archicortex. Phil Trans R Soc B 262:23-81.
McNaughton BL, Morris RGM (1987) Hippocampal synaptic enhancement and information storage
    within a distributed memory system. Trends Neurosci 10:408-415.
Treves A, Rolls ET (1992) Computational constraints suggest the need for two distinct input
    systems to the hippocampal CA3 network. Hippocampus 2:189-199.
Treves A, Rolls ET (1994) Computational analysis of the role of the hippocampus in memory.
    Hippocampus 4:374-391.
Willshaw DJ, Buneman OP, Longuet-Higgins HC (1969) Non-holographic associative memory. Nature
    222:960-962.
Tsodyks MV, Feigel'man MV (1988) The enhanced storage capacity in neural networks with low
    activity level. Europhys Lett 6:101-105.
Mishra RK, Kim S, Guzman SJ, Jonas P (2016) Symmetric spike timing-dependent plasticity at
    CA3-CA3 synapses optimizes storage and recall in autoassociative networks. Nat Commun 7:11552.
Bi G-Q, Poo M-M (1998) J Neurosci 18:10464-10472.
Levy WB (1996) A sequence predicting CA3 is a flexible associator that learns and uses context
    to solve hippocampal-like tasks. Hippocampus 6:579-590.
Jensen O, Lisman JE (1996) Hippocampal CA3 region predicts memory sequences: accounting for the
    phase precession of place cells. Learn Mem 3:279-287.
de Almeida L, Idiart M, Lisman JE (2009) A second function of gamma frequency oscillations: an
    E%-max winner-take-all mechanism selects which cells fire. J Neurosci 29:7497-7503.
Schmidt-Hieber C, Jonas P, Bischofberger J (2004) Enhanced synaptic plasticity in newly
    generated granule cells of the adult hippocampus. Nature 429:184-187.
Henze DA, Wittner L, Buzsaki G (2002) Single granule cells reliably discharge targets in the
    hippocampal CA3 network in vivo. Nat Neurosci 5:790-795.
Amaral DG, Ishizuka N, Claiborne B (1990) Neurons, numbers and the hippocampal network.
    Prog Brain Res 83:1-11.
Tamamaki N, Nojyo Y (1995) Preservation of topography in the connections between the subiculum,
    field CA1, and the entorhinal cortex in rats. J Comp Neurol 353:379-390.
Hasselmo ME, Schnell E, Barkai E (1995) J Neurosci 15:5249-5262.
Bartos M, Vida I, Jonas P (2007) Synaptic mechanisms of synchronized gamma oscillations in
    inhibitory interneuron networks. Nat Rev Neurosci 8:45-56.
Vogels TP, Abbott LF (2005) J Neurosci 25:10786-10795.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, Synapses, mV, ms, nS, pF

from plasticity.params import (ParamError, check_choice, check_nonneg, check_positive,
                               check_positive_int, check_probability, quantity)
from regions.poisson_input import PoissonInput
from regions.base import Region
from regions.connect import connect, fixed_indegree, random_pairs
from regions.hippocampus_circuit import (RULE_NAMES, dense_weights, gated_plastic_synapses,
                                         hopfield_energy, rule_spec)
from regions.neurons import lif_conductance, make_group


@dataclass(frozen=True)
class HippocampusParams:
    """Parameters of the hippocampal circuit (sizes scaled down; see the module docstring)."""

    n_ec: int = 400
    n_dg: int = 2000
    n_dg_inh: int = 100
    n_ca3: int = 800
    n_ca3_inh: int = 200
    n_ca1: int = 400                            # = n_ec: CA1 reads out in EC coordinates
    n_ca1_inh: int = 80
    # EC -> DG -> CA3 (perforant path and mossy fibres)
    p_ec_dg: float = 0.2
    w_ec_dg: object = quantity(1.5 * nS)        # ~12-15 coincident EC inputs reach threshold at -75 mV rest
    dg_E_L: object = quantity(-75 * mV)         # hyperpolarised granule cells (Schmidt-Hieber et al. 2004)
    p_dg_ei: float = 0.2
    w_dg_ei: object = quantity(2.0 * nS)
    p_dg_ie: float = 1.0
    w_dg_ie: object = quantity(2.0 * nS)        # strong feedback: only ~2-5 % of granule cells fire
    k_mf: int = 20                              # mossy-fibre inputs per CA3 cell (sparse, strong)
    w_mf: object = quantity(4.0 * nS)           # "detonator" synapses (Henze et al. 2002)
    p_ec_ca3: float = 0.1
    w_ec_ca3: object = quantity(0.3 * nS)
    # CA3 recurrent collaterals (online learning)
    p_rec: float = 1.0                          # potential synapses (silent until potentiated)
    w_rec: object = quantity(0.6 * nS)          # AMPA conductance of a saturated synapse (w = 1): ~15 of
                                                # the 80 cells of a pattern at ~100 Hz fire a silent cell
    rec_delay: object = quantity(3 * ms)
    rec_rule: str = "hebbian"                   # hebbian (symmetric) | stdp (asymmetric, sequences)
    rec_eta: float = 1.0                        # one-shot: one pre-before-post pairing saturates (clipped Willshaw)
    rec_tau: object = quantity(20 * ms)         # coincidence window (Bi & Poo 1998: ~20 ms)
    rec_a_minus_ratio: float = 1.05             # stdp only: A- / A+ (Song et al. 2000)
    ach_suppression: float = 1.0                # transmission lost in encoding mode (Hasselmo et al. 1995)
    # CA3 feedback inhibition (fast basket cells)
    p_ca3_ei: float = 0.3
    w_ca3_ei: object = quantity(1.0 * nS)
    p_ca3_ie: float = 1.0
    w_ca3_ie: object = quantity(0.1 * nS)
    inh_delay: object = quantity(0.5 * ms)
    # CA1
    p_sc: float = 0.3
    w_sc: object = quantity(1.0 * nS)
    sc_eta: float = 1.0
    sc_pre_ltd: float = 0.0                     # > 0: each CA3 spike scales its Schaffer weights by 1 - sc_pre_ltd,
                                                # so a link learns P(CA1 cell | CA3 cell), not a count (outstar)
    w_ec_ca1: object = quantity(8.0 * nS)       # topographic teacher (one EC cell -> one CA1 cell)
    p_ca1_ei: float = 0.3
    w_ca1_ei: object = quantity(1.0 * nS)
    p_ca1_ie: float = 1.0
    w_ca1_ie: object = quantity(0.2 * nS)
    # background input to every principal cell: subthreshold (~1 mV mean depolarisation), so
    # principal cells are silent at rest and every spike in a recall window is evoked (in vivo
    # CA3 / CA1 cells fire ~0.1-1 Hz at rest; a recall read-out would then need a rate criterion)
    n_bg: int = 100
    rate_bg: object = quantity(2 * Hz)
    w_bg: object = quantity(0.2 * nS)
    energy_gamma: float = 0.5                   # global-inhibition term of the energy diagnostic

    def __post_init__(self):
        check_positive_int(self, "n_ec", "n_dg", "n_dg_inh", "n_ca3", "n_ca3_inh", "n_ca1", "n_ca1_inh",
                           "k_mf", "n_bg")
        check_probability(self, "p_ec_dg", "p_dg_ei", "p_dg_ie", "p_ec_ca3", "p_rec", "p_ca3_ei",
                          "p_ca3_ie", "p_sc", "p_ca1_ei", "p_ca1_ie", "ach_suppression", "sc_pre_ltd")
        check_nonneg(self, "w_ec_dg", "w_dg_ei", "w_dg_ie", "w_mf", "w_ec_ca3", "w_rec", "rec_delay",
                     "rec_eta", "rec_a_minus_ratio", "w_ca3_ei", "w_ca3_ie", "inh_delay", "w_sc",
                     "sc_eta", "w_ec_ca1", "w_ca1_ei", "w_ca1_ie", "rate_bg", "w_bg", "energy_gamma")
        check_positive(self, "rec_tau")
        check_choice(self, "rec_rule", RULE_NAMES)
        if self.n_ca1 != self.n_ec:
            raise ParamError("n_ca1", f"must equal n_ec ({self.n_ec}) for the topographic EC->CA1 readout")
        if self.k_mf > self.n_dg:
            raise ParamError("k_mf", f"must be <= n_dg ({self.n_dg})")


def _basket():
    """Fast-spiking basket cell: tau_m = 10 ms, 1 ms refractory, fast AMPA (Bartos et al. 2007)."""
    return lif_conductance(C=100 * pF, t_ref=1 * ms, tau_ampa=2 * ms)


class Hippocampus(Region):
    """EC -> DG -> CA3 (autoassociative, online learning) -> CA1 readout; see the module docstring.

    Parameters
    ----------
    name, params, seed : see :class:`regions.base.Region`; ``params`` is a :class:`HippocampusParams`.

    References
    ----------
    Treves & Rolls (1994) Hippocampus 4:374; Willshaw et al. (1969) Nature 222:960;
    Hasselmo et al. (1995) J Neurosci 15:5249; de Almeida et al. (2009) J Neurosci 29:7497.
    """

    kind = "hippocampus"
    Params = HippocampusParams
    default_input = "ec"
    default_output = "ca1"
    mode_vars = ("ach",)     # the encoding/retrieval switch (set_plastic / set_ach), not learning state

    def build(self) -> None:
        p = self.params
        pyr = lif_conductance()
        gc = lif_conductance(E_L=p.dg_E_L, V_reset=p.dg_E_L)
        pops = {"ec": (pyr, p.n_ec), "dg": (gc, p.n_dg), "dg_inh": (_basket(), p.n_dg_inh),
                "ca3": (pyr, p.n_ca3), "ca3_inh": (_basket(), p.n_ca3_inh),
                "ca1": (pyr, p.n_ca1), "ca1_inh": (_basket(), p.n_ca1_inh)}
        # populations that share a neuron model are subgroups of one NeuronGroup (fewer code objects:
        # runtime cost grows with their number, not with the cells); the granule cells stand alone
        subs = {}
        for name, keys in (("pyr", ("ec", "ca3", "ca1")), ("basket", ("dg_inh", "ca3_inh", "ca1_inh"))):
            sizes = {k: pops[k][1] for k in keys}
            whole = make_group(pops[keys[0]][0], sum(sizes.values()), self.object_name(name))
            subs.update(self.add_shared_group(name, whole, sizes))
        self._rest = {}
        for key, (model, n) in pops.items():
            group = subs[key] if key in subs else make_group(model, n, self.object_name(key))
            g = self.add_group(key, group, record=not key.endswith("_inh"))
            self._rest[key] = model.namespace["E_L"]
            g.v = model.namespace["E_L"] + self.rng.random(n) * 5 * mV
            if not key.endswith("_inh") and float(p.rate_bg) > 0:
                self.add(PoissonInput(g, "g_ampa", p.n_bg, p.rate_bg, weight=p.w_bg,
                                          name=self.object_name(f"{key}_bg")))
        G = self.groups

        # feedforward pathways (static)
        self._static("ec_dg", G["ec"], G["dg"], "g_ampa", p.w_ec_dg, random_pairs(p.n_ec, p.n_dg, p.p_ec_dg, self.rng))
        self._static("mf", G["dg"], G["ca3"], "g_ampa", p.w_mf, fixed_indegree(p.n_dg, p.n_ca3, p.k_mf, self.rng))
        self._static("ec_ca3", G["ec"], G["ca3"], "g_ampa", p.w_ec_ca3, random_pairs(p.n_ec, p.n_ca3, p.p_ec_ca3, self.rng))
        self._static("ec_ca1", G["ec"], G["ca1"], "g_ampa", p.w_ec_ca1, (np.arange(p.n_ec), np.arange(p.n_ca1)))
        # feedback inhibition loops (E -> I -> E), fast
        for area, (pei, wei, pie, wie) in {"dg": (p.p_dg_ei, p.w_dg_ei, p.p_dg_ie, p.w_dg_ie),
                                           "ca3": (p.p_ca3_ei, p.w_ca3_ei, p.p_ca3_ie, p.w_ca3_ie),
                                           "ca1": (p.p_ca1_ei, p.w_ca1_ei, p.p_ca1_ie, p.w_ca1_ie)}.items():
            e, i = G[area], G[f"{area}_inh"]
            self._static(f"{area}_ei", e, i, "g_ampa", wei, random_pairs(len(e), len(i), pei, self.rng), p.inh_delay)
            self._static(f"{area}_ie", i, e, "g_gaba", wie, random_pairs(len(i), len(e), pie, self.rng), p.inh_delay)

        # plastic pathways: CA3 recurrent collaterals and Schaffer collaterals (ACh-gated transmission)
        rec = gated_plastic_synapses(rule_spec(p.rec_rule, p.rec_eta, p.rec_tau, p.rec_a_minus_ratio),
                                     G["ca3"], G["ca3"], p.w_rec, p.ach_suppression,
                                     self.object_name("rec"), delay=p.rec_delay)
        connect(rec, *random_pairs(p.n_ca3, p.n_ca3, p.p_rec, self.rng, autapses=False))
        sc = gated_plastic_synapses(rule_spec("hebbian", p.sc_eta, p.rec_tau, pre_ltd=p.sc_pre_ltd), G["ca3"], G["ca1"], p.w_sc,
                                    p.ach_suppression, self.object_name("sc"), delay=p.rec_delay)
        connect(sc, *random_pairs(p.n_ca3, p.n_ca1, p.p_sc, self.rng))
        for key, syn in (("rec", rec), ("sc", sc)):
            syn.w = 0.0
            syn.plastic = 1.0
            syn.ach = 1.0
            self.add_synapses(key, syn)

        self.add_port("ec", G["ec"], "g_ampa", "entorhinal input layer (cortical input in; spikes out)")
        self.add_port("dg", G["dg"], "g_ampa", "dentate granule cells (sparse, separated code)")
        self.add_port("ca3", G["ca3"], "g_ampa", "CA3 pyramidal cells (direct cue / teaching drive in; spikes out)")
        self.add_port("ca3_inh", G["ca3_inh"], "g_ampa", "CA3 basket cells (a burst silences CA3)")
        self.add_port("ca1", G["ca1"], "g_ampa", "CA1 pyramidal cells (readout in EC coordinates, to PFC/cortex)")

    def _static(self, key, pre, post, var, weight, ij, delay=None):
        syn = Synapses(pre, post, on_pre=f"{var}_post += w_syn", namespace={"w_syn": weight},
                       delay=delay, name=self.object_name(key))
        connect(syn, *ij)
        return self.add_synapses(key, syn)

    # -- modes and diagnostics ----------------------------------------------------------------
    def set_plastic(self, on: bool) -> None:
        """Learning on = encoding (ACh high: recurrent/Schaffer transmission suppressed); off = recall."""
        super().set_plastic(on)
        self.set_ach(1.0 if on else 0.0)

    def set_ach(self, level: float) -> None:
        """Set the cholinergic state (0: retrieval, 1: encoding) without touching plasticity."""
        for key in ("rec", "sc"):
            self.synapses[key].ach = float(level)

    def reset_activity(self) -> None:
        """Silence every population (membrane at rest, conductances zero): an inter-trial reset."""
        for key, rest in self._rest.items():      # the populations (their parents hold the same cells)
            g = self.groups[key]
            g.v = rest
            g.g_ampa = 0 * nS
            g.g_gaba = 0 * nS

    def recurrent_weights(self) -> np.ndarray:
        """Dense ``(n_ca3, n_ca3)`` matrix of CA3 recurrent weights (row: presynaptic cell)."""
        return dense_weights(self.synapses["rec"], self.params.n_ca3, self.params.n_ca3)

    def energy(self, active, W: np.ndarray | None = None) -> float:
        """Hopfield energy of a binary CA3 state (see :func:`regions.hippocampus_circuit.hopfield_energy`)."""
        W = self.recurrent_weights() if W is None else W
        return hopfield_energy(W, np.asarray(active, dtype=float), self.params.energy_gamma)
