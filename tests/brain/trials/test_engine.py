"""The trial engine on a tiny brain (numpy): drives, readouts, choices, no-choice, both loops."""
import math

import numpy as np
import pytest
from brian2 import ms

from brain.backends import configure
from brain.brain import Brain
from brain.config import ConfigError, from_mapping
from brain.schema import build_config
from brain.trials.engine import Session
from brain.trials.specs import SessionSpec, check_session
from plasticity.params import ParamError


def _spec(**over):
    data = {
        "task": {"type": "goal_cued", "n_trials": 12},
        "stimuli": {"cue": {"port": "cue.out", "kind": "rate", "rate": "60 Hz"},
                    "kick": {"port": "pool.exc", "kind": "poisson", "n": 20, "p": 0.5, "weight": "1 nS",
                             "rate": "50 Hz"}},
        "readouts": {"choice": {"port": "cue.out", "threshold": "20 Hz"}, "exc": {"port": "pool.exc"}},
        "phases": [{"name": "iti", "duration": "20 ms", "tonic": True},
                   {"name": "cue", "duration": "60 ms", "drive": {"cue": "stimulus"}, "read_from": "10 ms",
                    "decide": "choice"},
                   {"name": "outcome", "duration": "20 ms", "drive": {"kick": "reward"}, "read": ["exc"]}],
    }
    data.update(over)
    spec = from_mapping(SessionSpec, data, "experiment")
    check_session(spec)
    return spec


def _brain(seed=3):
    cfg = build_config({"seed": seed, "dt": "0.1 ms", "regions": {
        "cue": {"type": "channel_input", "n_channels": 2, "n_per_channel": 20},
        "pool": {"type": "cortex", "n_exc": 80, "n_inh": 20, "p_connect": 0.1}}})
    return Brain(cfg, configure("numpy", dt=cfg.dt), record=False)


def test_choice_is_the_driven_pool_and_rows_are_complete():
    b = _brain()
    rows = Session(b, _spec(), seed=7).run()
    assert len(rows) == 12
    assert math.isclose(b.t_run, 12 * 0.1, abs_tol=1e-9)
    for r in rows:                                   # the cue drives pool `stimulus`: it wins
        assert r["choice"] == r["stimulus"] and r["no_choice"] == 0
        assert r["correct"] == int(r["goal"] == 0)   # goal 1 maps the stimulus to the other action
        assert r[f"choice{r['choice']}_cue_hz"] > 20 and r[f"choice{1 - r['choice']}_cue_hz"] < 5
        assert 10 <= r["latency_ms"] <= 60
    onsets = np.array([[r["t_iti"], r["t_cue"], r["t_outcome"]] for r in rows])
    assert np.allclose(np.diff(onsets, axis=1), [0.02, 0.06])
    assert np.allclose(np.diff(onsets[:, 0]), 0.1)
    rewarded = np.array([r["reward"] for r in rows]) > 0
    assert rewarded.any() and (~rewarded).any()
    exc = np.array([r["exc_outcome_hz"] for r in rows])     # the reward kick drives `pool`
    assert exc[rewarded].mean() > exc[~rewarded].mean()


def test_no_choice_is_reported_unrewarded_and_incorrect():
    spec = _spec(readouts={"choice": {"port": "cue.out", "threshold": "500 Hz"}, "exc": {"port": "pool.exc"}})
    rows = Session(_brain(), spec, seed=7).run()
    assert all(r["choice"] == -1 and r["no_choice"] == 1 and r["reward"] == 0 and r["correct"] == 0 for r in rows)
    assert all(math.isnan(r["latency_ms"]) for r in rows)


def test_operation_and_runs_loops_agree():
    a = Session(_brain(), _spec(), seed=7).run()
    b = Session(_brain(), _spec(loop="runs"), seed=7).run()
    keys = ("choice", "reward", "correct", "t_cue", "t_outcome", "stimulus", "goal")
    assert [[r[k] for k in keys] for r in a] == [[r[k] for k in keys] for r in b]
    assert all(math.isnan(r["latency_ms"]) for r in b)


def test_rows_survive_in_the_given_list():
    rows = []
    Session(_brain(), _spec(), seed=7, rows=rows).run()
    assert len(rows) == 12


@pytest.mark.parametrize("over, match", [
    ({"phases": [{"name": "a", "duration": "20 ms"}]}, "exactly one phase must decide"),
    ({"phases": [{"name": "a", "duration": "25 ms", "decide": "choice"}]}, "multiple of sample_dt"),
    ({"phases": [{"name": "a", "duration": "20 ms", "decide": "nope"}]}, "unknown readout"),
    ({"phases": [{"name": "a", "duration": "20 ms", "decide": "choice", "drive": {"x": "stimulus"}}]},
     "unknown stimulus"),
    ({"task": {}}, "task.type"),
])
def test_session_checks(over, match):
    with pytest.raises((ParamError, ConfigError), match=match):
        _spec(**over)


def test_unknown_port_and_field_name_the_path():
    with pytest.raises(ConfigError, match=r"experiment.stimuli.cue.port: region 'cue' has no port 'nope'"):
        Session(_brain(), _spec(stimuli={"cue": {"port": "cue.nope"}, "kick": {"port": "pool.exc", "kind": "poisson"}}),
                seed=1)
    bad = _spec(phases=[{"name": "cue", "duration": "20 ms", "drive": {"cue": "colour"}, "decide": "choice"}])
    with pytest.raises(ConfigError, match="colour"):
        Session(_brain(), bad, seed=1)


def test_settle_runs_before_the_first_trial_with_every_stimulus_off():
    b = _brain()
    rows = Session(b, _spec(settle="30 ms", settle_tonic="20 ms", task={"type": "goal_cued", "n_trials": 3}),
                   seed=7).run()
    assert rows[0]["t_iti"] == pytest.approx(0.05)
    assert b.t_run == pytest.approx(0.05 + 3 * 0.1)
    assert all(r["choice"] == r["stimulus"] for r in rows)


def test_poisson_weight_has_the_units_of_the_port_variable():
    stim = {"cue": {"port": "cue.out"}, "kick": {"port": "pool.exc", "kind": "poisson", "weight": "1 mV"}}
    with pytest.raises(ConfigError, match=r"experiment.stimuli.kick.weight: pool.exc \(g_ampa\) needs a quantity in"):
        Session(_brain(), _spec(stimuli=stim), seed=1)
    with pytest.raises(ConfigError, match="experiment.stimuli.kick.weight: must be non-negative"):
        _spec(stimuli={"cue": {"port": "cue.out"}, "kick": {"port": "pool.exc", "weight": "-1 nS"}})


def test_runs_outside_the_session_leave_it_alone():
    b = _brain()
    s = Session(b, _spec(task={"type": "goal_cued", "n_trials": 2}), seed=7)
    b.run(30 * ms)                               # before: the operation is inactive
    rows = s.run()
    assert len(rows) == 2 and rows[0]["t_iti"] == pytest.approx(0.03)
    b.run(30 * ms)                               # after: nothing more is logged
    assert len(rows) == 2
