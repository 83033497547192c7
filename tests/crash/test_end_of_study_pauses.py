"""Other ends of a study, with real processes: a worker paused by the OS past its lease
(SIGSTOP, as a stalled NFS client or a suspended job is), and a worker whose wallclock
limit expires while a dead worker's trial still waits to be taken over.

Short leases (3 s grace) keep the tests quick; the mechanism is the one of the defaults.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

import neps_like as neps
from tests.crash.test_end_of_study import LEASES, Fleet, _states

pytestmark = pytest.mark.timeout(180)


def _success_records(root: Path) -> Counter[str]:
    """How many SUCCESS records each trial has in the journal (exactly one each, or a
    result was reported twice)."""
    counts: Counter[str] = Counter()
    for line in (root / "journal" / "events.log").read_bytes().splitlines():
        payload = line.split(b" ", 2)[2]
        record = json.loads(payload)
        trial = record.get("trial") or {}
        if record.get("kind") == "trial" and trial.get("state") == "success":
            counts[trial["id"]] += 1
    return counts


def _owner_pid(trial: neps.Trial) -> int:
    return int(str(trial.metadata.evaluating_worker_id).split("-")[-2])


def _wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_paused_past_its_lease_cannot_report_twice(tmp_path: Path) -> None:
    """Worker A is SIGSTOPped mid-trial for longer than the grace period; worker B takes
    the trial over and finishes the study. A is then resumed: its late report is refused
    (the trial has a new attempt), it writes nothing, and it exits cleanly. Every trial
    has exactly one SUCCESS record."""
    root = tmp_path / "study"
    fleet = Fleet(tmp_path, root, {"evaluations_to_spend": 5, "_sleep": 1.2, **LEASES})
    paused = None
    try:
        fleet.start()
        _wait_for(lambda: _states(root).get("evaluating"), 60)
        (first,) = [t for t in neps.load(root).values() if t.state.value == "evaluating"]
        (paused,) = [p for p in fleet.live if p.pid == _owner_pid(first)]
        paused.send_signal(signal.SIGSTOP)
        fleet.start()  # B: finds the lease stale once A misses its heartbeats
        _wait_for(lambda: _states(root) == {"success": 5}, 90)
        b = fleet.live[1]
        b.wait(timeout=30)
        paused.send_signal(signal.SIGCONT)
        paused.wait(timeout=60)
        fleet.reap()
    finally:
        if paused is not None and paused.poll() is None:
            paused.send_signal(signal.SIGCONT)
        fleet.close()
    assert _states(root) == {"success": 5}
    assert set(_success_records(root).values()) == {1}, _success_records(root)
    assert fleet.exit_codes() == [0, 0]
    trial = neps.load(root)[first.id]
    assert trial.metadata.attempt >= 2, "B ran the trial again as a new attempt"
    assert _owner_pid(trial) != paused.pid


def test_wallclock_expiry_leaves_a_dead_workers_trial_to_the_next_worker(
    tmp_path: Path,
) -> None:
    """Worker A is SIGKILLed mid-trial. Worker B, with max_wallclock_time_seconds=1, returns
    when its time is up rather than wait for A's lease (its limit wins over the end-of-study
    wait) and leaves the trial unfinished (pending, if B noticed the expired lease, or still
    evaluating); worker C, without a limit, takes it over once
    the lease expires and completes the budget."""
    root = tmp_path / "study"
    fleet = Fleet(tmp_path, root, {"evaluations_to_spend": 3, "_sleep": 1.0, **LEASES})
    try:
        fleet.start()
        _wait_for(lambda: _states(root).get("evaluating"), 60)
        assert fleet.kill_owner_of_a_running_trial()
        fleet.kwargs = {**fleet.kwargs, "max_wallclock_time_seconds": 1.0}
        started = time.monotonic()
        fleet.start()
        fleet.live[-1].wait(timeout=60)
        b_took = time.monotonic() - started
        fleet.reap()
        assert _states(root).get("success", 0) < 3, "B stopped at its limit, leaving A's trial"
        fleet.kwargs = {k: v for k, v in fleet.kwargs.items() if k != "max_wallclock_time_seconds"}
        fleet.start()
        fleet.live[-1].wait(timeout=90)
        fleet.reap()
    finally:
        fleet.close()
    assert _states(root) == {"success": 3}
    assert fleet.exit_codes() == [0, 0]
    # B's evaluations take 1 s each and its limit is 1 s: at most its start-up, one
    # evaluation and the check; not the 3 s grace on top (slack for a loaded machine).
    assert b_took < 1.0 + 1.0 + 3.0 + 8.0
    assert any("max_wallclock_time_seconds" in line for line in fleet.last_lines())
