"""Region base class: a region owns its neuron groups and internal synapses and exposes named ports.

A port is a (group, variable) pair. As a *source*, a projection takes the group's spikes; as a
*target*, a projection adds ``w * w_unit`` to ``variable`` of the postsynaptic neuron. Regions
never import each other or ``brain/``: the Brain wires them through ports from YAML.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from brian2 import NeuronGroup, Subgroup, Synapses


@dataclass(frozen=True)
class Port:
    """A named connection point of a region.

    Attributes
    ----------
    group : the NeuronGroup (or Subgroup) whose spikes leave / whose variable is targeted.
    var : target variable on that group (``None`` for output-only ports).
    doc : one line saying what the port carries.
    """

    group: Any
    var: str | None = None
    doc: str = ""


def derive_seed(seed: int, label: str) -> int:
    """A 32-bit seed from the brain seed and a label (stable across runs and platforms)."""
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


class Region:
    """Base class of brain regions.

    Subclasses set ``kind`` (the YAML ``type``), ``Params`` (a frozen dataclass of parameters)
    and implement :meth:`build`, which creates groups with :meth:`add_group`, internal synapses
    with :meth:`add_synapses`, other objects with :meth:`add`, and ports with :meth:`add_port`.

    Parameters
    ----------
    name : region name, unique in a brain; prefixes every Brian2 object name.
    params : an instance of ``Params`` (defaults when omitted).
    seed : the region's seed (the Brain derives it from the brain seed and ``name``).
    """

    kind: ClassVar[str] = ""
    Params: ClassVar[type]

    def __init__(self, name: str, params=None, seed: int = 0):
        self.name = name
        self.params = params if params is not None else self.Params()
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.groups: dict[str, Any] = {}
        self.synapses: dict[str, Synapses] = {}
        self.ports: dict[str, Port] = {}
        self._others: list = []
        self.build()

    # -- construction helpers -------------------------------------------------------------
    def build(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def add_group(self, key: str, group: NeuronGroup, record: bool = True):
        """Register a population; ``record=False`` keeps it out of default spike recording."""
        self.groups[key] = group
        if not record:
            self._no_record = getattr(self, "_no_record", set()) | {key}
        return group

    def add_synapses(self, key: str, syn: Synapses) -> Synapses:
        self.synapses[key] = syn
        return syn

    def add(self, obj):
        """Register any other Brian2 object (inputs, run_regularly holders, internal monitors)."""
        self._others.append(obj)
        return obj

    def add_port(self, key: str, group, var: str | None = None, doc: str = "") -> Port:
        self.ports[key] = Port(group, var, doc)
        return self.ports[key]

    def object_name(self, key: str) -> str:
        return f"{self.name}_{key}"

    # -- public API -----------------------------------------------------------------------
    @property
    def objects(self) -> list:
        """Every Brian2 object of the region, for inclusion in the Brain's Network.

        Subgroups are views of a parent group (which must itself be registered, with
        :meth:`add_group` or :meth:`add`), so they are not listed.
        """
        groups = [g for g in self.groups.values() if not isinstance(g, Subgroup)]
        return [*groups, *self.synapses.values(), *self._others]

    @property
    def populations(self) -> dict[str, Any]:
        """Populations recorded by default (spike monitors)."""
        skip = getattr(self, "_no_record", set())
        return {k: g for k, g in self.groups.items() if k not in skip}

    def port(self, key: str) -> Port:
        try:
            return self.ports[key]
        except KeyError:
            raise KeyError(f"region {self.name!r} has no port {key!r} (ports: {', '.join(self.ports)})") from None

    def set_plastic(self, on: bool) -> None:
        """Freeze (False) or enable (True) learning in every internal plastic synapse."""
        for syn in self.synapses.values():
            if "plastic" in syn.variables:
                syn.plastic = 1.0 if on else 0.0

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "populations": {k: len(g) for k, g in self.groups.items()},
            "ports": {k: (p.var or "-") for k, p in self.ports.items()},
        }
