"""NePS's asynchronous evaluation: ``save_pipeline_results``.

An ``evaluate_pipeline`` that hands its work elsewhere (a cluster job, a queue) returns
``None``; the worker leaves that trial EVALUATING and goes on. When the work is done,
whoever holds the result calls ``save_pipeline_results(user_result, pipeline_id,
root_directory)``, which reports it as the worker would have.

The trial stays owned by the worker that handed it out. While no other worker runs on the
study, it waits for its result however long that takes; a worker that runs later treats
it as any trial whose worker stopped renewing its lease and re-queues it after
``lease_grace_seconds`` (see docs/migrating_from_neps.md).
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neps_like._errors import IllegalTransitionError, NepsLikeError, TrialNotFoundError
from neps_like.analysis.results import write_summary
from neps_like.runtime.evaluation import parse_result
from neps_like.state.neps_state import NePSState
from neps_like.state.records import Report, TrialState

logger = logging.getLogger(__name__)


def _report_of(user_result: Any) -> tuple[Report, TrialState | None]:
    """The report for ``user_result``; an ``exception`` in it makes the trial FAILED."""
    exc = user_result.get("exception") if isinstance(user_result, Mapping) else None
    if isinstance(user_result, BaseException):
        exc = user_result
    if exc is None:
        if isinstance(user_result, Mapping) and "exception" in user_result:
            user_result = {k: v for k, v in user_result.items() if k != "exception"}
        return parse_result(user_result), None
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    report = Report(objective_to_minimize=None, err=f"{type(exc).__name__}: {exc}", tb=tb)
    return report, TrialState.FAILED


def save_pipeline_results(
    user_result: Any,
    pipeline_id: str,
    root_directory: str | os.PathLike[str],
) -> None:
    """Record the result of trial ``pipeline_id``, whose evaluation returned None.

    Args:
        user_result: what the evaluation would have returned (a number, a list, a dict
            with ``objective_to_minimize``, ``cost``, ...; ``{"exception": exc}`` or the
            exception itself records a failure).
        pipeline_id: the trial id the evaluation received as ``pipeline_id``.
        root_directory: the study.

    Raises:
        TrialNotFoundError: no such trial.
        IllegalTransitionError: the trial is not waiting for a result (it has one, or it
            was re-queued).
    """
    report, state = _report_of(user_result)
    with NePSState.create_or_load(Path(root_directory), load_only=True) as study:
        trials = study.lock_and_read_trials()
        trial = trials.get(str(pipeline_id))
        if trial is None:
            raise TrialNotFoundError(f"The study in {root_directory} has no trial {pipeline_id!r}.")
        if trial.state is not TrialState.EVALUATING:
            raise IllegalTransitionError(
                f"Trial {pipeline_id!r} is {trial.state.value}, not waiting for a result.",
                trial_id=trial.id,
            )
        owner = trial.metadata.evaluating_worker_id or ""
        study.lock_and_report_trial_evaluation(trial, report, worker_id=owner, state=state)
        try:
            write_summary(study)
        except (OSError, NepsLikeError) as exc:  # a side dish: the result is recorded
            logger.warning("Could not update the summary of %s: %s", root_directory, exc)
