"""Maintenance while workers run (issue 12, defect 10): a rewound study stops its workers
with one error type, and a deleted lock file is re-created and shared again."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import neps_like as neps
from neps_like.state.rewind import rewind
from tests.hostile._world import make_world, start_worker, trial_records


def _wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _successes(study: Path) -> int:
    try:
        return neps.load(study).counts().get("success", 0)
    except Exception:
        return 0


def test_rewind_force_stops_a_running_worker_with_study_replaced(tmp_path: Path) -> None:
    """Slip: ``rewind --force`` while a worker evaluates; the worker used to crash with
    TrialNotFoundError or carry on in the rewound study. It must stop, saying the study
    was rewound (``StudyReplacedError``), and write nothing into the rewound study."""
    world = make_world(tmp_path)
    proc = start_worker(world, "function", evaluations_to_spend=500, _sleep=0.2)
    try:
        _wait_for(lambda: _successes(world.study) >= 3)
        rewind(world.study, 1, force=True)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "the study was replaced under this worker, which stopped" in err, err
    assert "rewound" in err, err
    assert "Traceback" not in err, "a clean stop: one log line, no traceback"
    assert proc.returncode == 0
    assert {r["trial"]["id"] for r in trial_records(world.study)} == {"1"}


def test_deleted_lock_file_is_recreated_and_workers_converge(tmp_path: Path) -> None:
    """Slip: ``.lock`` deleted by hand while workers run, then more workers start; workers
    used to lock different files, one died with LockLostError and left its trial
    EVALUATING. All must finish, with the budget exact and no trial left running."""
    world = make_world(tmp_path)
    budget, deletions = 150, 3
    procs: list[subprocess.Popen[str]] = []
    try:
        procs += [start_worker(world, "function", evaluations_to_spend=budget, _sleep=0.01)]
        _wait_for(lambda: _successes(world.study) >= 5)
        procs += [start_worker(world, "function", evaluations_to_spend=budget, _sleep=0.01)]
        for _ in range(deletions):
            (world.study / ".lock").unlink(missing_ok=True)
            procs += [start_worker(world, "function", evaluations_to_spend=budget, _sleep=0.01)]
            time.sleep(0.3)
        results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for (_, err), code in results:
        assert code == 0, err
        assert "LockLostError" not in err
    counts = neps.load(world.study).counts()
    assert set(counts) == {"success"}, counts  # nothing left EVALUATING or PENDING
    # Exact, but for one race per deletion: a worker that checked its lock file just
    # before it was deleted may append while a worker started meanwhile holds the new
    # one (a window of a few microseconds, wider when the machine is overloaded).
    assert budget <= counts["success"] <= budget + deletions, counts
    assert (world.study / ".lock").is_file()
