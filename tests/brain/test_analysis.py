"""Spike statistics on synthetic trains with known answers."""
import numpy as np
import pytest

from brain.analysis import population_stats, rate_histogram


def _poisson(n, rate, T, rng):
    ii, tt = [], []
    for k in range(n):
        t = np.sort(rng.uniform(0, T, rng.poisson(rate * T)))
        ii.append(np.full(len(t), k)); tt.append(t)
    return np.concatenate(ii), np.concatenate(tt)


def test_poisson_population():
    rng = np.random.default_rng(0)
    i, t = _poisson(100, 20.0, 10.0, rng)
    s = population_stats(i, t, 100, 0.0, 10.0, max_neurons=100)
    assert s["rate_hz"] == pytest.approx(20.0, rel=0.05)
    assert s["cv_isi"] == pytest.approx(1.0, abs=0.08)
    assert s["fano"] == pytest.approx(1.0, abs=0.15)
    assert abs(s["corr"]) < 0.02
    assert s["active_frac"] == 1.0


def test_regular_and_synchronous():
    t1 = np.arange(0.005, 5.0, 0.05)                       # 20 Hz clock, all neurons together
    i = np.repeat(np.arange(20), len(t1)); t = np.tile(t1, 20)
    s = population_stats(i, t, 20, 0.0, 5.0)
    assert s["cv_isi"] < 0.01
    assert s["corr"] > 0.95
    assert s["sync_chi"] > 0.95


def test_window_and_silent_neurons():
    i = np.array([0, 0, 1]); t = np.array([0.1, 0.6, 0.7])
    s = population_stats(i, t, 4, 0.5, 1.0)
    assert s["rate_hz"] == pytest.approx(2 / 4 / 0.5)
    assert s["active_frac"] == pytest.approx(0.5)
    assert np.isnan(s["cv_isi"])


def test_rate_histogram():
    centres, r = rate_histogram(np.array([0.001, 0.002, 0.015]), 2, 0.02, 0.01)
    assert len(centres) == 2 and r[0] == pytest.approx(2 / 2 / 0.01) and r[1] == pytest.approx(1 / 2 / 0.01)
