"""Shared fixtures: Brian2 state reset before every test, seeds, and a CLI runner."""
from __future__ import annotations

import logging

import pytest

from brain.backends import reset_brian


@pytest.fixture(autouse=True)
def _reset_brian():
    """Every test starts on the runtime device with default prefs and dt = 0.1 ms."""
    reset_brian()
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
