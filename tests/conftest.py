"""Shared fixtures: Brian2 state reset before every test, seeds, and a CLI runner."""
from __future__ import annotations

import logging

import pytest

from brain.backends import reset_brian


@pytest.fixture(autouse=True)
def _reset_brian():
    """Every test starts on the runtime device with default prefs, dt = 0.1 ms and the numpy target.

    numpy, not Brian2's default (cython): unit tests run small networks for at most a few seconds,
    where compiling every code object (seconds each on an empty cache, as in CI) costs far more than
    the simulation. cython is exercised by the regression entries (each experiment's configured
    backend) and tests/brain/test_backends.py; cpp_standalone by the latter and the plasticity tests.
    """
    from brian2 import prefs
    reset_brian()
    prefs.codegen.target = "numpy"
    yield
    reset_brian()


@pytest.fixture(autouse=True, scope="session")
def _quiet_logs():
    logging.getLogger("elephant").setLevel(logging.ERROR)
    logging.getLogger("brian2").setLevel(logging.ERROR)


@pytest.fixture(params=[1, 2, 3], ids=lambda s: f"seed{s}")
def seed(request) -> int:
    return request.param


def pytest_addoption(parser):
    parser.addoption("--save-plots", action="store_true", help="save test figures under tests/_plots")


@pytest.fixture
def save_plots(request) -> bool:
    return request.config.getoption("--save-plots")
