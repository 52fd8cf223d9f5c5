"""Reproducibility and backend equivalence of the cortex_ai experiment; the backends' build cache."""
import os

import numpy as np
import pytest

from brain.experiment import resolve_config, run_experiment

SHORT = ["regions.cortex.n_exc=800", "regions.cortex.n_inh=200", "regions.cortex.p_connect=0.08"]


def _run(backend, seed=3, duration="0.6 s"):
    data = resolve_config("cortex_ai", overrides=SHORT, seed=seed, backend=backend, duration=duration)
    metrics, ctx = run_experiment("cortex_ai", data, out=None)
    return metrics, ctx.spikes()


def test_same_seed_same_spikes_cython():
    m1, s1 = _run("cython")
    m2, s2 = _run("cython")
    assert m1 == m2
    for key in s1:
        assert len(s1[key]["t"]) > 100
        assert np.array_equal(s1[key]["i"], s2[key]["i"]) and np.array_equal(s1[key]["t"], s2[key]["t"])


def test_different_seed_different_spikes():
    _, s1 = _run("numpy", seed=3, duration="0.3 s")
    _, s2 = _run("numpy", seed=4, duration="0.3 s")
    assert not np.array_equal(s1["cortex.exc"]["t"], s2["cortex.exc"]["t"])


def test_cython_and_cpp_standalone_statistically_equivalent():
    """Statistics agree within seed-to-seed variability (in Brian2 2.11 the trains are even identical)."""
    mc, _ = _run("cython", duration="1 s")
    ms, _ = _run("cpp_standalone", duration="1 s")
    assert ms["rate_exc_hz"] == pytest.approx(mc["rate_exc_hz"], rel=0.1)
    assert ms["rate_inh_hz"] == pytest.approx(mc["rate_inh_hz"], rel=0.1)
    assert ms["cv_isi_exc"] == pytest.approx(mc["cv_isi_exc"], abs=0.1)
    assert ms["fano_exc"] == pytest.approx(mc["fano_exc"], abs=0.3)
    assert ms["corr_exc"] == pytest.approx(mc["corr_exc"], abs=0.02)


def test_compile_opt_from_environment(monkeypatch):
    from brian2 import prefs

    from brain.backends import reset_brian
    from brain.config import ConfigError
    monkeypatch.setenv("BRAIN_COMPILE_OPT", "-O1")
    reset_brian()
    args = prefs.codegen.cpp.extra_compile_args_gcc
    assert "-O1" in args and not any(a in args for a in ("-O0", "-O2", "-O3"))
    monkeypatch.setenv("BRAIN_COMPILE_OPT", "-O9")
    with pytest.raises(ConfigError, match="^BRAIN_COMPILE_OPT: must be one of"):
        reset_brian()
    monkeypatch.delenv("BRAIN_COMPILE_OPT")
    reset_brian()
    assert "-O3" in prefs.codegen.cpp.extra_compile_args_gcc


def test_standalone_build_cache_slots(tmp_path, monkeypatch):
    """One slot per concurrent run: a live owner's slot is skipped, a dead owner's (or this
    process's earlier) slot is reused; off: a temporary directory removed at close."""
    import subprocess
    import sys

    from brain.backends import configure
    monkeypatch.setenv("BRAIN_STANDALONE_CACHE", str(tmp_path))
    try:
        a = configure("cpp_standalone", cache_key="exp")
        assert a.build_dir.parent.parent == tmp_path and a.build_dir.name == "0"
        b = configure("cpp_standalone", cache_key="exp")       # same process: the earlier project is over
        assert b.build_dir == a.build_dir
        live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            (b._lock / "pid").write_text(str(live.pid))         # slot 0 held by a running process
            c = configure("cpp_standalone", cache_key="exp")
            assert c.build_dir.name == "1"
        finally:
            live.kill()
            live.wait()
        d = configure("cpp_standalone", cache_key="exp")       # its owner has ended: slot 0 again
        assert d.build_dir.name == "0"
        d.close()
        assert not (d.build_dir.parent / "0.lock").exists()
        e = configure("cpp_standalone", cache_key="other")
        assert e.build_dir.parent != d.build_dir.parent
        monkeypatch.setenv("BRAIN_STANDALONE_CACHE", "off")
        f = configure("cpp_standalone")
        assert tmp_path not in f.build_dir.parents
        f.close()
        assert not f.build_dir.exists()
    finally:
        configure("numpy")


def test_standalone_slot_builds_clean_after_an_unfinished_build(tmp_path, monkeypatch):
    """A slot compiles incrementally only after a build that finished there: a killed compile
    leaves object files that make would take for current (a failed link, measured)."""
    from brian2.devices.device import get_device

    from brain.backends import configure
    monkeypatch.setenv("BRAIN_STANDALONE_CACHE", str(tmp_path))
    try:
        calls = []
        backend = configure("cpp_standalone", cache_key="exp")
        dev = get_device()

        def build(**kw):
            os.makedirs(kw["directory"], exist_ok=True)
            calls.append(kw["clean"])
            if len(calls) == 2:
                raise RuntimeError("killed")      # a compile killed midway

        def run(*args):
            if len(calls) == 3:
                raise RuntimeError("killed")      # a run killed after its compile finished
        monkeypatch.setattr(dev, "build", build)
        monkeypatch.setattr(dev, "run", run)
        for _ in range(4):
            try:
                backend.build()
            except RuntimeError:
                pass
        # fresh; after a finished compile; after a killed compile; after a killed run
        assert calls == [True, False, True, False]
    finally:
        configure("numpy")
