"""The validated, frozen configuration of a run: regions, projections, recording, experiment.

YAML layout::

    seed: 1
    backend: cython            # numpy | cython | cpp_standalone
    threads: 0                 # OpenMP threads for cpp_standalone (0: off)
    dt: 0.1 ms
    duration: 1 s
    regions:
      cortex: {type: cortex, n_exc: 3200}       # type defaults to the region's name
    projections:
      "cortex->pfc": {source: exc, target: input, p: 0.1, weight: 0.5 nS, delay: 2 ms, rule: static}
    record: {populations: [cortex.exc], max_neurons: 0}
    guard: {rate_fraction: 0.8, window: 100 ms, period: 10 ms, nan: true}   # runaway detection
    checkpoint: {every: 20}    # trials between checkpoints of a closed loop (0: none); brain.checkpoint
    experiment: {...}          # validated by the experiment module's own ``Params``
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from brian2 import ms, second

from brain.config import ConfigError, from_mapping, parse_quantity
from brain.registry import region_kinds
from plasticity import RULES
from plasticity.params import ParamError, check_nonneg, check_nonneg_int, check_positive, quantity

BACKENDS = ("numpy", "cython", "cpp_standalone")
_LABEL = re.compile(r"^\s*([A-Za-z_]\w*)\s*->\s*([A-Za-z_]\w*)\s*(?::\s*(\w+))?\s*$")


@dataclass(frozen=True)
class RegionConfig:
    name: str
    kind: str
    params: Any


@dataclass(frozen=True)
class ProjectionConfig:
    """A labelled projection ``PRE->POST`` (optionally ``PRE->POST:tag``) between region ports."""

    label: str
    pre: str
    post: str
    source: str = ""
    target: str = ""
    p: float = 0.1
    weight: Any = None
    delay: Any = None
    w_init: float = 1.0
    w_jitter: float = 0.0
    autapses: bool = False
    rule: str = "static"
    rule_params: Any = None


@dataclass(frozen=True)
class _ProjectionFields:
    source: str = ""
    target: str = ""
    p: float = 0.1
    weight: Any = None
    delay: Any = quantity(0 * ms)
    w_init: float = 1.0
    w_jitter: float = 0.0
    autapses: bool = False
    rule: str = "static"
    rule_params: dict = field(default_factory=dict)

    def __post_init__(self):
        if not 0.0 <= self.p <= 1.0:
            raise ParamError("p", f"must be a probability in [0, 1], got {self.p!r}")
        check_nonneg(self, "delay", "w_jitter")


@dataclass(frozen=True)
class RecordConfig:
    populations: tuple[str, ...] = ()   # "region.population"; empty: every population
    max_neurons: int = 0                # record at most this many neurons per population (0: all)

    def __post_init__(self):
        check_nonneg_int(self, "max_neurons")


@dataclass(frozen=True)
class GuardConfig:
    """Runaway detection (:mod:`brain.guard`): a run stops when a population's mean rate stays
    above ``rate_fraction`` of its ceiling 1/t_ref for ``window``, or a neuron state becomes NaN."""

    rate_fraction: float = 0.8          # 0: no rate check
    window: Any = quantity(100 * ms)
    period: Any = quantity(10 * ms)     # sampling period of the refractory fraction
    nan: bool = True

    def __post_init__(self):
        check_positive(self, "window", "period")
        if not 0.0 <= self.rate_fraction <= 1.0:
            raise ParamError("rate_fraction", f"must be in [0, 1] (0: off), got {self.rate_fraction!r}")
        if self.period > self.window:
            raise ParamError("period", f"must not exceed window ({self.window}), got {self.period}")


@dataclass(frozen=True)
class CheckpointConfig:
    """Checkpoints of the run's closed loop every ``every`` trials (:mod:`brain.checkpoint`; 0: none).
    They do not change the run: the random generator's state is saved with the network's."""

    every: int = 20

    def __post_init__(self):
        check_nonneg_int(self, "every")


@dataclass(frozen=True)
class BrainConfig:
    name: str = ""
    seed: int = 1
    backend: Literal["numpy", "cython", "cpp_standalone"] = "cython"
    threads: int = 0
    dt: Any = quantity(0.1 * ms)
    duration: Any = quantity(1 * second)
    regions: Mapping[str, RegionConfig] = field(default_factory=dict)
    projections: Mapping[str, ProjectionConfig] = field(default_factory=dict)
    record: RecordConfig = field(default_factory=RecordConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    experiment: Any = None

    def __post_init__(self):
        check_nonneg_int(self, "threads")
        check_positive(self, "dt", "duration")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2 ** 32:
            raise ParamError("seed", f"must be an integer in [0, 2**32 - 1] (numpy's seed range), got {self.seed!r}")


def _region(name: str, data: Any) -> RegionConfig:
    path = f"regions.{name}"
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: must be a mapping, got {data!r}")
    data = dict(data)
    kind = data.pop("type", name)
    kinds = region_kinds()
    if not isinstance(kind, str) or kind not in kinds:
        raise ConfigError(f"{path}.type: unknown region type {kind!r} (known: {', '.join(sorted(kinds))})")
    return RegionConfig(name, kind, from_mapping(kinds[kind].Params, data, path))


def _projection(label: str, data: Any, regions: Mapping[str, RegionConfig]) -> ProjectionConfig:
    path = f"projections.{label}"
    m = _LABEL.match(label)
    if not m:
        raise ConfigError(f"{path}: label must look like 'PRE->POST' or 'PRE->POST:tag'")
    pre, post = m.group(1), m.group(2)
    for role, region in (("pre", pre), ("post", post)):
        if region not in regions:
            raise ConfigError(f"{path}: {role} region {region!r} is not defined in regions")
    f = from_mapping(_ProjectionFields, data, path)
    if f.weight is None:
        raise ConfigError(f"{path}.weight: required (a quantity in the target variable's units, e.g. '0.5 nS')")
    weight = parse_quantity(f.weight, None, f"{path}.weight")
    if f.rule not in RULES:
        raise ConfigError(f"{path}.rule: unknown rule {f.rule!r} (known: {', '.join(sorted(RULES))})")
    rule_params = from_mapping(RULES[f.rule][0], f.rule_params, f"{path}.rule_params")
    return ProjectionConfig(label=label.strip(), pre=pre, post=post, source=f.source, target=f.target, p=f.p,
                            weight=weight, delay=f.delay, w_init=f.w_init, w_jitter=f.w_jitter,
                            autapses=f.autapses, rule=f.rule, rule_params=rule_params)


def build_config(data: Mapping[str, Any], experiment_params: type | None = None) -> BrainConfig:
    """Validate plain YAML data into a :class:`BrainConfig` (raises :class:`ConfigError`)."""
    if not isinstance(data, Mapping):
        raise ConfigError("config: must be a mapping at top level")
    data = dict(data)
    regions_data = data.pop("regions", None) or {}
    projections_data = data.pop("projections", None) or {}
    experiment_data = data.pop("experiment", None)
    for key, val in (("regions", regions_data), ("projections", projections_data)):
        if not isinstance(val, Mapping):
            raise ConfigError(f"{key}: must be a mapping")
    regions = {str(n): _region(str(n), d) for n, d in regions_data.items()}
    projections = {str(lbl).strip(): _projection(str(lbl), d, regions) for lbl, d in projections_data.items()}
    if experiment_params is not None:
        experiment = from_mapping(experiment_params, experiment_data, "experiment")
    elif experiment_data:
        raise ConfigError("experiment: this run takes no experiment parameters")
    else:
        experiment = None
    base = from_mapping(BrainConfig, data, "")
    if base.backend not in BACKENDS:  # Literal is checked by the loader; kept for direct construction
        raise ConfigError(f"backend: must be one of {list(BACKENDS)}")
    return BrainConfig(name=base.name, seed=base.seed, backend=base.backend, threads=base.threads, dt=base.dt,
                       duration=base.duration, regions=regions, projections=projections, record=base.record,
                       guard=base.guard, checkpoint=base.checkpoint, experiment=experiment)
