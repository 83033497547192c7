"""Plumbing shared by the benchmark worker scripts.

Stdlib only: these scripts run under whichever interpreter the driver picks (our venv for
neps_like, a separate competitor venv for NePS and Optuna), so they must not import anything
from the benchmark driver or from our package.

Protocol with the driver (``benchmarks/_scenario.py``):

* ``<script> run --root R --trials T --index I --sync-dir D [--backend B]``: import and set up
  everything, touch ``D/ready_I``, block on one byte from stdin (the driver's start signal,
  written to every worker at the same instant), run the library's loop, and write
  ``D/result_I.json`` (objective-call timestamps and trial ids, CPU seconds of the run phase).
* ``<script> setup --root R [--backend B]`` (only for systems with ``needs_setup``): create the
  storage once before any worker starts, the way the library's documentation says to.
* ``<script> count --root R [--backend B]``: print one JSON line describing what the storage
  holds: ``{"total": n, "success_ids": [...], "states": {...}}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass
class Recorder:
    """Collects one ``(monotonic time, trial id)`` pair per objective call, in memory.

    Appending to a list costs well under a microsecond; the file is written once, at the end,
    so recording does not perturb what it measures.
    """

    calls: list[tuple[float, str]] = field(default_factory=list)

    def record(self, trial_id: object) -> None:
        self.calls.append((time.monotonic(), str(trial_id)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    run = sub.add_parser("run", help="run one benchmark worker")
    run.add_argument("--trials", type=int, required=True)
    run.add_argument("--index", type=int, required=True)
    run.add_argument("--sync-dir", type=Path, required=True)
    setup = sub.add_parser("setup", help="create the storage before the workers start")
    count = sub.add_parser("count", help="print what the storage holds, as JSON")
    for p in (run, setup, count):
        p.add_argument("--root", type=Path, required=True)
        p.add_argument("--backend", default="")
    return parser.parse_args(argv)


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_for_start(sync_dir: Path, index: int) -> float:
    """Signal readiness, then block until the driver releases every worker at once.

    Blocking on stdin instead of polling a file keeps N idle workers from burning the CPU that
    the slower ones still need for their imports. EOF without a byte means the driver is gone.
    """
    (sync_dir / f"ready_{index}").touch()
    if sys.stdin.buffer.read(1) != b"g":
        raise SystemExit("benchmark driver went away before the start signal")
    return time.monotonic()


def run_worker(args: argparse.Namespace, body: Callable[[Recorder], None]) -> None:
    """Run ``body`` between the start barrier and the end, and always write the result file."""
    recorder = Recorder()
    t_start = wait_for_start(args.sync_dir, args.index)
    cpu_start = cpu_seconds()
    error: str | None = None
    try:
        body(recorder)
    except BaseException as exc:
        error = repr(exc)
        raise
    finally:
        result: dict[str, Any] = {
            "index": args.index,
            "t_start": t_start,
            "t_end": time.monotonic(),
            "cpu_run_s": cpu_seconds() - cpu_start,
            "calls": recorder.calls,
            "error": error,
        }
        out = args.sync_dir / f"result_{args.index}.json"
        out.write_text(json.dumps(result), encoding="utf-8")


def print_count(total: int, success_ids: list[str], states: dict[str, int]) -> None:
    print(json.dumps({"total": total, "success_ids": success_ids, "states": states}))
