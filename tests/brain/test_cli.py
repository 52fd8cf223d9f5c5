"""The command line: outputs of a run, stats, and one-line errors with exit code 2 on bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

SMALL = ["--set", "regions.cortex.n_exc=400", "--set", "regions.cortex.n_inh=100", "--duration", "0.5 s"]


def brain(*args, cwd=None, env=None):
    exe = Path(sys.executable).with_name("brain")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    res = brain("run", "cortex_ai", *SMALL, "--seed", "4", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out, res


def test_run_writes_outputs(run_dir):
    out, res = run_dir
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.loads(res.stdout) == pytest.approx(metrics)
    for key in ("rate_exc_hz", "rate_inh_hz", "cv_isi_exc", "fano_exc", "corr_exc"):
        assert key in metrics
    assert metrics["rate_exc_hz"] > 0
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["seed"] == 4 and cfg["regions"]["cortex"]["n_exc"] == 400 and cfg["duration"].endswith("s")
    with np.load(out / "spikes.npz") as z:
        assert {"cortex.exc.i", "cortex.exc.t", "cortex.inh.i", "cortex.inh.t"} <= set(z.files)
        assert z["cortex.exc.i"].max() < 400 and z["cortex.exc.t"].max() < 0.5
    assert (out / "figures" / "raster.png").stat().st_size > 1000
    assert (out / "figures" / "rates.png").stat().st_size > 1000
    assert (out / "figures" / "wiring.png").stat().st_size > 1000


def test_resolved_config_reruns_identically(run_dir, tmp_path):
    out, _ = run_dir
    res = brain("run", "cortex_ai", "--config", str(out / "config.yaml"), "--out", str(tmp_path / "again"),
                "--no-figures")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == json.loads((out / "metrics.json").read_text())


def test_stats(run_dir):
    out, _ = run_dir
    res = brain("stats", str(out), "--transient", "0.2")
    assert res.returncode == 0, res.stderr
    stats = json.loads(res.stdout)
    metrics = json.loads((out / "metrics.json").read_text())
    assert stats["cortex.exc"]["rate_hz"] == pytest.approx(metrics["rate_exc_hz"])
    assert stats["cortex.exc"]["cv_isi"] == pytest.approx(metrics["cv_isi_exc"])


def test_list():
    res = brain("list")
    assert res.returncode == 0 and "cortex_ai" in res.stdout


@pytest.mark.parametrize("args, message", [
    (["run", "cortex_ai", "--set", "regions.cortex.n_exc=-5"],
     "brain: regions.cortex.n_exc: must be a positive integer, got -5"),
    (["run", "cortex_ai", "--set", "regions.cortex.tau_ampa=5 mV"], "brain: regions.cortex.tau_ampa: wrong units"),
    (["run", "cortex_ai", "--set", "regions.cortex.colour=red"], "brain: regions.cortex.colour: unknown field"),
    (["run", "nope"], "brain: experiment: unknown experiment 'nope'"),
    (["run", "cortex_ai", "--duration", "ten"], "brain: duration: cannot parse"),
    (["run", "cortex_ai", "--seed", "x"], "brain: argument --seed: invalid int value"),
    (["run", "cortex_ai", "--seed", "-3"], "brain: seed: must be an integer in [0, 2**32 - 1]"),
    (["run", "cortex_ai", "--seed", "99999999999"], "brain: seed: must be an integer in [0, 2**32 - 1]"),
    (["run", "cortex_ai", "--config", "/nonexistent.yaml"], "brain: config: cannot read"),
    (["run", "cortex_ai", "--set", "experiment.transient=5 s", "--duration", "1 s"],
     "brain: experiment.transient: must be shorter than duration"),
    (["stats", "/nonexistent"], "brain: stats: no spikes.npz"),
    (["frobnicate"], "brain: argument cmd: invalid choice"),
    (["describe", "nope"], "brain: experiment: unknown experiment 'nope'"),
    (["describe", "reversal_learning", "--set", "projections.cue->striatum:d1.rule=nope"],
     "brain: projections.cue->striatum:d1.rule: unknown rule 'nope'"),
])
def test_bad_input_is_one_line_exit_2(args, message, tmp_path):
    res = brain(*args, "--out", str(tmp_path / "o")) if args[0] == "run" else brain(*args)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(message), lines[0]
    assert "Traceback" not in res.stderr


def test_a_compiler_cache_over_1_gb_adds_no_line_to_stderr(tmp_path):
    """Brian2 logs the cache size on import once the Cython cache passes 1 GB (a shared CI cache did)."""
    cache = tmp_path / "cython" / "brian_extensions"
    cache.mkdir(parents=True)
    with open(cache / "big.so", "wb") as f:   # sparse: 1.1 GB apparent size, no disk used
        f.truncate(1100 * 1024 * 1024)
    res = brain("describe", "nope", env={"CYTHON_CACHE_DIR": str(tmp_path / "cython")})
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("brain: experiment: unknown"), res.stderr


def test_describe_prints_sizes_counts_and_final_equations(tmp_path):
    res = brain("describe", "reversal_learning", "--wiring", str(tmp_path / "w.png"))
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert "striatum [striatum]: msn 320" in text   # 2 channels x (80 D1 + 80 D2) and "projections (4, " in text
    d1 = text[text.index("cue->striatum:d1:"):text.index("cue->striatum:d2:")]
    assert "rule da_three_factor" in d1 and " synapses" in d1.splitlines()[0]
    # the transmission line, the rule's pre/post code, its 10 ms update and its constants, assembled
    for fragment in ("g_ctx_post += w * w_unit", "apre += 1", "dapre/dt = -apre / tf_tau_plus",
                     "every 10. ms:", "tf_A_plus = 0.025", "da_tonic_post"):
        assert fragment in d1, fragment
    assert (tmp_path / "w.png").stat().st_size > 1000
