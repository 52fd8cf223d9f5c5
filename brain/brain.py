"""The Brain: regions and labelled projections in ONE explicit ``brian2.Network``.

No magic collection: every object is added explicitly; runs pass ``namespace={}`` so nothing is
looked up in calling frames. Seeds: Brian2's generator gets the brain seed; each region and each
projection draws from its own generator seeded by ``hash(brain seed, label)``, so adding a region
does not change the connectivity of the others.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from brian2 import Network, SpikeMonitor, second
from brian2 import seed as brian_seed

from brain.backends import Backend
from brain.config import ConfigError
from brain.projections import build_projection
from brain.registry import region_kinds
from brain.schema import BrainConfig
from regions.base import Region, derive_seed


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
        self.network = Network(*[o for r in self.regions.values() for o in r.objects],
                               *self.projections.values(), *self.monitors.values(),
                               name="brain_network")
        self.t_run = 0.0

    # -- building --------------------------------------------------------------------------
    def _monitors(self) -> dict[str, SpikeMonitor]:
        wanted = set(self.config.record.populations)
        known = {f"{r}.{p}" for r, reg in self.regions.items() for p in reg.populations}
        for key in wanted - known:
            raise ConfigError(f"record.populations: unknown population {key!r} (known: {', '.join(sorted(known))})")
        mons = {}
        for rname, region in self.regions.items():
            for pname, group in region.populations.items():
                key = f"{rname}.{pname}"
                if wanted and key not in wanted:
                    continue
                n = self.config.record.max_neurons
                source = group[:n] if n and n < len(group) else group
                mons[key] = SpikeMonitor(source, name=f"spikes_{rname}_{pname}")
        return mons

    def add(self, *objects) -> None:
        """Add experiment-specific objects (stimuli, monitors) to the network."""
        self.network.add(*objects)

    # -- running ---------------------------------------------------------------------------
    def run(self, duration, report: str | None = None) -> None:
        """Advance the network; long runs (> 5 s) report progress on stderr."""
        if report is None and float(duration) > 5.0:
            report = "stderr"
        self.network.run(duration, namespace={}, report=report, report_period=10 * second)
        self.t_run += float(duration)

    def finish(self) -> None:
        """For cpp_standalone: compile and run everything scheduled so far (idempotent)."""
        self.backend.build()

    def store(self, name: str = "default") -> None:
        self.network.store(name)

    def restore(self, name: str = "default", reseed: int | None = None) -> None:
        """Restore a stored state; ``reseed`` re-seeds the random generator (to repeat a run exactly)."""
        self.network.restore(name)
        if reseed is not None:
            brian_seed(reseed)

    def set_plastic(self, on: bool) -> None:
        """Freeze or enable learning everywhere (regions and projections)."""
        for region in self.regions.values():
            region.set_plastic(on)
        for syn in self.projections.values():
            syn.plastic = 1.0 if on else 0.0

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
