"""Discovery of region kinds and experiments (no central list to edit when one is added).

Region kinds are the :class:`regions.base.Region` subclasses in ``regions/``.

Experiments are found through the entry-point group ``brain.experiments`` (``pyproject.toml``)::

    [project.entry-points."brain.experiments"]
    builtin = "experiments"                  # a package: each of its modules that defines run()
    my_task = "mylab.tasks.my_task"          # a module: one experiment, named after the entry point

A *package* entry point contributes every module in it whose name does not start with ``_`` and
that defines ``run`` (checked from the source, without importing it); their default configs are
``configs/NAME.yaml`` in the package. A *module* entry point is one experiment named after the
entry point; its default config is ``configs/NAME.yaml`` beside the module, unless the module sets
``CONFIG`` (a path, relative to the module's directory). :func:`register_experiment` adds one in
the running process (tests, notebooks); it takes precedence over an entry point of the same name.
``brain`` never imports the ``experiments`` package by name (CONTRIBUTING.md, "Layout and import
rules").
"""
from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import inspect
import pkgutil
import sys
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import regions
from regions.base import Region

ENTRY_POINT_GROUP = "brain.experiments"


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


# -- experiments ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Source:
    """Where an experiment comes from: an importable ``module`` name, a ``.py`` ``path`` or an
    already imported ``obj``; ``config`` is the default config when known without importing."""

    module: str | None = None
    path: Path | None = None
    obj: ModuleType | None = None
    config: Path | None = None
    origin: str = ""


_registered: dict[str, _Source] = {}


def _defines_run(path: str | None) -> bool:
    """True when the module source at ``path`` binds ``run`` at top level (no import needed)."""
    if not path or not path.endswith(".py"):
        return True                                   # no source to read: decide when loaded
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return True                                   # let the import report the problem
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "run":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "run" for t in node.targets):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == "run" for a in node.names):
            return True
    return False


def _from_entry_point(ep) -> dict[str, _Source]:
    target = ep.value.split(":", 1)[0].strip()
    origin = f"entry point {ep.name} = {ep.value!r}"
    try:
        spec = importlib.util.find_spec(target)
    except (ImportError, ValueError) as err:
        spec, why = None, str(err)
    else:
        why = "module not found"
    if spec is None:
        warnings.warn(f"{ENTRY_POINT_GROUP}: {origin}: {why}; skipped", stacklevel=3)
        return {}
    if spec.submodule_search_locations:               # a package: one experiment per module
        found = {}
        for loc in spec.submodule_search_locations:
            for mod in pkgutil.iter_modules([loc]):
                if mod.name.startswith("_") or mod.ispkg or mod.name in found:
                    continue
                if _defines_run(str(Path(loc) / f"{mod.name}.py")):
                    found[mod.name] = _Source(module=f"{target}.{mod.name}",
                                              config=Path(loc) / "configs" / f"{mod.name}.yaml", origin=origin)
        return found
    here = Path(spec.origin).parent if spec.origin else None
    stem = target.rsplit(".", 1)[-1]
    config = None
    if here is not None:
        candidates = [here / "configs" / f"{ep.name}.yaml", here / "configs" / f"{stem}.yaml"]
        config = next((c for c in candidates if c.is_file()), candidates[0])
    return {ep.name: _Source(module=target, config=config, origin=origin)}


@lru_cache(maxsize=None)
def _discovered() -> dict[str, _Source]:
    out: dict[str, _Source] = {}
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        for name, src in _from_entry_point(ep).items():
            if name in out:
                warnings.warn(f"{ENTRY_POINT_GROUP}: experiment {name!r} from {src.origin} shadowed by "
                              f"{out[name].origin}", stacklevel=2)
                continue
            out[name] = src
    return out


def _sources() -> dict[str, _Source]:
    return {**_discovered(), **_registered}


def refresh() -> None:
    """Forget the discovered entry points (after installing a package that declares new ones)."""
    _discovered.cache_clear()


def register_experiment(name: str, module_or_path: ModuleType | str | Path, config: str | Path | None = None) -> None:
    """Register experiment ``name`` in this process.

    Parameters
    ----------
    name : the experiment's name (``brain run NAME``, :func:`brain.run_experiment`).
    module_or_path : an imported module, an importable module name (``"mylab.my_task"``) or the
        path of a ``.py`` file. The module defines ``run``, ``Params`` and ``BACKENDS``.
    config : its default config (YAML); else the module's ``CONFIG`` or ``configs/NAME.yaml``
        beside the module.
    """
    if not isinstance(name, str) or not name or name.startswith("_"):
        raise ValueError(f"register_experiment: bad experiment name {name!r}")
    cfg = Path(config) if config is not None else None
    if isinstance(module_or_path, ModuleType):
        if not callable(getattr(module_or_path, "run", None)):
            raise ValueError(f"register_experiment: module {module_or_path.__name__!r} defines no run()")
        src = _Source(obj=module_or_path, config=cfg, origin="register_experiment")
    elif isinstance(module_or_path, Path) or str(module_or_path).endswith(".py") or "/" in str(module_or_path):
        path = Path(module_or_path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"register_experiment: no file {path}")
        src = _Source(path=path, config=cfg, origin="register_experiment")
    elif isinstance(module_or_path, str):
        src = _Source(module=module_or_path, config=cfg, origin="register_experiment")
    else:
        raise TypeError(f"register_experiment: expected a module, a module name or a path, got {module_or_path!r}")
    _registered[name] = src


def unregister_experiment(name: str) -> None:
    """Remove an experiment added with :func:`register_experiment` (entry points stay)."""
    _registered.pop(name, None)


def experiment_names() -> list[str]:
    """Names of every registered experiment (entry points and :func:`register_experiment`), sorted."""
    return sorted(_sources())


def load_experiment(name: str) -> ModuleType:
    """The module of experiment ``name`` (``KeyError`` when unknown)."""
    src = _sources().get(name)
    if src is None:
        raise KeyError(name)
    if src.obj is not None:
        return src.obj
    if src.module is not None:
        return importlib.import_module(src.module)
    mod_name = f"brain_experiment_{name}"            # a file: imported once under its own name
    module = sys.modules.get(mod_name)
    if module is None or getattr(module, "__file__", None) != str(src.path):
        spec = importlib.util.spec_from_file_location(mod_name, src.path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module               # dataclasses resolve annotations through it
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(mod_name, None)
            raise
    return module


def experiment_config(name: str) -> Path | None:
    """The default config file of experiment ``name``, or None when it has none (``KeyError`` when unknown).

    Order: the ``config`` given to :func:`register_experiment`; the module's ``CONFIG``;
    ``configs/NAME.yaml`` in the package (package entry points) or beside the module.
    """
    src = _sources().get(name)
    if src is None:
        raise KeyError(name)
    if src.config is not None and (src.origin == "register_experiment" or src.config.is_file()):
        return src.config if src.config.is_file() else None
    module = load_experiment(name)
    here = Path(module.__file__).resolve().parent if getattr(module, "__file__", None) else None
    own = getattr(module, "CONFIG", None)
    if own is not None:
        path = Path(own)
        if not path.is_absolute() and here is not None:
            path = here / path
        return path if path.is_file() else None
    if here is not None and (here / "configs" / f"{name}.yaml").is_file():
        return here / "configs" / f"{name}.yaml"
    return None
