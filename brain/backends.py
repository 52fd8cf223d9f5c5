"""Code-generation backends: ``numpy`` (runtime, no compiler), ``cython`` (runtime, generated C++
compiled once and cached), ``cpp_standalone`` (a whole C++ project per run).

cpp_standalone builds in a reused directory of the build cache (``BRAIN_STANDALONE_CACHE``, default
``~/.cache/brain/standalone``; ``off``: a temporary directory per run), one per experiment, compiler
flags and Brian2 version, with numbered slots that one run at a time claims (a lock directory
holding its pid; a dead owner's lock is taken over). Brian2 rewrites only the source files whose
text changed and make recompiles only those: another seed of the same experiment compiles in
seconds. Measured on reversal_learning (2-core VM): a fresh build 52 s of make, a reused one ~8 s.
A directory whose last compile did not finish (no ``.brain_build_done`` marker) is rebuilt clean:
a compile killed midway leaves object files that make takes for current (measured: the next build
in that slot failed to link, undefined ``trial_engine_*`` symbols). An interrupted run of a
finished compile keeps the marker.

Measured on the 2-core VM (benchmarks/results/cuba_idle_2026-11-23.json): CUBA 4000 neurons, 1 s:
cpp_standalone 0.17 s (+~9 s build), cython 0.48 s (cold compile 20-40 s, then cached), numpy 2.1 s.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import brian2
from brian2 import defaultclock, prefs, set_device

from brain.config import ConfigError

BACKENDS = ("numpy", "cython", "cpp_standalone")
# Optimisation level for generated C++ (environment variable BRAIN_COMPILE_OPT; default Brian2's -O3).
# (measured: -O0 compiles ~30 % faster but runs ~2x slower; README).
COMPILE_OPTS = ("-O0", "-O1", "-O2", "-O3", "-Os")


_BUILT = ".brain_build_done"   # marker of a compile that finished in its directory


def build_standalone(dev, directory) -> None:
    """Compile the standalone project into ``directory`` and run it. make compiles incrementally
    unless the last compile there did not finish (no ``_BUILT`` marker: see the module docstring);
    ``directory`` None: Brian2's temporary directory, always fresh."""
    if directory is None:
        dev.build(directory=None, compile=True, run=True)
        return
    done = Path(directory) / _BUILT
    clean = not done.exists()
    done.unlink(missing_ok=True)
    dev.build(directory=str(directory), compile=True, run=False, clean=clean)
    done.touch()
    dev.run(str(directory), "results")


@dataclass
class Backend:
    """The active backend. ``build_dir`` is set for cpp_standalone only."""

    name: str
    build_dir: Path | None = None
    threads: int = 0
    _own_dir: bool = False
    _lock: Path | None = None           # the build cache slot's lock (released by close)

    @property
    def standalone(self) -> bool:
        return self.name == "cpp_standalone"

    def build(self) -> None:
        """Compile and run a standalone project (no-op for runtime backends)."""
        from brian2.devices.device import get_device
        dev = get_device()
        if self.standalone and not dev.has_been_run:
            build_standalone(dev, self.build_dir)

    def close(self, keep: bool = False) -> None:
        if self.standalone and self._own_dir and not keep and self.build_dir is not None:
            shutil.rmtree(self.build_dir, ignore_errors=True)
        if self._lock is not None:
            shutil.rmtree(self._lock, ignore_errors=True)
            self._lock = None


def _owner_gone(lock: Path) -> bool:
    """A slot lock left by a process that has ended (or by this one: configure() resets Brian2,
    so this process's earlier standalone project is finished)."""
    try:
        pid = int((lock / "pid").read_text())
    except (OSError, ValueError):        # being created right now, or its owner died before writing
        try:
            return time.time() - lock.stat().st_mtime > 60.0
        except OSError:
            return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def cached_build_dir(key: str, threads: int = 0) -> tuple[Path, Path] | None:
    """A build cache slot for ``key``: (directory, lock), or None when the cache is off."""
    root = os.environ.get("BRAIN_STANDALONE_CACHE", "")
    if root.lower() in ("off", "0", "none"):
        return None
    root = Path(root) if root else Path.home() / ".cache" / "brain" / "standalone"
    flags = (brian2.__version__, tuple(prefs.codegen.cpp.extra_compile_args_gcc), int(threads))
    tag = hashlib.sha1(repr(flags).encode()).hexdigest()[:10]
    base = root / f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in key)}-{tag}"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    for k in itertools.count():
        lock = base / f"{k}.lock"
        try:
            lock.mkdir()
        except FileExistsError:
            if not _owner_gone(lock):
                continue
            shutil.rmtree(lock, ignore_errors=True)
            try:
                lock.mkdir()
            except FileExistsError:
                continue
        except OSError:
            return None
        (lock / "pid").write_text(str(os.getpid()))
        return base / str(k), lock


def reset_brian() -> None:
    """Return Brian2 to a clean runtime state (device, prefs, default clock)."""
    from brian2.devices.device import get_device
    current = get_device()
    if current.__class__.__name__ == "CPPStandaloneDevice":
        current.reinit()
    set_device("runtime")
    prefs.reset_to_defaults()
    prefs.logging.warn_for_unused_objects = False   # else gc.collect per run() (~80-200 ms)
    defaultclock.dt = 0.1 * brian2.ms
    opt = os.environ.get("BRAIN_COMPILE_OPT")
    if opt:
        if opt not in COMPILE_OPTS:
            raise ConfigError(f"BRAIN_COMPILE_OPT: must be one of {', '.join(COMPILE_OPTS)}, got {opt!r}")
        args = prefs.codegen.cpp.extra_compile_args_gcc
        prefs.codegen.cpp.extra_compile_args_gcc = [opt if a.startswith("-O") else a for a in args]


def configure(name: str, dt=None, threads: int = 0, build_dir: str | Path | None = None,
              cache_key: str = "brain") -> Backend:
    """Select a backend for the next network. Call before creating any Brian2 object.
    cpp_standalone without ``build_dir`` builds in the build cache's slot for ``cache_key``."""
    if name not in BACKENDS:
        raise ValueError(f"backend: must be one of {list(BACKENDS)}, got {name!r}")
    reset_brian()
    if dt is not None:
        defaultclock.dt = dt
    if name == "cpp_standalone":
        slot = None if build_dir else cached_build_dir(cache_key, threads)
        own = build_dir is None and slot is None
        path = Path(build_dir) if build_dir else slot[0] if slot else Path(tempfile.mkdtemp(prefix="brain-standalone-"))
        set_device("cpp_standalone", directory=str(path), build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = int(threads)
        prefs.logging.warn_for_unused_objects = False
        return Backend(name, path, threads, own, slot[1] if slot else None)
    prefs.codegen.target = name
    return Backend(name)
