"""Orchestration: config, backends, the Brain, projections, recording, analysis and the CLI.

The short public API (:mod:`brain.model`), imported on first use so that ``import brain`` stays
cheap (no Brian2, no Matplotlib)::

    import brain
    b = brain.load("my_brain.yaml", backend="numpy", seed=1)    # -> brain.Model
    b.run("1 s"); b.raster(); b.stats(transient=0.2)
    res = brain.run_experiment("cortex_ai", seed=4)             # -> brain.Result (.metrics, .trials)
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brain.config import ConfigError
    from brain.model import Model, Result, load, run_experiment
    from brain.registry import register_experiment
    from brain.trials.stay import run_tabular, stay_probabilities, stay_regression
    from brain.figures import stay_bars
    from brain.trials.tasks import TwoStep

_LAZY = {"load": "brain.model", "Model": "brain.model", "run_experiment": "brain.model",
         "Result": "brain.model", "ConfigError": "brain.config", "register_experiment": "brain.registry",
         # two-step analyses and the tabular reference agents (Daw et al. 2011)
         "TwoStep": "brain.trials.tasks", "run_tabular": "brain.trials.stay",
         "stay_probabilities": "brain.trials.stay", "stay_regression": "brain.trials.stay",
         "stay_bars": "brain.figures"}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brain' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
