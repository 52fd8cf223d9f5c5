"""The short public API: brain.load -> Model, brain.run_experiment -> Result; the trial log."""
import csv
import json
import subprocess
import sys
import types
from dataclasses import dataclass

import numpy as np
import pytest
import yaml
from brian2 import ms

import brain
from brain.analysis import sliding_mean
from brain.backends import Backend
from brain.experiment import RunContext
from brain.registry import register_experiment, unregister_experiment
from brain.schema import build_config

SMALL = {"type": "cortex", "n_exc": 160, "n_inh": 40, "p_connect": 0.1}
TINY_AI = ["regions.cortex.n_exc=400", "regions.cortex.n_inh=100", "experiment.transient=0.1 s"]


def _data(**extra):
    return {"seed": 5, "regions": {"cortex": dict(SMALL)}, **extra}


def test_import_brain_is_cheap():
    code = ("import sys, brain; heavy = [m for m in ('brian2', 'matplotlib', 'elephant') if m in sys.modules]; "
            "assert not heavy, heavy; assert {'load', 'run_experiment', 'Model', 'Result'} <= set(dir(brain))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def test_load_dict_runs_accumulate_stats_and_figures(tmp_path):
    data = _data()
    with brain.load(data, backend="numpy") as b:
        assert isinstance(b, brain.Model) and set(b.regions) == {"cortex"}
        assert isinstance(b.brain, brain.brain.Brain)
        assert data == _data()                                    # the caller's dict is not modified
        b.run("150 ms")
        b.run(50 * ms)
        b.run(0.05)                                               # plain numbers are seconds
        assert b.t == pytest.approx(0.25) and float(b.brain.network.t) == pytest.approx(0.25)
        spikes = b.spikes()
        assert set(spikes) == {"cortex.exc", "cortex.inh"}
        assert spikes["cortex.exc"]["t"].max() > 0.2              # the third run continued the second
        stats = b.stats(transient="50 ms")
        assert set(stats) == set(spikes)
        assert set(stats["cortex.exc"]) == {"rate_hz", "cv_isi", "fano", "corr", "sync_chi", "active_frac"}
        assert stats["cortex.exc"]["rate_hz"] > 0
        with pytest.raises(brain.ConfigError, match=r"^transient:"):
            b.stats(transient=1.0)

        from matplotlib.figure import Figure
        fig = b.raster()
        assert isinstance(fig, Figure) and fig.axes[0].get_xlim() == pytest.approx((0, 0.25))
        assert isinstance(b.rates(tmp_path / "rates.png"), Figure)
        assert (tmp_path / "rates.png").stat().st_size > 1000
        fig2 = Figure()
        ax = fig2.add_subplot()
        assert b.raster(ax=ax) is fig2 and ax.lines
        b.set_plastic(False)
        assert b.brain.is_frozen
        b.set_plastic(True)
        with b.frozen():
            assert b.brain.is_frozen
        assert not b.brain.is_frozen
    with pytest.raises(RuntimeError, match="closed"):
        b.run("10 ms")


def test_load_yaml_file_with_overrides(tmp_path):
    path = tmp_path / "my_brain.yaml"
    path.write_text(yaml.safe_dump(_data(duration="100 ms")))
    b = brain.load(path, backend="numpy", seed=9, dt="0.2 ms", overrides=["regions.cortex.n_exc=120"])
    try:
        assert b.config.seed == 9 and float(b.config.dt) == pytest.approx(0.2e-3)
        assert b.regions["cortex"].params.n_exc == 120 and b.backend.name == "numpy"
        b.run()                                                   # default: the config's duration
        assert b.t == pytest.approx(0.1)
        assert b.spikes()["cortex.exc"]["n"] == 120
    finally:
        b.close()
    assert yaml.safe_load(path.read_text())["seed"] == 5          # the file is not modified


@pytest.mark.parametrize("data, field", [
    (_data(regions={"cortex": {**SMALL, "n_exc": -5}}), "regions.cortex.n_exc"),
    (_data(regions={"cortex": {**SMALL, "bogus": 1}}), "regions.cortex.bogus"),
    (_data(dt="fast"), "dt"),
])
def test_bad_field_raises_config_error_naming_it(data, field, tmp_path):
    with pytest.raises(brain.ConfigError, match=rf"^{field.replace('.', '[.]')}: ") as err:
        brain.load(data, backend="numpy")
    assert "\n" not in str(err.value)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(brain.ConfigError, match=rf"^{field.replace('.', '[.]')}: "):
        brain.load(path)
    with pytest.raises(brain.ConfigError, match=r"^backend: "):
        brain.load(_data(), backend="fortran")


def test_run_experiment_returns_metrics(tmp_path):
    res = brain.run_experiment("cortex_ai", seed=4, backend="numpy", duration="0.4 s", overrides=TINY_AI,
                               out=tmp_path / "ai", figures=False)
    assert isinstance(res, brain.Result) and res.out == tmp_path / "ai"
    assert {"rate_exc_hz", "cv_isi_exc", "fano_exc"} <= set(res.metrics) and res.metrics["rate_exc_hz"] > 0
    written = json.loads((res.out / "metrics.json").read_text())
    assert set(written) == set(res.metrics) and written["rate_exc_hz"] == pytest.approx(res.metrics["rate_exc_hz"])
    assert res.config.seed == 4 and res.trials == [] and not (res.out / "trials.csv").exists()
    assert res.spikes["cortex.exc"]["i"].max() < 400


def test_run_experiment_bad_input():
    with pytest.raises(brain.ConfigError, match=r"^experiment: unknown experiment"):
        brain.run_experiment("no_such_experiment")
    with pytest.raises(brain.ConfigError, match=r"^experiment\.bogus: "):
        brain.run_experiment("cortex_ai", backend="numpy", overrides="experiment.bogus=1")


# -- trial log ---------------------------------------------------------------------------------
def test_sliding_mean_divides_by_trials_in_window():
    x = np.array([1.0, 0.0, 1.0, 1.0, 0.0, np.nan, 1.0])
    m = sliding_mean(x, 3)
    assert m[0] == x[0] == 1.0                                    # not x[0] / window
    assert m[1] == pytest.approx(0.5) and m[2] == pytest.approx(2 / 3) and m[4] == pytest.approx(2 / 3)
    assert m[5] == pytest.approx(0.5) and m[6] == pytest.approx(0.5)   # NaN is not a trial
    assert np.allclose(sliding_mean(x[:5], 1), x[:5]) and len(sliding_mean([], 10)) == 0
    assert np.isnan(sliding_mean([np.nan], 4)[0])
    with pytest.raises(ValueError):
        sliding_mean(x, 0)


ROWS = [
    {"trial": 0, "choice": 1, "no_choice": False, "correct": True, "reward": 1.0, "latency_ms": 123.456789,
     "good_action": 1, "t_cue": 0.5},
    {"trial": 1, "choice": -1, "no_choice": True, "correct": False, "reward": 0.0, "latency_ms": None,
     "good_action": 1, "t_cue": 2.5},
    {"trial": 2, "choice": 0, "no_choice": np.False_, "correct": np.False_, "reward": np.float64(0.0),
     "latency_ms": 1.0 / 3.0, "good_action": 1, "t_cue": 4.5, "w_d1_0": np.float32(0.25)},
]


def _ctx(out):
    return RunContext("fake", build_config({}), Backend("numpy"), out)


def _read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_trials_csv_and_learning_curve_from_run_context(tmp_path):
    ctx = _ctx(tmp_path)
    assert ctx.trials == [] and ctx.write_trials() is None and not (tmp_path / "trials.csv").exists()
    ctx.trials.extend(ROWS)
    assert ctx.write_trials() == tmp_path / "trials.csv"
    header, *lines = _read_csv(tmp_path / "trials.csv")
    assert header == ["trial", "choice", "no_choice", "correct", "reward", "latency_ms", "good_action", "t_cue",
                      "w_d1_0"]                                   # union of keys, first-seen order
    assert len(lines) == 3 and all(len(line) == len(header) for line in lines)
    assert lines[0] == ["0", "1", "0", "1", "1", "123.457", "1", "0.5", ""]   # missing -> empty
    assert lines[1][1:3] == ["-1", "1"] and lines[1][5] == ""                   # None -> empty
    assert lines[2][5] == "0.333333" and lines[2][8] == "0.25"
    assert (tmp_path / "figures" / "learning_curve.png").stat().st_size > 1000


def test_learning_curve_figure():
    from brain.figures import learning_curve
    fig = learning_curve([{k: v for k, v in r.items() if k != "good_action"} for r in ROWS] * 5, window=4)
    top, bottom = fig.axes
    assert len(bottom.lines) == 2                                 # accuracy and reward
    acc = bottom.lines[0].get_ydata()
    assert acc[0] == 1.0 and acc[1] == pytest.approx(0.5)         # sliding mean over the trials so far
    assert not top.lines                                          # no good_action step without the key


@dataclass(frozen=True)
class _FakeParams:
    n_trials: int = 4
    fail_at: int = -1                                             # raise at this trial (-1: never)


def _fake_run(ctx):
    for k in range(ctx.params.n_trials):
        if k == ctx.params.fail_at:
            raise RuntimeError(f"fake failure at trial {k}")
        ctx.trials.append({"trial": k, "choice": k % 2, "correct": k % 2 == 1, "reward": float(k % 2)})
    return {"n_trials": float(len(ctx.trials))}


@pytest.fixture
def fake_experiment():
    module = types.ModuleType("api_fake_experiment")
    module.__doc__ = "A fake trial-based experiment (tests only).\n\nReferences\n----------\nNone."
    module.Params, module.BACKENDS, module.run = _FakeParams, ("numpy",), _fake_run
    register_experiment("api_fake", module)
    yield "api_fake"
    unregister_experiment("api_fake")


def test_run_experiment_writes_trials(fake_experiment, tmp_path, monkeypatch):
    res = brain.run_experiment(fake_experiment, backend="numpy", out=tmp_path)
    assert res.metrics == {"n_trials": 4.0} and len(res.trials) == 4 and res.trials[1]["correct"] is True
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"n_trials": 4.0}
    assert len(_read_csv(tmp_path / "trials.csv")) == 5
    assert (tmp_path / "figures" / "learning_curve.png").is_file()
    monkeypatch.setitem(sys.modules, "pandas", None)              # as if pandas were not installed
    with pytest.raises(ImportError, match="needs pandas"):
        res.trials_frame()


def test_trials_frame_with_pandas(fake_experiment):
    pd = pytest.importorskip("pandas")
    res = brain.run_experiment(fake_experiment, backend="numpy")
    assert res.out is None
    frame = res.trials_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["trial", "choice", "correct", "reward"]


def test_failing_run_still_writes_trials(fake_experiment, tmp_path):
    with pytest.raises(RuntimeError, match="fake failure at trial 3"):
        brain.run_experiment(fake_experiment, backend="numpy", overrides=["experiment.fail_at=3"], out=tmp_path)
    header, *lines = _read_csv(tmp_path / "trials.csv")
    assert header == ["trial", "choice", "correct", "reward"] and [line[0] for line in lines] == ["0", "1", "2"]
    assert (tmp_path / "figures" / "learning_curve.png").is_file()
    assert not (tmp_path / "metrics.json").exists()
    with pytest.raises(RuntimeError, match="fake failure at trial 0"):   # nothing to write: no trials.csv
        brain.run_experiment(fake_experiment, backend="numpy", overrides=["experiment.fail_at=0"],
                             out=tmp_path / "empty", figures=False)
    assert not (tmp_path / "empty" / "trials.csv").exists()
