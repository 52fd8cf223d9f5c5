"""Discovery of region kinds, experiments and rules (no central list to edit when one is added)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache
from types import ModuleType

import experiments
import regions
from regions.base import Region


@lru_cache(maxsize=None)
def region_kinds() -> dict[str, type[Region]]:
    """``kind -> Region subclass`` for every module in ``regions/``."""
    kinds: dict[str, type[Region]] = {}
    for mod in pkgutil.iter_modules(regions.__path__):
        module = importlib.import_module(f"regions.{mod.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Region) and obj is not Region and obj.kind and obj.__module__ == module.__name__:
                kinds[obj.kind] = obj
    return kinds


def experiment_names() -> list[str]:
    """Experiments are modules in ``experiments/`` that define ``run``."""
    names = []
    for mod in pkgutil.iter_modules(experiments.__path__):
        if not mod.name.startswith("_"):
            names.append(mod.name)
    return sorted(names)


def load_experiment(name: str) -> ModuleType:
    if name not in experiment_names():
        raise KeyError(name)
    return importlib.import_module(f"experiments.{name}")
