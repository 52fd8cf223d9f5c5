"""Config and CLI mutations for the fuzz tests, and an exhaustive report.

Every shipped experiment config is mutated at every node (each key of every mapping, top level
included): wrong types, bad or wrong units, negative / zero / huge numbers, NaN and infinity, a
deleted key, an unknown key, and for projections a malformed label and a missing region. A
mutation must either validate (it happened to be legal) or raise a one-line ``ConfigError`` whose
field (the text before the first ``": "``) names the mutated key, one of its parents, or a key
that names it in its message. Anything else (another exception, a multi-line message, a field that
does not point at the mutation) is a failure.

``python -m tests.brain.fuzz`` runs every mutation of every config (and the CLI cases) and prints
a JSON report: the number tried, outcomes, coverage per field and the failures.
"""
from __future__ import annotations

import copy
import json
import math
import re
import sys
import time
from typing import Any, Callable

from brain.config import ConfigError, load_yaml
from brain.experiment import prepare
from brain.registry import experiment_config, experiment_names

Path_ = tuple[str, ...]

VALUES: dict[str, Any] = {
    "list": [1, 2], "mapping": {"x": 1}, "string": "abc", "bool": True, "null": None,
    "bad_unit": "5 furlongs", "wrong_unit": "3 mV", "neg_time": "-1 ms", "zero_time": "0 s",
    "negative": -1, "zero": 0, "half": 0.5, "huge": 10 ** 12, "nan": math.nan, "inf": math.inf,
    "neg_inf": -math.inf, "nan_text": "nan", "inf_quantity": "inf s",
}
STRUCTURAL = ("delete", "unknown_key", "bad_label", "drop_region")
MUTATIONS = (*VALUES, *STRUCTURAL)


def default_config(name: str) -> dict:
    return load_yaml(experiment_config(name))


def paths(data: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every key path of the nested mappings (top-level keys included; list items are leaves)."""
    out: list[Path_] = []
    if isinstance(data, dict):
        for k, v in data.items():
            p = (*prefix, str(k))
            out.append(p)
            out += paths(v, p)
    return out


def _parent(data: dict, path: Path_) -> dict:
    node = data
    for k in path[:-1]:
        node = node[k]
    return node


def mutate(data: dict, path: Path_, mutation: str) -> dict | None:
    """A mutated deep copy, or None when the mutation does not apply at ``path``."""
    data = copy.deepcopy(data)
    parent = _parent(data, path)
    key = path[-1]
    if mutation in VALUES:
        parent[key] = copy.deepcopy(VALUES[mutation])
    elif mutation == "delete":
        del parent[key]
    elif mutation == "unknown_key":
        if not isinstance(parent[key], dict):
            return None
        parent[key]["bogus_field"] = 1
    elif mutation == "bad_label":
        if len(path) != 2 or path[0] != "projections":
            return None
        parent["->" + key.split("->")[-1] + "--"] = parent.pop(key)
    elif mutation == "drop_region":
        if len(path) != 2 or path[0] != "regions":
            return None
        del parent[key]
    return data


def field_of(message: str) -> str:
    return message.split(": ", 1)[0]


def names_mutation(message: str, path: Path_, mutation: str = "") -> bool:
    """Does the error point at the mutated key? Its field is the path, a parent or a child of it
    (list indices ``[k]`` ignored), or the message names the key (e.g. a deleted region named by
    the projection that needs it). A renamed projection is named by its new label; a deleted key
    by the field of its section that needed it (``rule`` deleted: ``rule_params`` of the default
    static rule; a stimulus deleted: the phase that drives it)."""
    field = re.sub(r"\[\d+\]", "", field_of(message).strip())
    dotted = ".".join(path)
    if not field or "\n" in message:
        return False
    if dotted == field or dotted.startswith(field + ".") or field.startswith(dotted + "."):
        return True
    if mutation == "bad_label":
        return field.startswith("projections.") and "label" in message
    if mutation == "delete" and field.split(".")[0] == path[0]:
        return True
    return path[-1] in message


def check(name: str, data: dict) -> tuple[str, str]:
    """Validate ``data`` as experiment ``name``: ("ok", "") or ("error", message). Other exceptions
    propagate (a failure of the fuzz test)."""
    try:
        prepare(name, data)
    except ConfigError as err:
        return "error", str(err)
    return "ok", ""


def cases(names=None):
    """Every (experiment, path, mutation, mutated data) of the exhaustive report."""
    for name in names or experiment_names():
        base = default_config(name)
        for path in paths(base):
            for mutation in MUTATIONS:
                data = mutate(base, path, mutation)
                if data is not None:
                    yield name, path, mutation, data


def report(names=None, per_case_limit: float = 10.0) -> dict:
    tried, outcome, coverage, failures = 0, {"ok": 0, "error": 0}, {}, []
    t0 = time.perf_counter()
    for name, path, mutation, data in cases(names):
        tried += 1
        key = ".".join(path)
        cov = coverage.setdefault(key if path[0] != "experiment" else f"{name}:{key}", {"tried": 0, "rejected": 0})
        cov["tried"] += 1
        start = time.perf_counter()
        try:
            status, message = check(name, data)
        except Exception as err:                               # noqa: BLE001 - the thing we look for
            failures.append({"experiment": name, "path": key, "mutation": mutation,
                             "error": f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"})
            continue
        outcome[status] += 1
        if status == "error":
            cov["rejected"] += 1
            if not names_mutation(message, path, mutation):
                failures.append({"experiment": name, "path": key, "mutation": mutation, "error": message})
        if time.perf_counter() - start > per_case_limit:
            failures.append({"experiment": name, "path": key, "mutation": mutation, "error": "too slow"})
    return {"mutations": tried, "outcomes": outcome, "fields": len(coverage),
            "wall_s": round(time.perf_counter() - t0, 1), "failures": failures, "coverage": coverage}




# -- command line ------------------------------------------------------------------------------
# A small, valid base command per subcommand (dry runs: nothing is simulated) and the flags to mutate.
CLI_BASE = {
    "run": ["run", "cortex_ai", "--set", "regions.cortex.n_exc=400", "--set", "regions.cortex.n_inh=100",
            "--duration", "0.5 s", "--dry-run"],
    "sweep": ["sweep", "cortex_ai", "--seeds", "1-2", "--set", "regions.cortex.n_exc=400,800", "--dry-run"],
    "describe": ["describe", "reversal_learning"],
    "stats": ["stats", "/nonexistent-run-dir"],
    "resume": ["run", "reversal_learning"],
    "export": ["export", "--nwb"],
}
CLI_FLAGS = {
    "run": ["--seed", "--duration", "--set", "--backend", "--threads", "--config", "--out", "--build-dir"],
    "sweep": ["--seeds", "--workers", "--set", "--keys", "--backend", "--duration", "--threads", "--config"],
    "describe": ["--set", "--seed", "--config"],
    "stats": ["--transient"],
    "resume": ["--resume"],
    "export": ["DIR"],                                  # the positional directory
}
CLI_VALUES = ["-3", "99999999999", "x", "1.5", "", "nan", "inf", "-1 s", "0 s", "1e12 s", "5 mV", "ten",
              "noequals", "=5", "regions..x=1", "regions.cortex.n_exc=", "regions.cortex.n_exc=[1",
              "regions.cortex.n_exc=1e12", "seed=-1", "13-4", "1,,2", "0", "-1", "1-99999999999", ",,",
              "/nonexistent.yaml", "/", "dt=0 ms", "regions.nope.n=1", "projections.a->b.p=2"]


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``brain.cli.main(argv)`` in-process: (exit status, stderr)."""
    import contextlib
    import io

    from brain.cli import main
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            rc = main(argv)
        except SystemExit as exc:                       # argparse errors
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, err.getvalue()


def cli_argv(cmd: str, flag: str, value: str) -> list[str]:
    return [*CLI_BASE[cmd], *([] if flag == "DIR" else [flag]), value]


def cli_cases():
    for cmd, flags in CLI_FLAGS.items():
        for flag in flags:
            for value in CLI_VALUES:
                if flag == "DIR" and value in ("", "/"):   # real directories: it would export the runs below
                    continue
                yield cmd, flag, cli_argv(cmd, flag, value)


def cli_ok(cmd: str, rc: int, stderr: str) -> bool:
    """A valid dry run (exit 0), or exit 2 with exactly one line ``brain: FIELD: ...``."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    if cmd in ("stats", "resume", "export"):            # no run directory among the values: always an error
        return rc == 2 and len(lines) == 1 and lines[0].startswith("brain: ")
    if rc == 0:
        return "Traceback" not in stderr
    return rc == 2 and len(lines) == 1 and lines[0].startswith("brain: ") and "Traceback" not in stderr


def cli_report() -> dict:
    tried, failures, rejected = 0, [], 0
    for cmd, flag, argv in cli_cases():
        tried += 1
        try:
            rc, stderr = run_cli(argv)
        except Exception as err:                          # noqa: BLE001
            failures.append({"argv": argv, "error": f"{type(err).__name__}: {err}"})
            continue
        rejected += rc == 2
        if not cli_ok(cmd, rc, stderr):
            failures.append({"argv": argv, "rc": rc, "stderr": stderr[-300:]})
    return {"cli_cases": tried, "cli_rejected": rejected, "cli_failures": failures}


if __name__ == "__main__":
    rep = {**report(sys.argv[1:] or None), **cli_report()}
    json.dump(rep, sys.stdout, indent=1)
    print()
    sys.exit(1 if rep["failures"] or rep["cli_failures"] else 0)
