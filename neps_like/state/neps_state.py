"""``NePSState``: the façade every worker builds over a study directory.

Each ``lock_and_*`` method takes the state lock, reads only the journal records
appended since this process last looked (``_sync``), does its work on the in-memory
index, appends its own records durably, and releases. Work that does not need the lock
(snapshots, mirror files of trials this worker owns, expensive proposals) happens
outside it. The methods' names follow NePS's ``NePSState``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from neps_like._errors import NePSError, StaleTrialError, TrialNotFoundError
from neps_like.space import SearchSpace
from neps_like.state import study_files
from neps_like.state.err_dump import ErrDump, ErrorRecord, append_error, read_errors
from neps_like.state.journal import Journal, JournalReplaced
from neps_like.state.layout import Layout, is_valid_worker_id
from neps_like.state.leases import lease_age, server_now, write_lease
from neps_like.state.locker import FileLocker, probe_lock_kind
from neps_like.state.optimizer_info import OptimizationState, OptimizerInfo
from neps_like.state.records import BudgetInfo, Report, SampledConfig, Trial, TrialState
from neps_like.state.sampling import NextTrial, Sampler
from neps_like.state.snapshot import read_snapshot, snapshot_due, write_snapshot
from neps_like.state.trial_repo import TrialRepo, TrialWriteHint

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LeasePolicy:
    """How long a worker may go without a heartbeat before its trial is taken over."""

    grace: float = 60.0
    check_interval: float = 10.0
    max_retries: int | None = 2


class NePSState:
    """Shared view of one study directory; safe to build in any number of processes."""

    def __init__(
        self,
        layout: Layout,
        *,
        info: study_files.StudyInfo,
        space: SearchSpace | None,
        optimizer_info: OptimizerInfo | None,
        optimizer_state: OptimizationState,
        sync: str = "fdatasync",
        lock_timeout: float | None = None,
        lock_stats_path: Path | None = None,
        lock_kind: str | None = None,
    ) -> None:
        self.layout = layout
        self.path = layout.root
        self.seed = info.seed
        self._info = info
        self._space = space
        self._optimizer_info = optimizer_info
        self._optimizer_state = optimizer_state
        self._lock = _locker(layout, lock_kind, timeout=lock_timeout, stats_path=lock_stats_path)
        self._journal = Journal(layout.journal_file, layout.quarantine_file, sync=sync)
        self._repo = TrialRepo(
            layout.root,
            config_key=space.config_key if space is not None else None,
            fidelity_name=space.fidelity_name if space is not None else None,
        )
        self._workers: dict[str, Any] = {}
        self._snapshot_seq = 0
        self._snapshot_owed = False
        self._after_unlock: list[Callable[[], None]] = []
        self._outbox: list[dict[str, Any]] = []
        self._lease_policy: LeasePolicy | None = None
        self._next_recovery = 0.0
        with self._locked():
            pass

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

    # -- locking and syncing -------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock, starting from a fresh view; records made meanwhile are
        appended with a single durable write when the block ends, then side effects that
        need no lock (mirror files, a claimed snapshot) run after the release."""
        with self._lock.lock():
            self._sync()
            try:
                yield
            finally:
                self._flush()
        actions, self._after_unlock = self._after_unlock, []
        for action in actions:
            action()
        if self._snapshot_owed:
            self._snapshot_owed = False
            self._write_snapshot()

    def _flush(self) -> None:
        if not self._outbox:
            return
        records, self._outbox = self._outbox, []
        claim = snapshot_due(self._journal.seq + len(records) - self._snapshot_seq, len(self._repo))
        if claim:
            records.append({"kind": "snapshot_claim"})
        try:
            self._journal.append(records)
        except BaseException:
            # The index already holds these records: rebuild it from what is on disk.
            self._after_unlock.clear()
            self._reload()
            raise
        if claim:
            self._snapshot_seq = self._journal.seq
            self._snapshot_owed = True

    def _sync(self) -> None:
        try:
            records = self._journal.read_new()
        except JournalReplaced:
            logger.info(
                "Journal %s was replaced (repair or rewind); reloading.", self._journal.path
            )
            self._reload()
            return
        for record in records:
            self._apply(record)

    def _reload(self) -> None:
        self._info = study_files.read_study_info(self.layout)
        self._repo.clear()
        self._workers.clear()
        self._journal = Journal(
            self.layout.journal_file, self.layout.quarantine_file, sync=self._journal.sync
        )
        snap = read_snapshot(self.layout, self._info.journal_id)
        if snap is not None:
            for trial in snap.trials:
                self._repo.apply(trial)
            self._workers.update(snap.workers)
            self._journal.seek(snap.offset, snap.seq)
        self._snapshot_seq = self._journal.seq
        for record in self._journal.read_new():
            self._apply(record)

    def _apply(self, record: Mapping[str, Any]) -> None:
        kind = record.get("kind")
        if kind == "trial":
            self._repo.apply(Trial.from_dict(record["trial"]))
        elif kind == "worker":
            self._workers[str(record["worker_id"])] = dict(record)
        elif kind == "snapshot_claim":
            self._snapshot_seq = self._journal.seq
        elif kind == "optimizer_state":
            self._optimizer_state = OptimizationState.from_dict(record["state"])

    def _commit(
        self, trials: Sequence[Trial], *, mirrors: tuple[TrialWriteHint, ...] | None
    ) -> None:
        """Record ``trials`` (under the lock): into the index now, into the journal when
        the lock hold ends, into their folders after the lock is released."""
        for trial in trials:
            self._outbox.append({"kind": "trial", "trial": trial.to_dict()})
            self._repo.apply(trial)
            if mirrors and trial.state not in (TrialState.INVALID, TrialState.DUPLICATE):
                self._after_unlock.append(
                    lambda t=trial: self._repo.update_trial(t, hints=mirrors)  # type: ignore[misc]
                )

    def _write_snapshot(self) -> None:
        try:
            write_snapshot(
                self.layout,
                journal_id=self._info.journal_id,
                seq=self._journal.seq,
                offset=self._journal.offset,
                trials=self._repo.latest().values(),
                workers=self._workers,
                optimizer_state=self._optimizer_state.to_dict(),
            )
        except OSError as exc:  # a snapshot is only a cache: never fail a worker for it
            logger.warning("Could not write snapshot %s: %s", self.layout.snapshot_file, exc)

    # -- sampling ------------------------------------------------------------------------
    def _sampler(self, worker_id: str) -> Sampler:
        return Sampler(self._repo, self._space, worker_id=worker_id, commit=self._commit)

    @overload
    def lock_and_sample_trial(self, optimizer: Any, *, worker_id: str, n: None = None) -> Trial: ...
    @overload
    def lock_and_sample_trial(self, optimizer: Any, *, worker_id: str, n: int) -> list[Trial]: ...
    def lock_and_sample_trial(
        self, optimizer: Any, *, worker_id: str, n: int | None = None
    ) -> Trial | list[Trial]:
        """Sample ``n`` new trials (one when None); the first is claimed by ``worker_id``.

        No budget is checked here (the worker loop uses ``lock_and_next_trial``).
        """
        with self._locked():
            trials = self._sampler(worker_id).sample(optimizer, n or 1, BudgetInfo())
        return trials if n is not None else trials[0]

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
                result = sampler.claim_pending() or sampler.check_budget(limits, wait_for_running)
                if result is not None or not outside:
                    return result or sampler.sample_within(optimizer, limits, batch_size)
                view_len = len(self._repo)
                budget = sampler.budget_info(limits)
            # Expensive proposal on a consistent view, outside the lock: the view is our
            # own index, which nothing mutates until the next `_sync`.
            proposals = Sampler.propose(optimizer, self._repo.latest(), budget, batch_size)
            with self._locked():
                sampler = self._sampler(worker_id)
                result = sampler.claim_pending() or sampler.check_budget(limits, wait_for_running)
                if result is not None:
                    return result
                if len(self._repo) == view_len or not any(map(sampler.collides, proposals)):
                    return sampler.commit_proposals(proposals, limits, optimizer)
        with self._locked():  # contention kept invalidating our proposals: decide under lock
            return self._sampler(worker_id).sample_within(optimizer, limits, batch_size)

    # -- evaluating ----------------------------------------------------------------------
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
        with self._locked():
            done = self._report(trial, report, worker_id=worker_id)
            self._recover_if_due(worker_id)
            sampler = self._sampler(worker_id)
            nxt = sampler.claim_pending() or sampler.check_budget(limits, wait_for_running)
            if nxt is None and not getattr(optimizer, "compute_outside_lock", False):
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
        done = current.transition(state, report=report).with_metadata(time_ended=time.time())
        self._commit([done], mirrors=("metadata", "report"))
        if error is not None:
            append_error(self.layout.errors_file, error)
        return done

    def _current_attempt(self, trial: Trial, worker_id: str) -> Trial:
        """The trial's record if ``worker_id`` still owns its current attempt (fencing)."""
        current = self._repo.get(trial.id)
        meta = current.metadata
        if (
            current.state is not TrialState.EVALUATING
            or meta.evaluating_worker_id != worker_id
            or meta.attempt != trial.metadata.attempt
        ):
            raise StaleTrialError(
                f"Refusing the outcome of trial {trial.id} attempt {trial.metadata.attempt} "
                f"from worker {worker_id}: the trial is now {current.state.value}, attempt "
                f"{meta.attempt} of worker {meta.evaluating_worker_id}.",
                trial_id=trial.id,
            )
        return current

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
                append_error(self.layout.errors_file, error)
        return nxt

    # -- leases and recovery -----------------------------------------------------------
    def enable_lease_recovery(self, policy: LeasePolicy) -> None:
        """Re-queue trials of workers whose lease expired, checked every
        ``policy.check_interval`` seconds whenever this process takes the next trial."""
        self._lease_policy = policy

    def _recover_if_due(self, worker_id: str) -> list[Trial]:
        policy = self._lease_policy
        if policy is None or time.monotonic() < self._next_recovery:
            return []
        self._next_recovery = time.monotonic() + policy.check_interval
        return self._recover_expired(worker_id, policy)

    def lock_and_recover_expired(self, worker_id: str, policy: LeasePolicy) -> list[Trial]:
        """Re-queue (or fail, past ``max_retries``) every trial whose owner's lease expired."""
        with self._locked():
            return self._recover_expired(worker_id, policy)

    def _recover_expired(self, worker_id: str, policy: LeasePolicy) -> list[Trial]:
        running = self._repo.evaluating()
        if not running:
            return []
        now = server_now(self.layout)
        ages: dict[str, float | None] = {}
        recovered = []
        for trial in running:
            owner = trial.metadata.evaluating_worker_id or ""
            if owner not in ages:
                ages[owner] = lease_age(self.layout, owner, now)
            age = ages[owner]
            if age is None:  # no lease: judge by the claim's own mirror file, server-stamped
                age = _file_age(self.layout.trial_metadata_file(trial.id), now)
            if age is not None and age <= policy.grace:
                continue
            reason = (
                f"worker {owner} stopped renewing its lease "
                f"({'no lease' if age is None else f'{age:.0f} s ago'}; grace {policy.grace:g} s)"
            )
            recovered.append(self._requeue(trial, reason=reason, max_retries=policy.max_retries))
            append_error(
                self.layout.errors_file,
                ErrorRecord(time.time(), worker_id, trial.id, "WorkerLost", reason),
            )
            logger.warning("Re-queued trial %s: %s", trial.id, reason)
        return recovered

    def _requeue(
        self, current: Trial, *, reason: str, max_retries: int | None, report: Report | None = None
    ) -> Trial:
        """CRASHED, then PENDING for another attempt, or FAILED past ``max_retries``
        (None: always re-queue, for interruptions that are not the trial's fault)."""
        crashed = current.transition(
            TrialState.CRASHED, report=report or Report(objective_to_minimize=None, err=reason)
        ).with_metadata(time_ended=time.time())
        if max_retries is None or current.metadata.attempt <= max_retries:
            nxt = crashed.transition(TrialState.PENDING, report=None)
        else:
            nxt = crashed.transition(TrialState.FAILED)
        self._commit([nxt], mirrors=("metadata", "report"))
        return nxt

    def put_updated_trial(
        self, trial: Trial, *, hints: Sequence[TrialWriteHint] | TrialWriteHint | None = None
    ) -> None:
        """Record ``trial`` as the new version of its id (transition rules checked)."""
        with self._locked():
            current = self._repo.get(trial.id)
            if trial.state is not current.state:
                current.transition(trial.state)
            self._commit([trial], mirrors=_hints_tuple(hints))

    def lock_and_record_error(self, error: ErrorRecord) -> None:
        with self._locked():
            append_error(self.layout.errors_file, error)

    # -- workers -------------------------------------------------------------------------
    def lock_and_set_new_worker_id(self, worker_id: str | None = None) -> str:
        """Register a worker and return its id (a new unique one when None).

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
        write_lease(self.layout, worker_id)
        return worker_id

    # -- reading -------------------------------------------------------------------------
    def lock_and_read_trials(self) -> dict[str, Trial]:
        with self._locked():
            return dict(self._repo.latest())

    def lock_and_get_trial_by_id(self, trial_id: str) -> Trial:
        with self._locked():
            return self._repo.get(trial_id)

    def unsafe_retry_get_trial_by_id(self, trial_id: str) -> Trial:
        """The last trial record this process knows, without taking the lock."""
        return self._repo.get(trial_id)

    def all_trial_ids(self) -> list[str]:
        with self._locked():
            return self._repo.list_trial_ids()

    def lock_and_get_next_pending_trial(self) -> Trial | None:
        with self._locked():
            return self._repo.first_pending()

    def lock_and_get_current_evaluating_trials(self) -> list[Trial]:
        with self._locked():
            return self._repo.evaluating()

    def lock_and_get_errors(self) -> ErrDump:
        with self._locked():
            return read_errors(self.layout.errors_file)

    def lock_and_get_optimizer_info(self) -> OptimizerInfo | None:
        return self._optimizer_info

    def lock_and_get_optimizer_state(self) -> OptimizationState:
        with self._locked():
            return self._optimizer_state

    def lock_and_get_search_space(self) -> SearchSpace | None:
        return self._space

    def lock_and_get_workers(self) -> dict[str, Any]:
        with self._locked():
            return dict(self._workers)

    def budget_used(self, limits: BudgetInfo | None = None) -> BudgetInfo:
        """Budget used as of this process's last sync (no lock)."""
        return self._sampler("").budget_info(limits or BudgetInfo())

    @property
    def journal_problems(self) -> list[str]:
        return [p.describe() for p in self._journal.problems]

    def trial_directory(self, trial_id: str) -> Path:
        if trial_id not in self._repo:
            raise TrialNotFoundError(trial_id, root=self.path)
        return self.layout.trial_dir(trial_id)

    def close(self) -> None:
        """Flush lock statistics; the state holds no other open resources."""
        self._lock.flush_stats()


def _file_age(path: Path, now: float) -> float | None:
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return None


def _hints_tuple(
    hints: Sequence[TrialWriteHint] | TrialWriteHint | None,
) -> tuple[TrialWriteHint, ...]:
    if hints is None:
        return ("config", "metadata", "report")
    return (hints,) if isinstance(hints, str) else tuple(hints)


def _locker(layout: Layout, forced: str | None, **kwargs: Any) -> FileLocker:
    kind = probe_lock_kind(layout.lock_file, layout.lease_lock_marker, forced)
    return FileLocker(layout.lock_file, kind=kind, lease_path=layout.lease_lock_file, **kwargs)


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
    with _locker(layout, lock_kind).lock():
        if layout.study_file.exists():
            return  # another worker created it while we waited for the lock
        study_files.write_study_files(
            layout,
            seed=seed if seed is not None else study_files.new_seed(),
            optimizer_info=optimizer_info,
            space=space,
        )


__all__ = ["NePSState", "NextTrial", "SampledConfig"]
