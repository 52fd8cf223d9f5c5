"""The trial engine on a tiny brain (numpy): drives, readouts, choices, no-choice, both loops."""
import math

import numpy as np
import pytest
from brian2 import Hz, ms, nS

from brain.backends import configure
from brain.brain import Brain
from brain.config import ConfigError, from_mapping
from brain.schema import build_config
from brain.trials.engine import Session
from brain.trials.specs import PhaseSpec, ReadoutSpec, SessionSpec, StimulusSpec, check_session
from brain.trials.stimulus import poisson_stimulus
from brain.trials.tasks import Presentation
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


def _brain(seed=3, backend="numpy"):
    cfg = build_config({"seed": seed, "dt": "0.1 ms", "backend": backend, "regions": {
        "cue": {"type": "channel_input", "n_channels": 2, "n_per_channel": 20},
        "pool": {"type": "cortex", "n_exc": 80, "n_inh": 20, "p_connect": 0.1}}})
    return Brain(cfg, configure(backend, dt=cfg.dt), record=False)


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
    ({"phases": [{"name": "a", "duration": "20 ms", "decide": "choice"},
                 {"name": "b", "duration": "20 ms", "decide": "choice"}]}, "at most one phase may decide"),
    ({"readouts": {"choice": {"port": "cue.out", "keep": "all"}}}, "keep"),
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


def _presentation_spec():
    """One source per cell of ``pool.exc`` (80 pools), per-cell counts and the spikes of ``pool.exc``."""
    return SessionSpec(stimuli={"pat": StimulusSpec(port="pool.exc", kind="poisson", pools=80, n=1, p=1.0,
                                                     weight=20 * nS, rate=400 * Hz)},
                       readouts={"cells": ReadoutSpec(port="pool.exc", keep="cells"),
                                 "spikes": ReadoutSpec(port="pool.exc", keep="spikes")},
                       phases=(PhaseSpec("show", 30 * ms, drive={"pat": "pattern"}, read=("cells", "spikes"),
                                         read_from=10 * ms),))


def test_presentation_keeps_cell_counts_and_spikes_per_window():
    spec = _presentation_spec()
    pats = np.zeros((3, 80))
    for k in range(3):
        pats[k, 20 * k:20 * k + 10] = 1.0
    b = _brain()
    s = Session(b, spec, task=Presentation([{"pattern": x} for x in pats], {"pattern": 80},
                                           [{"item": k} for k in range(3)]))
    rows = s.run()
    assert [r["item"] for r in rows] == [0, 1, 2] and "choice" not in rows[0]
    assert not any(k.startswith("pattern") for k in rows[0])          # the pattern arrays are not logged
    assert len(s.windows) == 3
    for k, (row, win) in enumerate(zip(rows, s.windows)):
        on = pats[k] > 0
        assert win["cells_show"][on].min() >= 1                                         # driven cells fire
        assert win["cells_show"][on].mean() > 2 * win["cells_show"][~on].mean()         # above background
        i, t = win["spikes_show"]
        assert np.array_equal(np.bincount(i, minlength=80), win["cells_show"])          # the same window
        assert t.min() >= row["t_show"] + 0.01 - 1e-9 and t.max() < row["t_show"] + 0.03


def test_a_session_runs_again_with_another_task_and_phases():
    b = _brain()
    spec = _presentation_spec()
    s = Session(b, spec, task=Presentation([{}], {"pattern": 80}))
    s.run()
    quiet = (PhaseSpec("quiet", 20 * ms, read=("cells",)),)
    s.run(Presentation([{}, {}], {"pattern": 80}), phases=quiet)
    assert [r["block"] for r in s.rows] == [0, 1, 1]
    assert s.rows[1]["t_quiet"] == pytest.approx(0.03) and s.rows[2]["t_quiet"] == pytest.approx(0.05)
    assert all(w["cells_quiet"].shape == (80,) and w["cells_quiet"].min() >= 0 for w in s.windows[1:])
    with pytest.raises(ConfigError, match="reset: region 'nope'"):
        s.run(phases=(PhaseSpec("quiet", 20 * ms, reset=("nope",)),))


def test_poisson_stimulus_outside_a_session():
    b = _brain()
    stim = poisson_stimulus(b, "pool.exc", n=40, weight=2 * nS, p=0.5, rate=60 * Hz, name="kick")
    b.run(50 * ms)
    quiet = len(b.spikes()["pool.exc"]["t"]) if b.monitors else None
    stim.on()
    assert np.all(stim.group.rate[:] == 60 * Hz)
    stim.off()
    assert np.all(stim.group.rate[:] == 0 * Hz) and quiet is None


def test_winner_needs_one_pool_above_threshold_and_exclusive_rejects_two():
    from brain.trials.readout import Readout
    ro = Readout.__new__(Readout)
    ro.threshold, ro.exclusive = 20.0, False
    assert ro.winner(np.array([30.0, 25.0])) == 0                  # the stronger of two selected pools
    assert ro.winner(np.array([10.0, 15.0])) is None               # none above threshold
    assert ro.winner(np.array([30.0, 30.0])) is None               # a tie is no choice
    ro.exclusive = True
    assert ro.winner(np.array([30.0, 25.0])) is None               # two selected: no choice
    assert ro.winner(np.array([30.0, 5.0])) == 0
