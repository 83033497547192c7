"""Fencing and re-queueing of a trial's attempt: the two rules every outcome of an
evaluation goes through, on top of ``StateCore``'s index and commits."""

from __future__ import annotations

import time

from neps_like._errors import StaleTrialError
from neps_like.state._core import StateCore
from neps_like.state.records import Report, Trial, TrialState


class AttemptOps(StateCore):
    """Which attempt of a trial is current, and what happens to one that ends early."""

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

    def _requeue(
        self, current: Trial, *, reason: str, max_retries: int | None, report: Report | None = None
    ) -> Trial:
        """CRASHED, then PENDING for another attempt, or FAILED past ``max_retries``
        (None: always re-queue, for interruptions that are not the trial's fault)."""
        interrupted = current.metadata.interrupted + (max_retries is None)
        crashed = current.transition(
            TrialState.CRASHED, report=report or Report(objective_to_minimize=None, err=reason)
        ).with_metadata(time_ended=time.time(), interrupted=interrupted)
        # Attempts lost to interruptions (preemption, stop signals) are not the trial's
        # fault and do not count against max_retries.
        if max_retries is None or current.metadata.attempt - interrupted <= max_retries:
            nxt = crashed.transition(TrialState.PENDING, report=None)
        else:
            nxt = crashed.transition(TrialState.FAILED)
        self._commit([nxt], mirrors=("metadata", "report"))
        return nxt
