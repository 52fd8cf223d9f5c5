"""Inhibitory STDP of Vogels et al. (2011): a symmetric window plus constant depression.

For an inhibitory synapse with traces ``x_pre``, ``x_post`` (both decaying with ``tau``, +1 per
spike, event-driven)::

    at a presynaptic spike:   w += eta * (x_post - alpha),   alpha = 2 * rho_0 * tau
    at a postsynaptic spike:  w += eta * x_pre

Near-coincident pairs of either order potentiate, every presynaptic spike depresses by
``eta * alpha``; the expected drift ``eta * r_pre * (2 tau r_post - alpha)`` vanishes at the
target postsynaptic rate ``rho_0``, so inhibition balances excitation until the neuron fires
at ``rho_0``.

References
----------
Vogels TP, Sprekeler H, Zenke F, Clopath C, Gerstner W (2011) Science 334:1569-1573.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Hz, Quantity, ms

from plasticity import weights
from plasticity.base import RuleSpec
from plasticity.params import check_nonneg, check_positive, quantity
from plasticity.weights import WeightParams


@dataclass(frozen=True)
class ISTDPParams(WeightParams):
    """Vogels-Sprekeler iSTDP; weights in units of the projection's ``weight``."""

    eta: float = 0.01                       # learning rate (Vogels et al. 2011 network code, F. Zenke: 1e-2)
    tau: Quantity = quantity(20 * ms)       # STDP window (Vogels et al. 2011: 20 ms)
    rho_0: Quantity = quantity(3 * Hz)      # target postsynaptic rate (Vogels et al. 2011 network: 3 Hz)

    def __post_init__(self):
        super().__post_init__()
        check_nonneg(self, "eta")
        check_positive(self, "tau", "rho_0")


def istdp(p: ISTDPParams) -> RuleSpec:
    """Build the Vogels et al. (2011) inhibitory STDP rule."""
    decay = weights.lazy_decay(p, "istdp")
    model = (weights.model(p) + "\ndapre/dt = -apre / istdp_tau : 1 (event-driven)"
             "\ndapost/dt = -apost / istdp_tau : 1 (event-driven)")
    on_pre = "\n".join(filter(None, [decay, "apre += 1",
                                     weights.update(p, "istdp", "istdp_eta * (apost - istdp_alpha)")]))
    on_post = "\n".join(filter(None, [decay, "apost += 1", weights.update(p, "istdp", "istdp_eta * apre")]))
    ns = {"istdp_eta": p.eta, "istdp_tau": p.tau, "istdp_alpha": float(2 * p.rho_0 * p.tau),
          **weights.namespace(p, "istdp")}
    return RuleSpec(name="istdp", model=model, on_pre=on_pre, on_post=on_post, namespace=ns,
                    recordables=("apre", "apost"))
