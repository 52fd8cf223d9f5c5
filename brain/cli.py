"""Command line: ``brain list | run NAME [...] | sweep NAME [...] | describe NAME [...] | stats DIR |
export DIR --nwb``.

Bad input (unknown experiment, invalid config, bad --set, unreadable files) prints one line
``brain: FIELD: message`` on stderr and exits with status 2, never a traceback. A run stopped by
the runaway guard (:mod:`brain.guard`) prints ``brain: runaway: ...`` and exits with status 3.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def _drop_brian_cache_notice(record: logging.LogRecord) -> bool:
    """Brian2 logs the size of its compiler cache when it imports and the cache is over 1 GB (two INFO
    lines on stderr). That is no message of ours: stderr must hold one line on bad input."""
    return not str(record.msg).startswith("Cache size for target")


# before anything imports brian2; its get_logger("brian2") logs under the name "brian2.brian2"
for _name in ("brian2", "brian2.brian2"):
    logging.getLogger(_name).addFilter(_drop_brian_cache_notice)

from brain.config import ConfigError  # noqa: E402
from brain.guard import RunawayError  # noqa: E402


def _one_line(message) -> str:
    """Control characters of user input (a newline in a --set value) must not split the message."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's default prints usage first)
        print(f"brain: {_one_line(message)}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="brain", description="Spiking brain simulator on Brian2.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list experiments")
    r = sub.add_parser("run", help="run an experiment")
    r.add_argument("name")
    r.add_argument("--config", help="YAML file merged over the experiment's default config")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="dotted override, e.g. regions.cortex.n_exc=8000 (repeatable)")
    r.add_argument("--seed", type=int)
    r.add_argument("--backend", choices=["numpy", "cython", "cpp_standalone"])
    r.add_argument("--duration", help="e.g. '2 s'")
    r.add_argument("--threads", type=int, help="OpenMP threads (cpp_standalone)")
    r.add_argument("--out", help="output directory (default: runs/NAME)")
    r.add_argument("--build-dir", help="cpp_standalone build directory (default: a slot of the build cache, "
                                           "BRAIN_STANDALONE_CACHE; off: a temporary one)")
    r.add_argument("--no-figures", action="store_true")
    r.add_argument("--dry-run", action="store_true",
                   help="validate the config and build the brain (numpy, not run), then stop")
    r.add_argument("--resume", metavar="DIR",
                   help="continue the run in DIR from its last checkpoint (DIR/config.yaml, DIR/checkpoint.npz)")
    w = sub.add_parser("sweep", help="run an experiment over a grid of values x seeds (Dask)")
    w.add_argument("name")
    w.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="dotted override with one or more comma-separated values (repeatable; grid = product)")
    w.add_argument("--seeds", default="1", help="e.g. '4-13' or '1,3,5-7'")
    w.add_argument("--workers", type=int, default=2, help="runs at a time on the LocalCluster")
    w.add_argument("--scheduler", help="address of an existing Dask scheduler (instead of a LocalCluster)")
    w.add_argument("--keys", help="comma-separated metrics for the summary and figure (default: all)")
    w.add_argument("--config", help="YAML file merged over the experiment's default config")
    w.add_argument("--backend", choices=["numpy", "cython", "cpp_standalone"])
    w.add_argument("--duration", help="e.g. '2 s'")
    w.add_argument("--threads", type=int, help="OpenMP threads (cpp_standalone)")
    w.add_argument("--out", help="output directory (default: runs/sweep_NAME)")
    w.add_argument("--figures", action="store_true", help="also draw each run's own figures")
    w.add_argument("--dry-run", action="store_true", help="validate every grid point and list the runs, then stop")
    d = sub.add_parser("describe", help="print the resolved brain: regions, projections, final equations")
    d.add_argument("name")
    d.add_argument("--config", help="YAML file merged over the experiment's default config")
    d.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    d.add_argument("--seed", type=int)
    d.add_argument("--wiring", help="also draw the wiring diagram into this PNG file")
    s = sub.add_parser("stats", help="spike statistics of a run directory")
    s.add_argument("dir")
    s.add_argument("--transient", type=float, default=0.0, help="seconds to discard at the start")
    e = sub.add_parser("export", help="convert a run directory (or every run under a sweep's) to a shared format")
    e.add_argument("dir")
    e.add_argument("--nwb", action="store_true", help="write DIR/EXPERIMENT_seedSEED.nwb (pynwb)")
    e.add_argument("--no-validate", action="store_true", help="skip pynwb's validator and nwbinspector")
    return p


def _list(args=None) -> int:
    from brain.registry import experiment_names, load_experiment
    for name in experiment_names():
        doc = (load_experiment(name).__doc__ or "").strip().splitlines()
        print(f"{name:24s} {doc[0] if doc else ''}")
    return 0


def _run(args) -> int:
    from brain.experiment import resolve_config, run_experiment
    if args.resume is not None:
        out, data = _resume_inputs(args)
    else:
        overrides = list(args.overrides)
        if args.threads is not None:
            overrides.append(f"threads={args.threads}")
        data = resolve_config(args.name, args.config, overrides, args.seed, args.backend, args.duration)
        if args.dry_run:
            print(_built(args.name, data), file=sys.stderr)
            return 0
        out = Path(args.out) if args.out else Path("runs") / args.name
    metrics, _ = run_experiment(args.name, data, out, build_dir=args.build_dir, figures_on=not args.no_figures,
                                resume=args.resume is not None)
    print(json.dumps(metrics, indent=2, sort_keys=True))
    print(f"outputs in {out}" + (" (resumed)" if args.resume is not None else ""), file=sys.stderr)
    return 0


def _resume_inputs(args) -> tuple[Path, dict]:
    """``--resume DIR``: the run's own directory and config (no other config flag may be given)."""
    from brain.experiment import resolve_config
    given = [flag for flag, v in (("--config", args.config), ("--set", args.overrides), ("--seed", args.seed),
                                  ("--backend", args.backend), ("--duration", args.duration),
                                  ("--threads", args.threads), ("--out", args.out), ("--dry-run", args.dry_run))
             if v not in (None, [], False)]
    if given:
        raise ConfigError(f"--resume: continues DIR with its own config.yaml; drop {given[0]}")
    out = Path(args.resume)
    if not args.resume or not (out / "config.yaml").is_file():
        raise ConfigError(f"--resume: no config.yaml in {out} (give the run's output directory)")
    if (out / "metrics.json").is_file():
        raise ConfigError(f"--resume: {out} has finished (metrics.json is there)")
    return out, resolve_config(args.name, str(out / "config.yaml"))


def _sweep(args) -> int:
    from brain.sweep import sweep
    return sweep(args, log=lambda m: print(m, file=sys.stderr, flush=True))


def _built(name: str, data: dict) -> str:
    """The one-line summary of ``--dry-run``."""
    from brain.experiment import unrun_brain
    with unrun_brain(name, data) as (_, b):
        n = sum(len(g) for g in b.populations().values())
        s = sum(len(p) for p in b.projections.values())
    return (f"brain: {name}: config valid; {len(b.regions)} regions ({n} neurons), "
            f"{len(b.projections)} projections ({s} synapses); not run (--dry-run)")


def _describe(args) -> int:
    from brain.describe import describe
    from brain.experiment import resolve_config, unrun_brain
    with unrun_brain(args.name, resolve_config(args.name, args.config, args.overrides, args.seed)) as (cfg, b):
        print(describe(cfg, b))
    if args.wiring:
        from brain.figures import wiring
        wiring(cfg, Path(args.wiring))
        print(f"wiring diagram in {args.wiring}", file=sys.stderr)
    return 0


def _stats(args) -> int:
    from brain.analysis import population_stats
    from brain.recording import load_spikes
    path = Path(args.dir) / "spikes.npz"
    if not path.is_file():
        raise ConfigError(f"stats: no spikes.npz in {args.dir}")
    pops, duration = load_spikes(path)
    if not args.transient < duration:
        raise ConfigError(f"--transient: must be shorter than the recorded duration ({duration} s)")
    result = {pop: population_stats(d["i"], d["t"], d["n"], args.transient, duration) for pop, d in pops.items()}
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


def _export(args) -> int:
    from brain import nwb
    if not args.nwb:
        raise ConfigError("export: name a format (--nwb)")
    runs = nwb.runs_under(Path(args.dir)) if Path(args.dir).is_dir() else []
    if not runs:
        raise ConfigError(f"export: no run directory (spikes.npz) in {args.dir}")
    for run in runs:
        out = nwb.export(run, check=not args.no_validate, log=lambda m: print(m, file=sys.stderr))
        print(out)
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"list": _list, "run": _run, "sweep": _sweep, "describe": _describe,
                "stats": _stats, "export": _export}[args.cmd](args)
    except ConfigError as err:
        print(f"brain: {_one_line(err)}", file=sys.stderr)
        return 2
    except RunawayError as err:           # the run stopped itself; its outputs so far are kept
        print(f"brain: {_one_line(err)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("brain: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
