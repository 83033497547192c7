"""One benchmark run: N worker processes released at the same instant on one fresh storage.

This module owns process handling for the benchmark driver: it starts the worker scripts in
``benchmarks/workers/`` (each in its own session, so a whole process group can be killed),
holds them at a barrier until every one has imported and set up, releases them together,
reaps every child even on error or timeout, and then asks the same interpreter to count what
the storage holds. It never imports the libraries under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKERS_DIR = Path(__file__).resolve().parent / "workers"
POLL_S = 0.005
HELPER_TIMEOUT_S = 600.0
LOG_TAIL_CHARS = 1500


@dataclass(frozen=True)
class System:
    """A library under test: which worker script runs it, with which storage backend."""

    name: str
    script: str
    backend: str = ""
    competitor: bool = True
    needs_setup: bool = False  # create the storage once before the workers (untimed)


SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System("neps_like", "neps_like_worker.py", competitor=False),
        # The objective also takes pipeline_directory: a trial folder and its three files
        # per trial, as NePS always writes.
        System("neps_like-folders", "neps_like_worker.py", backend="folders", competitor=False),
        System("neps", "neps_worker.py"),
        System("optuna-journal", "optuna_worker.py", backend="journal", needs_setup=True),
        # Optuna as it runs out of the box: its INFO line per finished trial on stderr.
        System("optuna-journal-log", "optuna_worker.py", backend="journal+log", needs_setup=True),
        System("optuna-sqlite", "optuna_worker.py", backend="sqlite", needs_setup=True),
    )
}


@dataclass(frozen=True)
class RunSpec:
    system: System
    python: str
    workers: int
    trials: int
    timeout_s: float
    workdir: Path


@dataclass
class RawRun:
    """Everything measured in one run, before any statistics."""

    system: str
    workers: int
    trials: int
    wall_s: float
    cpu_children_s: float
    exit_codes: list[int | None]
    timed_out: bool
    worker_results: list[dict[str, Any]]
    storage: dict[str, Any]
    lock_holds_s: list[float]
    busy_before: float  # cores busy with other work just before launch (skews results)
    log_tails: dict[int, str] = field(default_factory=dict)


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(window_s: float = 0.5) -> float:
    """How many cores other processes keep busy right now (a sample over ``window_s``).

    Unlike the load average this does not remember our own previous run. NaN off Linux.
    """
    try:
        busy0, total0 = _cpu_jiffies()
        time.sleep(window_s)
        busy1, total1 = _cpu_jiffies()
    except (OSError, ValueError, IndexError):
        return float("nan")
    share = (busy1 - busy0) / max(1, total1 - total0)
    return share * (os.cpu_count() or 1)


def children_cpu_s() -> float:
    """CPU seconds of all reaped descendants so far (imports and start-up included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker_command(spec: RunSpec, mode: str, root: Path) -> list[str]:
    cmd = [spec.python, str(WORKERS_DIR / spec.system.script), mode, "--root", str(root)]
    if spec.system.backend:
        cmd += ["--backend", spec.system.backend]
    return cmd


def launch(spec: RunSpec, root: Path, sync: Path) -> list[subprocess.Popen[bytes]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(spec.workers):
            procs.append(_launch_one(spec, root, sync, i))
    except BaseException:
        kill_all(procs)
        raise
    return procs


def _launch_one(spec: RunSpec, root: Path, sync: Path, index: int) -> subprocess.Popen[bytes]:
    cmd = worker_command(spec, "run", root)
    cmd += ["--trials", str(spec.trials), "--index", str(index), "--sync-dir", str(sync)]
    env = {**os.environ, "NEPS_LIKE_LOCK_STATS": str(sync / f"lock_{index}.txt")}
    with (sync / f"worker_{index}.log").open("wb") as log:
        # The child inherits the log descriptor; our copy can be closed right away.
        return subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def wait_ready(procs: list[subprocess.Popen[bytes]], sync: Path, deadline: float) -> None:
    """Wait until every worker that is still alive has touched its ready file."""
    waiting: list[int] = list(range(len(procs)))
    while time.monotonic() < deadline:
        waiting = [
            i
            for i, p in enumerate(procs)
            if p.poll() is None and not (sync / f"ready_{i}").exists()
        ]
        if not waiting:
            return
        time.sleep(POLL_S)
    raise TimeoutError(f"workers {waiting} not ready before the timeout")


def release(procs: list[subprocess.Popen[bytes]]) -> float:
    """Send the start byte to every worker back to back; return the release instant."""
    t0 = time.monotonic()
    for p in procs:
        if p.stdin is None:
            continue
        # A worker that died before the barrier has closed its end: nothing to release.
        with contextlib.suppress(BrokenPipeError, OSError):
            p.stdin.write(b"g")
            p.stdin.close()
    return t0


def reap(procs: list[subprocess.Popen[bytes]], deadline: float) -> bool:
    """Wait for every worker to exit; return True if the deadline passed first."""
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return True
    return False


def kill_all(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGKILL every worker's process group that is still running, then reap them all."""
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)
    for p in procs:
        if p.stdin is not None:
            with contextlib.suppress(OSError):
                p.stdin.close()
        p.wait()


def setup_storage(spec: RunSpec, root: Path) -> None:
    """Create the storage in one process first, for libraries whose docs ask for that."""
    if not spec.system.needs_setup:
        return
    proc = subprocess.run(
        worker_command(spec, "setup", root),
        capture_output=True,
        text=True,
        timeout=HELPER_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{spec.system.name} setup failed:\n{proc.stderr[-LOG_TAIL_CHARS:]}")


def count_storage(spec: RunSpec, root: Path) -> dict[str, Any]:
    """Ask the library (in a child process) what its storage holds after the run."""
    proc = subprocess.run(
        worker_command(spec, "count", root),
        capture_output=True,
        text=True,
        timeout=HELPER_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-LOG_TAIL_CHARS:], "total": 0, "success_ids": []}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def read_worker_results(sync: Path, n: int) -> list[dict[str, Any]]:
    results = []
    for i in range(n):
        path = sync / f"result_{i}.json"
        if path.exists():
            results.append(json.loads(path.read_text(encoding="utf-8")))
    return results


def read_lock_holds(sync: Path) -> list[float]:
    holds: list[float] = []
    for path in sorted(sync.glob("lock_*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                holds.append(float(line))
    return holds


def failed_log_tails(procs: list[subprocess.Popen[bytes]], sync: Path) -> dict[int, str]:
    tails = {}
    for i, p in enumerate(procs):
        if p.returncode != 0:
            text = (sync / f"worker_{i}.log").read_text(encoding="utf-8", errors="replace")
            tails[i] = text[-LOG_TAIL_CHARS:]
    return tails


def settle_disk(pause_s: float = 0.5) -> None:
    """Write back what earlier runs left dirty (NePS leaves thousands of files, and the
    driver deletes every run directory), so no run pays for its predecessor's I/O."""
    os.sync()
    time.sleep(pause_s)


def run_scenario(spec: RunSpec) -> RawRun:
    """Run N workers of one system against a fresh storage under ``spec.workdir``."""
    root, sync = spec.workdir / "root", spec.workdir / "sync"
    sync.mkdir(parents=True)
    setup_storage(spec, root)
    settle_disk()
    busy_before = busy_cores()
    deadline = time.monotonic() + spec.timeout_s
    cpu_before = children_cpu_s()
    procs = launch(spec, root, sync)
    timed_out = False
    try:
        wait_ready(procs, sync, deadline)
        t0 = release(procs)
        timed_out = reap(procs, deadline)
        wall = time.monotonic() - t0
    except TimeoutError:
        timed_out, wall = True, float("nan")
    finally:
        kill_all(procs)
    return RawRun(
        system=spec.system.name,
        workers=spec.workers,
        trials=spec.trials,
        wall_s=wall,
        cpu_children_s=children_cpu_s() - cpu_before,
        exit_codes=[p.returncode for p in procs],
        timed_out=timed_out,
        worker_results=read_worker_results(sync, spec.workers),
        storage=count_storage(spec, root),
        lock_holds_s=read_lock_holds(sync),
        busy_before=busy_before,
        log_tails=failed_log_tails(procs, sync),
    )
