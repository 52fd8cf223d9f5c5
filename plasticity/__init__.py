"""Local learning rules as pure Brian2 specifications (imports brian2 only). No gradients.

``RULES`` maps the YAML name of a rule to ``(ParamsDataclass, builder)``; ``builder(params)``
returns a :class:`plasticity.base.RuleSpec`. Families, one module each: ``stdp`` (timing x
weight dependence), ``three_factor`` (dopamine- and goal-gated eligibility), ``hebbian``
(Hebbian, anti-Hebbian, Oja, BCM), ``inhibitory`` (Vogels iSTDP), ``homeostasis`` (synaptic
scaling); ``weights`` holds the bounds / decay / pruning shared by all.
"""
from plasticity.base import PostSide, RuleSpec, StaticParams, make_synapses, static
from plasticity.hebbian import BCMParams, HebbianParams, OjaParams, anti_hebbian, bcm, hebbian, oja
from plasticity.homeostasis import ScalingParams, synaptic_scaling
from plasticity.inhibitory import ISTDPParams, istdp
from plasticity.stdp import STDPParams, stdp
from plasticity.three_factor import DopamineParams, GoalParams, da_three_factor, goal_three_factor

RULES = {
    "static": (StaticParams, static),
    "stdp": (STDPParams, stdp),
    "da_three_factor": (DopamineParams, da_three_factor),
    "goal_three_factor": (GoalParams, goal_three_factor),
    "hebbian": (HebbianParams, hebbian),
    "anti_hebbian": (HebbianParams, anti_hebbian),
    "oja": (OjaParams, oja),
    "bcm": (BCMParams, bcm),
    "istdp": (ISTDPParams, istdp),
    "synaptic_scaling": (ScalingParams, synaptic_scaling),
}


def get_rule(name: str):
    """Return ``(Params, builder)`` for a rule name, or raise KeyError listing the known names."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown rule {name!r} (known: {', '.join(sorted(RULES))})") from None


__all__ = ["RULES", "RuleSpec", "PostSide", "get_rule", "make_synapses"]
