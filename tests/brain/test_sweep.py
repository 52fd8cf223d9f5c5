"""``brain sweep``: grid x seeds on a Dask LocalCluster, CSV / summary / figure, resume, failures."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brain.config import ConfigError
from brain.sweep import Run, parse_grid, parse_seeds, run_one, split_values

pytest.importorskip("dask.distributed")

SMALL = ["--backend", "numpy", "--duration", "0.25 s", "--set", "regions.cortex.n_exc=200", "--set",
         "regions.cortex.n_inh=50", "--set", "experiment.transient=0.05 s"]


def brain(*args):
    exe = Path(sys.executable).with_name("brain")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_seeds_and_values():
    assert parse_seeds("4-13") == list(range(4, 14))
    assert parse_seeds("1,3,5-7") == [1, 3, 5, 6, 7]
    assert split_values("[1, 2],[3],{a: 1, b: 2}") == ["[1, 2]", "[3]", "{a: 1, b: 2}"]
    assert split_values("'a,b',c") == ["'a,b'", "c"]
    assert parse_grid(["a.b=1,2", "c=x"]) == [("a.b", ["1", "2"]), ("c", ["x"])]
    for bad in ("13-4", "x", "1,,2", "-3"):
        with pytest.raises(ConfigError, match="--seeds"):
            parse_seeds(bad)
    for bad in (["a"], ["a=1,,2"], ["=1"], ["a=1", "a=2"]):
        with pytest.raises(ConfigError, match="--set"):
            parse_grid(bad)


@pytest.mark.parametrize("args, message", [
    (["--seeds", "5-2"], "brain: --seeds: expected seeds"),
    (["--workers", "0"], "brain: --workers: must be a positive integer"),
    (["--set", "regions.cortex.n_exc=400,-5"], "brain: regions.cortex.n_exc: must be a positive integer"),
    (["--set", "regions.cortex.n_exc"], "brain: --set: expected KEY=V1,V2"),
])
def test_bad_input_is_one_line_exit_2(args, message, tmp_path):
    res = brain("sweep", "cortex_ai", *args, "--out", str(tmp_path / "o"))
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith(message), res.stderr
    assert not (tmp_path / "o").exists()             # validated before anything runs


def test_failed_run_is_recorded(tmp_path):
    row = run_one("no_such_experiment", Run("x", 1, (), ("--backend", "numpy"), str(tmp_path / "x")))
    assert row["status"] == "failed" and "unknown experiment" in row["error"]


def test_sweep_grid_summary_and_resume(tmp_path):
    out = tmp_path / "sw"
    args = ["sweep", "cortex_ai", *SMALL, "--set", "regions.cortex.w_inh=3 nS,5 nS", "--seeds", "1-2",
            "--workers", "2", "--keys", "rate_exc_hz,cv_isi_exc", "--out", str(out)]
    res = brain(*args)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(open(out / "sweep.csv")))
    assert len(rows) == 4 and {r["status"] for r in rows} == {"ok"}
    assert {(r["regions.cortex.w_inh"], r["seed"]) for r in rows} == {
        (w, s) for w in ("3 nS", "5 nS") for s in ("1", "2")}
    for r in rows:                                    # each row holds that run's own metrics.json
        metrics = json.loads((out / "runs" / r["id"] / "metrics.json").read_text())
        assert float(r["rate_exc_hz"]) == pytest.approx(metrics["rate_exc_hz"])
    summary = list(csv.DictReader(open(out / "summary.csv")))
    assert {s["metric"] for s in summary} == {"rate_exc_hz", "cv_isi_exc"} and len(summary) == 4
    for s in summary:
        assert int(s["n"]) == 2 and float(s["ci95_lo"]) <= float(s["mean"]) <= float(s["ci95_hi"])
    rate = {s["regions.cortex.w_inh"]: float(s["mean"]) for s in summary if s["metric"] == "rate_exc_hz"}
    assert rate["5 nS"] < rate["3 nS"]               # more inhibition, lower rate: the grid is applied
    assert (out / "figures" / "sweep.png").stat().st_size > 0
    assert "| regions.cortex.w_inh | n | rate_exc_hz | cv_isi_exc |" in res.stdout
    again = brain(*args)                              # rerun: every run is skipped, same numbers
    assert again.returncode == 0 and again.stderr.count("skipped") == 4, again.stderr
    assert [r["rate_exc_hz"] for r in csv.DictReader(open(out / "sweep.csv"))] == [r["rate_exc_hz"] for r in rows]


def test_a_run_killed_part_way_is_resumed_from_its_checkpoint(tmp_path, monkeypatch):
    out = tmp_path / "runs" / "seed4"
    out.mkdir(parents=True)
    (out / "config.yaml").write_text("seed: 4\n")
    (out / "checkpoint.npz").write_bytes(b"")
    calls = []

    def fake(cmd, stdout, stderr):
        calls.append(cmd)
        (out / "metrics.json").write_text('{"x": 1.0}')
        (out / "run.json").write_text('{"wall_s": 1.0}')
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(subprocess, "run", fake)
    row = run_one("cortex_ai", Run("seed4", 4, (), ("--set", "a=1", "--no-figures"), str(out)))
    assert row["status"] == "resumed" and row["x"] == 1.0
    assert calls[0][3:] == ["run", "cortex_ai", "--resume", str(out),
                            "--no-figures"]
