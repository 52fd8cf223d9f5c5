"""``brain describe NAME``: the resolved brain as text -- regions with population sizes,
projections with synapse counts and each projection's final equations.

A rule's equations are assembled from fragments (``plasticity`` rule builders, the transmission
line added by ``plasticity.base.make_synapses``, the periodic update attached by
``attach_regular``); this prints what Brian2 finally received, read back from the built
``Synapses`` objects (model, ``on_pre`` / ``on_post`` pathways, periodic code, constants). The
brain is built on the runtime numpy target and never run, so nothing is compiled.
"""
from __future__ import annotations

from typing import Any

from brian2 import Quantity

from brain.brain import Brain
from brain.schema import BrainConfig


def _value(v: Any) -> str:
    if isinstance(v, Quantity):
        return str(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _block(title: str, code: str, indent: str = "      ") -> list[str]:
    lines = [ln.rstrip() for ln in str(code).strip().splitlines() if ln.strip()]
    if not lines:
        return []
    return [f"    {title}:", *(indent + ln.strip() for ln in lines)]


def synapse_code(syn) -> list[str]:
    """The final equations of one Synapses object, as indented text lines."""
    out = _block("model", syn.equations)
    if getattr(syn, "event_driven", None) is not None:
        out += _block("event-driven (updated at spikes)", syn.event_driven)
    for pathway in getattr(syn, "_pathways", []):
        out += _block(f"on_{pathway.prepost}", pathway.code)
    for obj in syn.contained_objects:
        code = getattr(obj, "abstract_code", None)
        if type(obj).__name__ == "CodeRunner" and code:
            dt = getattr(getattr(obj, "clock", None), "dt", None)
            out += _block(f"every {dt}" if dt is not None else "periodic", code)
    consts = dict(syn.namespace or {})    # the rule's parameters and the weight unit
    if consts:
        out.append("    constants: " + ", ".join(f"{k} = {_value(v)}" for k, v in sorted(consts.items())))
    return out


def describe(config: BrainConfig, brain: Brain) -> str:
    """The text report of a built (not run) brain."""
    lines = [f"{config.name or 'brain'}: seed {config.seed}, backend {config.backend}, dt {config.dt}, "
             f"duration {config.duration}"]
    total = sum(len(g) for g in brain.populations().values())
    lines.append(f"regions ({len(brain.regions)}, {total} neurons in recorded populations):")
    for name, region in brain.regions.items():
        pops = ", ".join(f"{k} {len(g)}" for k, g in region.populations.items())
        lines.append(f"  {name} [{region.kind}]: {pops}")
        internal = {k: len(s) for k, s in region.synapses.items()}
        if internal:
            lines.append("    internal synapses: " + ", ".join(f"{k} {n}" for k, n in internal.items()))
        lines.append("    ports: " + ", ".join(f"{k}{'' if p.var is None else ' -> ' + p.var}"
                                              for k, p in region.ports.items()))
    n_syn = sum(len(s) for s in brain.projections.values())
    lines.append(f"projections ({len(brain.projections)}, {n_syn} synapses):")
    for label, syn in brain.projections.items():
        pc = config.projections[label]
        lines.append(f"  {label}: {pc.pre}.{pc.source or '(default)'} -> {pc.post}.{pc.target or '(default)'}, "
                     f"rule {pc.rule}, p {pc.p:g}, weight {pc.weight}, delay {pc.delay}, {len(syn)} synapses")
        lines += synapse_code(syn)
    return "\n".join(lines)
