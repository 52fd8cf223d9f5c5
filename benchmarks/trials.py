"""Cost of a closed-loop session: overhead per decision point and real-time factor.

The reversal_learning brain (its default config) on cython runs ``--trials`` trials of the task,
then a fresh brain of the same config runs the same simulated time straight through: one run()
in which the session's cue and reward are replayed in-graph (TimedArrays read by run_regularly),
so that the activity is the same and only the decision points differ (legacy: the cue at the
session's mean rate).
``overhead_ms_per_boundary`` = (wall of the session - wall straight through) / trials: what one
decision point (one trial's bookkeeping) costs. ``realtime_factor`` = simulated s / wall s of the
session. Loops (``--loop``):

- ``operation``: the trial engine, one run() and a network_operation on the 10 ms grid (default);
- ``runs``: the trial engine, one run() per phase boundary;
- ``legacy``: the loop before the engine: two run() calls per trial and the decision read from a
  copy of the whole thalamic spike history (what reversal_learning did until the engine landed).

Compilation is excluded: each measurement first runs a 50 ms warm-up (which compiles or loads the
cached code) on the same brain. Prints one JSON object.

    .venv/bin/python benchmarks/trials.py [--trials 40] [--loop operation|runs|legacy] [--backend cython]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _brain(backend: str, loop: str, trials: int):
    from brian2 import prefs
    from brain.backends import configure
    from brain.brain import Brain
    from brain.experiment import prepare, resolve_config
    prefs.logging.warn_for_unused_objects = False
    data = resolve_config("reversal_learning", backend=backend, seed=1)
    _, cfg = prepare("reversal_learning", data)
    p = cfg.experiment
    task = dict(p.task)
    task.update(n_before=trials // 2, n_after=trials - trials // 2)
    p = dataclasses.replace(p, task=task, loop="runs" if loop == "runs" else "operation", n_window=1)
    be = configure(cfg.backend, dt=cfg.dt, threads=cfg.threads)
    return Brain(cfg, be, record=False), p, be


def session(backend: str, loop: str, trials: int) -> tuple[float, float, list]:
    """Wall time, simulated time and rows of ``trials`` trials (warm-up excluded)."""
    from brian2 import ms
    from brain.trials.engine import Session
    b, p, be = _brain(backend, loop, trials)
    if loop == "legacy":
        return (*_legacy(b, p, trials), None)
    s = Session(b, p, seed=1)
    b.run(50 * ms)
    t0, w0 = b.t_run, time.perf_counter()
    rows = s.run()
    wall = time.perf_counter() - w0
    sim = b.t_run - t0
    be.close()
    return wall, sim, [dict(r, t_start=t0) for r in rows]


def _legacy(b, p, trials: int) -> tuple[float, float]:
    """The pre-engine loop: run(choice), copy the whole thalamic history, decide, run(rest)."""
    import numpy as np
    from brian2 import Hz, NeuronGroup, Synapses, ms, second
    from regions.connect import connect, random_pairs
    bg, cue = b.region("striatum"), b.region("cue")
    port = b.regions["dopamine"].port("reward")
    src = NeuronGroup(50, "rate : Hz (shared)\nt_on : second (shared)\nt_off : second (shared)",
                      threshold="rand() < rate * dt * int(t >= t_on) * int(t < t_off)", namespace={})
    syn = Synapses(src, port.group, on_pre=f"{port.var}_post += 0.5*nS", namespace={})
    connect(syn, *random_pairs(50, len(port.group), 0.5, np.random.default_rng(1)))
    from brian2 import SpikeMonitor
    thal = SpikeMonitor(bg.groups["thal"])
    b.add(src, syn, thal)
    ch = bg.channel_of("thal")
    trial = sum(float(ph.duration) for ph in p.phases) * second
    choice = 300 * ms
    rng = np.random.default_rng(1)
    b.run(50 * ms)
    t_start, w0 = b.t_run, time.perf_counter()
    for _ in range(trials):
        t0 = b.t_run
        cue.set_salience([1.0])
        b.run(choice)
        ts, ids = np.asarray(thal.t[:]), np.asarray(thal.i[:])
        keep = ts >= t0 + 0.05
        counts = np.bincount(ch[ids[keep]], minlength=2)[:2]
        r = rng.random() < 0.8 if counts[0] > counts[1] else False
        cue.set_salience([0.0])
        src.rate = 25 * Hz if r else 0 * Hz
        src.t_on, src.t_off = t0 * second + 600 * ms, t0 * second + 700 * ms
        b.run(trial - choice)
    return time.perf_counter() - w0, b.t_run - t_start


def straight(backend: str, sim: float, rows: list | None) -> float:
    """The same simulated time in one run() with the session's drive replayed in-graph.

    With ``rows`` (an engine session), the cue and the reward are switched exactly as in the
    session by ``run_regularly`` operations reading TimedArrays (compiled, on the 10 ms grid): the
    activity is the session's, only the Python decision points are missing. Without (legacy), the
    cue runs at the session's mean rate.
    """
    import numpy as np
    from brian2 import Hz, TimedArray, ms, second
    from brain.trials.engine import Session
    b, p, be = _brain(backend, "operation", 2)
    s = Session(b, p, seed=1)                 # the same objects (stimuli, readouts); never run
    if rows:
        grid, t0 = 0.01, rows[0]["t_start"]
        n = int(round(sim / grid)) + 1
        cue, rew = np.zeros(n), np.zeros(n)
        cue_len = float(next(ph.duration for ph in p.phases if ph.name == "cue"))
        out_len = float(next(ph.duration for ph in p.phases if ph.name == "outcome"))
        for r in rows:
            a = int(round((r["t_cue"] - t0) / grid))
            cue[a:a + int(round(cue_len / grid))] = 1.0
            a = int(round((r["t_outcome"] - t0) / grid))
            rew[a:a + int(round(out_len / grid))] = r["reward"]
        cue_rate, rew_rate = float(p.stimuli["cue"].rate), float(p.stimuli["reward"].rate)
        t_off = 0.05 * second                 # the replay starts after the warm-up
        cue_ta = TimedArray(cue * cue_rate * Hz, dt=grid * second, name="bench_cue")
        rew_ta = TimedArray(rew * rew_rate * Hz, dt=grid * second, name="bench_rew")
        for group, ta in ((s.stimuli["cue"].group, cue_ta), (s.stimuli["reward"].group, rew_ta)):
            group.namespace[ta.name] = ta
            b.add(group.run_regularly(f"rate = {ta.name}(t - {float(t_off)!r} * second)", dt=grid * second,
                                      when="start"))
    else:
        cue_frac = sum(float(ph.duration) for ph in p.phases if "cue" in ph.drive) / \
            sum(float(ph.duration) for ph in p.phases)
        b.region("cue").set_salience([cue_frac])
    b.run(50 * ms)                            # compiles everything, including the replay
    w0 = time.perf_counter()
    b.run(sim * second)
    wall = time.perf_counter() - w0
    be.close()
    return wall


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--loop", choices=("operation", "runs", "legacy"), default="operation")
    ap.add_argument("--backend", choices=("numpy", "cython"), default="cython")
    a = ap.parse_args(argv)
    if a.trials < 2:
        print("trials.py: --trials: must be >= 2", file=sys.stderr)
        return 2
    wall, sim, rows = session(a.backend, a.loop, a.trials)
    ref = straight(a.backend, sim, rows)
    print(json.dumps({"benchmark": "trials", "brain": "reversal_learning", "backend": a.backend, "loop": a.loop,
                      "trials": a.trials, "simulated_s": round(sim, 3), "wall_session_s": round(wall, 3),
                      "wall_straight_s": round(ref, 3),
                      "overhead_ms_per_boundary": round(1000 * (wall - ref) / a.trials, 2),
                      "realtime_factor": round(sim / wall, 4)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
