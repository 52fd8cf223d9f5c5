"""Cost of each plasticity rule per synaptic event, relative to static synapses.

Same network for every rule: ``--n-in`` Poisson inputs at ``--rate`` project onto ``--n-out``
LIF neurons (connection probability ``--p``) through the projection under test. So that every
rule sees *identical* spike trains, that projection transmits into a sink variable that does
not act on the membrane; the neurons fire (~10 Hz) from their own static Poisson drive. A
dopamine source fires Poisson at 5 Hz onto every target's ``da`` (volume transmission), and the
targets carry every neuron-side variable a rule may read (``da``, ``goal``, ``nu``,
``nu_sq``). Each configuration runs once briefly (compilation, warm-up), then ``--repeats``
timed segments; the fastest counts (the VM is shared).

Events = presynaptic spikes x fan-out + postsynaptic spikes x fan-in. ``extra_ns_per_event`` is
``(wall_rule - wall_static) / events``; ``ratio`` is ``wall_rule / wall_static``. Rules with a
periodic update (three-factor, scaling) also pay per synapse per period, which the per-event
figure includes at the benchmark's rates.

Usage::

    python benchmarks/rules.py --backend cython   # prints JSON on stdout (~1-2 min warm cache)
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import brian2  # noqa: E402
import numpy as np  # noqa: E402
from brian2 import (Hz, Network, NeuronGroup, PoissonGroup, SpikeMonitor, defaultclock, ms,  # noqa: E402
                    mV, nS, second)

from plasticity import RULES, make_synapses  # noqa: E402
from plasticity.base import StaticParams, static  # noqa: E402
from plasticity.hebbian import BCM_POST  # noqa: E402
from plasticity.three_factor import DOPAMINE_POST, GOAL_POST  # noqa: E402

VARIANTS = {  # label -> (rule, params overrides)
    "static": ("static", {}),
    "stdp": ("stdp", {}),
    "stdp_nearest_mult": ("stdp", {"pairing": "nearest", "weight_dependence": "multiplicative"}),
    "stdp_decay_prune": ("stdp", {"tau_decay": 10 * second, "prune_below": 0.01}),
    "da_three_factor": ("da_three_factor", {}),
    "da_three_factor_1ms": ("da_three_factor", {"update_dt": 1 * ms}),
    "goal_three_factor": ("goal_three_factor", {}),
    "hebbian": ("hebbian", {}),
    "anti_hebbian": ("anti_hebbian", {}),
    "oja": ("oja", {}),
    "bcm": ("bcm", {}),
    "istdp": ("istdp", {}),
    "synaptic_scaling": ("synaptic_scaling", {}),
}

LIF = """
dv/dt = (-(v - E_L) + g_e * (E_e - v) / g_L) / tau_m : volt (unless refractory)
dg_e/dt = -g_e / tau_e : siemens
g_sink : siemens
"""


def run_one(label: str, args) -> dict:
    brian2.device.reinit()
    brian2.device.activate()
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = args.backend
    brian2.prefs.logging.warn_for_unused_objects = False
    defaultclock.dt = 0.1 * ms
    brian2.seed(args.seed)
    rule, overrides = VARIANTS[label]
    P, builder = RULES[rule]
    spec = builder(P(**overrides))
    inp = PoissonGroup(args.n_in, args.rate * Hz)
    ns = {"E_L": -70 * mV, "E_e": 0 * mV, "g_L": 10 * nS, "tau_m": 20 * ms, "tau_e": 5 * ms,
          "V_th": -54 * mV, **DOPAMINE_POST.namespace, **GOAL_POST.namespace, **BCM_POST.namespace}
    eqs = "\n".join([LIF, DOPAMINE_POST.eqs, GOAL_POST.eqs, BCM_POST.eqs])
    out = NeuronGroup(args.n_out, eqs, threshold="v > V_th", reset="v = E_L\n" + BCM_POST.reset,
                      refractory=2 * ms, method="euler", namespace=ns)
    out.v = -70 * mV
    out.goal = 1.0
    rng = np.random.default_rng(args.seed)
    mask = rng.random((args.n_in, args.n_out)) < args.p
    i, j = np.nonzero(mask)
    syn = make_synapses(spec, inp, out, target_var="g_sink", weight=args.weight * nS, connect={"i": i, "j": j})
    syn.w = 0.5
    drive = PoissonGroup(200, 10 * Hz)
    drive_syn = make_synapses(static(StaticParams()), drive, out, target_var="g_e", weight=args.weight * nS,
                              connect={"p": 0.5})
    drive_syn.w = 1.0
    da_src = PoissonGroup(1, 5 * Hz)
    vol = make_synapses(static(StaticParams()), da_src, out, target_var="da", weight=0.1, connect={})
    vol.w = 1.0
    m_in, m_out = SpikeMonitor(inp), SpikeMonitor(out)
    net = Network(inp, out, syn, drive, drive_syn, da_src, vol, m_in, m_out)
    t0 = time.perf_counter()
    net.run(args.warmup * second, namespace={})
    compile_s = time.perf_counter() - t0
    n_in0, n_out0 = m_in.num_spikes, m_out.num_spikes
    walls = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        net.run(args.duration * second, namespace={})
        walls.append(time.perf_counter() - t0)
    wall = min(walls)
    fan_out = np.bincount(i, minlength=args.n_in)
    fan_in = np.bincount(j, minlength=args.n_out)
    # events of one timed segment (the mean over the repeats)
    pre_ev = int(fan_out[np.asarray(m_in.i[n_in0:])].sum()) // args.repeats
    post_ev = int(fan_in[np.asarray(m_out.i[n_out0:])].sum()) // args.repeats
    return {"wall_s": round(wall, 4), "warmup_s": round(compile_s, 2), "synapses": int(len(i)),
            "pre_events": pre_ev, "post_events": post_ev,
            "post_rate_hz": round((m_out.num_spikes - n_out0) / args.n_out / args.duration / args.repeats, 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["numpy", "cython"], default="cython")
    ap.add_argument("--duration", type=float, default=0.5, help="seconds of simulation per timed segment")
    ap.add_argument("--repeats", type=int, default=5, help="timed segments (the fastest counts)")
    ap.add_argument("--warmup", type=float, default=0.05, help="seconds run first (compilation)")
    ap.add_argument("--n-in", type=int, default=2000)
    ap.add_argument("--n-out", type=int, default=200)
    ap.add_argument("--p", type=float, default=0.25)
    ap.add_argument("--rate", type=float, default=10.0, help="input rate (Hz)")
    ap.add_argument("--weight", type=float, default=0.6, help="w_unit (nS); w = 0.5")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rules", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    args = ap.parse_args(argv)
    labels = ["static"] + [r for r in args.rules if r != "static"]
    results = {label: run_one(label, args) for label in labels}
    base = results["static"]["wall_s"]
    for label, r in results.items():
        events = r["pre_events"] + r["post_events"]
        r["ns_per_event"] = round(1e9 * r["wall_s"] / max(events, 1), 1)
        r["extra_ns_per_event"] = round(1e9 * (r["wall_s"] - base) / max(events, 1), 1)
        r["ratio"] = round(r["wall_s"] / base, 2)
    print(json.dumps({"backend": args.backend, "duration_s": args.duration, "repeats": args.repeats,
                      "brian2": brian2.__version__,
                      "python": platform.python_version(), "rules": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
