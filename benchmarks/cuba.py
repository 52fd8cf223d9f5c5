"""CUBA benchmark (4000 neurons, p = 0.02, 1 s): raw Brian2 vs the project's Brain, per backend.

Prints a JSON list, one record per (backend, variant): loop seconds (simulation loop only:
compilation excluded), synaptic events per second, spikes, and the project's overhead over raw
Brian2. Each measurement runs in its own process (clean device state).

    .venv/bin/python benchmarks/cuba.py [--backends numpy cython cpp_standalone] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import timed_run    # benchmarks/timing.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]


def raw(backend: str, duration_s: float) -> dict:
    from brian2 import (NeuronGroup, Network, SpikeMonitor, Synapses, mV, ms, prefs, seed,
                        set_device)
    prefs.logging.warn_for_unused_objects = False
    build = None
    if backend == "cpp_standalone":
        build = tempfile.mkdtemp(prefix="cuba-raw-")
        set_device("cpp_standalone", directory=build, build_on_run=False)
    else:
        prefs.codegen.target = backend
    seed(1)
    ns = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV, El=-49 * mV,
              we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
    eqs = """dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
             dge/dt = -ge/taue : volt
             dgi/dt = -gi/taui : volt"""
    P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact", namespace=ns)
    P.v = "Vr + rand() * (Vt - Vr)"
    Ce = Synapses(P, P, on_pre="ge += we", namespace=ns)
    Ci = Synapses(P, P, on_pre="gi += wi", namespace=ns)
    Ce.connect("i<3200", p=0.02)
    Ci.connect("i>=3200", p=0.02)
    mon = SpikeMonitor(P)
    net = Network(P, Ce, Ci, mon)
    return _time(net, backend, duration_s, build, lambda: (mon.num_spikes, (len(Ce) + len(Ci)) / 4000))


def project(backend: str, duration_s: float) -> dict:
    from brain.backends import configure
    from brain.brain import Brain
    from brain.schema import build_config
    cfg = build_config({"seed": 1, "backend": backend, "regions": {"net": {"type": "cuba"}}})
    be = configure(backend, dt=cfg.dt)
    b = Brain(cfg, be)
    syn = b.regions["net"].synapses.values()
    n_syn = sum(len(s) for s in syn)
    return _time(b.network, backend, duration_s, str(be.build_dir) if be.build_dir else None,
                 lambda: (sum(m.num_spikes for m in b.monitors.values()), n_syn / 4000))


def _time(net, backend, duration_s, build, counts) -> dict:
    compile_s, loop = timed_run(net, backend, duration_s, build)
    spikes, out_degree = counts()
    first = compile_s + loop if backend == "cpp_standalone" else compile_s    # as measured before
    return {"loop_s": round(loop, 4), "build_or_first_run_s": round(first, 3), "spikes": int(spikes),
            "syn_events_per_s": round(spikes * out_degree / loop)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=["numpy", "cython", "cpp_standalone"],
                    choices=["numpy", "cython", "cpp_standalone"])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is kept")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds")
    ap.add_argument("--one", nargs=2, metavar=("VARIANT", "BACKEND"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        variant, backend = args.one
        print(json.dumps((raw if variant == "raw" else project)(backend, args.duration)))
        return
    results = []
    for backend in args.backends:
        rec = {"backend": backend, "neurons": 4000, "duration_s": args.duration}
        for variant in ("raw", "project"):
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, __file__, "--one", variant, backend,
                                      "--duration", str(args.duration)], capture_output=True, text=True,
                                     cwd=ROOT, check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            runs.sort(key=lambda r: r["loop_s"])
            rec[variant] = runs[len(runs) // 2]
        rec["project_overhead"] = round(rec["project"]["loop_s"] / rec["raw"]["loop_s"] - 1, 3)
        results.append(rec)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
