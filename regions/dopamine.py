"""Midbrain dopamine (VTA/SNc) neurons signalling reward prediction error, with a local critic.

DA cells fire tonically (~4 Hz, Grace & Bunney 1984) under background drive; primary reward
(``reward`` port) makes them burst. Two learned pathways turn the burst into a prediction error
(Brown, Bullock & Grossberg 1999; the TD account of Montague, Dayan & Sejnowski 1996 and
Schultz, Dayan & Montague 1997):

- cue pathway: cue cells (``cue`` port; PPTN / ventral striatal cue relay) excite DA cells
  through plastic synapses whose eligibility is a slow second-order trace of the cue cell's
  spikes (peaking ``tau_elig`` after them). They are potentiated when the primary-reward input
  (``g_rew``, the unconditioned stimulus) arrives while the trace is up, with a soft bound
  ``w_cue_max``, and depressed by DA dips (extinction): the cue comes to evoke a burst and keeps
  it while the reward keeps coming (the excitatory CS pathway of Brown et al. 1999).
- timed expectation: a tapped delay line of timing cells (striosomal "time since cue" pools,
  pool k driven by the cue with delay ``pool_first + k pool_step``; the complete serial compound
  of Schultz et al. 1997) inhibits DA cells through plastic synapses,
  ``dw/dt = eta x_pre (da_post - da_bar_post)``. Inhibition grows where bursts occur until the
  reward burst is cancelled; omitting the reward then leaves the learned inhibition
  unopposed: a dip (negative prediction error).

``da`` is the dopamine concentration released by the whole DA population onto each DA cell
(somatodendritic release: every DA spike adds ``1 / n_da``, decay ``tau_da``) and ``da_bar`` its
slow mean (the tonic level). Both rules (:mod:`regions.dopamine_critic`) read only presynaptic
traces and postsynaptic variables.

Ports
-----
reward : DA cells' ``g_rew`` (primary reward input; its own AMPA-like conductance).
cue : cue cells' ``g_ampa`` (conditioned-stimulus input).
da_gaba : DA cells' ``g_gaba`` (external inhibition, e.g. lateral habenula / RMTg).
da : DA cells (spikes out; project onto a target's ``da`` with ``rule: static``).

References
----------
Schultz W, Dayan P, Montague PR (1997) A neural substrate of prediction and reward. Science
    275:1593-1599 (Fig. 1: burst to unpredicted reward, transfer to the cue, dip at omission).
Montague PR, Dayan P, Sejnowski TJ (1996) J Neurosci 16:1936-1947.
Brown J, Bullock D, Grossberg S (1999) J Neurosci 19:10502-10511.
Potjans W, Diesmann M, Morrison A (2011) PLoS Comput Biol 7:e1001133 (spiking TD critic).
Grace AA, Bunney BS (1984) J Neurosci 4:2866-2876 (DA tonic firing 2-8 Hz, ~4 Hz mean).
Hyland BI, Reynolds JNJ, Hay J, Perk CG, Miller R (2002) Neuroscience 114:475-492 (bursts).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from brian2 import Hz, Synapses, mV, ms, nS, second

from plasticity.params import check_nonneg, check_positive, check_positive_int, check_probability, quantity
from plasticity.three_factor import DOPAMINE_POST
from regions.poisson_input import PoissonInput
from regions.base import Region
from regions.connect import connect, random_pairs
from regions.dopamine_critic import CUE_EXCITATION, TIMED_INHIBITION, critic_synapses
from regions.neurons import lif_conductance, make_group


_DA_EQS = """
dv/dt = (g_L * (E_L - v) + (g_ampa + g_rew) * (E_ampa - v) + g_gaba * (E_gaba - v)) / C : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_rew/dt = -g_rew / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
dda_bar/dt = (da - da_bar) / tau_bar : 1
"""


@dataclass(frozen=True)
class DopamineParams:
    """DA population, cue relay and timing pools (weights: peak conductance per unit ``w``)."""

    n_da: int = 50
    n_cue: int = 40
    n_pools: int = 11                      # timing pools (delay line)
    n_per_pool: int = 8
    pool_first: object = quantity(300 * ms)
    pool_step: object = quantity(100 * ms)
    # tonic drive: n_bg Poisson synapses at rate_bg (-> ~4 Hz irregular firing)
    n_bg: int = 40
    w_bg: object = quantity(1.2 * nS)
    rate_bg_da: object = quantity(5.6 * Hz)
    # cue relay -> timing pools (static, delayed)
    p_cue_timer: float = 0.5
    w_cue_timer: object = quantity(1 * nS)
    # cue pathway (plastic, excitatory)
    p_cue_da: float = 0.5
    w_cue_da: object = quantity(1 * nS)     # conductance at w = 1
    w_cue_init: float = 0.0
    w_cue_max: float = 0.2
    eta_cue: object = quantity(0.2 * Hz)
    eta_ext: object = quantity(0.2 * Hz)  # extinction by dips
    g_us: object = quantity(5 * nS)        # reward conductance that counts as one unit of US
    tau_elig: object = quantity(500 * ms)  # second-order cue eligibility (peaks tau_elig after a spike)
    # timed expectation (plastic, inhibitory)
    p_timer_da: float = 0.5
    w_timer_da: object = quantity(4 * nS)
    w_timer_init: float = 0.0
    w_timer_max: float = 1.0
    eta_timer: object = quantity(0.05 * Hz)
    tau_x: object = quantity(50 * ms)      # timing-cell activity trace
    # dopamine concentration seen by the critic synapses
    tau_da: object = quantity(50 * ms)     # fast somatodendritic signal (learning target of the critic)
    tau_bar: object = quantity(10 * second)  # slow tonic mean
    da_bar_init: float = 0.2               # ~ tonic rate (4 Hz) x tau_da
    update_dt: object = quantity(10 * ms)
    delay: object = quantity(1 * ms)

    def __post_init__(self):
        check_positive_int(self, "n_da", "n_cue", "n_pools", "n_per_pool", "n_bg")
        check_probability(self, "p_cue_timer", "p_cue_da", "p_timer_da")
        check_positive(self, "pool_step", "tau_elig", "tau_x", "tau_da", "tau_bar", "update_dt", "w_cue_max",
                       "w_timer_max")
        check_positive(self, "g_us")
        check_nonneg(self, "eta_ext", "pool_first", "w_bg", "rate_bg_da", "w_cue_timer", "w_cue_da", "w_cue_init", "eta_cue",
                     "w_timer_da", "w_timer_init", "eta_timer", "da_bar_init", "delay")


class Dopamine(Region):
    """VTA/SNc dopamine population with a local, learned reward expectation.

    Parameters
    ----------
    name, params, seed : see :class:`regions.base.Region`; ``params`` is a :class:`DopamineParams`.

    References
    ----------
    Schultz, Dayan & Montague (1997) Science 275:1593; Brown, Bullock & Grossberg (1999)
    J Neurosci 19:10502.
    """

    kind = "dopamine"
    Params = DopamineParams
    default_input = "reward"
    default_output = "da"

    def build(self) -> None:
        p = self.params
        lif = lif_conductance()
        da_model = dataclasses.replace(lif, eqs=_DA_EQS + DOPAMINE_POST.eqs)
        da = self.add_group("da", make_group(da_model, p.n_da, self.object_name("da"), "",
                                             {"tau_da": p.tau_da, "tau_bar": p.tau_bar}))
        da.v = -60 * mV + self.rng.random(p.n_da) * 10 * mV
        da.da = da.da_bar = p.da_bar_init
        self.add(PoissonInput(da, "g_ampa", p.n_bg, p.rate_bg_da, weight=p.w_bg, name=self.object_name("bg")))
        cue_model = dataclasses.replace(lif, reset=lif.reset + "\ny += 1")
        cue = self.add_group("cue", make_group(cue_model, p.n_cue, self.object_name("cue"),
                                               "delig/dt = (y - elig) / tau_elig : 1\ndy/dt = -y / tau_elig : 1",
                                               {"tau_elig": p.tau_elig}))
        timer_model = dataclasses.replace(lif, reset=lif.reset + "\nx += 1")
        n_timer = p.n_pools * p.n_per_pool
        timer = self.add_group("timer", make_group(timer_model, n_timer, self.object_name("timer"),
                                                   "dx/dt = -x / tau_x : 1", {"tau_x": p.tau_x}))
        for grp in (cue, timer):
            grp.v = -60 * mV
        # volume transmission: every DA spike raises the concentration at every DA cell by 1/n_da
        vol = Synapses(da, da, on_pre="da_post += w_vol", namespace={"w_vol": 1.0 / p.n_da},
                       name=self.object_name("volume"))
        vol.connect(True)   # all-to-all, identical on every backend
        self.add_synapses("volume", vol)
        ct = Synapses(cue, timer, on_pre="g_ampa_post += w_ct", namespace={"w_ct": p.w_cue_timer},
                      name=self.object_name("cue_timer"))
        i, j = random_pairs(p.n_cue, n_timer, p.p_cue_timer, self.rng)
        connect(ct, i, j)
        ct.delay = (p.pool_first + (j // p.n_per_pool) * p.pool_step) if len(j) else p.delay
        self.add_synapses("cue_timer", ct)
        for key, pre, var, w_unit, dw, ns, prob, w0 in (
                ("cue_da", cue, "g_ampa", p.w_cue_da, CUE_EXCITATION,
                 {"eta": p.eta_cue, "eta_ext": p.eta_ext, "g_us": p.g_us, "w_max": p.w_cue_max},
                 p.p_cue_da, p.w_cue_init),
                ("timer_da", timer, "g_gaba", p.w_timer_da, TIMED_INHIBITION,
                 {"eta": p.eta_timer, "w_max": p.w_timer_max}, p.p_timer_da, p.w_timer_init)):
            syn = critic_synapses(pre, da, var, w_unit, dw, ns, p.update_dt, p.delay, self.object_name(key))
            connect(syn, *random_pairs(len(pre), p.n_da, prob, self.rng))
            syn.w = w0
            syn.plastic = 1.0
            self.add_synapses(key, syn)
        self.add_port("reward", da, "g_rew", "DA cells: primary reward (excitatory conductance g_rew)")
        self.add_port("cue", cue, "g_ampa", "cue relay cells: conditioned stimulus")
        self.add_port("da_gaba", da, "g_gaba", "DA cells: external inhibition")
        self.add_port("da", da, None, "DA cells (spikes out)")

    def learning_state(self) -> dict:
        """The default learning state plus the critic's presynaptic traces.

        The cue cells' second-order eligibility (``y``, ``elig``) and the timing cells' trace ``x``
        are read only by the critic's rules: they are eligibility, not membrane dynamics.
        """
        state = super().learning_state()
        for key, names in (("cue", ("y", "elig")), ("timer", ("x",))):
            group = self.groups[key]
            state[group] = tuple(dict.fromkeys((*state.get(group, ()), *names)))
        return state

    def pool_of(self) -> np.ndarray:
        """Timing pool index of every timing cell."""
        return np.arange(self.params.n_pools * self.params.n_per_pool) // self.params.n_per_pool
