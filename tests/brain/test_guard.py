"""Runaway detection: a saturated population or a NaN stops the run with a one-line message naming
the population and the time; healthy runs are untouched; the CLI keeps the outputs and exits 3."""
import json
import re

import numpy as np
import pytest
from brian2 import ms

from brain.backends import configure
from brain.brain import Brain
from brain.guard import RunawayError, check_results
from brain.schema import build_config
from tests.brain.test_cli import brain as cli

SMALL = {"type": "cortex", "n_exc": 160, "n_inh": 40, "p_connect": 0.1}
SATURATED = {**SMALL, "w_ext": "30 nS", "w_inh": "0 nS"}     # driven to its refractory ceiling


def _brain(region, guard=None):
    data = {"seed": 2, "regions": {"a": region}}
    if guard is not None:
        data["guard"] = guard
    cfg = build_config(data)
    return Brain(cfg, configure("numpy", dt=cfg.dt))


def test_saturated_population_stops_the_run():
    b = _brain(SATURATED)
    with pytest.raises(RunawayError) as info:
        b.run(500 * ms)
    msg = str(info.value)
    assert msg.startswith("runaway: a.exc fired at") and "1/t_ref = 200 Hz" in msg and "\n" not in msg
    stopped = float(b.network.t / ms)
    assert 100 <= stopped < 200           # 100 ms above the ceiling, not the whole 500 ms
    assert b.check_runaway() == msg


def test_acknowledged_runaway_rearms_the_guard():
    """An experiment that measures the collapse takes the error as its result: the run is not
    marked failed, and a runaway that goes on trips the guard again."""
    b = _brain(SATURATED)
    with pytest.raises(RunawayError):
        b.run(500 * ms)
    assert b.guard.acknowledge().startswith("runaway: a.exc fired at")
    assert b.check_runaway() is None
    with pytest.raises(RunawayError):
        b.run(500 * ms)
    assert b.check_runaway().startswith("runaway: a.exc")


def test_healthy_population_runs_through():
    b = _brain(SMALL)
    b.run(300 * ms)
    assert b.check_runaway() is None and float(b.network.t / ms) == pytest.approx(300)


def test_guard_can_be_switched_off():
    b = _brain(SATURATED, guard={"rate_fraction": 0, "nan": False})
    assert b.guard is None
    b.run(200 * ms)


@pytest.mark.parametrize("group, cell, message", [
    ("exc", 3, r"^runaway: a\.exc\.v became NaN at t = 0\.(09|1) s$"),
    # exc and inh are slices of one group: a NaN in an inhibitory cell names a.inh, not a.exc
    ("inh", 2, r"^runaway: a\.inh\.v became NaN"),
])
def test_nan_stops_the_run_and_names_its_subgroup(group, cell, message):
    from brian2 import mV
    b = _brain(SMALL)
    b.run(20 * ms)
    b.regions["a"].groups[group].v[cell] = np.nan * mV
    with pytest.raises(RunawayError, match=message):
        b.run(300 * ms)


def test_bad_guard_config_names_the_field():
    from brain.config import ConfigError
    with pytest.raises(ConfigError, match=r"^guard.rate_fraction: must be in \[0, 1\]"):
        build_config({"guard": {"rate_fraction": 2}})


def test_check_results_after_the_run():
    """cpp_standalone: the check runs on the recorded spikes (here: synthetic ones)."""
    b = _brain(SMALL)
    pops = {"a.exc": b.regions["a"].populations["exc"]}
    n = 10
    t = np.arange(0.3, 0.5, 0.0052)                  # every cell at ~190 Hz from 0.3 s
    busy = {"a.exc": {"i": np.repeat(np.arange(n), t.size), "t": np.tile(t, n), "n": n}}
    msg = check_results(busy, pops, 1.0)
    assert msg is not None and msg.startswith("runaway: a.exc fired at") and re.search(r"up to t = 0\.(39|4) s$", msg)
    calm = {"a.exc": {"i": np.arange(n), "t": np.linspace(0, 1, n), "n": n}}
    assert check_results(calm, pops, 1.0) is None


def test_cli_runaway_exit_3_keeps_outputs(tmp_path):
    out = tmp_path / "run"
    res = cli("run", "cortex_ai", "--set", "regions.cortex.n_exc=160", "--set", "regions.cortex.n_inh=40",
              "--set", "regions.cortex.w_ext=30 nS", "--set", "regions.cortex.w_inh=0 nS",
              "--backend", "numpy", "--duration", "1 s", "--no-figures", "--out", str(out))
    assert res.returncode == 3, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith("brain: runaway: cortex.exc fired at") and "Traceback" not in res.stderr
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "failed" and info["error"].startswith("runaway: cortex.exc")
    assert (out / "spikes.npz").is_file() and not (out / "metrics.json").exists()
    with np.load(out / "spikes.npz") as z:
        assert 0 < z["cortex.exc.t"].max() < 0.3        # what it ran before the stop
