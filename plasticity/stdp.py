"""Pair-based spike-timing-dependent plasticity with composable timing and weight dependence.

Timing (``pairing``) and weight dependence (``weight_dependence``) are independent choices:

========================  ===================================================================
``all_to_all``            traces ``x_pre, x_post`` jump by +1 at each spike (every pair counts)
``nearest``               traces are *reset* to 1 (only the nearest pre/post neighbour counts;
                          symmetric nearest-spike scheme of Morrison et al. 2008, Fig. 7B)
``additive``              ``Δw+ = A+ x_pre``, ``Δw- = -A- x_post``, hard bounds (Song et al. 2000)
``multiplicative``        ``Δw+ = A+ (w_max - w) x_pre``, ``Δw- = -A- (w - w_min) x_post``
                          (soft bounds; Gütig et al. 2003 with mu = 1)
========================  ===================================================================

Both traces decay exponentially (``tau_plus``, ``tau_minus``) and are *event-driven*: Brian2
integrates them in closed form at the synapse's own spikes, so the rule costs O(1) per pre or
post event and nothing per time step. For one pair ``Δt = t_post - t_pre`` the change is
``A+ exp(-Δt/tau_plus)`` for ``Δt > 0`` and ``-A- exp(Δt/tau_minus)`` for ``Δt < 0`` (additive).
At ``Δt = 0`` the pre pathway runs first, so the pair potentiates by ``A+``.

References
----------
Song S, Miller KD, Abbott LF (2000) Nat Neurosci 3:919-926.
Bi G-Q, Poo M-M (1998) J Neurosci 18:10464-10472.
Gütig R, Aharonov R, Rotter S, Sompolinsky H (2003) J Neurosci 23:3697-3714.
Morrison A, Diesmann M, Gerstner W (2008) Biol Cybern 98:459-478.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Quantity, ms

from plasticity import weights
from plasticity.base import RuleSpec
from plasticity.params import check_choice, check_nonneg, check_positive, quantity
from plasticity.weights import WeightParams

PAIRINGS = ("all_to_all", "nearest")
WEIGHT_DEPENDENCES = ("additive", "multiplicative")


@dataclass(frozen=True)
class STDPParams(WeightParams):
    """Pair-based STDP; defaults are Song et al. (2000), with weights in units of g_max."""

    pairing: str = "all_to_all"              # all_to_all | nearest
    weight_dependence: str = "additive"      # additive (hard bounds) | multiplicative (soft bounds)
    tau_plus: Quantity = quantity(20 * ms)   # Song et al. 2000: tau+ = 20 ms
    tau_minus: Quantity = quantity(20 * ms)  # Song et al. 2000: tau- = 20 ms
    A_plus: float = 0.005                    # Song et al. 2000: A+ = 0.005 g_max
    A_minus: float = 0.00525                 # Song et al. 2000: A-/A+ = 1.05

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "pairing", PAIRINGS)
        check_choice(self, "weight_dependence", WEIGHT_DEPENDENCES)
        check_positive(self, "tau_plus", "tau_minus")
        check_nonneg(self, "A_plus", "A_minus")


def trace_model(prefix: str = "stdp") -> str:
    """Event-driven pre/post traces ``apre``, ``apost`` (shared with the three-factor rules)."""
    return (f"dapre/dt = -apre / {prefix}_tau_plus : 1 (event-driven)\n"
            f"dapost/dt = -apost / {prefix}_tau_minus : 1 (event-driven)")


def pair_terms(p: STDPParams, prefix: str = "stdp") -> tuple[str, str, str, str]:
    """``(ltp, ltd, pre_bump, post_bump)`` expressions/statements for timing x weight dependence."""
    ltp, ltd = f"{prefix}_A_plus * apre", f"-{prefix}_A_minus * apost"
    if p.weight_dependence == "multiplicative":
        ltp += f" * ({prefix}_w_max - w)"
        ltd += f" * (w - {prefix}_w_min)"
    op = "+=" if p.pairing == "all_to_all" else "="
    return ltp, ltd, f"apre {op} 1", f"apost {op} 1"


def stdp(p: STDPParams) -> RuleSpec:
    """Build the STDP rule: ``w`` changes at every pre (depression) and post (potentiation) spike."""
    ltp, ltd, pre_bump, post_bump = pair_terms(p)
    decay = weights.lazy_decay(p, "stdp")
    on_pre = "\n".join(filter(None, [decay, pre_bump, weights.update(p, "stdp", ltd)]))
    on_post = "\n".join(filter(None, [decay, post_bump, weights.update(p, "stdp", ltp)]))
    ns = {"stdp_tau_plus": p.tau_plus, "stdp_tau_minus": p.tau_minus,
          "stdp_A_plus": p.A_plus, "stdp_A_minus": p.A_minus, **weights.namespace(p, "stdp")}
    return RuleSpec(name="stdp", model=weights.model(p) + "\n" + trace_model(), on_pre=on_pre,
                    on_post=on_post, namespace=ns, recordables=("apre", "apost"))
