"""The Brain: regions and labelled projections in ONE explicit ``brian2.Network``.

No magic collection: every object is added explicitly; runs pass ``namespace={}`` so nothing is
looked up in calling frames. Seeds: Brian2's generator gets the brain seed; each region and each
projection draws from its own generator seeded by ``hash(brain seed, label)``, so adding a region
does not change the connectivity of the others.
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
from brian2 import Network, SpikeMonitor, second
from brian2 import seed as brian_seed

from brain.backends import Backend
from brain.config import ConfigError
from brain.guard import RunawayGuard
from brain.projections import build_projection
from brain.registry import region_kinds
from brain.schema import BrainConfig
from regions.base import Region, derive_seed, is_plastic, synaptic_learning_vars


@dataclass(frozen=True)
class _Snapshot:
    """Learning state copied when learning was frozen: ``values[(object, var)]`` at time ``t`` (s)."""

    t: float
    values: dict


def _is_time_stamp(obj, name: str) -> bool:
    """A time stamp: a variable with the dimension of time that no differential equation integrates.

    ``lastupdate`` of event-driven traces and BCM's ``t_last`` are written ``= t`` at events, so they
    are shifted by the frozen duration at unfreezing. A time-valued variable that the model
    integrates (``dtonic_time/dt = tonic_window``) is an accumulated duration: restored as it was.
    """
    if obj.variables[name].dim != second.dim:
        return False
    equations = getattr(obj, "equations", None)
    return equations is None or name not in equations.diff_eq_names


class Brain:
    """Regions + projections + spike recording, built from a validated :class:`BrainConfig`.

    Parameters
    ----------
    config : the validated configuration.
    backend : the active backend (``brain.backends.configure``); runtime cython when omitted.
    extra_regions : already-built regions to include (for experiments composing their own).
    """

    def __init__(self, config: BrainConfig, backend: Backend | None = None, record: bool = True):
        self.config = config
        self.backend = backend or Backend("cython")
        brian_seed(config.seed)
        kinds = region_kinds()
        self.regions: dict[str, Region] = {
            name: kinds[rc.kind](name, rc.params, seed=derive_seed(config.seed, name))
            for name, rc in config.regions.items()
        }
        self.projections = {
            label: build_projection(pc, self.regions[pc.pre], self.regions[pc.post], config.seed)
            for label, pc in config.projections.items()
        }
        self.monitors: dict[str, SpikeMonitor] = self._monitors() if record else {}
        self.guard = self._guard()
        self._order = [*[o for r in self.regions.values() for o in r.objects], *self.projections.values(),
                       *self.monitors.values(), *([self.guard.operation] if self.guard else [])]
        self.network = Network(*self._order, name="brain_network")
        self.checkpointer = None                  # set by the runner: brain.checkpoint.Checkpointer
        self.t_run = 0.0
        self._frozen = False                      # gates off through set_plastic(False)
        self._gates = None                        # the gates to set back at set_plastic(True)
        self._snapshot: _Snapshot | None = None   # learning state at the freeze (runtime backends)
        self._stored: dict[str, tuple] = {}          # name -> (frozen, snapshot, gates)

    # -- building --------------------------------------------------------------------------
    def _monitors(self) -> dict[str, SpikeMonitor]:
        wanted = set(self.config.record.populations)
        pops = self.populations()
        for key in wanted - set(pops):
            raise ConfigError(f"record.populations: unknown population {key!r} (known: {', '.join(sorted(pops))})")
        mons = {}
        n = self.config.record.max_neurons
        for key, group in pops.items():
            if wanted and key not in wanted:
                continue
            source = group[:n] if n and n < len(group) else group
            mons[key] = SpikeMonitor(source, name="spikes_" + key.replace(".", "_", 1))
        return mons

    def populations(self) -> dict[str, Any]:
        """``{"region.population": group}`` of every region."""
        return {f"{r}.{p}": g for r, reg in self.regions.items() for p, g in reg.populations.items()}

    def _guard(self) -> RunawayGuard | None:
        """The runtime runaway guard (cpp_standalone checks after the run: :meth:`check_runaway`)."""
        g = self.config.guard
        if self.backend.standalone or (g.rate_fraction <= 0 and not g.nan):
            return None
        return RunawayGuard(self.populations(), g.rate_fraction, float(g.window), float(g.period), g.nan)

    def check_runaway(self) -> str | None:
        """After a run: the runtime guard's message, or (cpp_standalone) the check on the
        recorded spikes and final state; None when the run stayed in range."""
        if self.guard is not None:
            return str(self.guard.error) if self.guard.error else None
        from brain.guard import check_results
        g = self.config.guard
        return check_results(self.spikes(), self.populations(), self.t_run, g.rate_fraction, float(g.window), g.nan)

    def add(self, *objects) -> None:
        """Add experiment-specific objects (stimuli, monitors) to the network."""
        self.network.add(*objects)
        self._order.extend(objects)

    def objects_in_order(self) -> list:
        """The network's objects in the order they were built and added (checkpoints key on it)."""
        return list(self._order)

    # -- running ---------------------------------------------------------------------------
    def run(self, duration, report: str | None = None) -> None:
        """Advance the network; long runs (> 5 s) report progress on stderr."""
        if report is None and float(duration) > 5.0:
            report = "stderr"
        try:
            self.network.run(duration, namespace={}, report=report, report_period=10 * second)
        except Exception:
            if self.guard is not None and self.guard.error is not None:
                raise self.guard.error from None     # Brian2 wraps it; the one-line message is ours
            raise
        self.t_run += float(duration)

    def finish(self) -> None:
        """For cpp_standalone: compile and run everything scheduled so far (idempotent)."""
        self.backend.build()

    def store(self, name: str = "default") -> None:
        """Store the network's state (and whether learning is frozen, with its snapshot)."""
        self.network.store(name)
        self._stored[name] = (self._frozen, self._snapshot, self._gates)

    def restore(self, name: str = "default", reseed: int | None = None) -> None:
        """Restore a stored state; ``reseed`` re-seeds the random generator (to repeat a run exactly).

        The gates are part of the network's state; a freeze pending at :meth:`store` comes back
        with it (its snapshot and the gates to set back too), one taken after the store is dropped.
        """
        self.network.restore(name)
        if self.guard is not None:
            self.guard.reset()
        self._frozen, self._snapshot, self._gates = self._stored.get(name, (False, None, None))
        if reseed is not None:
            brian_seed(reseed)

    # -- learning --------------------------------------------------------------------------
    def learning_state(self) -> dict[Any, tuple[str, ...]]:
        """``{Brian2 object: variable names}`` of everything learning remembers (gates excluded).

        Each region's :meth:`regions.base.Region.learning_state` (its plastic synapses, and
        neuromodulator / rate-trace variables of its groups) and every variable of every projection
        (:func:`regions.base.synaptic_learning_vars`: ``w``, eligibility ``c``, STDP traces
        ``apre`` / ``apost``, ``pruned``, ``lastupdate``...). Objects added with :meth:`add` are
        not included.
        """
        state: dict[Any, tuple[str, ...]] = {}
        for region in self.regions.values():
            state.update(region.learning_state())
        for syn in self.projections.values():
            names = synaptic_learning_vars(syn)
            if names:
                state[syn] = names
        return state

    def learning_values(self) -> dict[str, np.ndarray]:
        """Copies of every learning-state array, keyed ``"object_name.var"`` (runtime backends)."""
        return {f"{obj.name}.{var}": np.array(obj.variables[var].get_value(), copy=True)
                for obj, names in self.learning_state().items() for var in names}

    @property
    def is_frozen(self) -> bool:
        """True between ``set_plastic(False)`` and ``set_plastic(True)``."""
        return self._frozen

    def set_plastic(self, on: bool, *, gate_only: bool = False) -> None:
        """Freeze (``False``) or resume (``True``) learning everywhere: regions and projections.

        A frozen phase is excised from learning's point of view, as if it never happened:

        - the gates (``plastic = 0``) keep every weight fixed while frozen;
        - ``set_plastic(False)`` snapshots the learning state (:meth:`learning_state`: weights,
          eligibility, STDP pre/post traces, pruning flags, the critic's synapses and traces,
          hippocampal storage, and the neuromodulator concentrations and running means that rules
          read: ``da``, ``da_avg``, ``da_tonic`` and its ``tonic_time``, ``da_bar``...), and
          ``set_plastic(True)`` restores it, so that nothing that happened while frozen (spikes, dopamine bursts,
          decay) acts on learning afterwards. Time stamps (variables with the dimension of time
          that no differential equation integrates: ``lastupdate`` of event-driven traces, BCM's
          ``t_last``) are instead shifted forward by the frozen duration, so that traces do not
          decay over the excised interval either; accumulated durations (``tonic_time``,
          integrated) are restored unshifted.
        - The gates themselves are restored too: ``set_plastic(True)`` sets every region's gates
          and mode variables (:meth:`Region.gate_state`: e.g. the hippocampus's ACh level) and
          every projection's gate back to what they were at ``set_plastic(False)``, so a region
          whose learning was switched off on its own stays off after a freeze (runtime backends;
          cpp_standalone cannot read the gates before its build, and ``set_plastic(True)`` opens them all).
        - Idempotent: a second ``set_plastic(False)`` keeps the first snapshot; ``set_plastic(True)``
          without a snapshot only opens the gates (all of them when nothing was frozen).

        Exactness: three-factor rules keep ``c`` referenced to their last update tick
        (``plasticity.three_factor``), and every periodic rule update runs on a fixed grid of
        ``update_dt``; restoring is exact when the frozen duration is a multiple of every such
        period (10 ms by default; a warning says when it is not: the eligibility is then off by up
        to ``exp(update_dt / tau_c)``, 1 % for 10 ms / 1 s). Ordinary neuron state (membrane
        potentials, conductances, ``goal``) and spikes in flight (synaptic delays, the critic's
        cue -> timer delay line) are not learning state: the network's dynamics run on through
        the frozen phase, and what is still in flight at unfreezing is seen by learning. Values
        written by hand to learning-state variables while frozen are overwritten at unfreezing.

        ``gate_only=True`` switches the gates only (the behaviour of :meth:`Region.set_plastic`):
        traces and means keep evolving while frozen. cpp_standalone cannot read state before its
        build, so freezing there needs ``gate_only=True``.
        """
        if not on:
            if not self._frozen:
                if not gate_only:
                    if self.backend.standalone:
                        raise RuntimeError(
                            "set_plastic(False): freezing learning snapshots the learning state, which "
                            "cpp_standalone cannot read before its build; use a runtime backend (numpy, "
                            "cython) or set_plastic(False, gate_only=True) to stop weight changes only")
                    self._snapshot = self._take_snapshot()
                if not self.backend.standalone:
                    self._gates = self._gate_state()
            self._frozen = True
        else:
            if self._snapshot is not None:
                self._restore_snapshot(self._snapshot)
            self._snapshot = None
            self._frozen = False
            if self._gates is not None:
                gates, self._gates = self._gates, None
                self._restore_gates(gates)
                return
        for region in self.regions.values():
            region.set_plastic(on)
        for syn in self.projections.values():
            syn.plastic = 1.0 if on else 0.0

    def gates(self) -> list:
        """The synapses whose ``plastic`` gate :meth:`set_plastic` switches: every plastic synapse
        of every region, and every projection."""
        return [*(syn for r in self.regions.values() for syn in r.synapses.values() if is_plastic(syn)),
                *self.projections.values()]

    def _gate_state(self) -> tuple[dict, dict]:
        return ({name: region.gate_state() for name, region in self.regions.items()},
                {name: np.array(syn.plastic[:], copy=True) for name, syn in self.projections.items()})

    def _restore_gates(self, gates: tuple[dict, dict]) -> None:
        regions, projections = gates
        for name, state in regions.items():
            self.regions[name].restore_gates(state)
        for name, value in projections.items():
            self.projections[name].plastic = value

    @contextlib.contextmanager
    def frozen(self) -> Iterator[Brain]:
        """``with brain.frozen(): brain.run(...)``: a phase excised from learning (see :meth:`set_plastic`).

        Learning resumes on exit (also on an exception) unless it was already frozen on entry.
        """
        was_frozen = self._frozen
        self.set_plastic(False)
        try:
            yield self
        finally:
            if not was_frozen:
                self.set_plastic(True)

    def _take_snapshot(self) -> _Snapshot:
        values = {(obj, var): np.array(obj.variables[var].get_value(), copy=True)
                  for obj, names in self.learning_state().items() for var in names}
        return _Snapshot(float(self.network.t), values)

    def _restore_snapshot(self, snap: _Snapshot) -> None:
        shift = float(self.network.t) - snap.t
        self._check_period(shift)
        for (obj, var), value in snap.values.items():
            variable = obj.variables[var]
            if variable.size != value.size:
                raise RuntimeError(f"set_plastic(True): {obj.name}.{var} has {variable.size} values, "
                                   f"{value.size} when learning was frozen (synapses created meanwhile?)")
            variable.set_value(value + shift if _is_time_stamp(obj, var) else value)

    def _check_period(self, shift: float) -> None:
        """Warn when the frozen duration is not a multiple of a plastic object's update period."""
        for obj in self.learning_state():
            if not is_plastic(obj):
                continue
            for sub in getattr(obj, "contained_objects", ()):
                clock = getattr(sub, "clock", None)
                if clock is None or clock is obj.clock:
                    continue
                period = float(clock.dt)
                k = shift / period
                if abs(k - round(k)) > 1e-6:
                    warnings.warn(f"learning frozen for {shift:.6g} s, not a multiple of the "
                                  f"{period:.6g} s update period of {obj.name}: restored eligibility "
                                  "is approximate (see Brain.set_plastic)", stacklevel=4)
                    return

    # -- results ---------------------------------------------------------------------------
    def spikes(self) -> dict[str, dict[str, Any]]:
        """``{"region.pop": {"i": int array, "t": seconds array, "n": size}}`` of recorded spikes."""
        self.finish()
        # Copies: the monitor's arrays are views into Brian2 buffers that may be freed or resized.
        return {key: {"i": np.array(m.i[:], dtype=np.int32), "t": np.array(m.t[:] / second),
                      "n": int(len(m.source))}
                for key, m in self.monitors.items()}

    def region(self, name: str) -> Region:
        return self.regions[name]
