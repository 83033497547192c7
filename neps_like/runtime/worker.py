"""The worker loop: take the next trial (pending or newly sampled), evaluate, report.

Owns the stopping rules and the error policy. Everything shared goes through
``NePSState``; a worker keeps no state that another worker would need.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from neps_like._errors import StaleTrialError, StudyReplacedError, UnsafePathError
from neps_like.runtime.control import RequestWatcher, TrialControlled
from neps_like.runtime.current import evaluating
from neps_like.runtime.end_wait import EndWait
from neps_like.runtime.evaluation import Outcome
from neps_like.runtime.progress import Progress
from neps_like.runtime.signals import StopRequest, WorkerInterrupted
from neps_like.space import SearchSpace
from neps_like.state.err_dump import ErrorRecord
from neps_like.state.layout import TrialFiles
from neps_like.state.neps_state import NePSState, NextTrial
from neps_like.state.records import BudgetInfo, Report, Trial, TrialState
from neps_like.state.requests import clear_request, read_request
from neps_like.state.trial_repo import TrialFolders

logger = logging.getLogger(__name__)

OnError = Literal["raise", "ignore", "retry"]

# What ``delete_checkpoints`` keeps in a finished trial's directory: neps_like's own files.
KEPT_FILES = TrialFiles.OWN


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """When a worker stops and what it does with failures."""

    limits: BudgetInfo = field(default_factory=BudgetInfo)
    max_evaluations_per_run: int | None = None
    max_cost_per_run: float | None = None  # NePS 0.17's worker_cost_to_spend
    max_fidelity_per_run: float | None = None  # NePS 0.17's worker_fidelities_to_spend
    max_wallclock_time_seconds: float | None = None
    continue_until_max_evaluation_completed: bool = False
    on_error: OnError = "raise"
    max_retries: int = 2
    objective_value_on_error: float | None = None
    cost_value_on_error: float | None = None
    batch_size: int = 1
    poll_interval: float = 0.5
    delete_checkpoints: bool = False
    trial_folders: TrialFolders = "auto"


@dataclass(slots=True)
class WorkerSummary:
    """What one worker did, for the caller and the log."""

    worker_id: str
    evaluated: int = 0
    failed: int = 0
    cost_spent: float = 0.0
    fidelities_spent: float = 0.0
    awaiting: int = 0  # handed elsewhere: results come through save_pipeline_results
    stop_reason: str = ""
    # The study was rewound, or deleted and created again, under this worker: it stopped
    # without writing to the new study (its claimed trial belonged to the old one).
    study_replaced: bool = False


Evaluator = Callable[..., Outcome]


class Worker:
    """One process's loop over a shared study."""

    def __init__(
        self,
        state: NePSState,
        optimizer: Any,
        evaluator: Evaluator,
        settings: WorkerSettings,
        *,
        worker_id: str,
        space: SearchSpace | None,
        stop: StopRequest | None = None,
    ) -> None:
        self.state = state
        self.optimizer = optimizer
        self.evaluator = evaluator
        self.settings = settings
        self.worker_id = worker_id
        self.space = space
        self.summary = WorkerSummary(worker_id)
        self.stop = stop or StopRequest()
        self.progress = Progress(worker_id)
        self._watcher = RequestWatcher()
        self._end_wait = EndWait()
        self._needs_directory = (
            getattr(evaluator, "needs_directory", True) or settings.trial_folders == "always"
        )
        state.use_trial_folders(settings.trial_folders, for_claims=self._needs_directory)

    def run(self) -> WorkerSummary:
        """Evaluate trials until a stopping rule holds; returns what was done."""
        started = time.monotonic()
        try:
            reason = self._loop(started)
        except StudyReplacedError as exc:
            self.summary.study_replaced = True
            reason = f"the study was replaced under this worker, which stopped: {exc}"
        return self._finish(reason)

    def _loop(self, started: float) -> str:
        nxt: NextTrial | None = None
        while True:
            reason = self._local_stop(started)
            if reason is not None:
                break
            if nxt is None:
                nxt = self._next_trial()
            if nxt.trial is None:
                reason = nxt.stop_reason or "nothing to do"
                if nxt.should_wait:
                    self._end_wait.waiting(nxt.orphans)
                    nxt = None
                    time.sleep(self.settings.poll_interval)
                    continue
                break
            self._end_wait.took(nxt.trial.id)
            with evaluating(self.state, nxt.trial):  # for neps.tblogger
                nxt = self._evaluate(nxt.trial, started)
        return reason

    def _finish(self, reason: str) -> WorkerSummary:
        self.progress.close()
        self._watcher.close()
        self.summary.stop_reason = reason + self._end_wait.describe()
        logger.log(
            logging.WARNING if self.summary.study_replaced else logging.INFO,
            "Worker %s stops after %d evaluations: %s",
            self.worker_id,
            self.summary.evaluated,
            self.summary.stop_reason,
            extra={"worker_id": self.worker_id},
        )
        return self.summary

    def _next_trial(self) -> NextTrial:
        return self.state.lock_and_next_trial(
            self.optimizer,
            worker_id=self.worker_id,
            limits=self.settings.limits,
            batch_size=self.settings.batch_size,
            wait_for_running=self.settings.continue_until_max_evaluation_completed,
        )

    def _show(self, current: str | None) -> None:
        if not self.progress.enabled:
            return
        used = self.state.budget_used(self.settings.limits)
        self.progress.update(used, self.state.best_so_far(), current)

    def _local_stop(self, started: float) -> str | None:
        if self.stop.requested:
            return self.stop.reason
        s = self.settings
        if (
            s.max_evaluations_per_run is not None
            and self.summary.evaluated >= s.max_evaluations_per_run
        ):
            return f"max_evaluations_per_run={s.max_evaluations_per_run} reached"
        if s.max_cost_per_run is not None and self.summary.cost_spent >= s.max_cost_per_run:
            return f"worker_cost_to_spend={s.max_cost_per_run} reached"
        if (
            s.max_fidelity_per_run is not None
            and self.summary.fidelities_spent >= s.max_fidelity_per_run
        ):
            return f"worker_fidelities_to_spend={s.max_fidelity_per_run} reached"
        if (
            s.max_wallclock_time_seconds is not None
            and time.monotonic() - started >= s.max_wallclock_time_seconds
        ):
            return f"max_wallclock_time_seconds={s.max_wallclock_time_seconds} reached"
        return None

    def _evaluate(self, trial: Trial, started: float) -> NextTrial | None:
        """Evaluate and report ``trial``; returns the next trial when it came with the report."""
        layout = self.state.layout
        prev = trial.metadata.previous_trial_id
        config = (
            self.space.unflatten(trial.config) if self.space is not None else dict(trial.config)
        )
        logger.info(
            "Worker %s evaluates trial %s",
            self.worker_id,
            trial.id,
            extra={"worker_id": self.worker_id, "trial_id": trial.id},
        )
        self._show(trial.id)
        control = layout.trial_control_file(trial.id)
        if prev is None and trial.metadata.attempt > 1:
            prev_dir: Path | None = layout.trial_dir(trial.id)  # resume from own checkpoints
        else:
            prev_dir = None if prev is None else layout.trial_dir(prev)
        folder = layout.trial_dir(trial.id)
        try:
            if self._needs_directory:
                # Normally made when the trial was claimed (best effort); this also
                # refuses a folder, or a previous one, that is a planted link.
                self.state.make_trial_folder(trial.id)
                if prev_dir is not None:
                    self.state.check_trial_folder(prev_dir.name)
        except UnsafePathError as exc:
            self._refuse_unsafe_folder(trial, exc)
            return None
        kwargs: dict[str, Any] = {
            "pipeline_directory": folder,
            "previous_pipeline_directory": prev_dir,
            "pipeline_id": trial.id,
            "objective_value_on_error": self.settings.objective_value_on_error,
            "cost_value_on_error": self.settings.cost_value_on_error,
        }
        watches = getattr(self.evaluator, "watches_requests", False)
        if watches:
            kwargs["should_stop"] = lambda: read_request(control)
        try:
            with (
                self.stop.evaluation(),
                contextlib.nullcontext() if watches else self._watcher.watching(control),
            ):
                outcome = self.evaluator(config, **kwargs)
        except WorkerInterrupted as exc:
            self._requeue_interrupted(trial, str(exc))
            return None
        except TrialControlled as exc:
            self._finish_on_request(trial, exc.action)
            return None
        finally:
            clear_request(control)
        if outcome.awaiting:
            self.summary.awaiting += 1
            logger.info(
                "Trial %s: the evaluation returned None; it stays evaluating until its "
                "result is saved with neps_like.save_pipeline_results(result, %r, root).",
                trial.id,
                trial.id,
            )
            return None
        self.summary.evaluated += 1
        self._count_spent(trial, outcome.report)
        if outcome.exception is not None:
            self._handle_failure(trial, outcome)
            return None
        try:
            if self._local_stop(started) is not None:  # do not claim a trial we would not run
                self.state.lock_and_report_trial_evaluation(
                    trial, outcome.report, worker_id=self.worker_id
                )
                return None
            _, nxt = self.state.lock_and_report_and_next(
                trial,
                outcome.report,
                worker_id=self.worker_id,
                optimizer=self.optimizer,
                limits=self.settings.limits,
                batch_size=self.settings.batch_size,
                wait_for_running=self.settings.continue_until_max_evaluation_completed,
            )
        except StaleTrialError as exc:
            self._drop_stale(exc)
            return None
        self._delete_checkpoints(trial)
        return nxt

    def _count_spent(self, trial: Trial, report: Report | None) -> None:
        """This worker's own cost and fidelity spending (per-worker budgets)."""
        if report is not None and report.cost is not None:
            self.summary.cost_spent += float(report.cost)
        name = None if self.space is None else self.space.fidelity_name
        value = None if name is None else trial.config.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.summary.fidelities_spent += float(value)

    def _delete_checkpoints(self, trial: Trial) -> None:
        """With ``delete_checkpoints``, remove what the evaluation wrote in the directory of
        a finished trial, keeping neps_like's records and the logs."""
        if self.settings.delete_checkpoints:
            self.state.remove_checkpoints(trial.id, keep=KEPT_FILES)

    def _refuse_unsafe_folder(self, trial: Trial, exc: UnsafePathError) -> None:
        """The trial's folder is a planted link (or similar): it is not evaluated there,
        nor anywhere; it ends FAILED with the reason and this worker carries on."""
        logger.warning(
            "Trial %s not evaluated: %s",
            trial.id,
            exc,
            extra={"worker_id": self.worker_id, "trial_id": trial.id},
        )
        error = ErrorRecord(time.time(), self.worker_id, trial.id, "UnsafePathError", str(exc))
        report = Report(objective_to_minimize=None, err=f"UnsafePathError: {exc}")
        try:
            self.state.lock_and_report_trial_evaluation(
                trial, report, worker_id=self.worker_id, state=TrialState.FAILED, error=error
            )
        except StaleTrialError as stale:
            self._drop_stale(stale)

    def _finish_on_request(self, trial: Trial, action: str) -> None:
        """End the trial as asked: PRUNED for a stop, PAUSED (directory kept) for a pause."""
        state = TrialState.PRUNED if action == "stop" else TrialState.PAUSED
        report = Report(objective_to_minimize=None, err=f"{action} requested")
        try:
            self.state.lock_and_report_trial_evaluation(
                trial, report, worker_id=self.worker_id, state=state
            )
        except StaleTrialError as exc:
            self._drop_stale(exc)
            return
        logger.info(
            "Trial %s %s on request",
            trial.id,
            state.value,
            extra={"worker_id": self.worker_id, "trial_id": trial.id},
        )

    def _requeue_interrupted(self, trial: Trial, reason: str) -> None:
        """Give the trial back (directory and checkpoints kept) after a stop signal."""
        try:
            self.state.lock_and_requeue_trial(
                trial, worker_id=self.worker_id, reason=reason, max_retries=None
            )
            logger.warning(
                "Trial %s re-queued: %s",
                trial.id,
                reason,
                extra={"worker_id": self.worker_id, "trial_id": trial.id},
            )
        except StaleTrialError as exc:
            self._drop_stale(exc)

    def _drop_stale(self, exc: StaleTrialError) -> None:
        # Our lease lapsed (a stall, a suspended process) and another worker took over:
        # its attempt is the one that counts.
        logger.warning("%s", exc, extra={"worker_id": self.worker_id, "trial_id": exc.trial_id})

    def _handle_failure(self, trial: Trial, outcome: Outcome) -> None:
        exc = outcome.exception
        if exc is None:
            return
        self.summary.failed += 1
        error = ErrorRecord(
            time=time.time(),
            worker_id=self.worker_id,
            trial_id=trial.id,
            err_type=type(exc).__name__,
            err=str(exc),
            tb=outcome.report.tb,
        )
        logger.warning(
            "Trial %s failed in worker %s: %s",
            trial.id,
            self.worker_id,
            outcome.report.err,
            extra={"worker_id": self.worker_id, "trial_id": trial.id},
        )
        s = self.settings
        try:
            if s.on_error == "retry":
                self.state.lock_and_requeue_trial(
                    trial,
                    worker_id=self.worker_id,
                    reason=outcome.report.err or "",
                    max_retries=s.max_retries,
                    error=error,
                    report=outcome.report,
                )
                return
            self.state.lock_and_report_trial_evaluation(
                trial,
                outcome.report,
                worker_id=self.worker_id,
                state=TrialState.FAILED,
                error=error,
            )
        except StaleTrialError as stale:
            self._drop_stale(stale)
            return
        self._delete_checkpoints(trial)
        substituted = s.objective_value_on_error is not None or s.cost_value_on_error is not None
        if s.on_error == "raise" and not substituted:
            raise exc
