"""Checkpoints and ``--resume``: a checkpointed session equals a plain one, a session stopped after
a checkpoint and resumed in a new brain equals both, and a real run killed with SIGKILL at a random
point and resumed gives the same metrics, trial log, spikes and final weights (cython)."""
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from brain.backends import configure
from brain.brain import Brain
from brain.checkpoint import Checkpointer
from brain.schema import build_config
from brain.trials.engine import Session
from tests.brain.trials.test_engine import _spec


def _session(out=None, every=0, resume=False, stop_after=None):
    cfg = build_config({"seed": 3, "dt": "0.1 ms", "regions": {
        "cue": {"type": "channel_input", "n_channels": 2, "n_per_channel": 20},
        "pool": {"type": "cortex", "n_exc": 80, "n_inh": 20, "p_connect": 0.1}}})
    b = Brain(cfg, configure("numpy", dt=cfg.dt), record=True)
    if out is not None:
        b.checkpointer = _Stopping(out, every, "cfg", resume=resume, stop_after=stop_after)
    rows, epochs = [], []
    Session(b, _spec(), seed=7, rows=rows, epochs=epochs).run()
    return rows, epochs, b


class _Killed(Exception):
    pass


class _Stopping(Checkpointer):
    """Dies right after its ``stop_after``-th checkpoint, as a killed process would."""

    def __init__(self, *args, stop_after=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop_after = stop_after

    def save(self, session, done=False):
        super().save(session, done)
        if self.saved == self.stop_after:
            raise _Killed


def _same_rows(a, b):
    def same(x, y):
        return x == y or (isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y))
    return len(a) == len(b) and all(r.keys() == s.keys() and all(same(r[k], s[k]) for k in r) for r, s in zip(a, b))


def _same_state(b1, b2):
    spikes1, spikes2 = b1.spikes(), b2.spikes()
    assert spikes1.keys() == spikes2.keys()
    for k in spikes1:
        assert np.array_equal(spikes1[k]["i"], spikes2[k]["i"]) and np.array_equal(spikes1[k]["t"], spikes2[k]["t"])
    for name, g in b1.regions["pool"].groups.items():
        assert np.array_equal(g.v[:], b2.regions["pool"].groups[name].v[:]), name
    assert b1.t_run == b2.t_run


def test_checkpoints_change_nothing_and_a_resumed_session_continues_exactly(tmp_path):
    rows0, epochs0, b0 = _session()
    rows1, epochs1, b1 = _session(tmp_path / "a", every=5)           # stops at trials 5 and 10
    assert _same_rows(rows0, rows1) and epochs0 == epochs1
    _same_state(b0, b1)
    with pytest.raises(_Killed):
        _session(tmp_path / "b", every=5, stop_after=1)              # dies after trial 5's checkpoint
    assert (tmp_path / "b" / "checkpoint.npz").is_file()
    rows2, epochs2, b2 = _session(tmp_path / "b", every=5, resume=True)
    assert len(rows2) == 12 and _same_rows(rows0, rows2) and epochs0 == epochs2
    _same_state(b0, b2)


def test_a_checkpoint_of_the_ended_loop_skips_it(tmp_path):
    rows0, _, b0 = _session()
    with pytest.raises(_Killed):
        _session(tmp_path, every=5, stop_after=3)                    # 5, 10, then the end (12)
    rows, _, b = _session(tmp_path, every=5, resume=True)
    assert _same_rows(rows0, rows)
    _same_state(b0, b)


def test_a_checkpoint_for_another_brain_is_refused(tmp_path):
    from brain.config import ConfigError
    with pytest.raises(_Killed):
        _session(tmp_path, every=5, stop_after=1)
    with pytest.raises(ConfigError, match="another config"):
        Checkpointer(tmp_path, 5, "other cfg", resume=True)
    with pytest.raises(ConfigError, match="no checkpoint.npz"):
        Checkpointer(tmp_path / "none", 5, "cfg", resume=True)
    (tmp_path / "checkpoint.npz").write_bytes(b"truncated")
    with pytest.raises(ConfigError, match="unreadable"):
        Checkpointer(tmp_path, 5, "cfg", resume=True)


# -- the command line, on cython: SIGKILL at a random point, then --resume ---------------------------
# the Python loop on cython (the config's default, the in-graph loop on cpp_standalone, takes no checkpoints)
TINY = ["--seed", "2", "--backend", "cython", "--set", "experiment.loop=operation",
        "--set", "experiment.task.n_before=3", "--set", "experiment.task.n_after=3",
        "--set", "experiment.n_window=2", "--set", "experiment.n_crit=2", "--set", "experiment.settle=0.2 s",
        "--set", "experiment.settle_tonic=0.2 s", "--no-figures"]


def _cmd(*args):
    return [str(Path(sys.executable).with_name("brain")), *args]


ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def test_killed_run_resumes_to_the_uninterrupted_result_bit_for_bit(tmp_path):
    """The uninterrupted run takes no checkpoints: the comparison also shows that they change nothing."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    res = subprocess.run(_cmd("run", "reversal_learning", *TINY, "--set", "checkpoint.every=0", "--out", str(whole)),
                         capture_output=True, text=True, timeout=600, env=ENV)   # no checkpoints at all
    assert res.returncode == 0, res.stderr
    proc = subprocess.Popen(_cmd("run", "reversal_learning", *TINY, "--set", "checkpoint.every=2", "--out", str(cut)),
                            env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 600
        while not (cut / "checkpoint.npz").exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        delay = random.uniform(0.0, 1.5)
        time.sleep(delay)                                            # somewhere in trials 3-4
        assert proc.poll() is None, f"the run ended before the kill ({delay:.2f} s after the first checkpoint)"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert not (cut / "metrics.json").exists()
    res = subprocess.run(_cmd("run", "reversal_learning", "--resume", str(cut), "--no-figures"),
                         capture_output=True, text=True, timeout=600, env=ENV)
    assert res.returncode == 0, res.stderr
    assert json.loads((cut / "metrics.json").read_text()) == json.loads((whole / "metrics.json").read_text())
    for name in ("trials.csv", "epochs.csv"):
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
    for name in ("weights.npz", "spikes.npz"):
        with np.load(whole / name) as a, np.load(cut / name) as b:
            assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files), name
    assert not (cut / "checkpoint.npz").exists()
    assert json.loads((cut / "run.json").read_text())["resumed"] is True
    bad = [(["--resume", str(cut)], "has finished"),
           (["--resume", str(tmp_path / "nowhere")], "no config.yaml"),
           (["--resume", str(cut), "--set", "seed=3"], "drop --set")]
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "config.yaml").write_text((whole / "config.yaml").read_text())
    bad.append((["--resume", str(tmp_path / "fresh")], "no checkpoint.npz"))
    for args, message in bad:
        res = subprocess.run(_cmd("run", "reversal_learning", *args), capture_output=True, text=True, timeout=120,
                             env=ENV)
        assert res.returncode == 2 and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr


def test_presentation_windows_survive_a_resume(tmp_path):
    """Readouts that keep cell counts and spikes per window (the hippocampus protocols)."""
    from brain.trials.tasks import Presentation
    from tests.brain.trials.test_engine import _brain, _presentation_spec
    pats = np.zeros((5, 80))
    for k in range(5):
        pats[k, 15 * k:15 * k + 10] = 1.0

    def session(every=0, resume=False, stop_after=None):
        b = _brain()
        b.checkpointer = _Stopping(tmp_path, every, "cfg", resume=resume, stop_after=stop_after) if every else None
        s = Session(b, _presentation_spec(), task=Presentation([{"pattern": x} for x in pats], {"pattern": 80},
                                                                [{"item": k} for k in range(5)]))
        return s.run(), s

    rows0, s0 = session()
    with pytest.raises(_Killed):
        session(every=2, stop_after=1)
    rows1, s1 = session(every=2, resume=True)
    assert _same_rows(rows0, rows1) and len(s1.windows) == 5
    for w0, w1 in zip(s0.windows, s1.windows):
        assert np.array_equal(w0["cells_show"], w1["cells_show"])
        assert all(np.array_equal(a, b) for a, b in zip(w0["spikes_show"], w1["spikes_show"]))
