"""CUBA benchmark (4000 neurons, p = 0.02, 1 s): raw Brian2 vs the project's Brain, per backend, and NEST.

Prints a JSON list, one record per (backend, variant): loop seconds (simulation loop only:
compilation excluded), synaptic events per second, spikes, and the project's overhead over raw
Brian2. Each measurement runs in its own process (clean device state).

NEST 3 (optional: ``pip install nest-simulator``; skipped with a message when absent) runs the same
network: ``iaf_psc_exp`` with Brian2's parameters (tau_m 20 ms, E_L -49 mV, threshold -50 mV,
reset -60 mV, refractory 5 ms, synaptic time constants 5 / 10 ms), the voltage jumps of the
Brian2 model as current amplitudes (w = C_m * dv / tau_m with C_m 250 pF: 20.25 pA / -112.5 pA),
Bernoulli p = 0.02 connectivity, delay one step (NEST's minimum; Brian2's is zero), one thread.
Its record holds the loop time, the ratio to raw Brian2 on each backend of the same run, and
the mean rates of both with ``rates_agree`` (within 20 %: the network is chaotic, so spikes are
compared as statistics, not one by one).

    .venv/bin/python benchmarks/cuba.py [--backends numpy cython cpp_standalone] [--repeat 3] [--no-nest]
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


def nest_cuba(duration_s: float) -> dict:
    import time

    import nest
    import numpy as np
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": 1, "rng_seed": 1})
    t0 = time.perf_counter()
    params = {"tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0, "C_m": 250.0,
              "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0}
    pop = nest.Create("iaf_psc_exp", 4000, params=params)
    rng = np.random.default_rng(1)
    pop.V_m = list(-60.0 + rng.random(4000) * 10.0)
    w_e, w_i = 250.0 * (60 * 0.27 / 10) / 20.0, 250.0 * (-20 * 4.5 / 10) / 20.0    # pA
    conn = {"rule": "pairwise_bernoulli", "p": 0.02}
    nest.Connect(pop[:3200], pop, conn, {"weight": w_e, "delay": 0.1})
    nest.Connect(pop[3200:], pop, conn, {"weight": w_i, "delay": 0.1})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    build = time.perf_counter() - t0
    nest.Simulate(1.0)                                    # warm-up step (excluded, as Brian2's compile)
    t1 = time.perf_counter()
    nest.Simulate(duration_s * 1000.0)
    loop = time.perf_counter() - t1
    n_syn = nest.GetKernelStatus("num_connections") - 4000  # minus the recorder's
    spikes = int(np.sum(np.asarray(rec.get("events", "times")) > 1.0))
    return {"loop_s": round(loop, 4), "build_or_first_run_s": round(build, 3), "spikes": spikes,
            "syn_events_per_s": round(spikes * n_syn / 4000 / loop)}


def _median_run(variant: str, backend: str, duration: float, repeat: int, env=None) -> dict:
    """``repeat`` runs of one measurement, each in its own process; the one with the median loop time."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--one", variant, backend, "--duration", str(duration)],
                             capture_output=True, text=True, cwd=ROOT, check=True, env=env)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda r: r["loop_s"])
    return runs[len(runs) // 2]


def _nest(results: list, duration: float, repeat: int) -> dict:
    """The NEST record (or why it was skipped), with ratios to the raw Brian2 runs of ``results``."""
    import importlib.util
    import os
    if importlib.util.find_spec("nest") is None:           # not imported here: NEST prints a banner
        return {"backend": "nest", "skipped": "NEST is not installed (pip install nest-simulator)"}
    rec = {"backend": "nest", "neurons": 4000, "duration_s": duration,
           "raw": _median_run("nest", "nest", duration, repeat, env={**os.environ, "PYNEST_QUIET": "1"})}
    rate = rec["raw"]["spikes"] / 4000 / duration
    rec["rate_hz"] = round(rate, 2)
    for r in results:
        brian_rate = r["raw"]["spikes"] / 4000 / duration
        rec[f"brian2_{r['backend']}_loop_over_nest"] = round(r["raw"]["loop_s"] / rec["raw"]["loop_s"], 3)
        rec[f"brian2_{r['backend']}_rate_hz"] = round(brian_rate, 2)
        rec[f"rates_agree_{r['backend']}"] = bool(abs(brian_rate - rate) <= 0.2 * max(rate, brian_rate))
    return rec


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
    ap.add_argument("--no-nest", action="store_true", help="skip the NEST side-by-side run")
    ap.add_argument("--one", nargs=2, metavar=("VARIANT", "BACKEND"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        variant, backend = args.one
        run = {"raw": raw, "project": project, "nest": lambda _, d: nest_cuba(d)}[variant]
        print(json.dumps(run(backend, args.duration)))
        return
    results = []
    for backend in args.backends:
        rec = {"backend": backend, "neurons": 4000, "duration_s": args.duration}
        for variant in ("raw", "project"):
            rec[variant] = _median_run(variant, backend, args.duration, args.repeat)
        rec["project_overhead"] = round(rec["project"]["loop_s"] / rec["raw"]["loop_s"] - 1, 3)
        results.append(rec)
    if not args.no_nest:
        results.append(_nest(results, args.duration, args.repeat))
        if "skipped" in results[-1]:
            print(f"cuba.py: NEST skipped: {results[-1]['skipped']}", file=sys.stderr)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
