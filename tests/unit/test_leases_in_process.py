"""Lease expiry, take-over and fencing in one process, in about a second.

The real-process crash tests (tests/crash/) stay; these give the same guarantees fast
feedback. A missed heartbeat is a lease file whose modification time lies in the past:
the tests set it with ``os.utime`` on the real file, the way a dead worker leaves it.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

import neps_like as neps
from neps_like._errors import StaleTrialError
from neps_like.optimizers.random_search import RandomSearch
from neps_like.state.leases import server_now, write_lease
from neps_like.state.neps_state import LeasePolicy, NePSState, NextTrial
from neps_like.state.optimizer_info import OptimizerInfo
from neps_like.state.records import BudgetInfo, Report, TrialState

SPACE = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)})
POLICY = LeasePolicy(grace=5.0, check_interval=0.0, max_retries=2)


def _state(root: Path) -> NePSState:
    return NePSState.create_or_load(
        root,
        optimizer_info=OptimizerInfo("random_search", {}),
        pipeline_space=SPACE,
        seed=1,
        sync="none",
    )


def _age_lease(state: NePSState, worker_id: str, seconds: float) -> None:
    """Make ``worker_id``'s last heartbeat ``seconds`` old on the file server's clock."""
    then = server_now(state.layout) - seconds
    os.utime(state.layout.worker_file(worker_id), (then, then))


def _claim(state: NePSState, worker_id: str) -> neps.Trial:
    nxt = state.lock_and_next_trial(
        RandomSearch(SPACE, seed=1), worker_id=worker_id, limits=BudgetInfo(max_evaluations=10)
    )
    assert nxt.trial is not None
    return nxt.trial


def test_an_expired_lease_is_taken_over_and_a_fresh_one_is_not(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    write_lease(a.layout, "wa")
    write_lease(b.layout, "wb")
    trial = _claim(a, "wa")

    _age_lease(a, "wa", POLICY.grace - 2)  # late, but within the grace period
    assert b.lock_and_recover_expired("wb", POLICY) == []
    assert b.lock_and_get_trial_by_id(trial.id).state is TrialState.EVALUATING

    _age_lease(a, "wa", POLICY.grace + 2)  # missed its heartbeats past the grace period
    recovered = b.lock_and_recover_expired("wb", POLICY)
    assert [(t.id, t.state) for t in recovered] == [(trial.id, TrialState.PENDING)]
    taken = _claim(b, "wb")
    assert (taken.id, taken.metadata.attempt, taken.metadata.evaluating_worker_id) == (
        trial.id,
        2,
        "wb",
    )
    with pytest.raises(StaleTrialError):
        a.lock_and_report_trial_evaluation(trial, Report(1.0), worker_id="wa")
    done = b.lock_and_report_trial_evaluation(taken, Report(2.0), worker_id="wb")
    assert done.state is TrialState.SUCCESS and done.report == Report(2.0)


def test_a_worker_cannot_report_its_own_previous_attempt(tmp_path: Path) -> None:
    """A worker paused past its lease (SIGSTOP, a stalled NFS client) may, once resumed,
    claim its own re-queued trial again: the outcome of the old attempt is refused even
    though the worker is the same; only the current attempt's is taken."""
    a = _state(tmp_path)
    write_lease(a.layout, "wa")
    first = _claim(a, "wa")
    _age_lease(a, "wa", POLICY.grace + 2)
    a.lock_and_recover_expired("wa", POLICY)
    again = _claim(a, "wa")
    assert (again.id, again.metadata.attempt) == (first.id, 2)
    with pytest.raises(StaleTrialError, match="attempt 1"):
        a.lock_and_report_trial_evaluation(first, Report(1.0), worker_id="wa")
    with pytest.raises(StaleTrialError):
        a.lock_and_requeue_trial(first, worker_id="wa", reason="old", max_retries=2)
    done = a.lock_and_report_trial_evaluation(again, Report(2.0), worker_id="wa")
    assert (done.state, done.report, done.metadata.attempt) == (
        TrialState.SUCCESS,
        Report(2.0),
        2,
    )


def test_past_max_retries_a_lost_trial_fails_instead_of_looping(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    write_lease(b.layout, "wb")
    trial = None
    for attempt in range(1, POLICY.max_retries + 2):  # type: ignore[operator]
        write_lease(a.layout, "wa")
        trial = _claim(a, "wa")
        assert trial.metadata.attempt == attempt
        _age_lease(a, "wa", POLICY.grace + 2)
        b.lock_and_recover_expired("wb", POLICY)
    assert trial is not None
    final = b.lock_and_get_trial_by_id(trial.id)
    assert final.state is TrialState.FAILED
    assert final.metadata.attempt == POLICY.max_retries + 1  # type: ignore[operator]


def test_a_recovered_trial_is_recorded_as_worker_lost_with_its_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    write_lease(a.layout, "wa")
    trial = _claim(a, "wa")
    _age_lease(a, "wa", 12)
    with caplog.at_level(logging.WARNING, logger="neps_like.state._maintenance"):
        b.lock_and_recover_expired("wb", POLICY)
    errors = list(b.lock_and_get_errors())
    assert [(e.worker_id, e.trial_id, e.err_type) for e in errors] == [
        ("wb", trial.id, "WorkerLost")
    ]
    reason = errors[0].err
    assert re.fullmatch(r"worker wa stopped renewing its lease \(1[23] s ago; grace 5 s\)", reason)
    assert caplog.messages == [f"Trial {trial.id} is now pending: {reason}"]


def test_without_a_lease_the_claims_folder_is_the_proof_of_life(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    a.use_trial_folders(for_claims=True)  # its evaluations get a folder at the claim
    trial = _claim(a, "wa")  # a worker without a lease file
    a.flush_mirrors()
    config_file = a.layout.trial_config_file(trial.id)
    assert config_file.is_file()
    assert b.lock_and_recover_expired("wb", POLICY) == []  # the folder is fresh
    then = server_now(a.layout) - POLICY.grace - 3
    os.utime(config_file, (then, then))
    recovered = b.lock_and_recover_expired("wb", POLICY)
    assert [(t.id, t.state) for t in recovered] == [(trial.id, TrialState.PENDING)]
    assert re.search(r"\([89] s ago; grace 5 s\)$", b.lock_and_get_errors().latest(1)[0].err)


def test_with_neither_lease_nor_folder_the_trial_is_recovered_at_once(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    trial = _claim(a, "wa")
    recovered = b.lock_and_recover_expired("wb", POLICY)
    assert [t.id for t in recovered] == [trial.id]
    assert b.lock_and_get_errors().latest(1)[0].err == (
        "worker wa stopped renewing its lease (no lease; grace 5 s)"
    )


def test_a_worker_out_of_budget_waits_for_a_silent_workers_trial(tmp_path: Path) -> None:
    """With the budget handed out, a worker waits while another worker's running trial
    has no proof of life: its lease must be renewed after this worker first looked."""
    policy = LeasePolicy(grace=60.0, check_interval=1e9, max_retries=2, heartbeat=5.0)
    a, b = _state(tmp_path), _state(tmp_path)
    write_lease(a.layout, "wa")
    trial = _claim(a, "wa")
    b.enable_lease_recovery(policy)  # a 60 s grace: nothing below is recovered
    limits = BudgetInfo(max_evaluations=1)

    def next_for_b() -> NextTrial:
        return b.lock_and_next_trial(RandomSearch(SPACE, seed=1), worker_id="wb", limits=limits)

    first = next_for_b()  # a fresh lease, but not renewed since b first looked
    assert (first.trial, first.should_wait, first.orphans) == (None, True, (trial.id,))
    renewed = server_now(a.layout) + 1.0  # a renewal after b's first look
    os.utime(a.layout.worker_file("wa"), (renewed, renewed))
    after = next_for_b()
    assert (after.trial, after.should_wait, after.orphans) == (None, False, ())
    assert after.stop_reason is not None
    _age_lease(a, "wa", policy.silent_after + 2)  # missed two heartbeats
    silent = next_for_b()
    assert (silent.should_wait, silent.orphans) == (True, (trial.id,))
