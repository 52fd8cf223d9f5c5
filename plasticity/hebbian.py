"""Rate-like Hebbian rules on spikes: Hebbian, anti-Hebbian, Oja, BCM.

Activities are exponential traces (``x`` of the presynaptic spikes, ``y`` of the postsynaptic
ones, mean ``tau * rate`` for Poisson trains), so for uncorrelated trains the expected drift
is the classical rate rule:

============  ===========================================  ====================================
rule          spike-based update                           mean drift (rates ``r_pre, r_post``)
============  ===========================================  ====================================
hebbian       at post spike: ``Δw = eta x``                ``eta tau r_pre r_post``
              (+ ``pre_ltd``: at pre spike ``Δw = -d w``)  ``eta tau r_pre r_post - d r_pre w``
anti_hebbian  at post spike: ``Δw = -eta x``               ``-eta tau r_pre r_post``
oja           at post spike: ``Δw = eta (x - alpha y w)``  ``eta tau (r_pre r_post - alpha r_post² w)``
bcm           at pre spike: ``Δw = eta (ν/ν0)(ν - θ)/ν0``  ``eta r_pre ν (ν - θ) / ν0²``, θ = <ν²>/ν0
============  ===========================================  ====================================

Hebbian, anti-Hebbian and Oja keep their traces in the synapse (event-driven, O(1) per spike).
``pre_ltd`` (``d``) adds presynaptically gated depression to the Hebbian rule: each presynaptic
spike scales ``w`` by ``1 - d``. The weight then settles where potentiation balances it,
``w* = (eta / d) x̄``, with ``x̄`` the summed trace ``x`` at the postsynaptic spikes per
presynaptic spike (``tau r_post`` for uncorrelated trains): it measures how reliably the
postsynaptic cell follows the presynaptic one, ``P(post | pre)``, not how often the pair fired.
This is a spiking form of Grossberg's (1968) presynaptically gated outstar rule (``Δw = eps x_pre
(z_post - w)``, whose weight learns the expected postsynaptic activity given the presynaptic
cell), built from a pre-only term like the ``w_in`` rate term of Kempter et al. (1999). Without it the Hebbian weight counts
co-activations, so a pathway used more often grows stronger whatever its reliability.

BCM reads the postsynaptic rate ``nu`` and its slow second moment ``nu_sq`` from the neuron
(:data:`BCM_POST`): the sliding threshold ``θ = nu_sq / ν0`` is one value per neuron, and the
rule costs O(1) per presynaptic spike with no synaptic state besides ``w``. With two inputs of
equal probability, the selective state (ν = 2 ν0 for one, 0 for the other) is the stable fixed
point (Bienenstock et al. 1982; Intrator & Cooper 1992).

References
----------
Hebb DO (1949) The Organization of Behavior. Wiley.
Oja E (1982) J Math Biol 15:267-273.
Földiák P (1990) Biol Cybern 64:165-170 (anti-Hebbian decorrelation).
Bienenstock EL, Cooper LN, Munro PW (1982) J Neurosci 2:32-48.
Intrator N, Cooper LN (1992) Neural Netw 5:3-17 (θ = E[y²]).
Gerstner W, Kistler WM (2002) Biol Cybern 87:404-415 (spike-based Hebbian learning).
Grossberg S (1968) Proc Natl Acad Sci USA 59:368-372 (outstar: presynaptically gated learning).
Kempter R, Gerstner W, van Hemmen JL (1999) Phys Rev E 59:4498-4514 (rate terms w_in, w_out).
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Hz, Quantity, ms, second

from plasticity import weights
from plasticity.base import PostSide, RuleSpec
from plasticity.homeostasis import RATE_POST
from plasticity.params import ParamError, check_nonneg, check_positive, quantity
from plasticity.weights import WeightParams

#: Neuron side of BCM: rate trace ``nu`` (Hz) and its slow second moment ``nu_sq`` (Hz²).
#: ``tau_nu`` = 100 ms is of the order of the triplet rule's postsynaptic trace (Pfister &
#: Gerstner 2006: 114 ms); ``tau_theta`` must exceed the input's switching time.
BCM_POST = PostSide(
    eqs=RATE_POST.eqs + "\ndnu_sq/dt = (nu**2 - nu_sq) / tau_theta : Hz**2",
    reset=RATE_POST.reset, namespace={**RATE_POST.namespace, "tau_theta": 1 * second})
BCM_POST_EQS, BCM_POST_RESET = BCM_POST.eqs, BCM_POST.reset


@dataclass(frozen=True)
class HebbianParams(WeightParams):
    """Hebbian / anti-Hebbian learning at postsynaptic spikes."""

    eta: float = 0.001                      # step per post spike per unit trace (illustrative)
    tau_pre: Quantity = quantity(20 * ms)   # presynaptic activity trace (STDP time scale, Bi & Poo 1998)
    pre_ltd: float = 0.0                    # each pre spike scales w by 1 - pre_ltd (0: off; outstar)

    def __post_init__(self):
        super().__post_init__()
        check_nonneg(self, "eta")
        check_positive(self, "tau_pre")
        if not 0.0 <= self.pre_ltd < 1.0:
            raise ParamError("pre_ltd", f"must be in [0, 1), got {self.pre_ltd}")


@dataclass(frozen=True)
class OjaParams(HebbianParams):
    """Oja's normalising Hebbian rule (a linear rate neuron converges to ``|w| = 1/sqrt(alpha)``)."""

    alpha: float = 1.0                       # normalisation strength (Oja 1982: 1)
    tau_post: Quantity = quantity(20 * ms)   # postsynaptic activity trace

    def __post_init__(self):
        super().__post_init__()
        check_nonneg(self, "alpha")
        check_positive(self, "tau_post")


@dataclass(frozen=True)
class BCMParams(WeightParams):
    """BCM with a sliding threshold from the postsynaptic rate (neuron side: :data:`BCM_POST`)."""

    eta: float = 0.001                      # step per pre spike at nu = 2 nu0, theta = nu0 is eta * 2 (illustrative)
    nu_0: Quantity = quantity(10 * Hz)      # target rate: theta = <nu²>/nu_0 makes <nu> -> nu_0

    def __post_init__(self):
        super().__post_init__()
        check_nonneg(self, "eta")
        check_positive(self, "nu_0")


def _hebbian(p: HebbianParams, sign: str, name: str) -> RuleSpec:
    decay = weights.lazy_decay(p, "heb")
    pre_ltd = weights.update(p, "heb", "-heb_pre_ltd * w") if p.pre_ltd > 0 else ""
    on_pre = "\n".join(filter(None, [decay, "apre += 1", pre_ltd]))
    on_post = "\n".join(filter(None, [decay, weights.update(p, "heb", f"{sign}heb_eta * apre")]))
    ns = {"heb_eta": p.eta, "heb_tau_pre": p.tau_pre, **weights.namespace(p, "heb")}
    if p.pre_ltd > 0:
        ns["heb_pre_ltd"] = p.pre_ltd
    return RuleSpec(name=name, model=weights.model(p) + "\ndapre/dt = -apre / heb_tau_pre : 1 (event-driven)",
                    on_pre=on_pre, on_post=on_post, namespace=ns, recordables=("apre",))


def hebbian(p: HebbianParams) -> RuleSpec:
    """Hebbian: each postsynaptic spike adds ``eta * x_pre`` (each presynaptic one scales ``w`` by
    ``1 - pre_ltd``)."""
    return _hebbian(p, "", "hebbian")


def anti_hebbian(p: HebbianParams) -> RuleSpec:
    """Anti-Hebbian: each postsynaptic spike subtracts ``eta * x_pre``."""
    return _hebbian(p, "-", "anti_hebbian")


def oja(p: OjaParams) -> RuleSpec:
    """Oja: each postsynaptic spike adds ``eta (x_pre - alpha y_post w)`` (y before this spike)."""
    decay = weights.lazy_decay(p, "oja")
    model = (weights.model(p) + "\ndapre/dt = -apre / oja_tau_pre : 1 (event-driven)"
             "\ndapost/dt = -apost / oja_tau_post : 1 (event-driven)")
    on_pre = "\n".join(filter(None, [decay, "apre += 1"]))
    on_post = "\n".join(filter(None, [
        decay, weights.update(p, "oja", "oja_eta * (apre - oja_alpha * apost * w)"), "apost += 1"]))
    ns = {"oja_eta": p.eta, "oja_alpha": p.alpha, "oja_tau_pre": p.tau_pre, "oja_tau_post": p.tau_post,
          **weights.namespace(p, "oja")}
    return RuleSpec(name="oja", model=model, on_pre=on_pre, on_post=on_post, namespace=ns,
                    recordables=("apre", "apost"))


def bcm(p: BCMParams) -> RuleSpec:
    """BCM: each presynaptic spike adds ``eta (nu/nu_0) (nu - nu_sq/nu_0) / nu_0`` (post values)."""
    dw = "bcm_eta * (nu_post / bcm_nu_0) * (nu_post - nu_sq_post / bcm_nu_0) / bcm_nu_0"
    model = weights.model(p) + ("\nt_last : second" if weights.decaying(p) else "")
    lines = [weights.lazy_decay(p, "bcm", since="t_last"), weights.update(p, "bcm", dw),
             "t_last = t" if weights.decaying(p) else ""]
    return RuleSpec(name="bcm", model=model, on_pre="\n".join(filter(None, lines)),
                    namespace={"bcm_eta": p.eta, "bcm_nu_0": p.nu_0, **weights.namespace(p, "bcm")},
                    post_vars=("nu", "nu_sq"))
