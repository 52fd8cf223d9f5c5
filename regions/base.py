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
from brian2.core.variables import ArrayVariable

#: Neuromodulator concentrations and their running means, on the neuron side, that learning rules
#: read (``da_post``, ``da_avg_post``, ``da_bar_post``...), and ``tonic_time``, the time counted so
#: far into the mean ``da_tonic`` (``plasticity.three_factor.DOPAMINE_TONIC_POST``; a duration, not
#: a time stamp: restored as it was, never shifted). Never read by the membrane dynamics. The mode
#: ``tonic_window`` (set by the trial engine) is not learning state.
NEUROMODULATOR_VARS = ("da", "da_avg", "da_tonic", "tonic_time", "da_bar")
#: Neuron-side rate traces of rate-based rules (``plasticity.homeostasis.RATE_POST``, BCM's ``nu_sq``).
RATE_TRACE_VARS = ("nu", "nu_sq")
#: Default neuron-side learning state: any of these variables that a region's group has.
LEARNING_NEURON_VARS = NEUROMODULATOR_VARS + RATE_TRACE_VARS
#: The learning gate (``plasticity.base``): switched by ``set_plastic``, never part of learning state.
GATE_VAR = "plastic"


def is_plastic(syn) -> bool:
    """A Synapses object is plastic when it has the learning gate ``plastic``."""
    return isinstance(syn, Synapses) and GATE_VAR in syn.variables


def synaptic_learning_vars(syn: Synapses, exclude=()) -> tuple[str, ...]:
    """Every learnable state variable of a Synapses object: its own writable arrays.

    That is each per-synapse or shared variable owned by ``syn`` that is neither read-only nor
    constant (connectivity ``i``, ``j``, ``N``, ``delay``... are one or the other), minus the gate
    ``plastic`` and ``exclude``: e.g. ``w``, ``c``, ``apre``, ``apost``, ``pruned``, ``lastupdate``.
    Variables referring to the pre/post groups (``v_post``) belong to those groups and are skipped.
    """
    names = []
    for name, var in syn.variables.items():
        if (isinstance(var, ArrayVariable) and not name.startswith("_") and not var.read_only
                and not var.constant and getattr(var.owner, "name", None) == syn.name
                and name != GATE_VAR and name not in exclude):
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class Port:
    """A named connection point of a region.

    Attributes
    ----------
    group : the NeuronGroup (or Subgroup) whose spikes leave / whose variable is targeted.
    var : target variable on that group (``None`` for output-only ports).
    doc : one line saying what the port carries.
    cells : input ports only: the indices of ``group`` that the port reaches (``None``: all), for a
        set of cells that is not contiguous (e.g. a goal sub-pool spread over every channel).
    """

    group: Any
    var: str | None = None
    doc: str = ""
    cells: Any = None

    @property
    def size(self) -> int:
        """Number of cells the port reaches."""
        return len(self.group) if self.cells is None else len(self.cells)

    def target_index(self, j):
        """Indices into ``group`` of the port's cells ``j`` (``0 .. size - 1``)."""
        return j if self.cells is None else np.asarray(self.cells, dtype=np.int32)[j]


def derive_seed(seed: int, label: str) -> int:
    """A 32-bit seed from the brain seed and a label (stable across runs and platforms)."""
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def _own_array(group, name: str) -> bool:
    var = group.variables.get(name)
    return (isinstance(var, ArrayVariable) and not var.read_only and not var.constant
            and getattr(var.owner, "name", None) == group.name)


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
    #: Neuron variables that are learning state wherever a group of the region has them.
    learning_vars: ClassVar[tuple[str, ...]] = LEARNING_NEURON_VARS
    #: Variables of the region's plastic synapses that are modes set by the region, not learning
    #: state (e.g. the hippocampus's cholinergic gate ``ach``).
    mode_vars: ClassVar[tuple[str, ...]] = ()

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

    def add_shared_group(self, key: str, group: NeuronGroup, sizes: dict[str, int]) -> dict[str, Subgroup]:
        """Register ``group``, the one NeuronGroup of populations that share a neuron model, as ``key``
        (not recorded: its populations are), and return those populations as named Subgroups at
        running offsets, in the order of ``sizes``.

        The caller registers them (:meth:`add_group`) in its own order. One NeuronGroup per neuron
        model keeps the number of code objects per time step small: in runtime mode the cost grows
        with their number, not with the cells (CONTRIBUTING.md).
        """
        if sum(sizes.values()) != len(group):
            raise ValueError(f"{self.object_name(key)}: sizes add up to {sum(sizes.values())}, "
                             f"the group has {len(group)} cells")
        self.add_group(key, group, record=False)
        subs, first = {}, 0
        for sub, n in sizes.items():
            subs[sub] = Subgroup(group, first, first + n, name=self.object_name(sub))
            first += n
        return subs

    def add_synapses(self, key: str, syn: Synapses) -> Synapses:
        self.synapses[key] = syn
        return syn

    def add(self, obj):
        """Register any other Brian2 object (inputs, run_regularly holders, internal monitors)."""
        self._others.append(obj)
        return obj

    def add_port(self, key: str, group, var: str | None = None, doc: str = "", cells=None) -> Port:
        if cells is not None and var is None:
            raise ValueError(f"port {key!r}: a set of cells is for input ports (give var)")
        self.ports[key] = Port(group, var, doc, None if cells is None else np.asarray(cells, dtype=np.int32))
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
        """Freeze (False) or enable (True) weight changes in every internal plastic synapse.

        This switches the gate only (``plastic``): traces, eligibility and neuromodulator means
        keep evolving. ``brain.Brain.set_plastic`` freezes the whole learning state
        (:meth:`learning_state`) of a region used inside a Brain.
        """
        for syn in self.synapses.values():
            if is_plastic(syn):
                syn.plastic = 1.0 if on else 0.0

    def gate_state(self) -> dict[str, dict[str, np.ndarray]]:
        """Copies of the gate (``plastic``) and the mode variables (:attr:`mode_vars`) of every
        plastic internal synapse, which :meth:`restore_gates` sets back (``Brain.set_plastic`` does
        at unfreezing, so a region switched off on its own stays off after a freeze)."""
        return {key: {v: np.array(syn.variables[v].get_value(), copy=True)
                      for v in ("plastic", *self.mode_vars) if v in syn.variables}
                for key, syn in self.synapses.items() if is_plastic(syn)}

    def restore_gates(self, state: dict[str, dict[str, np.ndarray]]) -> None:
        """Set back what :meth:`gate_state` returned."""
        for key, values in state.items():
            for var, value in values.items():
                self.synapses[key].variables[var].set_value(value)

    def learning_state(self) -> dict[Any, tuple[str, ...]]:
        """``{Brian2 object: variable names}``: everything learning remembers, besides the gates.

        Default: every variable of every plastic internal synapse
        (:func:`synaptic_learning_vars`, minus :attr:`mode_vars`), and on every group (not
        subgroups: their parent is registered too) the variables of :attr:`learning_vars` it has.
        Ordinary neuron state (``v``, conductances, ``goal``) is not included: freezing learning
        must not stop the network's dynamics. Regions with other neuron-side learning traces
        extend this (``regions.dopamine``: the critic's presynaptic traces).
        """
        state: dict[Any, tuple[str, ...]] = {}
        for obj in self.objects:
            if is_plastic(obj):
                names = synaptic_learning_vars(obj, self.mode_vars)
            elif isinstance(obj, NeuronGroup) and not isinstance(obj, Subgroup):
                names = tuple(v for v in self.learning_vars if _own_array(obj, v))
            else:
                continue
            if names:
                state[obj] = names
        return state

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "populations": {k: len(g) for k, g in self.groups.items()},
            "ports": {k: (p.var or "-") for k, p in self.ports.items()},
        }
