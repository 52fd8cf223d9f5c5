"""The rule specification every plasticity rule produces.

A rule is a pure specification: Brian2 ``model`` / ``on_pre`` / ``on_post`` strings and a
namespace. It never creates groups. The projection that uses it (``brain.projections``)
creates the ``Synapses`` object, adds the transmission line
``{target_var}_post += w * w_unit`` *before* the rule's ``on_pre``, and merges the namespaces.

Conventions every rule follows
------------------------------
- ``w`` is the dimensionless weight (``w : 1``); the physical weight is ``w * w_unit`` where
  ``w_unit`` is the projection's ``weight`` (e.g. ``0.5 nS``). Bounds are dimensionless.
- Every rule declares ``plastic : 1 (shared)``; all weight changes are multiplied by it, so
  ``plastic = 0`` freezes learning without rebuilding anything.
- ``post_vars``: neuron variables the rule reads from the postsynaptic group (``da_post``
  for dopamine); the Brain checks the target group has them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class RuleSpec:
    """A learning rule as Brian2 code strings.

    Attributes
    ----------
    name : rule name, as used in YAML (``rule: stdp``).
    model : Synapses model; must declare ``w : 1`` and ``plastic : 1 (shared)``.
    on_pre, on_post : event code (on_post may be empty).
    namespace : constants used by the strings, with units.
    modifies : synaptic variables the rule changes (``("w",)``).
    recordables : variables worth recording (traces, eligibility).
    post_vars : postsynaptic neuron variables the rule reads (``("da",)``).
    pre_vars : presynaptic neuron variables the rule reads.
    """

    name: str
    model: str
    on_pre: str
    on_post: str = ""
    namespace: Mapping[str, Any] = field(default_factory=dict)
    modifies: tuple[str, ...] = ("w",)
    recordables: tuple[str, ...] = ()
    post_vars: tuple[str, ...] = ()
    pre_vars: tuple[str, ...] = ()
    method: str = "exact"


@dataclass(frozen=True)
class StaticParams:
    """A static synapse has no parameters."""


def static(params: StaticParams | None = None) -> RuleSpec:
    """Static (non-plastic) synapse: ``w`` never changes."""
    return RuleSpec(name="static", model="w : 1\nplastic : 1 (shared)", on_pre="", modifies=())
