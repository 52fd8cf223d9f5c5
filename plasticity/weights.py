"""Weight handling shared by every rule: bounds, optional decay, pruning, the ``plastic`` gate.

Every rule's Params inherit :class:`WeightParams`; builders turn a weight increment into code
with :func:`update` so that bounds, the ``plastic`` switch and pruning behave identically.

Semantics
---------
- Update: ``w += plastic * (1 - pruned) * (clip(w + dw, w_min, w_max) - w)``. With
  ``plastic = 0`` the weight is bit-for-bit unchanged (even if it was set outside the bounds);
  otherwise ``w_min <= w <= w_max`` after every update.
- Decay (``tau_decay > 0``): ``dw/dt = -(w - w_min) / tau_decay`` between updates. Event-driven
  rules apply it lazily at the synapse's next event, ``w <- w_min + (w - w_min) exp(-Δt /
  tau_decay)``, which is exact for the stored weight; the transmitted weight lags by the decay
  since the previous event (the transmission line runs before the rule's code), a relative
  error below ``1 - exp(-ISI / tau_decay)``. Rules with a periodic update decay there.
- Pruning (``prune_below > 0``): when a plastic update leaves ``w < prune_below`` the synapse
  sets ``pruned = 1`` and ``w = 0`` and is frozen from then on. Transmission still runs but adds
  ``0 * w_unit``, so a pruned synapse costs an event but has no effect. To revive one set
  ``S.pruned = 0`` and ``S.w`` explicitly. Pruned synapses are not deleted (Brian2 cannot
  remove synapses during a run; cpp_standalone fixes connectivity at build time).
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Quantity, second

from plasticity.params import ParamError, check_nonneg, check_order, quantity


@dataclass(frozen=True)
class WeightParams:
    """Bounds, decay and pruning (dimensionless; the physical weight is ``w * w_unit``)."""

    w_min: float = 0.0                              # lower bound
    w_max: float = 1.0                              # upper bound (Song et al. 2000: g_max = 1 in units of w_unit)
    tau_decay: Quantity = quantity(0 * second)      # weight decay to w_min; 0 s disables it
    prune_below: float = 0.0                        # prune when w drops below this; 0 disables pruning

    def __post_init__(self):
        check_order(self, "w_min", "w_max")
        check_nonneg(self, "tau_decay", "prune_below")
        if self.prune_below > self.w_max:
            raise ParamError("prune_below", f"must be <= w_max ({self.w_max}), got {self.prune_below}")


def pruning(p: WeightParams) -> bool:
    return p.prune_below > 0


def decaying(p: WeightParams) -> bool:
    return float(p.tau_decay) > 0


def model(p: WeightParams) -> str:
    """Model lines every rule declares (``w``, ``plastic``, ``pruned`` when pruning)."""
    return "w : 1\nplastic : 1 (shared)" + ("\npruned : 1" if pruning(p) else "")


def gate(p: WeightParams) -> str:
    """Factor multiplying every weight change."""
    return "plastic * (1 - pruned)" if pruning(p) else "plastic"


def update(p: WeightParams, prefix: str, dw: str) -> str:
    """Statements adding the increment ``dw`` to ``w`` under bounds, gate and pruning."""
    lo, hi = f"{prefix}_w_min", f"{prefix}_w_max"
    code = f"w += {gate(p)} * (clip(w + ({dw}), {lo}, {hi}) - w)"
    if pruning(p):
        code += (f"\npruned += plastic * (1 - pruned) * int(w < {prefix}_prune_below)"
                 "\nw = w * (1 - pruned)")
    return code


def lazy_decay(p: WeightParams, prefix: str, since: str = "lastupdate") -> str:
    """Exact exponential decay of ``w`` over ``t - since`` (empty when decay is off)."""
    if not decaying(p):
        return ""
    return (f"w += {gate(p)} * ({prefix}_w_min - w) * (1 - exp(-(t - {since}) / {prefix}_tau_decay))")


def tick_decay(p: WeightParams, prefix: str) -> str:
    """Decay of ``w`` over one period of a rule's regular update (``{prefix}_decay_step``)."""
    if not decaying(p):
        return ""
    return f"w += {gate(p)} * ({prefix}_w_min - w) * {prefix}_decay_step"


def namespace(p: WeightParams, prefix: str, period=None) -> dict:
    """Constants used by the strings above; ``period`` is the regular update's period, if any."""
    ns = {f"{prefix}_w_min": p.w_min, f"{prefix}_w_max": p.w_max}
    if pruning(p):
        ns[f"{prefix}_prune_below"] = p.prune_below
    if decaying(p):
        ns[f"{prefix}_tau_decay"] = p.tau_decay
        if period is not None:
            import math
            ns[f"{prefix}_decay_step"] = 1.0 - math.exp(-float(period / p.tau_decay))
    return ns
