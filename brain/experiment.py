"""Running an experiment: config resolution, backend, outputs.

An experiment is a module ``experiments/NAME.py`` with

- a docstring citing its paper and figure;
- ``Params``: a frozen dataclass validated from the YAML ``experiment:`` section;
- ``BACKENDS``: the backends it supports (closed-loop experiments that read results between
  ``run()`` calls are runtime-only: ``("numpy", "cython")``);
- ``run(ctx: RunContext) -> dict[str, float]``: builds brains with ``ctx.brain()``, runs them and
  returns flat metrics.

Its default configuration is ``experiments/configs/NAME.yaml``. :func:`run_experiment` writes
``config.yaml`` (resolved) before running, then ``metrics.json``, ``spikes.npz``,
``figures/raster.png``, ``figures/rates.png`` and ``run.json`` (wall time, backend, versions).
"""
from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import brian2

from brain import figures, recording
from brain.backends import Backend, configure
from brain.brain import Brain
from brain.config import ConfigError, apply_override, load_yaml, merge, to_plain
from brain.registry import experiment_names, load_experiment
from brain.schema import BrainConfig, build_config
from experiments import CONFIG_DIR


@dataclass
class RunContext:
    """What an experiment gets: the validated config, its params, the backend and output dir."""

    name: str
    config: BrainConfig
    backend: Backend
    out: Path | None = None
    brains: list[Brain] = field(default_factory=list)
    extra_spikes: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)
    _spikes: dict[str, dict[str, Any]] | None = None

    @property
    def params(self) -> Any:
        return self.config.experiment

    @property
    def duration(self):
        return self.config.duration

    @property
    def seed(self) -> int:
        return self.config.seed

    def brain(self, config: BrainConfig | None = None, record: bool = True) -> Brain:
        """Build a Brain from ``config`` (default: the run's config); its spikes are saved."""
        b = Brain(config or self.config, self.backend, record=record)
        self.brains.append(b)
        return b

    def add_spikes(self, key: str, i, t, n: int) -> None:
        """Record spikes of objects built outside a Brain (saved to spikes.npz, plotted)."""
        self.extra_spikes[key] = {"i": i, "t": t, "n": n}

    def spikes(self) -> dict[str, dict[str, Any]]:
        """Recorded spikes of every brain and extra source (read once, then cached: for
        cpp_standalone the results live in a build directory that is removed after the run)."""
        if self._spikes is None:
            self._spikes = {}
            for b in self.brains:
                self._spikes.update(b.spikes())
            self._spikes.update(self.extra_spikes)
        return self._spikes


def resolve_config(name: str, config_file: str | None = None, overrides: Sequence[str] = (),
                   seed: int | None = None, backend: str | None = None, duration: str | None = None) -> dict:
    """Plain config data: experiment default <- --config file <- --set overrides <- flags."""
    default = CONFIG_DIR / f"{name}.yaml"
    data = load_yaml(default) if default.exists() else {}
    if config_file:
        data = merge(data, load_yaml(config_file))
    for assignment in overrides:
        data = apply_override(data, assignment)
    if seed is not None:
        data["seed"] = seed
    if backend is not None:
        data["backend"] = backend
    if duration is not None:
        data["duration"] = duration
    data["name"] = name
    return data


def prepare(name: str, data: dict) -> tuple[Any, BrainConfig]:
    """Load the experiment module and validate ``data`` against it."""
    if name not in experiment_names():
        raise ConfigError(f"experiment: unknown experiment {name!r} (known: {', '.join(experiment_names())})")
    module = load_experiment(name)
    cfg = build_config(data, getattr(module, "Params", None))
    supported = getattr(module, "BACKENDS", ("numpy", "cython", "cpp_standalone"))
    if cfg.backend not in supported:
        raise ConfigError(f"backend: experiment {name!r} supports {', '.join(supported)}, not {cfg.backend!r}")
    return module, cfg


def run_experiment(name: str, data: dict, out: Path | None, build_dir: str | None = None,
                   figures_on: bool = True) -> tuple[dict[str, float], RunContext]:
    """Validate, run and (when ``out`` is given) write every output. Returns (metrics, context)."""
    module, cfg = prepare(name, data)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        recording.write_yaml(out / "config.yaml", _resolved(cfg))
    backend = configure(cfg.backend, dt=cfg.dt, threads=cfg.threads, build_dir=build_dir)
    ctx = RunContext(name, cfg, backend, out)
    t0 = time.perf_counter()
    try:
        metrics = {k: float(v) for k, v in module.run(ctx).items()}
        wall = time.perf_counter() - t0
        spikes = ctx.spikes()
        if out is not None:
            recording.write_metrics(out / "metrics.json", metrics)
            recording.save_spikes(out / "spikes.npz", spikes, float(cfg.duration))
            if figures_on:
                (out / "figures").mkdir(exist_ok=True)
                figures.raster(spikes, float(cfg.duration), out / "figures" / "raster.png")
                figures.rates(spikes, float(cfg.duration), out / "figures" / "rates.png")
            (out / "run.json").write_text(json.dumps({
                "experiment": name, "backend": cfg.backend, "seed": cfg.seed, "wall_s": round(wall, 3),
                "brian2": brian2.__version__, "python": platform.python_version()}, indent=2) + "\n")
    finally:
        backend.close()
    return metrics, ctx


def _resolved(cfg: BrainConfig) -> dict:
    plain = to_plain(cfg)
    plain["regions"] = {n: {"type": rc.kind, **to_plain(rc.params)} for n, rc in cfg.regions.items()}
    plain["projections"] = {
        lbl: {k: v for k, v in to_plain(pc).items() if k not in ("label", "pre", "post")}
        for lbl, pc in cfg.projections.items()}
    plain["record"]["populations"] = list(cfg.record.populations)
    return plain
