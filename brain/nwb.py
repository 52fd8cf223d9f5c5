"""NWB export of a run directory (``brain export DIR --nwb``), with pynwb.

``DIR/EXPERIMENT_seedSEED.nwb`` holds

- ``units``: one unit per neuron of every recorded population of ``spikes.npz``, its spike times
  in seconds, with the columns ``region``, ``population`` (``pfc.exc`` is region ``pfc``,
  population ``exc``) and ``neuron`` (the index within the population);
- ``trials``: one per row of ``trials.csv``, every column of it (numbers as floats, NaN where a
  row has none; text as text); a trial starts at its first phase and stops at its last phase's
  end (``epochs.csv``; without it, at the next trial's start or the end of the recording);
- ``epochs``: one per phase of a trial (tags ``phase``, NAME) and one per stimulus a phase shows
  (tags ``stimulus``, NAME; the column ``shown`` says what: ``goal=1``, ``all``, ``reward=1``), with
  the column ``trial`` (the trial's row);
- the run's experiment, seed, backend and versions in the session description, its config as
  ``notes``.

The file is checked with pynwb's validator and, when it is installed, nwbinspector (whose best
practice suggestions, such as a missing subject, are reported, not failures). Spike times
round-trip exactly (float64 seconds).
"""
from __future__ import annotations

import csv
import json
import math
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml
from brian2 import second

from brain.config import ConfigError, parse_quantity
from brain.recording import load_spikes

RESERVED = {"id", "start_time", "stop_time", "tags", "timeseries"}   # columns an NWB table has already


def _pynwb():
    try:
        import pynwb
    except ImportError:
        raise ConfigError("export --nwb: needs pynwb (pip install 'spiking-brain[nwb]')") from None
    return pynwb


def _read_csv(path: Path) -> list[dict]:
    try:
        with open(path, newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ConfigError(f"export: {path}: unreadable ({err})") from None


def _number(text: str):
    try:
        return float(text) if text != "" else math.nan
    except ValueError:
        return None


def _columns(rows: list[dict], skip=()) -> dict[str, list]:
    """Column name -> values: floats (NaN for empty cells) when every cell parses, else text."""
    out = {}
    for key in dict.fromkeys(k for r in rows for k in r):
        if key is None or key in skip:
            continue
        cells = [r.get(key) or "" for r in rows]
        numbers = [_number(c) for c in cells]
        out[key] = cells if any(n is None for n in numbers) else numbers
    return out


def _run_info(run: Path) -> dict:
    try:
        return json.loads((run / "run.json").read_text())
    except (OSError, ValueError):
        return {}


def _start_time(run: Path, info: dict) -> datetime:
    try:
        return datetime.fromisoformat(info["started"])
    except (KeyError, TypeError, ValueError):
        return datetime.fromtimestamp((run / "spikes.npz").stat().st_mtime, timezone.utc)


def _config(run: Path) -> dict:
    try:
        data = yaml.safe_load((run / "config.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _dt(config: dict) -> float | None:
    """The time step in seconds (spike times are on its grid: the units' resolution)."""
    try:
        return float(parse_quantity(config.get("dt"), second.dim, "dt"))
    except ConfigError:
        return None


def _trial_bounds(trials: list[dict], epochs: list[dict], duration: float) -> list[tuple[float, float]]:
    """(start, stop) of each trial: its epochs' span, else its earliest ``t_`` column until the next
    trial's start (the last one: the recording's end)."""
    if epochs:
        span: dict[int, list[float]] = {}
        for e in epochs:
            k, a, b = int(float(e["trial"])), float(e["start"]), float(e["stop"])
            lo, hi = span.get(k, (a, b))
            span[k] = [min(lo, a), max(hi, b)]
        if all(k in span for k in range(len(trials))):
            return [tuple(span[k]) for k in range(len(trials))]
    starts = []
    for row in trials:
        times = [float(v) for k, v in row.items() if k and k.startswith("t_") and v and _number(v) is not None]
        starts.append(min(times) if times else math.nan)
    if any(math.isnan(s) for s in starts):
        raise ConfigError("export: trials.csv: a row has no phase start (t_ columns) and there is no epochs.csv")
    # the last trial lasts as long as the one before it (the recording's duration is the config's,
    # which a closed-loop session does not follow)
    last = starts[-1] + (starts[-1] - starts[-2] if len(starts) > 1 else max(duration - starts[-1], 0.0))
    return list(zip(starts, starts[1:] + [last]))


def build(run: Path):
    """The NWBFile of the run directory ``run`` (not written)."""
    pynwb = _pynwb()
    path = run / "spikes.npz"
    if not path.is_file():
        raise ConfigError(f"export: no spikes.npz in {run} (give a run directory)")
    try:
        pops, duration = load_spikes(path)
    except Exception as err:                       # a truncated or foreign file
        raise ConfigError(f"export: {path}: unreadable ({type(err).__name__}: {err})") from None
    info = _run_info(run)
    name, seed = info.get("experiment", run.name), info.get("seed", "?")
    config = _config(run)
    nwb = pynwb.NWBFile(
        session_description=(f"spiking-brain experiment {name}, seed {seed}, backend {info.get('backend', '?')}, "
                             f"brian2 {info.get('brian2', '?')}; {duration:g} s simulated"),
        identifier=str(uuid.uuid5(uuid.NAMESPACE_URL, f"spiking-brain/{name}/{seed}/{info.get('started', '')}")),
        session_start_time=_start_time(run, info), session_id=f"{name}_seed{seed}",
        experiment_description=_description(name), keywords=["spiking neural network", "simulation", "Brian2", name],
        notes=yaml.safe_dump(config, sort_keys=False) if config else None,
        source_script="brain run (spiking-brain)", source_script_file_name="brain",
        subject=pynwb.file.Subject(subject_id=f"model_seed{seed}", sex="U",
                                   description=f"simulated spiking brain model (spiking-brain), seed {seed}"))
    _add_units(nwb, pops, _dt(config))
    trials = _read_csv(run / "trials.csv") if (run / "trials.csv").is_file() else []
    epochs = _read_csv(run / "epochs.csv") if (run / "epochs.csv").is_file() else []
    if trials:
        _add_trials(nwb, trials, _trial_bounds(trials, epochs, duration))
    if epochs:
        _add_epochs(nwb, epochs)
    return nwb, f"{name}_seed{seed}.nwb"


def _description(name: str) -> str:
    """The experiment's docstring (its claim and paper), or its name when it is not installed."""
    from brain.registry import experiment_names, load_experiment
    try:
        doc = load_experiment(name).__doc__ if name in experiment_names() else None
    except Exception:                              # an experiment that no longer imports
        doc = None
    return (doc or "").strip() or f"spiking-brain experiment {name}"


def _add_units(nwb, pops: dict, dt: float | None) -> None:
    """One unit per neuron, built as whole columns (``add_unit`` per unit is ~50x slower to write
    for millions of spikes); spike times gzip-compressed."""
    from hdmf.backends.hdf5 import H5DataIO
    from hdmf.common import VectorData, VectorIndex
    from pynwb.misc import Units
    times, ends, region, population, neuron = [], [], [], [], []
    end = 0
    for pop in sorted(pops):
        d = pops[pop]
        n = int(d["n"])
        i, t = np.asarray(d["i"], dtype=np.int64), np.asarray(d["t"], dtype=np.float64)
        order = np.lexsort((t, i))
        times.append(t[order])
        ends.append(end + np.searchsorted(i[order], np.arange(1, n + 1)))
        end += len(t)
        name, _, group = pop.partition(".")
        region += [name] * n
        population += [group or name] * n
        neuron.append(np.arange(n))
    spike_times = VectorData(name="spike_times", description="spike times of each unit, in seconds",
                             data=H5DataIO(np.concatenate(times) if times else np.zeros(0), compression="gzip"))
    columns = [spike_times,
               VectorIndex(name="spike_times_index", target=spike_times,
                           data=np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)),
               VectorData(name="region", description="region of the population", data=region),
               VectorData(name="population", description="population within the region", data=population),
               VectorData(name="neuron", description="index of the neuron within the population",
                          data=np.concatenate(neuron) if neuron else np.zeros(0, dtype=np.int64))]
    kwargs = {"resolution": dt} if dt else {}
    nwb.units = Units(name="units", id=list(range(len(region))), columns=columns,
                      description="every neuron of every recorded population (spikes.npz)", **kwargs)


def _add_trials(nwb, trials: list[dict], bounds) -> None:
    cols = _columns(trials)
    for key in cols:
        nwb.add_trial_column(f"csv_{key}" if key in RESERVED else key, f"trials.csv column {key}")
    for k, (start, stop) in enumerate(bounds):
        nwb.add_trial(start_time=start, stop_time=stop,
                      **{(f"csv_{key}" if key in RESERVED else key): v[k] for key, v in cols.items()})


def _add_epochs(nwb, epochs: list[dict]) -> None:
    nwb.add_epoch_column("trial", "row of the trial in trials.csv (and in the trials table)")
    nwb.add_epoch_column("shown", "what a stimulus epoch shows: FIELD=VALUE, all or reward=R (empty for a phase)")
    for e in epochs:
        try:
            nwb.add_epoch(start_time=float(e["start"]), stop_time=float(e["stop"]), tags=[e["kind"], e["name"]],
                          trial=int(float(e["trial"])), shown=e.get("shown") or "")
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"export: epochs.csv: bad row {e} ({err})") from None


def validate(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    """pynwb's validation errors, and nwbinspector's checks that sent messages, per importance
    (empty when nwbinspector is not installed)."""
    pynwb = _pynwb()
    result = pynwb.validate(path=str(path))
    errors = [str(e) for e in (result[0] if isinstance(result, tuple) else result)]
    checks: dict[str, list[str]] = {}
    try:
        from nwbinspector import inspect_nwbfile
    except ImportError:
        return errors, checks
    for msg in inspect_nwbfile(nwbfile_path=str(path), skip_validate=True):
        if msg is not None:
            checks.setdefault(msg.importance.name.lower(), []).append(msg.check_function_name)
    return errors, checks


def export(run: Path, check: bool = True, log=lambda m: None) -> Path:
    """Write ``run/EXPERIMENT_seedSEED.nwb`` and (``check``) validate it; returns its path. The
    model has no animal's metadata: nwbinspector's subject checks (age, species) always report."""
    pynwb = _pynwb()
    nwb, filename = build(run)
    out = run / filename
    with pynwb.NWBHDF5IO(str(out), "w") as io:
        io.write(nwb)
    if check:
        errors, checks = validate(out)
        if errors:
            raise ConfigError(f"export: {out}: fails NWB validation: {errors[0]}")
        found = "; ".join(f"{level} {', '.join(sorted(set(names)))}" if level != "best_practice_suggestion"
                          else f"{len(names)} suggestions" for level, names in sorted(checks.items()))
        log(f"{out}: valid NWB (pynwb validator); nwbinspector: {found or 'no messages'}")
    return out


def runs_under(directory: Path) -> list[Path]:
    """``directory`` itself when it holds spikes.npz, else the run directories one or two levels
    below it (a sweep's ``OUT/runs/ID``); never a deeper search."""
    if (directory / "spikes.npz").is_file():
        return [directory]
    found = [*directory.glob("*/spikes.npz"), *directory.glob("*/*/spikes.npz")]
    return sorted(p.parent for p in found)
