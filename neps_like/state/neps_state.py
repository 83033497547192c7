"""``NePSState``: the façade every worker builds over a study directory.

Each ``lock_and_*`` method takes the state lock, reads only the journal records
appended since this process last looked (``_sync``), does its work on the in-memory
index, appends its own records durably, and releases. Work that does not need the lock
(snapshots, mirror files of trials this worker owns, expensive proposals) happens
outside it. The methods' names follow NePS's ``NePSState``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

from neps_like._errors import NePSError, SamplingExhausted, TrialNotFoundError
from neps_like.space import SearchSpace
from neps_like.state import path_checks, study_files
from neps_like.state._core import make_locker
from neps_like.state._maintenance import MaintenanceOps
from neps_like.state._reading import ReadingOps
from neps_like.state.err_dump import ErrorRecord
from neps_like.state.layout import Layout, is_valid_worker_id
from neps_like.state.leases import LeasePolicy, write_lease
from neps_like.state.locker import retry_if_lock_lost
from neps_like.state.optimizer_info import OptimizationState, OptimizerInfo
from neps_like.state.records import (
    BudgetInfo,
    Report,
    SampledConfig,
    Trial,
    TrialState,
)
from neps_like.state.sampling import NextTrial, Sampler
from neps_like.state.trial_repo import TrialWriteHint

logger = logging.getLogger(__name__)


class NePSState(ReadingOps, MaintenanceOps):
    """Shared view of one study directory; safe to build in any number of processes."""

    # -- creation ------------------------------------------------------------------------
    @classmethod
    def create_or_load(
        cls,
        path: str | Path,
        *,
        load_only: bool = False,
        optimizer_info: OptimizerInfo | None = None,
        optimizer_state: OptimizationState | None = None,
        pipeline_space: SearchSpace | None = None,
        seed: int | None = None,
        sync: str = "fdatasync",
        lock_timeout: float | None = None,
        lock_stats_path: Path | None = None,
        lock_kind: str | None = None,
    ) -> NePSState:
        """Create a study in ``path`` or load the one there.

        Safe when many processes call it at once on a missing or empty directory: one
        creates the study under the lock, the others load it.

        Raises:
            StudyMismatchError: the optimizer info, space or seed on disk differ.
            FileNotFoundError: ``load_only`` and there is no study at ``path``.
        """
        layout = Layout.at(path)
        path_checks.refuse_linked_folders(layout)  # a planted link: UnsafePathError
        if not layout.study_file.exists():
            if load_only:
                raise NePSError(
                    f"No neps_like study in {layout.root} (no {layout.study_file.name})."
                )
            _create(
                layout, lock_kind, seed=seed, optimizer_info=optimizer_info, space=pipeline_space
            )
        info = study_files.read_study_info(layout)
        study_files.check_seed(layout, info.seed, seed)
        stored_info = study_files.check_optimizer_info(layout, optimizer_info)
        stored_space = study_files.check_search_space(layout, pipeline_space)
        return cls(
            layout,
            info=info,
            space=pipeline_space if pipeline_space is not None else stored_space,
            optimizer_info=stored_info,
            optimizer_state=optimizer_state or OptimizationState(),
            sync=sync,
            lock_timeout=lock_timeout,
            lock_stats_path=lock_stats_path,
            lock_kind=lock_kind,
        )

    @overload
    def lock_and_sample_trial(self, optimizer: Any, *, worker_id: str, n: None = None) -> Trial: ...
    @overload
    def lock_and_sample_trial(self, optimizer: Any, *, worker_id: str, n: int) -> list[Trial]: ...
    @retry_if_lock_lost
    def lock_and_sample_trial(
        self, optimizer: Any, *, worker_id: str, n: int | None = None
    ) -> Trial | list[Trial]:
        """Sample ``n`` new trials (one when None); the first is claimed by ``worker_id``.

        No budget is checked here (the worker loop uses ``lock_and_next_trial``).
        """
        with self._locked():
            trials = self._sampler(worker_id).sample(optimizer, n or 1, BudgetInfo())
        return trials if n is not None else trials[0]

    @retry_if_lock_lost
    def lock_and_next_trial(
        self,
        optimizer: Any,
        *,
        worker_id: str,
        limits: BudgetInfo,
        batch_size: int = 1,
        wait_for_running: bool = False,
    ) -> NextTrial:
        """Claim the oldest pending trial, or sample new ones within the global budget.

        Returns a ``NextTrial`` holding the claimed trial, or why there is none (budget
        used up, sampling exhausted) and whether waiting could still give one.
        """
        outside = bool(getattr(optimizer, "compute_outside_lock", False))
        for _ in range(3 if outside else 1):
            with self._locked():
                self._recover_if_due(worker_id)
                sampler = self._sampler(worker_id)
                result = sampler.claim_pending() or self._check_budget(
                    sampler, limits, wait_for_running
                )
                if result is not None or not outside:
                    return result or sampler.sample_within(optimizer, limits, batch_size)
                view_len = len(self._repo)
                budget = sampler.budget_info(limits)
            # Expensive proposal on a consistent view, outside the lock: the view is our
            # own index, which nothing mutates until the next `_sync`.
            try:  # (the view once the release has applied the deferred records)
                trials = sampler.trials_for_optimizer()
                proposals = Sampler.propose(optimizer, trials, budget, batch_size)
            except SamplingExhausted as exc:
                return NextTrial(stop_reason=f"sampling exhausted: {exc}")
            with self._locked():
                sampler = self._sampler(worker_id)
                result = sampler.claim_pending() or self._check_budget(
                    sampler, limits, wait_for_running
                )
                if result is not None:
                    return result
                if len(self._repo) == view_len or not any(map(sampler.collides, proposals)):
                    return sampler.commit_proposals(proposals, limits, optimizer)
        with self._locked():  # contention kept invalidating our proposals: decide under lock
            return self._sampler(worker_id).sample_within(optimizer, limits, batch_size)

    # -- evaluating ----------------------------------------------------------------------
    @retry_if_lock_lost
    def lock_and_report_trial_evaluation(
        self,
        trial: Trial,
        report: Report,
        *,
        worker_id: str,
        state: TrialState | None = None,
        error: ErrorRecord | None = None,
    ) -> Trial:
        """Record the outcome of ``trial``'s current attempt.

        Raises:
            StaleTrialError: the attempt is no longer current (its lease was taken over),
                so the report is refused rather than overwrite the new attempt.
        """
        with self._locked():
            return self._report(trial, report, worker_id=worker_id, state=state, error=error)

    @retry_if_lock_lost
    def lock_and_report_and_next(
        self,
        trial: Trial,
        report: Report,
        *,
        worker_id: str,
        optimizer: Any,
        limits: BudgetInfo,
        batch_size: int = 1,
        wait_for_running: bool = False,
    ) -> tuple[Trial, NextTrial | None]:
        """Report ``trial`` and take the next one in the same lock hold and durable write.

        The worker loop's fast path: one lock acquisition and one sync per trial. The
        next trial is None when it needs an expensive proposal (``compute_outside_lock``);
        the caller then asks ``lock_and_next_trial``.
        """
        with self._locked(defer_outcomes=True):
            done = self._report(trial, report, worker_id=worker_id)
            self._recover_if_due(worker_id)
            sampler = self._sampler(worker_id)
            nxt = sampler.claim_pending() or self._check_budget(sampler, limits, wait_for_running)
            if nxt is not None and nxt.trial is None and self._deferral:
                # Stop or wait: decide on every outcome (waiting looks at running trials).
                self._apply_deferred()
                nxt = self._check_budget(sampler, limits, wait_for_running)
            if nxt is None and not getattr(optimizer, "compute_outside_lock", False):
                if getattr(optimizer, "uses_outcomes", True) or getattr(
                    optimizer, "uses_configs", True
                ):
                    self._apply_deferred()  # it reads what is deferred
                nxt = sampler.sample_within(optimizer, limits, batch_size)
        return done, nxt

    def _report(
        self,
        trial: Trial,
        report: Report,
        *,
        worker_id: str,
        state: TrialState | None = None,
        error: ErrorRecord | None = None,
    ) -> Trial:
        if state is None:
            usable = report.err is None and report.is_usable
            state = TrialState.SUCCESS if usable else TrialState.FAILED
        current = self._current_attempt(trial, worker_id)
        done = current.transition(
            state, report=report, metadata=replace(current.metadata, time_ended=time.time())
        )
        self._commit([done], mirrors=("metadata", "report"))
        if error is not None:
            self._record_error(error)
        return done

    @retry_if_lock_lost
    def lock_and_requeue_trial(
        self,
        trial: Trial,
        *,
        worker_id: str,
        reason: str,
        max_retries: int | None,
        error: ErrorRecord | None = None,
        report: Report | None = None,
    ) -> Trial:
        """Mark the current attempt CRASHED and queue another one, or FAILED past
        ``max_retries`` (None: always re-queue, e.g. after a preemption signal).

        Raises:
            StaleTrialError: ``worker_id`` no longer owns the trial's current attempt.
        """
        with self._locked():
            current = self._current_attempt(trial, worker_id)
            nxt = self._requeue(current, reason=reason, max_retries=max_retries, report=report)
            if error is not None:
                self._record_error(error)
        return nxt

    @retry_if_lock_lost
    def put_updated_trial(
        self, trial: Trial, *, hints: Sequence[TrialWriteHint] | TrialWriteHint | None = None
    ) -> None:
        """Record ``trial`` as the new version of its id (transition rules checked)."""
        with self._locked():
            current = self._repo.get(trial.id)
            if trial.state is not current.state:
                current.transition(trial.state)
            self._commit([trial], mirrors=_hints_tuple(hints))

    @retry_if_lock_lost
    def lock_and_record_error(self, error: ErrorRecord) -> None:
        with self._locked():
            self._record_error(error)

    # -- workers -------------------------------------------------------------------------
    @retry_if_lock_lost
    def lock_and_set_new_worker_id(self, worker_id: str | None = None) -> str:
        """Register a worker and return its id (a new unique one when None).

        Trials still EVALUATING under the same id belong to an earlier incarnation of
        this worker (killed, preempted, requeued by SLURM): they are re-queued at once,
        without waiting for their lease to expire, and this worker takes them first.

        Raises:
            NePSError: ``worker_id`` is not a portable file name.
        """
        if worker_id is None:
            worker_id = f"{socket.gethostname().split('.')[0]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        if not is_valid_worker_id(worker_id):
            raise NePSError(
                f"worker_id {worker_id!r} is not usable as a file name: use letters, digits "
                "and . _ @ + - (at most 128 characters, not starting with punctuation)."
            )
        with self._locked():
            record: dict[str, Any] = {
                "kind": "worker",
                "worker_id": worker_id,
                "time": time.time(),
                "host": socket.gethostname(),
                "pid": os.getpid(),
            }
            self._outbox.append(record)
            self._apply(record)
            policy = self._lease_policy
            for trial in self._repo.evaluating():
                if trial.metadata.evaluating_worker_id == worker_id:
                    reason = f"worker {worker_id} restarted while evaluating it"
                    outcome = self._requeue(
                        trial,
                        reason=reason,
                        max_retries=None if policy is None else policy.max_retries,
                    )
                    logger.warning("Trial %s is now %s: %s", trial.id, outcome.state.value, reason)
        write_lease(self.layout, worker_id)
        self.stop_on_replacement = True  # see ``StateCore._same_study_info``
        return worker_id

    def trial_directory(self, trial_id: str) -> Path:
        if trial_id not in self._repo:
            raise TrialNotFoundError(trial_id, root=self.path)
        return self.layout.trial_dir(trial_id)

    def flush_mirrors(self) -> None:
        """Wait until the trial folders reflect every record this process made."""
        self._mirrors.flush()

    def close(self) -> None:
        """Finish writing trial folders and flush lock statistics."""
        self._mirrors.flush()
        self._lock.flush_stats()

    def __enter__(self) -> NePSState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hints_tuple(
    hints: Sequence[TrialWriteHint] | TrialWriteHint | None,
) -> tuple[TrialWriteHint, ...]:
    if hints is None:
        return ("config", "metadata", "report")
    return (hints,) if isinstance(hints, str) else tuple(hints)


def _create(
    layout: Layout,
    lock_kind: str | None,
    *,
    seed: int | None,
    optimizer_info: OptimizerInfo | None,
    space: SearchSpace | None,
) -> None:
    from neps_like.state._fs import make_dirs

    make_dirs(layout.root)
    with make_locker(layout, lock_kind).lock():
        if layout.study_file.exists():
            return  # another worker created it while we waited for the lock
        study_files.write_study_files(
            layout,
            seed=seed if seed is not None else study_files.new_seed(),
            optimizer_info=optimizer_info,
            space=space,
        )


__all__ = ["LeasePolicy", "NePSState", "NextTrial", "SampledConfig"]
