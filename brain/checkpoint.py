"""Checkpoints of a run's closed loop, and resuming from them (``brain run NAME --resume DIR``).

The first session run of an experiment (its learning loop, :class:`brain.trials.engine.Session`
with ``loop: operation``) stops its ``run()`` every ``checkpoint.every`` trials at a trial boundary
(the trial's time is over; its end is read by the next run's first operation, exactly as in an
unbroken run, where the rules' ``start``-slot updates of that step come first) and writes
``DIR/checkpoint.npz`` (atomically: a temporary file, then a rename), which holds

- the brain's whole simulator state, from Brian2's ``Network.store``: every state variable and
  weight, synapse indices and delays, the spike monitors' arrays, each pathway's spike queue
  (so spikes in flight at the boundary are kept) and the clocks;
- the random generator: numpy's MT19937 state and Brian2's ``rand`` / ``randn`` buffers;
- the session: as JSON (one uint8 array) its position (block, step, observation, the pending
  trial's row, outcome and phase), the task's scalar state (its arrays are drawn from its seed when
  it is built), the trial log and epochs so far and the resolved config's fingerprint; as arrays
  the readouts' window marks and kept windows.

Everything is arrays: no pickle. A resumed run rebuilds the brain from ``DIR/config.yaml`` (the
same seed builds the same objects in the same order; each object's variables and sizes are
checked against the checkpoint), reruns whatever the experiment does before its loop, restores
the state in place of the loop's first trials and continues; what follows the loop (tests,
ablations) runs as usual. The metrics are computed at the end from the trial log and the brain's
state, both restored, so a resumed run's metrics, trials and final weights equal an uninterrupted
run's bit for bit. Because the generator's state is saved rather than reseeded, a checkpointed
run also equals a run without checkpoints (stopping ``run()`` at a trial boundary changes nothing
on the runtime backends). The checkpoint is removed when the run ends.

cpp_standalone runs a whole experiment as one compiled program: nothing stops at trial boundaries
and the closed loop is runtime-only, so there is nothing to checkpoint (``--resume`` refuses it).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from brain.config import ConfigError

FILE = "checkpoint.npz"


# -- the brain's objects, in an order that does not depend on Brian2's automatic names -------------
def _ordered(brain) -> tuple[list, list]:
    """(objects with a state, clocks) in build order: Brian2 numbers unnamed objects from what
    else exists in the process, so names can differ between the run and its resumption."""
    objects, clocks, seen = [], [], set()

    def walk(obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if hasattr(obj, "_full_state"):
            objects.append(obj)
        clock = getattr(obj, "clock", None)
        if clock is not None and id(clock) not in seen:
            seen.add(id(clock))
            clocks.append(clock)
        for child in getattr(obj, "contained_objects", ()):
            walk(child)

    for obj in brain.objects_in_order():
        walk(obj)
    return objects, clocks


def _put(arrays: dict, key: str, value) -> None:
    arrays[key] = np.asarray(value)


def _flatten(brain, arrays: dict) -> dict:
    """Brian2's stored network state as flat arrays; returns the index (key -> object class, names)."""
    net = brain.network
    net.store("_checkpoint")
    try:
        state = net._stored_state.pop("_checkpoint")
    finally:
        net._stored_state.pop("_checkpoint", None)
    objects, clocks = _ordered(brain)
    index = {}
    for prefix, items in (("o", objects), ("c", clocks)):
        for k, obj in enumerate(items):
            key = f"{prefix}{k}"
            entry = state.get(obj.name)
            if entry is None:
                continue
            index[key] = {"class": type(obj).__name__, "name": obj.name, "vars": sorted(entry)}
            for var, value in entry.items():
                if var == "_spikequeue":
                    if value is not None:
                        offset, queue = value
                        _put(arrays, f"{key}/_spikequeue/offset", offset)
                        _put(arrays, f"{key}/_spikequeue/lengths", [len(q) for q in queue])
                        _put(arrays, f"{key}/_spikequeue/data",
                             np.concatenate([np.asarray(q, dtype=np.int32) for q in queue]) if queue
                             else np.zeros(0, dtype=np.int32))
                    continue
                values, size = value
                _put(arrays, f"{key}/{var}", values)
                _put(arrays, f"{key}/{var}#size", size)
    _put(arrays, "net/t", state["0_t"])
    rng = state["_random_generator_state"]
    kind, keys, pos, has_gauss, cached = rng["numpy_state"]
    _put(arrays, "rng/keys", keys)
    _put(arrays, "rng/scalars", [pos, has_gauss])
    _put(arrays, "rng/cached", cached)
    for name in ("rand_buffer_index", "rand_buffer", "randn_buffer_index", "randn_buffer"):
        _put(arrays, f"rng/{name}", rng[name])
    return index


def _unflatten(brain, data, index: dict) -> dict:
    """The stored-state dict Brian2's ``Network.restore`` reads, keyed by this process's names."""
    objects, clocks = _ordered(brain)
    state: dict[str, Any] = {}
    for prefix, items in (("o", objects), ("c", clocks)):
        for k, obj in enumerate(items):
            key = f"{prefix}{k}"
            info = index.get(key)
            if info is None:
                continue
            if info["class"] != type(obj).__name__:
                raise ConfigError(f"resume: the checkpoint does not match this brain (object {k}: "
                                  f"{info['class']} {info['name']!r}, here {type(obj).__name__} {obj.name!r})")
            entry = {}
            for var in info["vars"]:
                if var == "_spikequeue":
                    if f"{key}/_spikequeue/offset" not in data.files:
                        entry[var] = None
                        continue
                    ends = np.cumsum(data[f"{key}/_spikequeue/lengths"])
                    flat = data[f"{key}/_spikequeue/data"]
                    entry[var] = (int(data[f"{key}/_spikequeue/offset"]),
                                  [flat[a:b].tolist() for a, b in zip(np.r_[0, ends[:-1]], ends)])
                    continue
                size = data[f"{key}/{var}#size"]
                entry[var] = (data[f"{key}/{var}"], int(size) if size.ndim == 0 else tuple(int(s) for s in size))
            state[obj.name] = entry
    if len(state) != len(index):
        raise ConfigError(f"resume: the checkpoint holds {len(index)} objects, this brain {len(state)}")
    state["0_t"] = float(data["net/t"])
    pos, has_gauss = (int(v) for v in data["rng/scalars"])
    state["_random_generator_state"] = {
        "numpy_state": ("MT19937", data["rng/keys"], pos, has_gauss, float(data["rng/cached"])),
        **{name: data[f"rng/{name}"] for name in ("rand_buffer_index", "rand_buffer", "randn_buffer_index",
                                                   "randn_buffer")}}
    return state


# -- plain values as JSON (the trial log, observations, the task's scalars) -----------------------
def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if v is None or isinstance(v, str):
        return v
    raise TypeError(f"cannot checkpoint a {type(v).__name__}")


def _put_window(arrays: dict, prefix: str, window: dict) -> None:
    """A trial's readout windows: name -> array, or a tuple of arrays (``keep: spikes``)."""
    for name, value in window.items():
        parts = value if isinstance(value, tuple) else (value,)
        for j, part in enumerate(parts):
            _put(arrays, f"{prefix}/{name}/{j}/{len(parts)}", part)


def _get_window(data, prefix: str) -> dict:
    found: dict[str, list] = {}
    for key in data.files:
        if key.startswith(prefix + "/"):
            name, j, n = key[len(prefix) + 1:].split("/")
            found.setdefault(name, [None] * int(n))[int(j)] = data[key]
    return {name: (v[0] if len(v) == 1 else tuple(v)) for name, v in found.items()}


def task_state(task) -> dict:
    """A task's position: its scalar attributes (its arrays are drawn from its seed when built);
    a task can define ``get_state()`` / ``set_state(dict)`` instead."""
    if hasattr(task, "get_state"):
        return task.get_state()
    return {k: _plain(v) for k, v in vars(task).items()
            if v is None or isinstance(v, (bool, int, float, str, np.bool_, np.integer, np.floating))}


def set_task_state(task, state: dict) -> None:
    if hasattr(task, "set_state"):
        task.set_state(state)
        return
    for k, v in state.items():
        setattr(task, k, v)


def fingerprint(config_text: str) -> str:
    return hashlib.sha256(config_text.encode()).hexdigest()[:16]


class Checkpointer:
    """Writes (and, for ``--resume``, reads) ``out/checkpoint.npz`` for the run's first session."""

    def __init__(self, out: Path, every: int, config_text: str, resume: bool = False):
        self.path, self.every, self.print = Path(out) / FILE, int(every), fingerprint(config_text)
        self.claimed = False
        self.saved = 0
        self.pending = self._load() if resume else None

    def _load(self):
        if not self.path.is_file():
            raise ConfigError(f"resume: no {FILE} in {self.path.parent} (the run wrote no checkpoint yet)")
        try:
            with np.load(self.path) as z:
                data = {k: z[k] for k in z.files}
            meta = json.loads(bytes(data.pop("_meta")).decode())
        except Exception as err:                   # a truncated or foreign file
            raise ConfigError(f"resume: {self.path}: unreadable ({type(err).__name__}: {err})") from None
        if meta.get("config") != self.print:
            raise ConfigError(f"resume: {self.path} was written for another config than {self.path.parent}/config.yaml")
        return _Loaded(data), meta

    def claim(self) -> bool:
        """True for the first session run that asks (the loop that is checkpointed)."""
        if self.claimed:
            return False
        self.claimed = True
        return True

    def save(self, session, done: bool = False) -> None:
        brain = session.brain
        if getattr(brain, "_frozen", False):
            return                       # a frozen brain's learning snapshot lives in Python only
        arrays: dict[str, np.ndarray] = {}
        index = _flatten(brain, arrays)
        for k, window in enumerate([*session.windows, session.window]):     # the last: the open trial's
            _put_window(arrays, f"win/{k}", window)
        for name, ro in session.readouts.items():
            for var in ("_mark", "_t_mark", "_mark_cells", "_mark_spike"):
                _put(arrays, f"readout/{name}/{var}", getattr(ro, var))
        outcome = session.outcome
        meta = {"config": self.print, "index": index, "done": done, "block": session.block, "step": session.step,
                "t0": session._t0, "n_windows": len(session.windows), "obs": _plain(session.obs),
                "task": task_state(session.task), "rows": _plain(session.rows), "epochs": _plain(session.epochs),
                # the trial whose end is pending (processed by the next run's first operation)
                "row": _plain(session.row), "shown": _plain(getattr(session, "_shown", {})),
                "samples": _plain(getattr(session, "_samples", [])),
                "outcome": None if outcome is None else _plain(dataclasses.asdict(outcome))}
        arrays["_meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(FILE + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, self.path)
        self.saved += 1

    def restore(self, session) -> bool:
        """Put the checkpoint into ``session`` and its brain; returns whether the loop had ended."""
        from brain.trials.tasks import Outcome
        data, meta = self.pending
        self.pending = None
        brain = session.brain
        state = _unflatten(brain, data, meta["index"])
        brain.network._stored_state["_checkpoint"] = state
        try:
            brain.network.restore("_checkpoint", restore_random_state=True)
        except (KeyError, ValueError) as err:
            raise ConfigError(f"resume: the checkpoint does not match this brain ({err})") from None
        finally:
            brain.network._stored_state.pop("_checkpoint", None)
        brain.t_run = float(brain.network.t_)
        session.block, session.step, session._t0 = meta["block"], meta["step"], meta["t0"]
        session.obs, session.row = meta["obs"], meta["row"]
        set_task_state(session.task, meta["task"])
        session.rows[:] = meta["rows"]
        session.epochs[:] = meta["epochs"]
        windows = [_get_window(data, f"win/{k}") for k in range(meta["n_windows"] + 1)]
        session.windows[:], session.window = windows[:-1], windows[-1]
        for name, ro in session.readouts.items():
            for var in ("_mark", "_t_mark", "_mark_cells", "_mark_spike"):
                value = data[f"readout/{name}/{var}"]
                setattr(ro, var, value if value.ndim else value.item())
        session._shown = meta["shown"]
        session._samples = [(t, np.asarray(c, dtype=float)) for t, c in meta["samples"]]
        session.outcome = None if meta["outcome"] is None else Outcome(**meta["outcome"])
        return bool(meta["done"])

    def finish(self) -> None:
        """The run ended: its checkpoint is no longer needed."""
        self.path.unlink(missing_ok=True)


class _Loaded:
    """npz arrays kept in memory (the file is closed) with ``files`` like ``NpzFile``."""

    def __init__(self, data: dict):
        self._data, self.files = data, list(data)

    def __getitem__(self, key):
        return self._data[key]
