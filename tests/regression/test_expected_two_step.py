"""The two_step regression entry (~10 min in CI, most of it compiling its brain): a file of its own,
so that ``--dist loadfile`` runs it beside the other entries, and first (tests/conftest.py)."""
import pytest

from tests.regression.test_expected import ENTRIES, OWN_FILE, check, params


@pytest.mark.parametrize("path", params(p for p in ENTRIES if p.stem in OWN_FILE))
def test_metrics_within_tolerance(path):
    check(path)
