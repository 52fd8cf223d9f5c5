"""Epochs of the trial engine and the NWB export: a tiny closed-loop session written as a run
directory, exported, validated and read back (spikes, trials and epochs round-trip)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brain.backends import configure
from brain.brain import Brain
from brain.experiment import write_trials_csv
from brain.recording import load_spikes, save_spikes, write_yaml
from brain.schema import build_config
from brain.trials.engine import Session
from tests.brain.trials.test_engine import _spec

pynwb = pytest.importorskip("pynwb")

from brain import nwb  # noqa: E402  (after the skip: it needs pynwb)


@pytest.fixture(scope="module")
def session_run(tmp_path_factory):
    """A run directory of 12 trials (iti, cue, outcome) with spikes, trials.csv and epochs.csv."""
    out = tmp_path_factory.mktemp("nwb") / "run"
    out.mkdir()
    cfg = build_config({"seed": 3, "dt": "0.1 ms", "regions": {
        "cue": {"type": "channel_input", "n_channels": 2, "n_per_channel": 20},
        "pool": {"type": "cortex", "n_exc": 80, "n_inh": 20, "p_connect": 0.1}}})
    b = Brain(cfg, configure("numpy", dt=cfg.dt), record=True)
    rows, epochs = [], []
    Session(b, _spec(), seed=7, rows=rows, epochs=epochs).run()
    save_spikes(out / "spikes.npz", b.spikes(), float(b.t_run))
    write_trials_csv(out / "trials.csv", rows)
    write_trials_csv(out / "epochs.csv", epochs)
    write_yaml(out / "config.yaml", {"seed": 3, "dt": "0.1 ms"})
    (out / "run.json").write_text(json.dumps({"experiment": "engine_test", "seed": 3, "backend": "numpy",
                                              "started": "2026-12-03T12:00:00+00:00"}))
    return out, rows, epochs


def test_epochs_are_each_trial_s_phases_and_what_their_stimuli_showed(session_run):
    _, rows, epochs = session_run
    phases = [e for e in epochs if e["kind"] == "phase"]
    assert len(phases) == 3 * len(rows) == 36
    for k, row in enumerate(rows):
        mine = [e for e in phases if e["trial"] == k]
        assert [e["name"] for e in mine] == ["iti", "cue", "outcome"]
        assert [e["start"] for e in mine] == [row["t_iti"], row["t_cue"], row["t_outcome"]]
        assert all(a["stop"] == pytest.approx(b["start"]) for a, b in zip(mine, mine[1:]))   # contiguous
        shown = {e["name"]: e["shown"] for e in epochs if e["kind"] == "stimulus" and e["trial"] == k}
        assert shown == {"cue": f"stimulus={row['stimulus']}", "kick": f"reward={row['reward']:g}"}


def test_nwb_round_trips_spikes_trials_and_epochs(session_run):
    out, rows, epochs = session_run
    path = nwb.export(out)
    assert path == out / "engine_test_seed3.nwb"
    errors, checks = nwb.validate(path)
    assert errors == []
    assert "critical" not in checks or set(checks["critical"]) <= {"check_subject_age"}   # no animal: no age
    spikes, _ = load_spikes(out / "spikes.npz")
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        units = f.units.to_dataframe()
        assert len(units) == sum(d["n"] for d in spikes.values())
        assert f.units.resolution == pytest.approx(1e-4)
        for pop, d in spikes.items():
            region, group = pop.split(".")
            mine = units[(units.region == region) & (units.population == group)].sort_values("neuron")
            assert list(mine.neuron) == list(range(d["n"]))
            i = np.concatenate([np.full(len(t), k) for k, t in zip(mine.neuron, mine.spike_times)])
            t = np.concatenate(list(mine.spike_times))
            order = np.lexsort((d["t"], d["i"]))
            assert np.array_equal(i, d["i"][order]) and np.array_equal(t, d["t"][order])   # bit for bit
        assert sum(len(d["t"]) for d in spikes.values()) > 100
        trials = f.trials.to_dataframe()
        assert len(trials) == len(rows)
        assert list(trials.choice) == [r["choice"] for r in rows]
        assert np.allclose(trials.start_time, [r["t_iti"] for r in rows])
        assert np.allclose(trials.stop_time - trials.start_time, 0.1)
        ep = f.epochs.to_dataframe()
        assert len(ep) == len(epochs)
        assert [list(t) for t in ep.tags[:4]] == [["phase", "iti"], ["phase", "cue"], ["stimulus", "cue"],
                                                  ["phase", "outcome"]]
        assert list(ep.shown[:3]) == ["", "", f"stimulus={rows[0]['stimulus']}"]


def test_without_epochs_csv_trials_run_from_phase_start_to_the_next(session_run, tmp_path):
    out, rows, _ = session_run
    for name in ("spikes.npz", "trials.csv", "config.yaml", "run.json"):
        (tmp_path / name).write_bytes((out / name).read_bytes())
    with pynwb.NWBHDF5IO(str(nwb.export(tmp_path, check=False)), "r") as io:
        trials = io.read().trials.to_dataframe()
    assert np.allclose(trials.start_time, [r["t_iti"] for r in rows])
    assert np.allclose(trials.stop_time - trials.start_time, 0.1)


def _brain(*args):
    exe = Path(sys.executable).with_name("brain")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_export_command_and_its_errors(session_run, tmp_path):
    out, _, _ = session_run
    sweep = tmp_path / "sweep" / "runs" / "seed3"          # a sweep's layout: every run below DIR
    sweep.mkdir(parents=True)
    for name in ("spikes.npz", "trials.csv", "epochs.csv", "run.json"):
        (sweep / name).write_bytes((out / name).read_bytes())
    res = _brain("export", str(tmp_path / "sweep"), "--nwb")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(sweep / "engine_test_seed3.nwb") and "valid NWB" in res.stderr
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "spikes.npz").write_bytes(b"not a zip file")
    for args, message in [((str(out),), "export: name a format (--nwb)"),
                          ((str(tmp_path / "missing"), "--nwb"), "export: no run directory"),
                          ((str(tmp_path / "bad"), "--nwb"), "spikes.npz: unreadable")]:
        res = _brain("export", *args)
        assert res.returncode == 2 and res.stdout == "", (args, res.stderr)
        assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
