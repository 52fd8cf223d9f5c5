"""Connectivity drawn in NumPy with an explicit generator and applied as explicit i/j.

Drawing in NumPy makes connectivity identical across backends (numpy, cython, cpp_standalone)
and lets cpp_standalone reuse a build with run_args (CONTRIBUTING.md, "Parameters": connect
with explicit i/j).
"""
from __future__ import annotations

import numpy as np


def random_pairs(n_pre: int, n_post: int, p: float, rng: np.random.Generator,
                 autapses: bool = True, chunk: int = 2_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Bernoulli(p) connectivity; returns (i, j) int32 arrays sorted by i."""
    if p <= 0 or n_pre == 0 or n_post == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    rows = max(1, chunk // n_post)
    ii, jj = [], []
    for start in range(0, n_pre, rows):
        stop = min(n_pre, start + rows)
        mask = rng.random((stop - start, n_post)) < p
        if not autapses:
            k = np.arange(start, stop)
            valid = k < n_post
            mask[np.nonzero(valid)[0], k[valid]] = False
        i, j = np.nonzero(mask)
        ii.append(i + start)
        jj.append(j)
    return np.concatenate(ii).astype(np.int32), np.concatenate(jj).astype(np.int32)


def fixed_indegree(n_pre: int, n_post: int, k: int, rng: np.random.Generator,
                   autapses: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Each postsynaptic neuron receives exactly ``k`` distinct presynaptic partners."""
    ii, jj = [], []
    for j in range(n_post):
        pool = np.arange(n_pre)
        if not autapses and j < n_pre:
            pool = np.delete(pool, j)
        ii.append(rng.choice(pool, size=min(k, len(pool)), replace=False))
        jj.append(np.full(min(k, len(pool)), j))
    i, j = np.concatenate(ii).astype(np.int32), np.concatenate(jj).astype(np.int32)
    order = np.argsort(i, kind="stable")
    return i[order], j[order]


def connect(syn, i: np.ndarray, j: np.ndarray) -> None:
    """Apply explicit connectivity (a no-op connect for empty index arrays keeps Brian2 happy)."""
    if len(i) == 0:
        syn.connect(False)        # Brian2 rejects empty index arrays (np.max of nothing)
        return
    syn.connect(i=np.asarray(i, dtype=np.int32), j=np.asarray(j, dtype=np.int32))
