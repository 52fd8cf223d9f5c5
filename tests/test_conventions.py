"""Every experiment, region and package follows the project's conventions (CONTRIBUTING.md)."""
import ast
import dataclasses
import importlib
import os
import sys
from pathlib import Path

import pytest

from brain.config import ConfigError, load_yaml
from brain.experiment import prepare, resolve_config, run_experiment
from brain.registry import (experiment_config, experiment_names, load_experiment, region_kinds,
                            register_experiment, unregister_experiment)

ROOT = Path(__file__).resolve().parents[1]
NAMES = experiment_names()

# Import rules (CONTRIBUTING.md, "Layout and import rules"). The standard library is always allowed.
#
# | package      | may import                                  | never                                         |
# | ------------ | ------------------------------------------- | --------------------------------------------- |
# | plasticity   | brian2, numpy, scipy (and itself)           | brain, regions, experiments, anything else    |
# | regions      | plasticity, regions helper modules          | brain, experiments, another region's module   |
# | brain (all)  | regions, plasticity                         | experiments (found through entry points)      |
# | experiments  | brain, regions, plasticity                  | another experiment module; a private _name    |
# |              |                                             | from another module of experiments/           |
# | notebooks    | the public top level: `import brain`,       | brain submodules, regions, plasticity,        |
# |              | `from brain import NAME`                    | experiments                                   |
IMPORT_RULES = {
    "plasticity": {"only": {"brian2", "numpy", "scipy", "plasticity"}, "never": {"brain", "regions", "experiments"}},
    "regions": {"only": None, "never": {"brain", "experiments"}},
    "brain": {"only": None, "never": {"experiments"}},
    "experiments": {"only": None, "never": set()},
}
FIRST_PARTY = {"brain", "regions", "plasticity", "experiments"}
STDLIB = set(sys.stdlib_module_names)
_IMPORTERS = {"import_module", "__import__", "find_spec"}


@pytest.mark.parametrize("name", NAMES)
def test_experiment_protocol(name):
    module = load_experiment(name)
    doc = module.__doc__ or ""
    assert "References" in doc or "Reference" in doc, f"{name}: docstring must cite its paper"
    assert callable(module.run)
    assert dataclasses.is_dataclass(module.Params)
    assert set(module.BACKENDS) <= {"numpy", "cython", "cpp_standalone"} and module.BACKENDS
    config = experiment_config(name)
    assert config is not None and config.is_file(), f"{name}: no default config"
    load_yaml(config)
    _, cfg = prepare(name, resolve_config(name))          # default config validates
    assert cfg.backend in module.BACKENDS


@pytest.mark.parametrize("kind", sorted(region_kinds()))
def test_region_protocol(kind):
    cls = region_kinds()[kind]
    assert "References" in (cls.__doc__ or "") + (importlib.import_module(cls.__module__).__doc__ or "")
    assert cls.__doc__, kind
    cls.Params()                                             # defaults construct and validate


# -- import rules -------------------------------------------------------------------------------
def _imports(source: str, module: str = "") -> list[tuple[str, tuple[str, ...], int]]:
    """``(module, names imported from it, line)`` for every import in ``source``; relative imports
    are resolved against ``module`` (the dotted name of the file); ``import_module("x")`` and
    ``__import__("x")`` with a literal name count as ``import x``."""
    out = []
    package = module.rsplit(".", 1)[0] if "." in module else module
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(a.name, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                name = ".".join([*base, name] if name else base)
            out.append((name, tuple(a.name for a in node.names), node.lineno))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func in _IMPORTERS:
                out.append((node.args[0].value, (), node.lineno))
    return out


def _targets(mod: str, names: tuple[str, ...]) -> list[str]:
    """Every dotted name an import may bind: the module and, for ``from M import a``, ``M.a``."""
    return [mod, *(f"{mod}.{n}" for n in names if n != "*")]


def _region_modules() -> set[str]:
    return {cls.__module__.split(".")[1] for cls in region_kinds().values()}


def _experiment_modules() -> set[str]:
    return {p.stem for p in (ROOT / "experiments").glob("*.py") if not p.stem.startswith("_")} & set(NAMES)


def import_violations(package: str, source: str, module: str, region_modules: set[str] = frozenset(),
                      experiment_modules: set[str] = frozenset()) -> list[str]:
    """Breaches of :data:`IMPORT_RULES` by ``source``, the file of dotted name ``module`` in ``package``."""
    rule, own = IMPORT_RULES[package], module.split(".")[1] if "." in module else ""
    bad = []
    for mod, names, line in _imports(source, module):
        top = mod.split(".")[0]
        where = f"{module}:{line}: imports {mod}"
        if top in rule["never"]:
            bad.append(f"{where} ({package} never imports {top})")
        elif rule["only"] is not None and top not in rule["only"] and top not in STDLIB:
            bad.append(f"{where} ({package} imports only {', '.join(sorted(rule['only']))})")
        if package == "regions":
            for target in _targets(mod, names):
                parts = target.split(".")
                if parts[0] == "regions" and len(parts) > 1 and parts[1] in region_modules and parts[1] != own:
                    bad.append(f"{where} (region module regions.{parts[1]})")
        if package == "experiments" and top == "experiments":
            for target in _targets(mod, names):
                parts = target.split(".")
                if len(parts) > 1 and parts[1] in experiment_modules and parts[1] != own:
                    bad.append(f"{where} (another experiment: experiments.{parts[1]})")
            other = mod.split(".")[1] if "." in mod else ""
            if other != own and any(n.startswith("_") for n in names):
                bad.append(f"{where} (a private name from another module of experiments/)")
    return bad


def _package_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts) + (".__init__" if rel.name == "__init__" else "")


@pytest.mark.parametrize("package", sorted(IMPORT_RULES))
def test_import_rules(package):
    """Every module of ``package`` (subpackages included) keeps the rules of :data:`IMPORT_RULES`."""
    regions_, experiments_ = _region_modules(), _experiment_modules()
    bad = []
    for path in _package_files(package):
        bad += import_violations(package, path.read_text(), _dotted(path), regions_, experiments_)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package, source, module, expect", [
    ("plasticity", "import torch", "plasticity.stdp", "imports only"),
    ("plasticity", "from regions.base import Region", "plasticity.stdp", "never imports regions"),
    ("regions", "from regions.cortex import Cortex", "regions.pfc", "region module regions.cortex"),
    ("regions", "from regions import cortex", "regions.pfc", "region module regions.cortex"),
    ("regions", "from brain.config import ConfigError", "regions.pfc", "never imports brain"),
    ("brain", "from experiments import CONFIG_DIR", "brain.trials.windows", "never imports experiments"),
    ("brain", "import importlib\nimportlib.import_module('experiments.cortex_ai')", "brain.registry",
     "never imports experiments"),
    ("experiments", "from experiments.cortex_ai import Params", "experiments.stdp_window", "another experiment"),
    ("experiments", "from experiments import cortex_ai", "experiments.stdp_window", "another experiment"),
    ("experiments", "from .cortex_ai import run", "experiments.stdp_window", "another experiment"),
    ("experiments", "from experiments._shared import _helper", "experiments.stdp_window", "private name"),
])
def test_import_rules_catch_breaches(package, source, module, expect):
    bad = import_violations(package, source, module, {"cortex", "pfc"}, {"cortex_ai", "stdp_window"})
    assert any(expect in b for b in bad), bad


def test_import_rules_allow_the_layering():
    ok = [("plasticity", "import math\nfrom brian2 import ms\nfrom plasticity.params import quantity", "plasticity.stdp"),
          ("regions", "from plasticity import stdp\nfrom regions.connect import connect\nfrom regions.pfc import x",
           "regions.pfc"),
          ("brain", "from regions.base import Region\nfrom plasticity import stdp", "brain.trials.engine"),
          ("experiments", "from brain.config import ConfigError\nfrom brain.trials.windows import bins\n"
                          "from experiments import CONFIG_DIR", "experiments.stdp_window")]
    for package, source, module in ok:
        assert not import_violations(package, source, module, {"cortex", "pfc"}, {"cortex_ai", "stdp_window"})


# -- notebooks ----------------------------------------------------------------------------------
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def notebook_violations(source: str, where: str = "notebook") -> list[str]:
    """Imports in notebook code that go past the public ``brain`` top level (``%``/``!`` lines skipped)."""
    code = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
    bad = []
    for mod, names, line in _imports(code):
        top = mod.split(".")[0]
        if top in FIRST_PARTY - {"brain"}:
            bad.append(f"{where}:{line}: imports {mod} (notebooks use the public brain API only)")
        elif top == "brain" and mod != "brain":
            bad.append(f"{where}:{line}: imports submodule {mod}")
        elif mod == "brain":
            sub = [n for n in names if (ROOT / "brain" / f"{n}.py").is_file() or (ROOT / "brain" / n).is_dir()]
            bad += [f"{where}:{line}: imports submodule brain.{n}" for n in sub]
    return bad


def _code_cells(path: Path) -> list[str]:
    import nbformat
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_use_public_api(path):
    bad = []
    for k, source in enumerate(_code_cells(path)):
        bad += notebook_violations(source, f"{path.name} code cell {k}")
    assert not bad, "\n".join(bad)


def test_notebook_import_check():
    assert not notebook_violations("%matplotlib inline\n!ls\nimport brain\nfrom brain import load, run_experiment\n"
                                   "import numpy as np\nimport matplotlib.pyplot as plt")
    for src in ("from brain.brain import Brain", "import brain.analysis", "from brain import analysis",
                "from regions.cortex import Cortex", "import plasticity", "from experiments import cortex_ai"):
        assert notebook_violations(src), src


# -- citations and gradients --------------------------------------------------------------------
_CITED_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".ipynb", ".cfg", ".txt"}
_SKIP_DIRS = {"__pycache__", "runs", "build", "dist", "node_modules"}


def _project_files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
                       and not d.endswith(".egg-info")]
        for f in filenames:
            if Path(f).suffix in _CITED_SUFFIXES:
                yield Path(dirpath) / f


def test_no_external_citations():
    """Conventions are cited from CONTRIBUTING.md in the repository, never from notes outside it."""
    outside = "DESIGN" + ".md"
    cited = [str(p.relative_to(ROOT)) for p in _project_files() if outside in p.read_text(errors="replace")]
    assert not cited, f"cite CONTRIBUTING.md instead of {outside}: {cited}"
    assert (ROOT / "CONTRIBUTING.md").is_file()


def test_no_gradients_anywhere():
    banned = {"torch", "jax", "tensorflow", "autograd"}
    for pkg in ("brain", "regions", "plasticity", "experiments"):
        for path in _package_files(pkg):
            assert not {m.split(".")[0] for m, _, _ in _imports(path.read_text())} & banned, path


# -- plugging in an experiment ------------------------------------------------------------------
PLUGIN = '''"""A plug-in experiment for the tests: one constant metric scaled by ``gain``.

References
----------
None: a test fixture (the layout follows CONTRIBUTING.md, "Declaring an experiment").
"""
from dataclasses import dataclass

BACKENDS = ("numpy",)


@dataclass(frozen=True)
class Params:
    gain: float = 1.0


def run(ctx):
    return {"x": 1.0 * ctx.params.gain}
'''


def test_register_experiment_plugs_in_a_user_module(tmp_path):
    name = "plugin_probe"
    (tmp_path / f"{name}.py").write_text(PLUGIN)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / f"{name}.yaml").write_text("backend: numpy\nduration: 10 ms\nexperiment: {gain: 2.0}\n")
    assert name not in experiment_names()
    register_experiment(name, tmp_path / f"{name}.py")
    try:
        assert name in experiment_names()
        assert experiment_config(name) == tmp_path / "configs" / f"{name}.yaml"
        module, cfg = prepare(name, resolve_config(name))
        assert callable(module.run) and cfg.backend == "numpy" and cfg.experiment.gain == 2.0
        with pytest.raises(ConfigError, match="^backend: "):
            prepare(name, resolve_config(name, backend="cython"))
        with pytest.raises(ConfigError, match=r"^experiment\.colour: unknown field"):
            prepare(name, resolve_config(name, overrides=["experiment.colour=red"]))
        metrics, _ = run_experiment(name, resolve_config(name), None)
        assert metrics == {"x": 2.0}
    finally:
        unregister_experiment(name)
        sys.modules.pop(f"brain_experiment_{name}", None)
    assert name not in experiment_names()
    with pytest.raises(ConfigError, match=f"^experiment: unknown experiment '{name}'"):
        prepare(name, resolve_config(name))
