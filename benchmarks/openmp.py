"""Why OpenMP makes the brain slower on this machine: parallel regions per time step x their cost.

Brian2's cpp_standalone code with ``openmp_threads > 0`` opens one ``#pragma omp parallel`` region
inside every code object that has one, on every step of its clock (a fork and a join: every
thread waits at the region's end), and runs synaptic propagation on the master thread only
(``#pragma omp master``). A brain of many small groups therefore pays many regions per step and
parallelises little work. This script measures the two factors:

1. ``region_us``: the wall time of one empty parallel region (a C program, ``gcc -fopenmp``), at
   1 and 2 threads (median of ``--repeat`` runs of ``--regions`` regions), with libgomp's default
   wait (spin, then sleep); ``region_us_passive_wait`` the same with ``OMP_WAIT_POLICY=passive``
   (the waiting thread sleeps at once: what a busy machine approaches).
2. ``regions_per_step``: brain_scale's brain (``benchmarks/brain_scale.yaml``) generated, not
   compiled, for 2 threads; per code object its ``#pragma omp parallel`` count, weighted by how
   often its clock ticks per ``dt``; ``master_only`` counts the regions whose work runs on one thread.

``predicted_extra_s_per_sim_s`` = regions per step x (region_us at 2 threads - at 1 thread) x steps
per simulated second: the wall time OpenMP adds per simulated second from synchronisation alone,
to set beside the measured difference (``benchmarks/results/brain_scale_threads_*.json``).

    .venv/bin/python benchmarks/openmp.py [--regions 200000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

C_SOURCE = r"""
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]);
    volatile int sink = 0;
    double t0 = omp_get_wtime();
    for (long k = 0; k < n; k++) {
        #pragma omp parallel
        { if (omp_get_thread_num() == 0) sink++; }
    }
    printf("%.6f\n", (omp_get_wtime() - t0) / n * 1e6);
    return 0;
}
"""


def region_us(regions: int, repeat: int, policies=(None, "passive")) -> dict:
    """Median microseconds per empty parallel region, per wait policy and thread count. A policy is
    OMP_WAIT_POLICY's value, None for libgomp's default spin-then-sleep (as Brian2's programs run);
    the passive policy runs ``regions // 50`` regions (~100 x slower per region). One compile."""
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "regions.c", Path(tmp) / "regions"
        src.write_text(C_SOURCE)
        subprocess.run(["gcc", "-O2", "-fopenmp", str(src), "-o", str(exe)], check=True)
        out = {}
        for policy in policies:
            n = max(1, regions // 50) if policy == "passive" else regions
            per = out[policy] = {}
            for threads in (1, 2):
                env = {**os.environ, "OMP_NUM_THREADS": str(threads), **({"OMP_WAIT_POLICY": policy} if policy else {})}
                runs = [float(subprocess.run([str(exe), str(n)], env=env, capture_output=True, text=True,
                                             check=True).stdout) for _ in range(repeat)]
                per[threads] = round(statistics.median(runs), 3)
    return out


def regions_per_step(duration_s: float = 0.01) -> dict:
    """brain_scale's brain, generated for 2 threads: parallel regions per default-clock step."""
    sys.path.insert(0, str(ROOT))
    from brian2 import device, second

    from brain.backends import configure
    from brain.brain import Brain
    from brain_scale import load_config    # benchmarks/brain_scale.py (the script's folder is on sys.path)
    cfg = load_config("cpp_standalone")
    with tempfile.TemporaryDirectory() as tmp:
        be = configure("cpp_standalone", dt=cfg.dt, threads=2, build_dir=tmp)
        b = Brain(cfg, be)
        b.network.run(duration_s * second, namespace={})
        device.build(directory=tmp, compile=False, run=False)
        main = (Path(tmp) / "main.cpp").read_text()
        dts = {m[0]: float(m[1]) for m in re.findall(r"_array_(\w+)_dt\[0\] = ([0-9.e-]+);", main)}
        added = re.findall(r"\.add\(&(\w+), _run_(\w+)\);", main)
        base = dts.get("defaultclock", float(cfg.dt))
        per_step = master = 0.0
        objects = len(added)
        for clock, name in added:
            code = Path(tmp, "code_objects", f"{name}.cpp")
            text = code.read_text() if code.exists() else ""
            weight = base / dts.get(clock, base)
            per_step += weight * text.count("#pragma omp parallel")
            master += weight * text.count("#pragma omp master")
    return {"code_objects": objects, "regions_per_step": round(per_step, 1), "master_only": round(master, 1),
            "steps_per_sim_s": round(1.0 / base)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=200000, help="empty parallel regions per timing run")
    ap.add_argument("--repeat", type=int, default=5, help="timing runs per thread count (median)")
    args = ap.parse_args()
    if args.regions < 1 or args.repeat < 1:
        ap.error("--regions / --repeat: must be positive integers")
    timed = region_us(args.regions, args.repeat)
    cost, passive = timed[None], timed["passive"]
    gen = regions_per_step()
    extra = gen["regions_per_step"] * (cost[2] - cost[1]) * 1e-6 * gen["steps_per_sim_s"]
    print(json.dumps({"region_us": cost, "region_us_passive_wait": passive, **gen,
                      "predicted_extra_s_per_sim_s": round(extra, 2), "cpu_count": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
