"""Every experiment's short variant stays inside its tolerance bands (tests/regression/expected/)."""
import math

import pytest
import yaml

from tests.regression.regression import entries, measure

ENTRIES = entries()
#: Entries checked by test_expected_loop.py instead: a second file so that CI's
#: ``pytest -n 2 --dist loadfile`` (one worker per file) splits the regression suite in two.
LOOP = ("action_selection", "working_memory", "region_baseline", "reversal_learning", "goal_gating")


def params(paths):
    """Entries marked ``slow: true`` (minutes of simulation) run only with ``-m slow``."""
    out = []
    for path in paths:
        slow = bool(yaml.safe_load(path.read_text()).get("slow", False))
        out.append(pytest.param(path, id=path.stem, marks=[pytest.mark.slow] if slow else []))
    return out


def check(path):
    """Run the entry's experiment and compare every metric with its band."""
    entry = yaml.safe_load(path.read_text())
    measured = measure(entry)
    failures = []
    for key, band in entry["metrics"].items():
        got = measured.get(key, float("nan"))
        if not (math.isfinite(got) and abs(got - band["value"]) <= band["tol"]):
            failures.append(f"{key}: {got:.4g} not within {band['value']} ± {band['tol']}")
    assert not failures, "; ".join(failures)


@pytest.mark.parametrize("path", params(p for p in ENTRIES if p.stem not in LOOP))
def test_metrics_within_tolerance(path):
    check(path)


def test_every_entry_is_well_formed():
    assert ENTRIES, "no regression entries"
    for path in ENTRIES:
        entry = yaml.safe_load(path.read_text())
        assert path.stem.startswith(entry["experiment"]), path
        assert entry["metrics"], path
        for key, band in entry["metrics"].items():
            assert set(band) == {"value", "tol"} and band["tol"] >= 0, (path, key)
