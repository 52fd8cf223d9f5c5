"""Every experiment and region follows the project's conventions (DESIGN.md)."""
import ast
import dataclasses
from pathlib import Path

import pytest

from brain.config import load_yaml
from brain.experiment import prepare, resolve_config
from brain.registry import experiment_names, load_experiment, region_kinds
from experiments import CONFIG_DIR

ROOT = Path(__file__).resolve().parents[1]
NAMES = experiment_names()


@pytest.mark.parametrize("name", NAMES)
def test_experiment_protocol(name):
    module = load_experiment(name)
    doc = module.__doc__ or ""
    assert "References" in doc or "Reference" in doc, f"{name}: docstring must cite its paper"
    assert callable(module.run)
    assert dataclasses.is_dataclass(module.Params)
    assert set(module.BACKENDS) <= {"numpy", "cython", "cpp_standalone"} and module.BACKENDS
    assert (CONFIG_DIR / f"{name}.yaml").is_file()
    load_yaml(CONFIG_DIR / f"{name}.yaml")
    _, cfg = prepare(name, resolve_config(name))          # default config validates
    assert cfg.backend in module.BACKENDS


@pytest.mark.parametrize("kind", sorted(region_kinds()))
def test_region_protocol(kind):
    import importlib
    cls = region_kinds()[kind]
    assert "References" in (cls.__doc__ or "") + (importlib.import_module(cls.__module__).__doc__ or "")
    assert cls.__doc__, kind
    cls.Params()                                             # defaults construct and validate


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_import_rules():
    """plasticity imports brian2 only; regions never import brain/ or another region's module
    (helper modules that define no Region, like neurons.py or connect.py, may be shared)."""
    region_modules = {cls.__module__.split(".")[1] for cls in region_kinds().values()}
    for path in (ROOT / "plasticity").glob("*.py"):
        assert not _imports(path) & {"brain", "regions", "experiments"}, path
    for path in (ROOT / "regions").glob("*.py"):
        assert not _imports(path) & {"brain", "experiments"}, path
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("regions."):
                mod = node.module.split(".")[1]
                assert mod == path.stem or mod not in region_modules, f"{path.name} imports region regions.{mod}"


def test_no_gradients_anywhere():
    banned = {"torch", "jax", "tensorflow", "autograd"}
    for pkg in ("brain", "regions", "plasticity", "experiments"):
        for path in (ROOT / pkg).glob("*.py"):
            assert not _imports(path) & banned, path
