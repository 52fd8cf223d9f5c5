"""The short public API (``import brain``): :func:`load` a brain into a :class:`Model` and run it,
or :func:`run_experiment` a registered experiment into a :class:`Result`.

::

    import brain

    with brain.load("my_brain.yaml", backend="numpy", seed=2, overrides=["regions.cortex.n_exc=800"]) as b:
        b.run("1 s")
        b.run("500 ms")                      # runs accumulate: b.t == 1.5
        b.raster()                           # a matplotlib Figure (ax=..., path=... to draw / save)
        stats = b.stats(transient=0.2)       # what `brain stats` computes, per population

    res = brain.run_experiment("cortex_ai", seed=4, duration="0.5 s", out="runs/ai")
    res.metrics, res.trials

Like Brian2 itself, one model at a time: :func:`load` selects the backend (``brain.backends.configure``),
which resets Brian2's global state (device, preferences, default clock) that an older model relies on.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from brian2 import Quantity, get_dimensions, second

from brain.backends import configure
from brain.brain import Brain
from brain.config import ConfigError, apply_override, load_yaml, parse_quantity
from brain.schema import BrainConfig, build_config

if TYPE_CHECKING:                                   # matplotlib is imported only when drawing
    from matplotlib.figure import Figure

__all__ = ["Model", "Result", "load", "run_experiment"]


def _seconds(value: Any, path: str) -> Quantity:
    """A time from ``"1 s"`` / ``"200 ms"``, a Brian2 quantity or a plain number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) * second
    if isinstance(value, Quantity) and get_dimensions(value) is not second.dim:
        raise ConfigError(f"{path}: wrong units: expected a time, got {value!r}")
    return parse_quantity(value, second.dim, path)


def _overrides(overrides: str | Sequence[str]) -> list[str]:
    return [overrides] if isinstance(overrides, str) else list(overrides)


class Model:
    """A built :class:`brain.brain.Brain` with a notebook-sized interface (see :func:`load`).

    Attributes
    ----------
    brain : the underlying :class:`~brain.brain.Brain` (network, regions, projections, monitors).
    config : its validated :class:`~brain.schema.BrainConfig`.
    backend : the active :class:`~brain.backends.Backend`.
    """

    def __init__(self, brain: Brain):
        self.brain = brain
        self.config: BrainConfig = brain.config
        self.backend = brain.backend
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"t={self.t:g} s"
        return f"<brain.Model regions={list(self.regions)} backend={self.backend.name!r} {state}>"

    # -- structure ---------------------------------------------------------------------------
    @property
    def regions(self) -> dict:
        """``{name: Region}`` (``b.regions["cortex"].describe()``)."""
        return self.brain.regions

    @property
    def t(self) -> float:
        """Simulated time so far, in seconds (the sum of every :meth:`run`)."""
        return float(self.brain.t_run)

    # -- running -----------------------------------------------------------------------------
    def run(self, duration: str | Quantity | float | None = None, report: str | None = None) -> None:
        """Advance by ``duration`` (``"1 s"``, ``500 * ms`` or seconds; default: the config's
        ``duration``). Runs accumulate: each continues where the last stopped."""
        self._check_open()
        d = self.config.duration if duration is None else _seconds(duration, "duration")
        if not float(d) > 0:
            raise ConfigError(f"duration: must be positive, got {duration!r}")
        self.brain.run(d, report=report)

    def set_plastic(self, on: bool, *, gate_only: bool = False) -> None:
        """Freeze (``False``) or resume (``True``) learning everywhere (:meth:`Brain.set_plastic`)."""
        self.brain.set_plastic(on, gate_only=gate_only)

    def frozen(self):
        """``with b.frozen(): b.run("1 s")``: a phase excised from learning (:meth:`Brain.frozen`)."""
        return self.brain.frozen()

    # -- results -----------------------------------------------------------------------------
    def spikes(self) -> dict[str, dict[str, Any]]:
        """``{"region.pop": {"i": indices, "t": times (s), "n": size}}`` of every recorded population."""
        return self.brain.spikes()

    def _duration(self) -> float:
        return self.t if self.t > 0 else float(self.config.duration)

    def raster(self, ax=None, path: str | os.PathLike | None = None, max_neurons: int = 200) -> Figure:
        """Spike raster of the recorded populations (:func:`brain.figures.raster`).

        ``ax``: Axes to draw into (else a new Figure); a path as first argument, or ``path``, saves
        the figure there. Returns the Figure.
        """
        from brain import figures
        ax, path = self._target(ax, path)
        return figures.raster(self.spikes(), self._duration(), path, max_neurons=max_neurons, ax=ax)

    def rates(self, ax=None, path: str | os.PathLike | None = None, bin_s: float = 0.01) -> Figure:
        """Population rates in ``bin_s`` bins (:func:`brain.figures.rates`); arguments as :meth:`raster`."""
        from brain import figures
        ax, path = self._target(ax, path)
        return figures.rates(self.spikes(), self._duration(), path, bin_s=bin_s, ax=ax)

    @staticmethod
    def _target(ax, path):
        if isinstance(ax, (str, os.PathLike)):
            if path is not None:
                raise TypeError("raster/rates: give a path once (as ax or as path)")
            ax, path = None, ax
        return ax, (Path(path) if path is not None else None)

    def stats(self, transient: str | Quantity | float = 0.0, max_neurons: int = 300) -> dict[str, dict[str, float]]:
        """Spike statistics per population over [transient, t], as ``brain stats`` computes them
        (:func:`brain.analysis.population_stats`: rate_hz, cv_isi, fano, corr, sync_chi, active_frac)."""
        from brain.analysis import population_stats
        t0 = float(_seconds(transient, "transient"))
        if t0 < 0 or not t0 < self.t:
            raise ConfigError(f"transient: must be in [0, {self.t:g} s) (the simulated time), got {transient!r}")
        return {pop: population_stats(d["i"], d["t"], d["n"], t0, self.t, max_neurons=max_neurons)
                for pop, d in self.spikes().items()}

    # -- lifetime ----------------------------------------------------------------------------
    def close(self) -> None:
        """Release the backend (a cpp_standalone build directory made for this model is removed)."""
        if not self._closed:
            self._closed = True
            self.backend.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this brain.Model is closed")

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load(config: str | os.PathLike | Mapping[str, Any], backend: str | None = None, seed: int | None = None,
         dt: str | Quantity | None = None, overrides: str | Sequence[str] = (), *,
         duration: str | Quantity | None = None, record: bool = True, threads: int | None = None,
         build_dir: str | os.PathLike | None = None) -> Model:
    """Build a brain from a YAML file or a dict (the layout of :mod:`brain.schema`).

    Parameters
    ----------
    config : path of a YAML file, or the same data as a dict (not modified).
    backend, seed, dt, duration, threads : override the config's values (``dt="0.1 ms"``).
    overrides : dotted ``"KEY=VALUE"`` assignments as ``brain run --set`` takes them
        (``"regions.cortex.n_exc=800"``), applied before the keyword overrides.
    record : record spikes of the configured populations (``record:`` section).
    build_dir : cpp_standalone build directory (default: a temporary one, removed by :meth:`Model.close`).

    Raises :class:`brain.config.ConfigError` (one line, field path first) on invalid input.
    """
    if isinstance(config, Mapping):
        data = copy.deepcopy(dict(config))
    elif isinstance(config, (str, os.PathLike)):
        data = load_yaml(config)
    else:
        raise TypeError(f"brain.load: expected a path or a mapping, got {type(config).__name__}")
    for assignment in _overrides(overrides):
        data = apply_override(data, assignment)
    for key, value in (("backend", backend), ("seed", seed), ("dt", dt), ("duration", duration),
                       ("threads", threads)):
        if value is not None:
            data[key] = value
    cfg = build_config(data)
    active = configure(cfg.backend, dt=cfg.dt, threads=cfg.threads, build_dir=build_dir)
    try:
        return Model(Brain(cfg, active, record=record))
    except BaseException:
        active.close()
        raise


@dataclass
class Result:
    """What :func:`run_experiment` returns.

    Attributes
    ----------
    name : the experiment.
    metrics : ``{name: float}`` (as in ``metrics.json``).
    trials : one dict per trial for trial-based experiments (as in ``trials.csv``), else empty.
    out : the output directory, or None when nothing was written.
    config : the validated configuration that ran.
    spikes : recorded spikes, ``{"region.pop": {"i", "t", "n"}}``.
    """

    name: str
    metrics: dict[str, float]
    trials: list[dict] = field(default_factory=list)
    out: Path | None = None
    config: BrainConfig | None = field(default=None, repr=False)
    spikes: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def trials_frame(self):
        """:attr:`trials` as a ``pandas.DataFrame`` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("Result.trials_frame() needs pandas (pip install pandas); the rows are "
                              "also in Result.trials (a list of dicts) and trials.csv") from err
        return pd.DataFrame(self.trials)


def run_experiment(name: str, seed: int | None = None, backend: str | None = None,
                   duration: str | Quantity | None = None, overrides: str | Sequence[str] = (),
                   out: str | os.PathLike | None = None, *, config: str | os.PathLike | None = None,
                   figures: bool = True, build_dir: str | os.PathLike | None = None) -> Result:
    """Run experiment ``name`` as ``brain run`` does (``brain list`` names them).

    The config is the experiment's default <- ``config`` (a YAML file) <- ``overrides``
    (``"KEY=VALUE"``, as ``--set``) <- ``seed`` / ``backend`` / ``duration``. With ``out``, every
    output of ``brain run --out`` is written there (``figures=False``: no figures); without it,
    nothing is written. Raises :class:`brain.config.ConfigError` on invalid input.
    """
    from brain import experiment

    data = experiment.resolve_config(name, str(config) if config is not None else None, _overrides(overrides),
                                     seed, backend, duration)
    out_path = Path(out) if out is not None else None
    metrics, ctx = experiment.run_experiment(name, data, out_path, build_dir=str(build_dir) if build_dir else None,
                                             figures_on=figures)
    return Result(name, metrics, list(ctx.trials), out_path, ctx.config, ctx.spikes())
