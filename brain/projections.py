"""Labelled projections between region ports, with a plasticity rule from ``plasticity/``."""
from __future__ import annotations

import numpy as np
from brian2 import Synapses, get_dimensions

from brain.config import ConfigError
from plasticity import RULES
from plasticity.base import make_synapses
from regions.base import Port, Region, derive_seed
from regions.connect import connect, random_pairs


def _port(region: Region, key: str, default_attr: str, path: str) -> Port:
    key = key or getattr(region, default_attr, "") or next(iter(region.ports), "")
    if key not in region.ports:
        raise ConfigError(f"{path}: region {region.name!r} has no port {key!r} "
                          f"(ports: {', '.join(region.ports)})")
    return region.ports[key]


def build_projection(cfg, pre: Region, post: Region, seed: int) -> Synapses:
    """Create the Synapses of one projection (connectivity drawn from the label's own seed)."""
    path = f"projections.{cfg.label}"
    src = _port(pre, cfg.source, "default_output", f"{path}.source")
    dst = _port(post, cfg.target, "default_input", f"{path}.target")
    if dst.var is None:
        raise ConfigError(f"{path}.target: port {cfg.target!r} of {post.name!r} takes no input")
    target_var = dst.group.variables[dst.var]
    if get_dimensions(cfg.weight) is not target_var.dim:
        raise ConfigError(f"{path}.weight: wrong units for {post.name}.{dst.var} "
                          f"(needs dimensions {target_var.dim}), got {cfg.weight}")
    _, builder = RULES[cfg.rule]
    spec = builder(cfg.rule_params)
    for var in spec.post_vars:
        if var not in dst.group.variables:
            raise ConfigError(f"{path}.rule: rule {cfg.rule!r} needs variable {var!r} on {post.name} "
                              f"(port {cfg.target or dst.var})")
    name = "proj_" + "".join(c if c.isalnum() else "_" for c in cfg.label)
    syn = make_synapses(spec, src.group, dst.group, target_var=dst.var, weight=cfg.weight, name=name,
                        delay=cfg.delay)
    rng = np.random.default_rng(derive_seed(seed, cfg.label))
    if src.cells is not None:
        raise ConfigError(f"{path}.source: port {cfg.source!r} of {pre.name!r} is an input port (a set of cells)")
    i, j = random_pairs(len(src.group), dst.size, cfg.p, rng,
                        autapses=cfg.autapses or src.group is not dst.group or dst.cells is not None)
    j = dst.target_index(j)
    if dst.cells is not None and src.group is dst.group and not cfg.autapses:
        keep = i != j
        i, j = i[keep], j[keep]
    connect(syn, i, j)
    if len(i):
        syn.w = np.clip(cfg.w_init * (1.0 + cfg.w_jitter * rng.standard_normal(len(i))), 0.0, None)
    syn.plastic = 1.0
    return syn
