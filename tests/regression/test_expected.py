"""Every experiment's short variant stays inside its tolerance bands (tests/regression/expected/)."""
import math

import pytest
import yaml

from tests.regression.regression import entries, measure

ENTRIES = entries()


def _param(path):
    """Entries marked ``slow: true`` (minutes of simulation) run only with ``-m slow``."""
    slow = bool(yaml.safe_load(path.read_text()).get("slow", False))
    return pytest.param(path, id=path.stem, marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("path", [_param(p) for p in ENTRIES])
def test_metrics_within_tolerance(path):
    entry = yaml.safe_load(path.read_text())
    measured = measure(entry)
    failures = []
    for key, band in entry["metrics"].items():
        got = measured.get(key, float("nan"))
        if not (math.isfinite(got) and abs(got - band["value"]) <= band["tol"]):
            failures.append(f"{key}: {got:.4g} not within {band['value']} ± {band['tol']}")
    assert not failures, "; ".join(failures)


def test_every_entry_is_well_formed():
    assert ENTRIES, "no regression entries"
    for path in ENTRIES:
        entry = yaml.safe_load(path.read_text())
        assert path.stem.startswith(entry["experiment"]), path
        assert entry["metrics"], path
        for key, band in entry["metrics"].items():
            assert set(band) == {"value", "tol"} and band["tol"] >= 0, (path, key)
