"""Regression entries: expected experiment metrics with tolerance bands.

Each ``tests/regression/expected/NAME.yaml`` holds::

    experiment: cortex_ai          # experiment module
    seed: 1
    backend: cython
    overrides: ["duration=1 s"]    # the short variant run in CI
    metrics:
      rate_exc_hz: {value: 9.0, tol: 2.0}    # passes when |measured - value| <= tol
    slow: true                     # optional: run only with ``pytest -m slow`` (minutes-long entries)

Regenerate the values (tolerances are kept; they encode measured seed-to-seed spread)::

    .venv/bin/python -m tests.regression.regression [NAME ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

from brain.experiment import resolve_config, run_experiment

EXPECTED = Path(__file__).with_name("expected")


def entries() -> list[Path]:
    return sorted(EXPECTED.glob("*.yaml"))


def measure(entry: dict) -> dict[str, float]:
    data = resolve_config(entry["experiment"], overrides=entry.get("overrides", []),
                          seed=entry.get("seed", 1), backend=entry.get("backend", "cython"))
    metrics, _ = run_experiment(entry["experiment"], data, out=None)
    return metrics


def regenerate(names: list[str]) -> None:
    from brain.backends import reset_brian
    for path in entries():
        if names and path.stem not in names:
            continue
        entry = yaml.safe_load(path.read_text())
        reset_brian()
        measured = measure(entry)
        for key, band in entry["metrics"].items():
            band["value"] = float(f"{float(measured[key]):.5g}")
        header = "".join(line for line in path.read_text().splitlines(keepends=True)
                         if line.startswith("#"))      # the measured-values comment is kept
        path.write_text(header + yaml.safe_dump(entry, sort_keys=False))
        print(f"{path.name}: {', '.join(f'{k}={v['value']}' for k, v in entry['metrics'].items())}")


if __name__ == "__main__":
    regenerate(sys.argv[1:])
