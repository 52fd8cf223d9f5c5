"""Timing of one simulation run, shared by the benchmarks: the loop apart from code generation.

``timed_run(net, backend, duration_s, build_dir)`` returns ``(compile_s, loop_s)``:

- cython / numpy: a first 0.1-ms run does code generation and compilation (cached after the first
  time); the timed second run is the simulation loop;
- cpp_standalone: ``device.build`` generates, compiles and runs; the loop time is the one the
  generated binary measured itself (``device._last_run_time``), the rest is build + compile.
"""
from __future__ import annotations

import time

__all__ = ["timed_run"]


def timed_run(net, backend: str, duration_s: float, build_dir: str | None,
              profile: bool = False) -> tuple[float, float]:
    """Run ``net`` for ``duration_s`` seconds on ``backend``; return ``(compile_s, loop_s)``.
    ``profile``: Brian2's per-code-object timing of the loop (``net.profiling_info`` afterwards)."""
    from brian2 import device, ms, second

    from brain.backends import build_standalone
    if backend == "cpp_standalone":
        net.run(duration_s * second, namespace={}, profile=profile)
        t0 = time.perf_counter()
        build_standalone(device, build_dir)      # the build cache's stale-object guard too
        total = time.perf_counter() - t0
        loop = float(device._last_run_time)
        return total - loop, loop
    t0 = time.perf_counter()
    net.run(0.1 * ms, namespace={})
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(duration_s * second, namespace={}, profile=profile)
    return compile_s, time.perf_counter() - t0
