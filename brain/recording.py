"""Writing and reading run outputs: spikes.npz, metrics.json, config.yaml."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml


def save_spikes(path: Path, spikes: Mapping[str, Mapping[str, Any]], duration: float) -> None:
    """``spikes.npz``: per population ``POP.i`` (indices), ``POP.t`` (seconds), ``POP.n`` (size)."""
    arrays: dict[str, np.ndarray] = {"_duration": np.array(duration)}
    for pop, d in spikes.items():
        arrays[f"{pop}.i"] = np.asarray(d["i"], dtype=np.int32)
        arrays[f"{pop}.t"] = np.asarray(d["t"], dtype=np.float64)
        arrays[f"{pop}.n"] = np.array(int(d["n"]))
    np.savez_compressed(path, **arrays)


def load_spikes(path: Path) -> tuple[dict[str, dict[str, Any]], float]:
    with np.load(path) as data:
        pops: dict[str, dict[str, Any]] = {}
        for key in data.files:
            if key == "_duration":
                continue
            pop, field = key.rsplit(".", 1)
            pops.setdefault(pop, {})[field] = data[key] if field != "n" else int(data[key])
        duration = float(data["_duration"]) if "_duration" in data.files else float("nan")
    return pops, duration


def _jsonable(v: Any) -> Any:
    v = float(v) if not isinstance(v, (bool, int)) else v
    return None if isinstance(v, float) and not math.isfinite(v) else v


def write_metrics(path: Path, metrics: Mapping[str, Any]) -> None:
    """Flat ``name -> number``; NaN/inf become null."""
    path.write_text(json.dumps({k: _jsonable(v) for k, v in metrics.items()}, indent=2, sort_keys=True) + "\n")


def write_yaml(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
