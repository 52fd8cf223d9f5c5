"""``brain sweep``: one experiment over a grid of parameter values x seeds, scheduled on Dask.

Each grid point x seed is ``brain run NAME --seed S --set KEY=V ... --out DIR/runs/ID`` in a
subprocess of its own (cpp_standalone builds in the build cache, :mod:`brain.backends`: a slot per
concurrent run, so that later seeds recompile only what changed),
scheduled on a ``dask.distributed`` LocalCluster (``workers`` runs at a time) or on an existing
cluster (``scheduler``: its address). Every grid point is validated before anything runs (a bad
value is one ``brain: FIELD: message`` line). A run whose ``run.json`` exists (written last, after
``metrics.json``) is not run again: rerunning a sweep resumes it, and a run killed part-way
continues from its checkpoint (``brain run --resume``, status ``resumed``). A failed run is recorded with
the last line of its error and does not stop the others.

Outputs in ``DIR``:

- ``sweep.csv``: one row per run (swept values, seed, status, wall_s, error, metrics), rewritten
  as each run ends, so an interrupted sweep keeps what finished;
- ``summary.csv``: per grid point and metric, over the seeds that finished: n, mean, sd and the
  95 % t interval of the mean;
- ``figures/sweep.png``: each metric against the first swept value (seeds as dots, mean and 95 %
  interval; other swept keys as separate lines).

The command prints the summary as a markdown table (mean, sd) on stdout.
"""
from __future__ import annotations

import csv
import itertools
import json
import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brain.config import ConfigError

FIXED = ("status", "wall_s", "error")
DONE = ("ok", "resumed", "skipped")        # statuses whose metrics count


def _point(row: dict, keys) -> tuple:
    """A row's (or summary entry's) values of ``keys``: its grid point."""
    return tuple(row.get(k, "") for k in keys)


def parse_seeds(text: str) -> list[int]:
    """``4-13``, ``1,3,5-7`` -> sorted unique seeds."""
    seeds: set[int] = set()
    for part in str(text).split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))):
            raise ConfigError(f"--seeds: expected seeds like '4-13' or '1,3,5-7', got {text!r}")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi >= 2 ** 32 or hi - lo >= 10_000:
            raise ConfigError(f"--seeds: seeds must lie in [0, 2**32 - 1], at most 10000 per range, got {part.strip()!r}")
        seeds.update(range(lo, hi + 1))
    return sorted(seeds)


def split_values(text: str) -> list[str]:
    """Split ``v1,v2,...`` at commas outside brackets and quotes (``[1, 2],[3]`` is two values)."""
    out, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return out


def parse_grid(assignments: list[str]) -> list[tuple[str, list[str]]]:
    """``["a.b=1,2", "c=x"]`` -> ``[("a.b", ["1", "2"]), ("c", ["x"])]``."""
    grid = []
    for a in assignments:
        key, eq, values = a.partition("=")
        vals = split_values(values) if eq else []
        if not key.strip() or not eq or not all(vals):
            raise ConfigError(f"--set: expected KEY=V1,V2,... with no empty value, got {a!r}")
        if key.strip() in {k for k, _ in grid}:
            raise ConfigError(f"--set: key {key.strip()!r} given twice")
        grid.append((key.strip(), vals))
    return grid


@dataclass(frozen=True)
class Run:
    """One grid point x seed: what the subprocess gets."""

    id: str
    seed: int
    values: tuple[tuple[str, str], ...]       # every --set of this point (swept and fixed)
    argv: tuple[str, ...]                     # brain run arguments after NAME and the seed
    out: str


def _run_id(seed: int, swept: list[tuple[str, str]]) -> str:
    parts = [f"{k.split('.')[-1]}={v}" for k, v in swept] + [f"seed{seed}"]
    return re.sub(r"[^A-Za-z0-9._=+-]+", "_", "__".join(parts))


def plan(name: str, grid, seeds, out: Path, config=None, backend=None, duration=None, threads=None,
         figures=False) -> tuple[list[str], list[Run]]:
    """Validate every grid point (one-line ConfigError) and list the runs. Returns (swept keys, runs)."""
    from brain.experiment import prepare, resolve_config
    swept = [k for k, vals in grid if len(vals) > 1]
    runs = []
    for combo in itertools.product(*[vals for _, vals in grid]):
        values = tuple(zip([k for k, _ in grid], combo))
        overrides = [f"{k}={v}" for k, v in values] + ([f"threads={threads}"] if threads is not None else [])
        prepare(name, resolve_config(name, config, overrides, seeds[0], backend, duration))
        argv = [a for k, v in values for a in ("--set", f"{k}={v}")]
        for flag, val in (("--config", config), ("--backend", backend), ("--duration", duration),
                          ("--threads", threads)):
            if val is not None:
                argv += [flag, str(Path(val).resolve()) if flag == "--config" else str(val)]
        if not figures:
            argv.append("--no-figures")
        for seed in seeds:
            rid = _run_id(seed, [(k, v) for k, v in values if k in swept])
            runs.append(Run(rid, seed, values, tuple(argv), str(out / "runs" / rid)))
    return swept, runs


def _finished(out: Path) -> bool:
    """A run directory with metrics and a run.json not marked failed (by the runaway guard)."""
    try:
        return (out / "metrics.json").is_file() and json.loads((out / "run.json").read_text()).get("status") != "failed"
    except (OSError, ValueError):
        return False


def run_one(name: str, run: Run) -> dict:
    """Run one grid point in a subprocess (never raises). Returns its row (without the values)."""
    out = Path(run.out)
    row = {"id": run.id, "seed": run.seed}
    if not _finished(out):
        out.mkdir(parents=True, exist_ok=True)
        resume = (out / "checkpoint.npz").is_file() and (out / "config.yaml").is_file()   # killed earlier
        cmd = [sys.executable, "-m", "brain.cli", "run", name,
               *(["--resume", str(out), *[a for a in run.argv if a == "--no-figures"]] if resume
                 else ["--seed", str(run.seed), "--out", str(out), *run.argv])]
        try:
            with open(out / "stdout.log", "w") as so, open(out / "stderr.log", "w") as se:
                rc = subprocess.run(cmd, stdout=so, stderr=se).returncode
        except OSError as err:
            return {**row, "status": "failed", "wall_s": math.nan, "error": f"could not start: {err}"}
        if rc != 0 or not _finished(out):
            lines = [ln for ln in (out / "stderr.log").read_text(errors="replace").splitlines() if ln.strip()]
            why = lines[-1] if lines else "no output"
            return {**row, "status": "failed", "wall_s": math.nan,
                    "error": (why if why.startswith("brain:") else f"exit status {rc}: {why}")[:300]}
        row["status"] = "resumed" if resume else "ok"
    else:
        row["status"] = "skipped"              # finished in an earlier sweep
    meta = json.loads((out / "run.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    return {**row, "wall_s": meta.get("wall_s", math.nan), "error": "", **metrics}


def execute(name: str, runs: list[Run], swept: list[str], out: Path, workers: int = 2,
            scheduler: str | None = None, log=print) -> list[dict]:
    """Schedule the runs on Dask; ``sweep.csv`` is rewritten as each run ends. Returns the rows."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError("sweep: needs dask.distributed (pip install 'spiking-brain[sweep]')") from None
    out.mkdir(parents=True, exist_ok=True)
    values = {r.id: dict(r.values) for r in runs}
    if scheduler:
        cluster, client = None, Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None)
        client = Client(cluster)
    rows: list[dict] = []
    t0 = time.perf_counter()
    try:
        futures = [client.submit(run_one, name, r, key=f"{name}-{r.id}", pure=False) for r in runs]
        for fut in as_completed(futures):
            res = fut.result()
            rows.append({**{k: values[res["id"]].get(k, "") for k in swept}, **res})
            log(f"[sweep] {len(rows)}/{len(runs)} {res['id']}: {res['status']}"
                + (f" ({res['error']})" if res["status"] == "failed" else "")
                + f"  [{time.perf_counter() - t0:.0f} s]")
            write_csv(out / "sweep.csv", rows, swept)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    order = {r.id: k for k, r in enumerate(runs)}
    rows.sort(key=lambda r: order[r["id"]])
    write_csv(out / "sweep.csv", rows, swept)
    return rows


def _num(v) -> float:
    """A metric value from metrics.json or the CSV (None / '' -> NaN)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _metric_keys(rows, swept) -> list[str]:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return [k for k in keys if k not in ("id", "seed", *FIXED, *swept)]


def write_csv(path: Path, rows: list[dict], swept: list[str]) -> None:
    cols = [*swept, "id", "seed", *FIXED]
    cols += _metric_keys(rows, swept)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in cols})


def summarise(rows: list[dict], swept: list[str], keys: list[str] | None = None) -> list[dict]:
    """Per grid point and metric: n, mean, sd (ddof 1) and the 95 % t interval over finished seeds."""
    from scipy import stats
    done = [r for r in rows if r["status"] in DONE]
    metrics = keys or _metric_keys(rows, swept)
    points = list(dict.fromkeys(_point(r, swept) for r in rows))
    out = []
    for point in points:
        group = [r for r in done if _point(r, swept) == point]
        for m in metrics:
            x = np.array([_num(r.get(m)) for r in group], float)
            x = x[np.isfinite(x)]
            n = len(x)
            mean = float(x.mean()) if n else math.nan
            sd = float(x.std(ddof=1)) if n > 1 else (0.0 if n else math.nan)
            half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
            out.append({**dict(zip(swept, point)), "metric": m, "n": n, "n_runs": len(group), "mean": mean,
                        "sd": sd, "ci95_lo": mean - half, "ci95_hi": mean + half})
    return out


def write_summary(path: Path, summary: list[dict], swept: list[str]) -> None:
    cols = [*swept, "metric", "n", "n_runs", "mean", "sd", "ci95_lo", "ci95_hi"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(summary)


def markdown(summary: list[dict], swept: list[str]) -> str:
    """Grid points as rows, metrics as columns: ``mean (sd)``; ``n`` counts the finished seeds."""
    metrics = list(dict.fromkeys(s["metric"] for s in summary))
    points = list(dict.fromkeys(_point(s, swept) for s in summary))
    head = [*swept, "n", *metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for point in points:
        cells = {s["metric"]: s for s in summary if _point(s, swept) == point}
        n = max((c["n"] for c in cells.values()), default=0)
        fmt = [("nan" if not math.isfinite(c["mean"]) else f"{c['mean']:.3g} ({c['sd']:.2g})")
               + ("" if c["n"] == n else f" [n={c['n']}]") for c in (cells[m] for m in metrics)]
        lines.append("| " + " | ".join([*point, str(n), *fmt]) + " |")
    return "\n".join(lines)


def figure(rows: list[dict], summary: list[dict], swept: list[str], path: Path) -> None:
    """Each metric against the first swept key (or the seed when nothing is swept)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    metrics = list(dict.fromkeys(s["metric"] for s in summary))
    if not metrics:
        return
    x_key, others = (swept[0], swept[1:]) if swept else ("seed", [])
    xs = list(dict.fromkeys(str(r.get(x_key, "")) for r in rows))
    done = [r for r in rows if r["status"] in DONE]
    lines = list(dict.fromkeys(_point(r, others) for r in rows))
    ncol = min(4, len(metrics))
    fig, axes = plt.subplots(math.ceil(len(metrics) / ncol), ncol, figsize=(3.6 * ncol, 2.8 * math.ceil(len(metrics) / ncol)),
                             squeeze=False)
    for ax, m in zip(axes.flat, metrics):
        for j, line in enumerate(lines):
            sel = [r for r in done if _point(r, others) == line and m in r]
            pos = [xs.index(str(r.get(x_key, ""))) + 0.08 * j for r in sel]
            ax.plot(pos, [_num(r[m]) for r in sel], ".", color=f"C{j}", alpha=0.5)
            if swept:
                pts = [s for s in summary if s["metric"] == m and _point(s, others) == line]
                px = [xs.index(str(s[x_key])) + 0.08 * j for s in pts]
                ax.errorbar(px, [s["mean"] for s in pts],
                            yerr=[[s["mean"] - s["ci95_lo"] for s in pts], [s["ci95_hi"] - s["mean"] for s in pts]],
                            color=f"C{j}", marker="o", capsize=3,
                            label=", ".join(f"{k.split('.')[-1]}={v}" for k, v in zip(others, line)) or None)
        ax.set_xticks(range(len(xs)), xs, fontsize=7)
        ax.set(title=m, xlabel=x_key.split(".")[-1])
        ax.title.set_fontsize(8)
        if others:
            ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sweep(args, log=print) -> int:
    """The ``brain sweep`` command (arguments from :mod:`brain.cli`)."""
    if args.workers < 1:
        raise ConfigError(f"--workers: must be a positive integer, got {args.workers}")
    seeds = parse_seeds(args.seeds)
    grid = parse_grid(args.overrides)
    keys = [k.strip() for k in args.keys.split(",")] if args.keys else None
    out = Path(args.out) if args.out else Path("runs") / f"sweep_{args.name}"
    swept, runs = plan(args.name, grid, seeds, out, args.config, args.backend, args.duration, args.threads,
                       args.figures)
    log(f"[sweep] {len(runs)} runs ({len(runs) // len(seeds)} grid points x {len(seeds)} seeds) into {out}")
    if getattr(args, "dry_run", False):
        for r in runs:
            log(f"[sweep] {r.id}: brain run {args.name} --seed {r.seed} {' '.join(r.argv)}")
        return 0
    rows = execute(args.name, runs, swept, out, args.workers, args.scheduler, log=log)
    summary = summarise(rows, swept, keys)
    write_summary(out / "summary.csv", summary, swept)
    figure(rows, summary, swept, out / "figures" / "sweep.png")
    print(markdown(summary, swept))
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        print(f"brain: sweep: {len(failed)} of {len(rows)} runs failed (errors in {out / 'sweep.csv'})",
              file=sys.stderr)
        return 1
    return 0
