"""Chaos: SIGKILL random workers while they share one study; nothing may be lost or doubled.

K workers (default 8) run ``neps_like.run`` on one directory with the library's default
settings (lease grace, heartbeat, retries, and no ``continue_until_max_evaluation_completed``:
what a user gets) unless ``--grace``/``--heartbeat``/``--max-retries`` are given. Every
``--kill-every`` seconds the
driver SIGKILLs a random live worker (mid-evaluation, mid-report, holding the lock:
wherever it happens to be) and starts a replacement. The objective sleeps
``--eval-seconds`` and appends one line per finished evaluation to a side log (one
``write`` + ``fsync``, so the line survives the SIGKILL that may follow it).

Run from the repository root::

    .venv/bin/python benchmarks/chaos.py     # 8 workers, 2000 trials, a kill every 2 s
    .venv/bin/python benchmarks/chaos.py --workers 6 --trials 2000 --kill-every 1
    .venv/bin/python benchmarks/chaos.py --workers 4 --trials 200 --kill-every 1
    # kills stop after one last kill at 1,990 evaluations: how long does its trial delay the end?
    .venv/bin/python benchmarks/chaos.py --workers 6 --trials 2000 --final-kill-at 1990

At the end it checks, and exits 1 on any violation:

* the study has exactly ``--trials`` SUCCESS trials, ids 1..T, every trial final or
  pending (none left EVALUATING), no config sampled twice;
* the journal reads back clean (torn tails are allowed: they are what SIGKILL mid-append
  leaves, and they are repaired by the next writer);
* no trial was reported SUCCESS twice in the journal;
* every side-log entry is a SUCCESS trial on disk, and the evaluations that were run
  again (logged twice) number at most one per kill: an evaluation can finish and be
  logged just before the kill, before its report;
* every SUCCESS trial has a side-log entry (no report without an evaluation);
* every trial folder that exists reads back (``load_trial_from_disk``);
* every worker that was not killed exited 0.

The driver imports neps_like only for the final audit; workers are child processes
(this same file with ``--_worker``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKER_FLAG = "--_worker"


# -- worker ----------------------------------------------------------------------------------
def worker_main(spec_json: str) -> int:
    """One worker: ``run`` with an objective that logs each finished evaluation durably."""
    import logging

    import neps_like as neps

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    spec = json.loads(spec_json)
    side_log, eval_seconds = spec.pop("side_log"), spec.pop("eval_seconds")

    def evaluate_pipeline(x: float, y: int, pipeline_directory: Path) -> dict[str, Any]:
        time.sleep(eval_seconds)
        line = json.dumps({"trial": pipeline_directory.name, "pid": os.getpid()}) + "\n"
        # One write() of a short line with O_APPEND is atomic on a local file system, and a
        # SIGKILL cannot split a write in progress; fsync makes it outlive the process.
        fd = os.open(side_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return {"objective_to_minimize": (x - 0.3) ** 2 + y, "cost": eval_seconds}

    space = {"x": neps.Float(0.0, 1.0), "y": neps.Integer(0, 3)}
    neps.run(evaluate_pipeline, space, **spec)
    return 0


# -- driver ----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--workers", type=int, default=8, help="live workers K (default 8)")
    p.add_argument("--trials", type=int, default=2000, help="evaluation budget (default 2000)")
    p.add_argument("--kill-every", type=float, default=2.0, help="seconds between kills")
    p.add_argument("--eval-seconds", type=float, default=0.05, help="objective's sleep")
    p.add_argument("--grace", type=float, default=None, help="lease_grace_seconds (default: run's)")
    p.add_argument("--heartbeat", type=float, default=None, help="heartbeat_seconds (run's)")
    p.add_argument(
        "--max-retries",
        type=int,
        default=None,
        help="attempts after the first before a trial is FAILED (default: run's)",
    )
    p.add_argument(
        "--final-kill-at",
        type=int,
        default=None,
        help="once this many evaluations have finished, kill one last worker and stop killing: "
        "'last kill to completion' then measures how long a dead worker's trial delays the end",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds the victim choice and the study")
    p.add_argument("--timeout", type=float, default=900.0, help="give up after this long")
    p.add_argument("--workdir", type=Path, default=None, help="where the run directory goes")
    p.add_argument("--keep", action="store_true", help="keep the run directory")
    p.add_argument("--json", type=Path, default=None, help="also write the summary here")
    return p.parse_args(argv)


@dataclass
class Fleet:
    """The worker processes, their logs and what happened to them."""

    run_dir: Path
    spec: dict[str, Any]
    live: list[subprocess.Popen[bytes]] = field(default_factory=list)
    killed: list[int] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    bad_exits: list[str] = field(default_factory=list)
    kill_times: list[float] = field(default_factory=list)
    ended: float = 0.0
    started: int = 0
    finished: int = 0

    def start(self) -> None:
        self.started += 1
        log = (self.run_dir / "logs" / f"worker-{self.started:04d}.log").open("wb")
        with log:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(
                [sys.executable, __file__, WORKER_FLAG, json.dumps(self.spec)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.labels[proc.pid] = f"worker {self.started} (log {log.name})"
        self.live.append(proc)

    def reap(self) -> None:
        for proc in [p for p in self.live if p.poll() is not None]:
            self.live.remove(proc)
            self.finished += 1
            if proc.pid in self.killed:
                continue
            if proc.returncode != 0:
                self.bad_exits.append(f"{self.labels[proc.pid]} exited {proc.returncode}")

    def kill_one(self, rng: random.Random) -> None:
        self.reap()
        if not self.live:
            return
        victim = rng.choice(self.live)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.killed.append(victim.pid)
        self.kill_times.append(time.monotonic())
        self.reap()
        self.start()

    def stop_all(self) -> None:
        for proc in self.live:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.live.clear()


def drive(args: argparse.Namespace, run_dir: Path) -> tuple[Fleet, float, bool]:
    """Run the workers and the killer until every worker has exited on its own.

    Returns the fleet, the wall time, whether it timed out; ``fleet.kill_times`` and
    ``fleet.ended`` give the time from the last kill to the study's completion."""
    (run_dir / "logs").mkdir(parents=True)
    spec = {
        "root_directory": str(run_dir / "study"),
        "side_log": str(run_dir / "side.log"),
        "eval_seconds": args.eval_seconds,
        "evaluations_to_spend": args.trials,
        "optimizer": "random_search",
        "seed": args.seed,
    }
    for key, value in (
        ("lease_grace_seconds", args.grace),
        ("heartbeat_seconds", args.heartbeat),
        ("max_retries", args.max_retries),
    ):
        if value is not None:  # otherwise the library's default, as a user gets it
            spec[key] = value
    fleet = Fleet(run_dir, spec)
    rng = random.Random(args.seed)
    began = time.monotonic()
    next_kill = began + args.kill_every
    timed_out = False
    try:
        for _ in range(args.workers):
            fleet.start()
        while True:
            fleet.reap()
            if not fleet.live:
                break
            now = time.monotonic()
            if now - began > args.timeout:
                timed_out = True
                break
            if now >= next_kill:
                final = args.final_kill_at is not None and _finished(run_dir) >= args.final_kill_at
                fleet.kill_one(rng)
                next_kill = float("inf") if final else next_kill + args.kill_every
            time.sleep(min(0.05, max(0.0, next_kill - time.monotonic())))
    finally:
        fleet.ended = time.monotonic()
        fleet.stop_all()
    return fleet, fleet.ended - began, timed_out


def _finished(run_dir: Path) -> int:
    """Evaluations finished so far (lines of the side log)."""
    try:
        return (run_dir / "side.log").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


# -- audit -----------------------------------------------------------------------------------
def read_side_log(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Entries of the side log and the number of unreadable lines."""
    entries, bad = [], 0
    lines = path.read_bytes().splitlines() if path.exists() else []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            bad += 1
    return entries, bad


def audit(
    args: argparse.Namespace, run_dir: Path, fleet: Fleet
) -> tuple[dict[str, Any], list[str]]:
    """The numbers of the run and every violation found."""
    import neps_like as neps

    root = run_dir / "study"
    trials = neps.load(root)
    numbers: dict[str, Any] = {
        "workers": args.workers,
        "trials": args.trials,
        "kills": len(fleet.killed),
        "workers started": fleet.started,
    }
    violations: list[str] = []
    for check in (_check_study, _check_journal, _check_side_log, _check_folders):
        found, problems = check(args, run_dir, trials, len(fleet.killed))
        numbers.update(found)
        violations += problems
    numbers["bad worker exits"] = len(fleet.bad_exits)
    if fleet.kill_times:
        numbers["last kill to completion (s)"] = round(fleet.ended - fleet.kill_times[-1], 2)
    numbers.update(_end_waits(run_dir))
    return numbers, violations + fleet.bad_exits


_WAITED = re.compile(rb"waited (\d+\.\d) s for trial\(s\) [^ ]+.*?\(taken over here: ([^)]*)\)")


def _end_waits(run_dir: Path) -> dict[str, Any]:
    """What the workers' last log lines say they waited for at the end of the study."""
    waits, taken = [], 0
    for log in sorted((run_dir / "logs").iterdir()):
        found = _WAITED.search(log.read_bytes())
        if found:
            waits.append(float(found.group(1)))
            taken += 0 if found.group(2) == b"none" else len(found.group(2).split(b","))
    return {
        "workers that waited at the end": len(waits),
        "longest wait at the end (s)": max(waits, default=0.0),
        "trials taken over while waiting": taken,
    }


Check = tuple[dict[str, Any], list[str]]


def _check_study(args: argparse.Namespace, run_dir: Path, trials: Any, kills: int) -> Check:
    violations = []
    counts = trials.counts()
    if counts != {"success": args.trials}:
        violations.append(f"state counts {counts}, expected {{'success': {args.trials}}}")
    unfinished = [t.id for t in trials.values() if t.state.value == "evaluating"]
    if unfinished:
        violations.append(f"trials left EVALUATING: {unfinished}")
    if sorted(trials, key=int) != [str(i) for i in range(1, len(trials) + 1)]:
        violations.append("trial ids are not 1..n without gaps")
    configs = Counter(tuple(sorted(t.config.items())) for t in trials.values())
    if max(configs.values(), default=1) > 1:
        violations.append(f"{sum(n > 1 for n in configs.values())} configs sampled twice")
    attempts = Counter(t.metadata.attempt for t in trials.values())
    return {
        "success": counts.get("success", 0),
        "other states": {k: v for k, v in counts.items() if k != "success"},
        "trials with attempt > 1": sum(n for a, n in attempts.items() if a > 1),
        "extra attempts (re-queues)": sum((a - 1) * n for a, n in attempts.items()),
        "max attempt": max(attempts, default=0),
        "WorkerLost records": sum(e.err_type == "WorkerLost" for e in trials.errors),
    }, violations


def _check_journal(args: argparse.Namespace, run_dir: Path, trials: Any, kills: int) -> Check:
    from neps_like.state.journal import Journal
    from neps_like.state.layout import Layout

    layout = Layout.at(run_dir / "study")
    journal = Journal(layout.journal_file, layout.quarantine_file, sync="none")
    records = journal.read_new()
    violations = [f"journal: {p.describe()}" for p in journal.problems]
    reported = Counter(
        r["trial"]["id"]
        for r in records
        if r.get("kind") == "trial" and r["trial"]["state"] == "success"
    )
    twice = sorted((t for t, n in reported.items() if n > 1), key=int)
    if twice:
        violations.append(f"trials reported SUCCESS more than once: {twice}")
    quarantine = layout.quarantine_file
    repaired = quarantine.read_bytes().count(b" torn tail of ") if quarantine.exists() else 0
    return {
        "journal records": len(records),
        "journal problems": len(journal.problems),
        "torn tails repaired": repaired,
        "torn tail left at end (bytes)": journal.torn_bytes,
    }, violations


def _check_side_log(args: argparse.Namespace, run_dir: Path, trials: Any, kills: int) -> Check:
    violations = []
    entries, bad_lines = read_side_log(run_dir / "side.log")
    logged = Counter(str(e["trial"]) for e in entries)
    success = {t.id for t in trials.values() if t.state.value == "success"}
    not_success = sum(n for t, n in logged.items() if t not in success)
    rerun = sum(n - 1 for n in logged.values() if n > 1)
    if not_success + rerun > kills:
        violations.append(
            f"{not_success} side-log entries are not SUCCESS trials and {rerun} evaluations "
            f"ran twice: more than one per kill ({kills} kills)"
        )
    unlogged = sorted(success - set(logged), key=int)
    if unlogged:
        violations.append(f"SUCCESS trials never evaluated (no side-log entry): {unlogged[:10]}")
    if bad_lines:
        violations.append(f"{bad_lines} unreadable side-log lines")
    return {
        "side-log entries": len(entries),
        "evaluations run twice": rerun,
        "side-log entries not SUCCESS": not_success,
        "SUCCESS without side-log entry": len(unlogged),
    }, violations


def _check_folders(args: argparse.Namespace, run_dir: Path, trials: Any, kills: int) -> Check:
    """Trial folders are mirrors written after the lock is released: they must parse, and
    may lag the journal (a worker killed between its report and its mirror write)."""
    from neps_like._errors import NepsLikeError
    from neps_like.state.layout import Layout
    from neps_like.state.trial_repo import TrialRepo

    layout = Layout.at(run_dir / "study")
    repo = TrialRepo(layout.root)
    unreadable, stale, missing = [], [], []
    for trial in trials.values():
        if not layout.trial_dir(trial.id).exists():
            missing.append(trial.id)  # folders are made for trials that need one
            continue
        if not layout.trial_metadata_file(trial.id).exists():
            stale.append(f"{trial.id} (no metadata.json yet, journal: {trial.state.value})")
            continue
        try:
            on_disk = repo.load_trial_from_disk(trial.id)
        except NepsLikeError as exc:
            unreadable.append(f"{trial.id}: {exc}")
            continue
        if on_disk.state is not trial.state:
            stale.append(f"{trial.id} ({on_disk.state.value}, journal: {trial.state.value})")
    violations = [f"unreadable trial folders: {unreadable[:5]}"] if unreadable else []
    return {
        "trial folders unreadable": len(unreadable),
        "trial folders missing": len(missing),
        "trial folders stale (mirror behind journal)": ", ".join(stale[:5]) or 0,
    }, violations


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_dir = Path(tempfile.mkdtemp(prefix="neps_like_chaos_", dir=args.workdir))
    keep = args.keep
    try:
        fleet, wall, timed_out = drive(args, run_dir)
        numbers, violations = audit(args, run_dir, fleet)
        if timed_out:
            violations.insert(0, f"timed out after {args.timeout:g} s")
        numbers = {
            "wall time (s)": round(wall, 2),
            "trials/s": round(numbers["success"] / wall, 1),
            **numbers,
        }
        print_table(args, numbers, violations)
        if args.json is not None:
            args.json.write_text(json.dumps({"numbers": numbers, "violations": violations}))
        keep = keep or bool(violations)
        return 1 if violations else 0
    finally:
        if keep:
            print(f"run directory kept: {run_dir}", file=sys.stderr)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)


def print_table(args: argparse.Namespace, numbers: dict[str, Any], violations: list[str]) -> None:
    print(
        f"chaos: {args.workers} workers, {args.trials} trials, SIGKILL every "
        f"{args.kill_every:g} s, eval {args.eval_seconds:g} s, lease grace "
        f"{'default' if args.grace is None else args.grace}, heartbeat "
        f"{'default' if args.heartbeat is None else args.heartbeat}"
    )
    width = max(len(k) for k in numbers)
    for key, value in numbers.items():
        print(f"  {key:<{width}}  {value}")
    if violations:
        print(f"VIOLATIONS ({len(violations)}):")
        for v in violations:
            print(f"  - {v}")
    else:
        print("OK: 0 lost, 0 duplicated, 0 unreadable")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == WORKER_FLAG:
        sys.exit(worker_main(sys.argv[2]))
    sys.exit(main())
