"""Four-region brain benchmark: real-time factor per backend, build time apart, rates checked.

The brain is ``benchmarks/brain_scale.yaml``: cortex, PFC, striatum/BG with dopamine and
hippocampus at their defaults, plastic inter-region projections (three-factor corticostriatal,
STDP cortex -> PFC and cortex -> EC), every population recorded. Each backend runs in its own
process (clean device state). Printed JSON, one record per backend:

- ``neurons``, ``synapses`` (regions' internal synapses plus projections);
- ``build_s``: constructing the Brain in Python; ``compile_s``: cython's first 0.1 ms run (code
  generation and compilation; cached after the first time) or cpp_standalone's build + compile
  (``device.build`` minus the simulation loop);
- ``loop_s`` and ``realtime_factor`` = simulated s / loop s (> 1: faster than real time);
- ``rates_hz`` per population and ``out_of_band``: the populations whose rate leaves the baseline
  band of tests/regression/expected/region_baseline.yaml (a silenced brain cannot look fast).

    .venv/bin/python benchmarks/brain_scale.py [--backends cpp_standalone cython] [--duration 2] [--threads N] [--profile N]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from timing import timed_run    # benchmarks/timing.py (the script's folder is on sys.path)

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).with_name("brain_scale.yaml")
BANDS = ROOT / "tests" / "regression" / "expected" / "region_baseline.yaml"


def load_config(backend: str):
    """The brain of ``brain_scale.yaml`` on ``backend``, validated and within the size budget."""
    from brain.budget import check_size
    from brain.config import load_yaml
    from brain.schema import build_config
    data = load_yaml(str(CONFIG))
    data["backend"] = backend
    cfg = build_config(data)
    check_size(cfg)
    return cfg


def one(backend: str, duration_s: float, threads: int | None = None, profile: int = 0) -> dict:
    from brain.backends import configure
    from brain.brain import Brain
    cfg = load_config(backend)
    threads = cfg.threads if threads is None else threads
    be = configure(backend, dt=cfg.dt, threads=threads)
    t0 = time.perf_counter()
    b = Brain(cfg, be)
    build = time.perf_counter() - t0
    neurons = sum(len(g) for g in b.populations().values())
    compile_s, loop = timed_run(b.network, backend, duration_s, str(be.build_dir) if be.build_dir else None,
                                profile=profile > 0)
    top = {}
    if profile:             # the code objects that took longest, seconds of the loop
        top = {name: round(float(t), 4) for name, t in b.network.profiling_info[:profile]}
    synapses = (sum(len(s) for r in b.regions.values() for s in r.synapses.values())   # known after the
                + sum(len(p) for p in b.projections.values()))                        # run in standalone
    spikes = b.spikes()
    total_t = duration_s + (0.0 if backend == "cpp_standalone" else 1e-4)
    rates = {k: round(len(d["t"]) / (d["n"] * total_t), 3) for k, d in spikes.items()}
    bands = yaml.safe_load(BANDS.read_text())["metrics"]
    out = {}
    for pop, rate in rates.items():
        band = bands.get(f"rate_{pop.replace('.', '_')}_hz")
        if band and abs(rate - band["value"]) > band["tol"]:
            out[pop] = f"{rate} Hz, band {band['value']} +- {band['tol']}"
    be.close()
    return {"backend": backend, "threads": threads, "neurons": neurons, "synapses": synapses, "duration_s": duration_s,
            "build_s": round(build, 2), "compile_s": round(compile_s, 2), "loop_s": round(loop, 3),
            "realtime_factor": round(duration_s / loop, 3), "rates_hz": rates, "out_of_band": out,
            **({"profile_s": top} if profile else {})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=["cpp_standalone", "cython"],
                    choices=["numpy", "cython", "cpp_standalone"])
    ap.add_argument("--duration", type=float, default=2.0, help="simulated seconds")
    ap.add_argument("--threads", type=int, default=None, help="OpenMP threads (cpp_standalone; 0: off; default: the config's)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also report the N code objects that took longest (Brian2's profiling)")
    ap.add_argument("--one", metavar="BACKEND", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.duration <= 0:
        ap.error("--duration: must be positive")
    if args.profile < 0:
        ap.error("--profile: must be a non-negative integer")
    if args.threads is not None and args.threads < 0:
        ap.error("--threads: must be a non-negative integer (0: OpenMP off)")
    if args.one:
        print(json.dumps(one(args.one, args.duration, args.threads, args.profile)))
        return
    results = []
    for backend in args.backends:
        extra = (["--threads", str(args.threads)] if args.threads is not None else []) + ["--profile", str(args.profile)]
        res = subprocess.run([sys.executable, __file__, "--one", backend, "--duration", str(args.duration), *extra],
                             capture_output=True, text=True, cwd=ROOT)
        if res.returncode != 0:
            lines = res.stderr.strip().splitlines()
            results.append({"backend": backend, "error": lines[-1] if lines else f"exit {res.returncode}"})
            continue
        results.append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
