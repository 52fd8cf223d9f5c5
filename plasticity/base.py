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
  for dopamine); the Brain checks the target group has them. The neuron-side equations a
  target group needs are exported by the rule's module as a :class:`PostSide`.
- ``regular``: code run every ``regular_dt`` on the synapses (``Synapses.run_regularly``,
  slot ``when='start'``), for rules whose weight integrates a continuously varying
  neuromodulator (three-factor rules) or a slow homeostatic signal. :func:`make_synapses`
  builds a Synapses object exactly as a projection does, including this update.
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
    method : integration method of the (event-driven) synaptic equations.
    regular : code for ``Synapses.run_regularly`` (empty: none).
    regular_dt : its period (a time quantity), when ``regular`` is set.
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
    regular: str = ""
    regular_dt: Any = None


@dataclass(frozen=True)
class PostSide:
    """What a postsynaptic NeuronGroup must contain for a rule that reads neuron variables.

    Append ``eqs`` to the group's equations, ``reset`` (if any) to its reset code, and merge
    ``namespace`` into its namespace (``regions.neurons.make_group(extra_eqs=...,
    extra_namespace=...)``).
    """

    eqs: str
    reset: str = ""
    namespace: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StaticParams:
    """A static synapse has no parameters."""


def make_synapses(spec: RuleSpec, source, target, target_var: str | None = None, weight=1.0,
                  connect: Mapping[str, Any] | None = None, name: str | None = None, delay=None,
                  **kwargs):
    """Create the ``Synapses`` of a projection from a rule, as ``brain.projections`` does.

    The transmission line ``{target_var}_post += w * w_unit`` precedes the rule's ``on_pre``
    (``target_var=None``: no transmission, for tests of the rule alone) and the rule's regular
    update, if any, is attached. ``connect`` (keyword arguments of ``Synapses.connect``, e.g.
    ``{"j": "i"}``) connects and sets ``plastic = 1``; without it the caller must connect and
    set ``syn.plastic = 1`` (shared variables can only be written after ``connect``; the
    default 0 means *frozen*).
    """
    from brian2 import Synapses

    on_pre = (f"{target_var}_post += w * w_unit\n" if target_var else "") + spec.on_pre
    syn = Synapses(source, target, model=spec.model, on_pre=on_pre, on_post=spec.on_post or None,
                   namespace={**spec.namespace, "w_unit": weight}, method=spec.method,
                   delay=delay, name=name or "synapses*", **kwargs)
    attach_regular(spec, syn)
    if connect is not None:
        syn.connect(**connect)
        syn.plastic = 1.0
    return syn


def attach_regular(spec: RuleSpec, syn) -> None:
    """Attach the rule's periodic update (if any) to an existing Synapses object."""
    if spec.regular:
        syn.run_regularly(spec.regular, dt=spec.regular_dt, when="start", name=f"{syn.name}_rule")


def static(params: StaticParams | None = None) -> RuleSpec:
    """Static (non-plastic) synapse: ``w`` never changes."""
    return RuleSpec(name="static", model="w : 1\nplastic : 1 (shared)", on_pre="", modifies=())
