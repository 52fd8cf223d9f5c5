"""Regression entries of the cortico-basal ganglia loop (PFC, striatum, every region's baseline).

Same check as test_expected.py; a file of its own so that ``--dist loadfile`` gives it a worker.
"""
import pytest

from tests.regression.test_expected import ENTRIES, LOOP, check, params


@pytest.mark.parametrize("path", params(p for p in ENTRIES if p.stem in LOOP))
def test_metrics_within_tolerance(path):
    check(path)


def test_loop_entries_exist():
    assert set(LOOP) <= {p.stem for p in ENTRIES}
