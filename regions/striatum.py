"""Basal ganglia action selection: striatal D1/D2 channels, GPe/STN/GPi and thalamic disinhibition.

The functional architecture of Gurney, Prescott & Redgrave (2001), in spiking form (Humphries,
Stewart & Gurney 2006): each action channel has D1 (Go) and D2 (NoGo) medium spiny neurons
(MSNs) driven by cortex. D1 MSNs inhibit their own channel of the tonically active output
nucleus (GPi/SNr; "selection pathway"); D2 MSNs inhibit their channel of GPe, which inhibits GPi
and STN ("control pathway"); STN excites GPi and GPe diffusely (every channel), giving the
off-centre / on-surround competition. GPi/SNr tonically inhibits the thalamus; a channel is
selected when its GPi pool falls silent and its thalamic pool is disinhibited. Fast-spiking
interneurons (FSI) give feedforward inhibition to every MSN, MSN collaterals inhibit the other
channels (lateral inhibition), and the thalamus feeds back onto the MSNs of its own channel
(thalamostriatal efference copy), which sharpens the competition and tags the chosen channel
for learning.

Plasticity is in the corticostriatal projections (YAML, ``rule: da_three_factor``), which read
the MSN dopamine concentration ``da`` (dopamine region spikes on the ``dopamine`` port) as
``da_post``: D1 synapses potentiate on bursts, D2 synapses use ``da_sign: -1`` in the rule params
(they potentiate on dips). The PFC goal context arrives on the ``goal`` port as a trace
``goal`` (decay ``tau_goal``, 100 ms) that multiplies the MSNs' cortical gain
(``gain_goal = 1 + k_goal clip(goal, 0, 1)``) and gates learning in ``goal_three_factor``
projections; the goal projection's own weights can learn with ``da_three_factor`` (Hebbian x
dopamine).

Layout: populations are blocks of channels; ``msn`` holds all D1 cells (channel-major), then all
D2 cells, so one ``da`` / ``goal`` variable serves both. With ``n_goals`` > 1 each channel's D1
and D2 blocks are split into ``n_goals`` sub-pools, wired topographically: port ``goalG``
reaches sub-pool G of every channel (a PFC goal pool projects there), so a goal gains and gates
the learning of particular synapses inside every action channel (goal x stimulus mappings)
rather than biasing one whole channel. GPe, STN, GPi and thalamus share one neuron model: they are
subgroups of one NeuronGroup, ``nuclei`` (not recorded itself).

Ports
-----
d1, d2 : all D1 / D2 MSNs; target ``g_ctx`` (cortical input, scaled by the goal gain).
d1_K, d2_K : the D1 / D2 pool of channel K (``g_ctx``); stn_K : the STN pool of channel K (``g_ampa``).
stn : every STN cell (hyperdirect cortical input); ``fsi`` : interneurons; both ``g_ampa``.
dopamine : every MSN's dopamine concentration ``da`` (dimensionless weight per DA spike).
goal : every MSN's goal trace ``goal`` (dimensionless weight per PFC spike).
goal0 .. goal{n_goals-1} : (``n_goals`` > 1) the goal trace of one sub-pool in every channel.
output : thalamic cells (spikes out: the selected action); thal_K : channel K's thalamic pool.
gpi : GPi/SNr cells (spikes out).

References
----------
Gurney K, Prescott TJ, Redgrave P (2001) A computational model of action selection in the basal
    ganglia. I. A new functional anatomy. Biol Cybern 84:401-410.
Humphries MD, Stewart RD, Gurney KN (2006) A physiologically plausible model of action selection
    and oscillatory activity in the basal ganglia. J Neurosci 26:12921-12942.
Stewart TC, Bekolay T, Eliasmith C (2012) Learning to select actions with spiking neurons in the
    basal ganglia. Front Neurosci 6:2.
DeLong MR (1971) J Neurophysiol 34:414-427 (GPi ~ 80 Hz, GPe ~ 50-70 Hz tonic in monkey).
Tepper JM, Koós T, Wilson CJ (2004) Trends Neurosci 27:662-669 (FSI feedforward, MSN collaterals).
Frank MJ (2005) J Cogn Neurosci 17:51-72 (D1 Go / D2 NoGo learning from bursts and dips).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, Synapses, mV, ms, nS, pF

from plasticity.params import ParamError, check_nonneg, check_positive, check_positive_int, check_probability, quantity
from regions.poisson_input import PoissonInput
from regions.base import Region
from regions.basal_ganglia_circuit import channel_pairs, msn_model
from regions.connect import connect, random_pairs
from regions.neurons import lif_conductance, make_group

_NUCLEI = ("gpe", "stn", "gpi", "thal")     # one neuron model (lif_conductance, t_ref 2 ms)


@dataclass(frozen=True)
class StriatumParams:
    """Sizes are per channel (``n_fsi`` in total); weights are peak conductances."""

    n_channels: int = 3
    n_d1: int = 40
    n_d2: int = 40
    n_fsi: int = 30                     # FSI ~ 1-2 % of striatal cells (Tepper et al. 2004); enriched here
    n_gpe: int = 20
    n_stn: int = 20
    n_gpi: int = 20
    n_thal: int = 20
    # internal pathways: (probability, peak conductance)
    p_fsi_msn: float = 0.5
    w_fsi_msn: object = quantity(0.5 * nS)
    p_lat: float = 0.3                  # MSN collaterals onto the other channels
    w_lat: object = quantity(1.0 * nS)
    p_d1_gpi: float = 0.5
    w_d1_gpi: object = quantity(3.0 * nS)
    p_d2_gpe: float = 0.5
    w_d2_gpe: object = quantity(1.0 * nS)
    p_gpe_gpi: float = 0.5
    w_gpe_gpi: object = quantity(0.5 * nS)
    p_gpe_stn: float = 0.5
    w_gpe_stn: object = quantity(0.2 * nS)
    p_stn_gpi: float = 0.3              # diffuse: every channel
    w_stn_gpi: object = quantity(0.5 * nS)
    p_stn_gpe: float = 0.3
    w_stn_gpe: object = quantity(0.3 * nS)
    p_gpi_thal: float = 0.5
    w_gpi_thal: object = quantity(4.0 * nS)
    p_thal_msn: float = 0.3             # thalamostriatal feedback (own channel)
    w_thal_msn: object = quantity(0.5 * nS)
    delay: object = quantity(1 * ms)
    # tonic background: n_bg Poisson synapses of w_bg per cell at rate_bg_*
    n_bg: int = 100
    w_bg: object = quantity(0.5 * nS)
    rate_bg_msn: object = quantity(2 * Hz)
    rate_bg_fsi: object = quantity(5 * Hz)
    rate_bg_gpe: object = quantity(15 * Hz)
    rate_bg_stn: object = quantity(12 * Hz)
    rate_bg_gpi: object = quantity(22 * Hz)
    rate_bg_thal: object = quantity(30 * Hz)
    # MSN goal gain and goal sub-pools: the D1 and D2 MSNs of every channel are split into n_goals
    # sub-pools (contiguous blocks inside the channel); port goal_g reaches sub-pool g of every
    # channel, so one PFC goal pool can favour particular synapses inside every action channel
    k_goal: float = 1.0
    n_goals: int = 1
    # decay of the goal trace (plasticity.three_factor GOAL_POST's 100 ms): a shorter one makes the
    # gain follow the PFC pool's current firing more closely (30 ms did not stop an overwritten goal
    # from gating in goal_gating's learned gate: its pool keeps firing; experiments/results/goal_gating.md)
    tau_goal: object = quantity(100 * ms)

    def __post_init__(self):
        check_positive_int(self, "n_channels", "n_d1", "n_d2", "n_fsi", "n_gpe", "n_stn", "n_gpi",
                           "n_thal", "n_bg", "n_goals")
        for key in ("n_d1", "n_d2"):
            if getattr(self, key) % self.n_goals:
                raise ParamError(key, f"must split into n_goals = {self.n_goals} equal sub-pools, "
                                      f"got {getattr(self, key)}")
        check_probability(self, *[f.name for f in self.__dataclass_fields__.values() if f.name.startswith("p_")])
        check_nonneg(self, *[f.name for f in self.__dataclass_fields__.values()
                             if f.name.startswith(("w_", "rate_bg_"))], "delay", "k_goal")
        check_positive(self, "tau_goal")


class Striatum(Region):
    """Spiking basal ganglia selecting one of ``n_channels`` actions (Gurney et al. 2001).

    Parameters
    ----------
    name, params, seed : see :class:`regions.base.Region`; ``params`` is a :class:`StriatumParams`.

    References
    ----------
    Gurney, Prescott & Redgrave (2001) Biol Cybern 84:401; Humphries, Stewart & Gurney (2006)
    J Neurosci 26:12921.
    """

    kind = "striatum"
    Params = StriatumParams
    default_input = "d1"
    default_output = "output"

    def build(self) -> None:
        p, nc = self.params, self.params.n_channels
        n1 = nc * p.n_d1
        msn = self.add_group("msn", make_group(msn_model(k_goal=p.k_goal, tau_goal=p.tau_goal),
                                               n1 + nc * p.n_d2, self.object_name("msn")))
        lif = lif_conductance(t_ref=2 * ms)
        fast = lif_conductance(C=100 * pF, E_L=-70 * mV, V_reset=-60 * mV, t_ref=1 * ms)
        g = {"msn": msn, "fsi": self.add_group("fsi", make_group(fast, p.n_fsi, self.object_name("fsi")))}
        # GPe, STN, GPi and thalamus share one neuron model: one NeuronGroup, the nuclei its subgroups
        # (fewer code objects: runtime cost grows with their number, not with the cells)
        sizes = {key: nc * getattr(p, f"n_{key}") for key in _NUCLEI}
        nuclei = make_group(lif, sum(sizes.values()), self.object_name("nuclei"))
        for key, sub in self.add_shared_group("nuclei", nuclei, sizes).items():
            g[key] = self.add_group(key, sub)
        for key, grp in g.items():
            grp.v = -70 * mV + self.rng.random(len(grp)) * 15 * mV
            self.add(PoissonInput(grp, "g_ampa", p.n_bg, getattr(p, f"rate_bg_{key}"), weight=p.w_bg,
                                  name=self.object_name(f"{key}_bg")))
        n_of = {"d1": p.n_d1, "d2": p.n_d2, **{k: getattr(p, f"n_{k}") for k in _NUCLEI}}
        off = {"d1": 0, "d2": n1}

        def pairs(pre, post, mode, prob):
            if pre == "fsi":
                i, j = random_pairs(p.n_fsi, n_of[post] * nc, prob, self.rng)
                return i, j + off.get(post, 0)
            return channel_pairs(nc, n_of[pre], n_of[post], prob, self.rng, mode, off.get(pre, 0), off.get(post, 0))

        def path(key, pre, post, var, w, *links):
            """One Synapses object per (pre group, post group, variable); links: (pre, post, mode, p)."""
            ij = [pairs(*link) for link in links]
            syn = Synapses(g[pre], g[post], on_pre=f"{var}_post += w_syn", delay=p.delay,
                           namespace={"w_syn": w}, name=self.object_name(key))
            connect(syn, np.concatenate([a for a, _ in ij]), np.concatenate([b for _, b in ij]))
            self.add_synapses(key, syn)

        path("fsi_msn", "fsi", "msn", "g_gaba", p.w_fsi_msn, ("fsi", "d1", "diffuse", p.p_fsi_msn),
             ("fsi", "d2", "diffuse", p.p_fsi_msn))
        path("msn_msn", "msn", "msn", "g_gaba", p.w_lat, ("d1", "d1", "others", p.p_lat),
             ("d2", "d2", "others", p.p_lat))
        path("thal_msn", "thal", "msn", "g_ampa", p.w_thal_msn, ("thal", "d1", "focused", p.p_thal_msn),
             ("thal", "d2", "focused", p.p_thal_msn))
        path("d1_gpi", "msn", "gpi", "g_gaba", p.w_d1_gpi, ("d1", "gpi", "focused", p.p_d1_gpi))
        path("d2_gpe", "msn", "gpe", "g_gaba", p.w_d2_gpe, ("d2", "gpe", "focused", p.p_d2_gpe))
        path("gpe_gpi", "gpe", "gpi", "g_gaba", p.w_gpe_gpi, ("gpe", "gpi", "focused", p.p_gpe_gpi))
        path("gpe_stn", "gpe", "stn", "g_gaba", p.w_gpe_stn, ("gpe", "stn", "focused", p.p_gpe_stn))
        path("stn_gpi", "stn", "gpi", "g_ampa", p.w_stn_gpi, ("stn", "gpi", "diffuse", p.p_stn_gpi))
        path("stn_gpe", "stn", "gpe", "g_ampa", p.w_stn_gpe, ("stn", "gpe", "diffuse", p.p_stn_gpe))
        path("gpi_thal", "gpi", "thal", "g_gaba", p.w_gpi_thal, ("gpi", "thal", "focused", p.p_gpi_thal))
        self._ports(msn, g, n1)

    def _ports(self, msn, g, n1) -> None:
        p = self.params
        self.add_port("d1", msn[:n1], "g_ctx", "all D1 MSNs (cortical input)")
        self.add_port("d2", msn[n1:], "g_ctx", "all D2 MSNs (cortical input)")
        self.add_port("stn", g["stn"], "g_ampa", "all STN cells (hyperdirect input)")
        self.add_port("fsi", g["fsi"], "g_ampa", "fast-spiking interneurons (cortical input)")
        self.add_port("dopamine", msn, "da", "MSN dopamine concentration (DA spikes in)")
        self.add_port("goal", msn, "goal", "MSN goal-context trace (PFC spikes in)")
        if p.n_goals > 1:
            sub = self.goal_of("msn")
            for q in range(p.n_goals):
                self.add_port(f"goal{q}", msn, "goal", f"goal trace of sub-pool {q} (D1 and D2, every channel)",
                              cells=np.flatnonzero(sub == q))
        self.add_port("output", g["thal"], None, "thalamic cells: the selected action")
        self.add_port("gpi", g["gpi"], None, "GPi/SNr output nucleus")
        for k in range(p.n_channels):
            self.add_port(f"d1_{k}", msn[k * p.n_d1:(k + 1) * p.n_d1], "g_ctx", f"D1 MSNs of channel {k}")
            self.add_port(f"d2_{k}", msn[n1 + k * p.n_d2:n1 + (k + 1) * p.n_d2], "g_ctx",
                          f"D2 MSNs of channel {k}")
            self.add_port(f"stn_{k}", g["stn"][k * p.n_stn:(k + 1) * p.n_stn], "g_ampa", f"STN of channel {k}")
            self.add_port(f"thal_{k}", g["thal"][k * p.n_thal:(k + 1) * p.n_thal], None,
                          f"thalamic pool of channel {k}")

    def goal_of(self, pop: str = "msn") -> np.ndarray:
        """Goal sub-pool of every MSN (D1 then D2; each channel's block split into ``n_goals``)."""
        if pop != "msn":
            raise ValueError(f"goal sub-pools are MSN populations, got {pop!r}")
        p, nc = self.params, self.params.n_channels
        return np.concatenate([(np.arange(nc * n) % n) // (n // p.n_goals) for n in (p.n_d1, p.n_d2)])

    def channel_of(self, pop: str):
        """Channel index of every cell of a recorded population (``msn`` D1 then D2, or a nucleus)."""
        p, nc = self.params, self.params.n_channels
        if pop == "msn":
            return np.concatenate([np.arange(nc * p.n_d1) // p.n_d1, np.arange(nc * p.n_d2) // p.n_d2])
        if pop == "fsi":
            return np.full(p.n_fsi, -1)
        return np.arange(nc * getattr(p, f"n_{pop}")) // getattr(p, f"n_{pop}")
