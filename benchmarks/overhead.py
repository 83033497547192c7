"""Coordination overhead: N worker processes x T trials of an instant objective, one directory.

Run from the repository root with our own venv::

    .venv/bin/python benchmarks/overhead.py --workers 1,4,16 --trials 1000
    .venv/bin/python benchmarks/overhead.py --compare --compare-python /work/bench-venv/bin/python
    .venv/bin/python benchmarks/overhead.py --flat 20000

For each N it prints trials/s (wall clock from the common start to the last worker's exit),
CPU ms per trial, lock hold p50/p99 (neps_like only, via ``NEPS_LIKE_LOCK_STATS``), the mean
per-trial latency of the first vs last 10 % of trials, and correctness: successful trials in
the storage, duplicates, overshoot above T, evaluated-but-lost trials and failed workers.
``--compare`` runs the same scenario on NePS and on Optuna (journal file, sqlite) with an
interpreter from a separate venv (see benchmarks/README.md) and prints neps_like's ratios.
This driver never imports any library under test; every worker is a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from _compare import Metrics, as_json, median_metrics, metrics_of, metrics_table, ratio_lines
from _scenario import SYSTEMS, RunSpec, System, run_scenario

if TYPE_CHECKING:
    from collections.abc import Sequence

    from _scenario import RawRun

PYTHON_ENV = "NEPS_LIKE_BENCH_PYTHON"
FLAT_TARGET = 1.3
BUSY_WARN = 0.3
PROBES = {
    "neps_like": "import neps_like as n; n.run, n.load, n.Float",
    "neps": "import neps",
    "optuna": "import optuna",
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--workers", default="1,4,16", help="comma-separated N (default 1,4,16)")
    p.add_argument("--trials", type=int, default=1000, help="global budget T (default 1000)")
    p.add_argument("--repeats", type=int, default=1, help="runs per cell; medians reported")
    p.add_argument("--compare", action="store_true", help="also run NePS and Optuna")
    p.add_argument("--only", default="", help=f"subset of: {','.join(SYSTEMS)}")
    p.add_argument(
        "--compare-python",
        default=os.environ.get(PYTHON_ENV, ""),
        help=f"interpreter with neps and optuna installed (default: ${PYTHON_ENV})",
    )
    p.add_argument(
        "--flat",
        type=int,
        nargs="?",
        const=20_000,
        default=None,
        metavar="T",
        help="single worker, T trials (default 20000): first vs last 10%% latency",
    )
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    p.add_argument("--json", type=Path, default=None, help="write all results to this file")
    p.add_argument("--workdir", type=Path, default=None, help="where run directories go")
    p.add_argument("--keep", action="store_true", help="keep run directories afterwards")
    return p.parse_args(argv)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def importable(python: str, probe: str) -> bool:
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def requested_names(args: argparse.Namespace) -> list[str]:
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
    else:
        names = [n for n, s in SYSTEMS.items() if args.compare or not s.competitor]
    unknown = sorted(set(names) - set(SYSTEMS))
    if unknown:
        raise SystemExit(f"unknown system(s) {unknown}; choose from {','.join(SYSTEMS)}")
    return names


def select_systems(args: argparse.Namespace) -> list[tuple[System, str]]:
    """The systems to run with the interpreter for each; explain every one skipped."""
    chosen: list[tuple[System, str]] = []
    for name in requested_names(args):
        system = SYSTEMS[name]
        python = args.compare_python if system.competitor else sys.executable
        if not python:
            log(
                f"skipping {name}: no competitor interpreter; pass --compare-python or set "
                f"{PYTHON_ENV} (see benchmarks/README.md)"
            )
            continue
        module = name.split("-")[0]
        if not importable(python, PROBES[module]):
            log(f"skipping {name}: `{PROBES[module]}` fails under {python}")
            continue
        chosen.append((system, python))
    return chosen


def run_once(system: System, python: str, n: int, trials: int, args: argparse.Namespace) -> Metrics:
    workdir = Path(tempfile.mkdtemp(prefix=f"overhead-{system.name}-{n}w-", dir=args.workdir))
    try:
        raw = run_scenario(RunSpec(system, python, n, trials, args.timeout, workdir))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report_failures(raw)
    m = metrics_of(raw)
    log(
        f"  {system.name:15s} N={n:<3d} {m.on_disk} trials in {raw.wall_s:.2f} s "
        f"({m.trials_per_s:.1f}/s){' kept in ' + str(workdir) if args.keep else ''}"
    )
    return m


def report_failures(raw: RawRun) -> None:
    if raw.timed_out:
        log(f"  {raw.system}: TIMEOUT, workers killed")
    if "error" in raw.storage:
        log(f"  {raw.system}: counting the storage failed:\n{raw.storage['error']}")
    for index, tail in raw.log_tails.items():
        log(f"  {raw.system} worker {index} exited {raw.exit_codes[index]}; log tail:\n{tail}")


def run_grid(
    systems: list[tuple[System, str]], grid: list[int], trials: int, args: argparse.Namespace
) -> tuple[list[Metrics], list[Metrics]]:
    """Every (N, repeat, system) cell; systems interleaved so drift hits them alike."""
    every, medians = [], []
    for n in grid:
        per_system: dict[str, list[Metrics]] = {s.name: [] for s, _ in systems}
        for rep in range(args.repeats):
            log(f"N={n} T={trials} repeat {rep + 1}/{args.repeats}")
            for system, python in systems:
                per_system[system.name].append(run_once(system, python, n, trials, args))
        cell = [median_metrics(runs) for runs in per_system.values()]
        every += [m for runs in per_system.values() for m in runs]
        medians += cell
        print_cell(n, trials, cell, args)
    return every, medians


def print_cell(n: int, trials: int, cell: list[Metrics], args: argparse.Namespace) -> None:
    what = "median of " + str(args.repeats) if args.repeats > 1 else "1 run"
    print(f"\n== N={n} workers, T={trials} trials, instant objective ({what}) ==")
    print(metrics_table(cell))
    if any(m.busy_before > BUSY_WARN for m in cell):
        print(
            f"  note: other processes kept > {BUSY_WARN} core busy before some runs "
            "(column 'busy cores'); those numbers are understated"
        )
    for line in ratio_lines(cell):
        print("  " + line)
    if args.flat is not None:
        for m in cell:
            verdict = "ok" if m.lat_ratio <= FLAT_TARGET else "ABOVE TARGET"
            print(
                f"  {m.system}: last/first 10 % latency {m.lat_ratio:.2f} "
                f"(target ≤ {FLAT_TARGET}: {verdict})"
            )
    sys.stdout.flush()


def write_json(
    path: Path, args: argparse.Namespace, every: list[Metrics], medians: list[Metrics]
) -> None:
    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv,
        "python": sys.version.split()[0],
        "compare_python": args.compare_python or None,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
    }
    data = {
        "meta": meta,
        "runs": [as_json(m) for m in every],
        "medians": [as_json(m) for m in medians],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    systems = select_systems(args)
    if not systems:
        log("nothing to run")
        return 2
    if args.flat is not None:
        grid, trials = [1], args.flat
    else:
        grid, trials = [int(n) for n in args.workers.split(",")], args.trials
    try:
        every, medians = run_grid(systems, grid, trials, args)
    except RuntimeError as exc:  # a storage setup step failed; workers were never started
        log(str(exc))
        return 1
    if args.json is not None:
        write_json(args.json, args, every, medians)
    return 0


if __name__ == "__main__":
    sys.exit(main())
