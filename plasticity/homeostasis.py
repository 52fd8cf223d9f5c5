"""Homeostatic synaptic scaling: all inputs of a neuron scale multiplicatively toward a target rate.

::

    dw/dt = w * (1 - nu_post / nu_target) / tau_scale

``nu`` is the postsynaptic rate trace of :data:`RATE_POST` (neuron side, one per neuron).
Scaling is slow (minutes to hours in vivo), so instead of touching ``w`` at every presynaptic
spike the rule updates it every ``update_dt`` (default 1 s, ``RuleSpec.regular``) with the
exact solution for ``nu`` held constant over the period,
``w <- w * exp(update_dt * (1 - nu/nu_target) / tau_scale)``. That costs one ``exp`` per synapse
per second, below the cost of an event-driven update at any input rate above 1 Hz, and scales
silent synapses too (which an event-driven update would postpone). Sampling the ``tau_nu``
trace once per period is unbiased (E[nu] = rate); its noise averages out over ``tau_scale``.

References
----------
Turrigiano GG, Leslie KR, Desai NS, Rutherford LC, Nelson SB (1998) Nature 391:892-896.
van Rossum MCW, Bi G-Q, Turrigiano GG (2000) J Neurosci 20:8812-8821.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Hz, Quantity, ms, second

from plasticity import weights
from plasticity.base import PostSide, RuleSpec
from plasticity.params import check_positive, quantity
from plasticity.weights import WeightParams

#: Neuron-side postsynaptic rate trace (Hz): +1/tau_nu per spike, so E[nu] is the rate.
RATE_POST = PostSide(eqs="dnu/dt = -nu / tau_nu : Hz", reset="nu += 1 / tau_nu",
                     namespace={"tau_nu": 100 * ms})
RATE_POST_EQS, RATE_POST_RESET = RATE_POST.eqs, RATE_POST.reset


@dataclass(frozen=True)
class ScalingParams(WeightParams):
    """Multiplicative synaptic scaling (proportional term of van Rossum et al. 2000)."""

    w_max: float = 10.0                          # scaling may grow weights beyond the initial range
    nu_target: Quantity = quantity(5 * Hz)       # target rate (illustrative; cortical pyramidal cells 1-10 Hz)
    tau_scale: Quantity = quantity(100 * second) # compressed time scale (hours in vivo, Turrigiano et al. 1998)
    update_dt: Quantity = quantity(1 * second)   # period of the update

    def __post_init__(self):
        super().__post_init__()
        check_positive(self, "nu_target", "tau_scale", "update_dt")


def synaptic_scaling(p: ScalingParams) -> RuleSpec:
    """Build the scaling rule (a periodic update only; no event code)."""
    dw = "w * (exp(scal_k * (1 - nu_post / scal_nu_target)) - 1)"
    regular = "\n".join(filter(None, [weights.tick_decay(p, "scal"), weights.update(p, "scal", dw)]))
    ns = {"scal_k": float(p.update_dt / p.tau_scale), "scal_nu_target": p.nu_target,
          **weights.namespace(p, "scal", period=p.update_dt)}
    return RuleSpec(name="synaptic_scaling", model=weights.model(p), on_pre="", namespace=ns,
                    post_vars=("nu",), regular=regular, regular_dt=p.update_dt)
