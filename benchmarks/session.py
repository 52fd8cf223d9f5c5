"""Wall time of a whole reversal_learning session per loop and backend, compile included.

Runs ``brain run reversal_learning`` (default config, 120 trials, 170 s simulated) as a subprocess
per mode, one after another, and reads ``wall_s`` from its ``run.json`` (brain construction, the
session, and for cpp_standalone the code generation, compilation and the compiled run):

- ``cython`` + ``operation``: the Python loop (a network_operation at the decision points);
- ``cython`` + ``graph``: the in-graph loop (:mod:`brain.trials.graph`) on cython;
- ``cpp_standalone`` + ``graph``, ``cold``: an empty build cache (every file compiled);
- ``cpp_standalone`` + ``graph``, ``warm``: the build cache of the cold run, another seed (what a
  sweep's later seeds and a rerun cost).

Cython runs use the machine's compiled-code cache as it is (warm after any earlier cython run of
the experiment). ``loop_s``: the compiled run alone for cpp_standalone (Brian2's own report).
``realtime_factor`` = simulated s / wall s. Prints one JSON object; ``--out FILE`` also writes it.

    .venv/bin/python benchmarks/session.py [--seed 4] [--modes cython:operation,cpp_standalone:graph]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("cython:operation", "cython:graph", "cpp_standalone:graph:cold", "cpp_standalone:graph:warm")


def _run(mode: str, seed: int, work: Path, cache: Path) -> dict:
    backend, loop, *cache_state = mode.split(":")
    out = work / mode.replace(":", "_")
    env = dict(os.environ)
    if backend == "cpp_standalone":
        env["BRAIN_STANDALONE_CACHE"] = str(cache)
    cmd = [sys.executable, "-m", "brain.cli", "run", "reversal_learning", "--seed", str(seed), "--backend", backend,
           "--set", f"experiment.loop={loop}", "--no-figures", "--out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"session.py: {mode} failed: {proc.stderr.strip().splitlines()[-1]}")
    meta = json.loads((out / "run.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    loop_s = re.findall(r"simulated in (\d+)s", proc.stderr + proc.stdout)
    return {"mode": mode, "backend": backend, "loop": loop, "cache": cache_state[0] if cache_state else "",
            "seed": seed, "wall_s": meta["wall_s"], "process_s": round(time.perf_counter() - t0, 1),
            "loop_s": float(loop_s[-1]) if backend == "cpp_standalone" and loop_s else None,
            "acc_before_reversal": metrics["acc_before_reversal"], "acc_after_reversal": metrics["acc_after_reversal"]}


def _simulated_s() -> float:
    """The default session's simulated time: settle windows and the task's trials of the phases."""
    sys.path.insert(0, str(ROOT))
    from brain.experiment import prepare, resolve_config
    p = prepare("reversal_learning", resolve_config("reversal_learning"))[1].experiment
    trials = p.task["n_before"] + p.task["n_after"]
    return float(p.settle) + float(p.settle_tonic) + trials * sum(float(ph.duration) for ph in p.phases)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--out", help="also write the JSON here")
    a = ap.parse_args(argv)
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad:
        print(f"session.py: --modes: unknown mode {bad[0]!r} (known: {', '.join(MODES)})", file=sys.stderr)
        return 2
    simulated = _simulated_s()
    with tempfile.TemporaryDirectory(prefix="bench-session-") as tmp:
        work, cache = Path(tmp), Path(tmp) / "cache"
        rows = []
        for mode in modes:
            seed = a.seed + 1 if mode.endswith(":warm") else a.seed
            rows.append(_run(mode, seed, work, cache))
            rows[-1]["realtime_factor"] = round(simulated / rows[-1]["wall_s"], 3)
            print(f"session.py: {mode}: {rows[-1]['wall_s']:.0f} s", file=sys.stderr)
    ref = next((r["wall_s"] for r in rows if r["mode"] == "cython:operation"), None)
    for r in rows:
        r["speedup_vs_cython_operation"] = round(ref / r["wall_s"], 2) if ref else None
    result = {"benchmark": "session", "experiment": "reversal_learning", "simulated_s": simulated,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
              "date": time.strftime("%Y-%m-%d"), "runs": rows}
    text = json.dumps(result, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
