"""Running an experiment: config resolution, backend, outputs.

Experiments are found through the entry-point group ``brain.experiments`` (see
:mod:`brain.registry`; the built-in ones are the package ``experiments``, declared in
``pyproject.toml``) or added with :func:`brain.registry.register_experiment`. ``brain`` never
imports ``experiments`` by name (CONTRIBUTING.md, "Layout and import rules"). An experiment is a
module with

- a docstring citing its paper and figure;
- ``Params``: a frozen dataclass validated from the YAML ``experiment:`` section;
- ``BACKENDS``: the backends it supports (closed-loop experiments that read results between
  ``run()`` calls are runtime-only: ``("numpy", "cython")``);
- ``run(ctx: RunContext) -> dict[str, float]``: builds brains with ``ctx.brain()``, runs them and
  returns flat metrics.

Its default configuration is :func:`brain.registry.experiment_config` (for the built-in ones
``experiments/configs/NAME.yaml``). :func:`run_experiment` writes
``config.yaml`` (resolved) before running, then ``metrics.json``, ``spikes.npz``,
``weights.npz`` (every projection's final weights and its synapses' ``i``, ``j``), ``figures/wiring.png`` (regions and
projections), ``figures/raster.png``, ``figures/rates.png`` and ``run.json`` (start, wall time,
backend, versions). Trial-based experiments append one dict per trial to ``ctx.trials`` and the trials' phase and stimulus epochs to ``ctx.epochs``; they are
written to ``trials.csv`` and ``epochs.csv`` (and ``figures/learning_curve.png``) even when
``run()`` fails part-way (``brain export DIR --nwb`` turns them into NWB). A run
stopped by the runaway guard (:mod:`brain.guard`) keeps its spikes and trials so far and writes
``run.json`` with ``status: failed`` and the message, but no ``metrics.json``.
"""
from __future__ import annotations

import contextlib
import csv
import json
import math
import numbers
import platform
import sys
import time
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import brian2
import numpy as np
import yaml

from brain import figures, recording
from brain.backends import Backend, configure
from brain.brain import Brain
from brain.budget import check_size
from brain.checkpoint import Checkpointer
from brain.guard import RunawayError
from brain.config import ConfigError, apply_override, load_yaml, merge, to_plain
from brain.registry import experiment_config, experiment_names, load_experiment
from brain.schema import BrainConfig, build_config


@dataclass
class RunContext:
    """What an experiment gets: the validated config, its params, the backend and output dir."""

    name: str
    config: BrainConfig
    backend: Backend
    out: Path | None = None
    brains: list[Brain] = field(default_factory=list)
    extra_spikes: dict[str, dict[str, Any]] = field(default_factory=dict)
    trials: list[dict] = field(default_factory=list)   # one row per trial -> trials.csv
    epochs: list[dict] = field(default_factory=list)   # phases and stimuli of the trials -> epochs.csv
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)
    checkpointer: Any = None                           # brain.checkpoint.Checkpointer when out is set
    resumed: bool = False                              # continued from a checkpoint (--resume)
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
        """Build a Brain from ``config`` (default: the run's config); its spikes are saved. The
        run's first session on one of them is checkpointed (:mod:`brain.checkpoint`)."""
        b = Brain(config or self.config, self.backend, record=record)
        b.checkpointer = self.checkpointer
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

    def write_trials(self, figures_on: bool = True, window: int = 10) -> Path | None:
        """Write ``trials.csv`` (and ``figures/learning_curve.png`` when ``figures_on``) from
        :attr:`trials` into :attr:`out`; nothing when either is empty. Returns the CSV's path."""
        if self.out is None or not self.trials:
            return None
        path = Path(self.out) / "trials.csv"
        write_trials_csv(path, self.trials)
        if self.epochs:
            write_trials_csv(Path(self.out) / "epochs.csv", self.epochs)
        if figures_on and any("choice" in row for row in self.trials):   # presentations have no curve
            (Path(self.out) / "figures").mkdir(parents=True, exist_ok=True)
            figures.learning_curve(self.trials, Path(self.out) / "figures" / "learning_curve.png", window)
        return path


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        v = float(v)
        return format(v, ".6g") if math.isfinite(v) else str(v)
    return v


def write_trials_csv(path: Path, rows: Sequence[dict]) -> None:
    """One line per row; columns: the union of the rows' keys in first-seen order (missing cells
    empty); floats with 6 significant digits, booleans as 1 / 0."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(k)) for k in columns])


def resolve_config(name: str, config_file: str | None = None, overrides: Sequence[str] = (),
                   seed: int | None = None, backend: str | None = None, duration: str | None = None) -> dict:
    """Plain config data: experiment default <- --config file <- --set overrides <- flags.

    An unknown ``name`` gets no default here; :func:`prepare` reports it (one-line ConfigError)."""
    try:
        default = experiment_config(name)
    except KeyError:
        default = None
    data = load_yaml(default) if default is not None else {}
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
    """Load the experiment module, validate ``data`` against it and check the size budget
    (:mod:`brain.budget`)."""
    if name not in experiment_names():
        raise ConfigError(f"experiment: unknown experiment {name!r} (known: {', '.join(experiment_names())})")
    module = load_experiment(name)
    cfg = build_config(data, getattr(module, "Params", None))
    check_size(cfg)
    supported = getattr(module, "BACKENDS", ("numpy", "cython", "cpp_standalone"))
    if cfg.backend not in supported:
        raise ConfigError(f"backend: experiment {name!r} supports {', '.join(supported)}, not {cfg.backend!r}")
    return module, cfg


@contextlib.contextmanager
def unrun_brain(name: str, data: dict):
    """Validate ``data`` and build its brain on numpy, never run (nothing is compiled):
    ``with unrun_brain(name, data) as (cfg, brain)``. What ``brain run --dry-run`` and
    ``brain describe`` build; tests use it to check a config's wiring."""
    _, cfg = prepare(name, data)
    backend = configure("numpy", dt=cfg.dt)
    try:
        yield cfg, Brain(cfg, backend, record=False)
    finally:
        backend.close()


def run_experiment(name: str, data: dict, out: Path | None, build_dir: str | None = None,
                   figures_on: bool = True, resume: bool = False) -> tuple[dict[str, float], RunContext]:
    """Validate, run and (when ``out`` is given) write every output. Returns (metrics, context).
    ``resume``: continue from ``out/checkpoint.npz`` (:mod:`brain.checkpoint`)."""
    module, cfg = prepare(name, data)
    checkpointer = None
    if out is not None:
        resolved = yaml.safe_dump(_resolved(cfg), sort_keys=False)
        if resume and cfg.backend == "cpp_standalone":
            raise ConfigError("resume: cpp_standalone runs take no checkpoints (one compiled program)")
        if cfg.checkpoint.every > 0 and cfg.backend != "cpp_standalone" or resume:
            checkpointer = Checkpointer(out, cfg.checkpoint.every, resolved, resume=resume)
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.yaml").write_text(resolved)
        if figures_on:
            (out / "figures").mkdir(exist_ok=True)
            figures.wiring(cfg, out / "figures" / "wiring.png")
    backend = configure(cfg.backend, dt=cfg.dt, threads=cfg.threads, build_dir=build_dir, cache_key=name)
    ctx = RunContext(name, cfg, backend, out, checkpointer=checkpointer, resumed=resume)
    t0 = time.perf_counter()
    done = False
    try:
        try:
            metrics = {k: float(v) for k, v in module.run(ctx).items()}
        except RunawayError as err:
            _write_failed(ctx, out, str(err), time.perf_counter() - t0, figures_on)
            raise
        wall = time.perf_counter() - t0
        runaway = next((m for m in (b.check_runaway() for b in ctx.brains) if m), None)
        spikes = ctx.spikes()
        if out is not None:
            recording.write_metrics(out / "metrics.json", metrics)
            _write_weights(ctx, out)
            _write_spikes(ctx, out, spikes, figures_on)
            _write_run_json(ctx, out, wall, runaway)
        if runaway:
            raise RunawayError(runaway)      # cpp_standalone: found after the run; outputs kept
        if checkpointer is not None:
            checkpointer.finish()
        done = True
    finally:
        try:
            ctx.write_trials(figures_on)            # also after a failure: keep the trials run so far
        except Exception as err:
            if done:
                raise
            ctx.log(f"brain: could not write trials.csv: {err}")  # the run's own error propagates
        finally:
            backend.close()
    return metrics, ctx


def _write_weights(ctx: RunContext, out: Path) -> None:
    """``weights.npz``: the final ``w`` of every projection (``LABEL``; ``brainK/LABEL`` for the
    experiment's further brains) and each synapse's presynaptic / postsynaptic index within the
    projection's source / target population (``LABEL.i``, ``LABEL.j``; as NEST's GetConnections
    gives source and target), so that a weight can be assigned to its channel or pool."""
    arrays = {}
    for k, b in enumerate(ctx.brains):
        for label, syn in b.projections.items():
            if "w" in syn.variables:
                key = label if k == 0 else f"brain{k}/{label}"
                arrays[key] = np.asarray(syn.w[:])
                arrays[f"{key}.i"] = np.asarray(syn.i[:], dtype=np.int32)
                arrays[f"{key}.j"] = np.asarray(syn.j[:], dtype=np.int32)
    if arrays:
        np.savez_compressed(out / "weights.npz", **arrays)


def _write_spikes(ctx: RunContext, out: Path, spikes: dict, figures_on: bool) -> None:
    duration = float(ctx.config.duration)
    recording.save_spikes(out / "spikes.npz", spikes, duration)
    if figures_on:
        (out / "figures").mkdir(exist_ok=True)
        figures.raster(spikes, duration, out / "figures" / "raster.png")
        figures.rates(spikes, duration, out / "figures" / "rates.png")


def _write_run_json(ctx: RunContext, out: Path, wall: float, error: str | None = None) -> None:
    cfg = ctx.config
    started = datetime.now(timezone.utc) - timedelta(seconds=wall)
    info = {"experiment": ctx.name, "backend": cfg.backend, "seed": cfg.seed, "wall_s": round(wall, 3),
            "started": started.isoformat(timespec="seconds"),
            "brian2": brian2.__version__, "python": platform.python_version()}
    if ctx.resumed:
        info["resumed"] = True                # wall_s counts the resumed part only
    if error:
        info.update(status="failed", error=error)
    (out / "run.json").write_text(json.dumps(info, indent=2) + "\n")


def _write_failed(ctx: RunContext, out: Path | None, error: str, wall: float, figures_on: bool) -> None:
    """A runaway stopped a runtime run: keep the spikes recorded so far and mark the run failed
    (no metrics.json). Writing must not hide the runaway message, so its own errors are logged."""
    if out is None:
        return
    try:
        _write_spikes(ctx, out, ctx.spikes(), figures_on)
    except Exception as err:                      # pragma: no cover - depends on the failure
        ctx.log(f"brain: could not write the spikes recorded so far: {err}")
    _write_run_json(ctx, out, wall, error)


def _resolved(cfg: BrainConfig) -> dict:
    plain = to_plain(cfg)
    plain["regions"] = {n: {"type": rc.kind, **to_plain(rc.params)} for n, rc in cfg.regions.items()}
    plain["projections"] = {
        lbl: {k: v for k, v in to_plain(pc).items() if k not in ("label", "pre", "post")}
        for lbl, pc in cfg.projections.items()}
    plain["record"]["populations"] = list(cfg.record.populations)
    return plain
