"""NePS's in-memory ``AskAndTell(optimizer)`` over an optimizer from ``neps.algorithms``.

No directory is involved: the trials live in ``.trials`` (id -> ``Trial``), as in NePS.
Ids follow neps_like's rule (``"1"``, ``"2"``, ...; a continuation of trial 3 to rung 2
is ``"3_2"``). For a study on disk that other workers share, use ``neps.AskTell``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping
from typing import Any

from neps_like._errors import ArgumentError, TrialNotFoundError
from neps_like.runtime.evaluation import parse_result
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState


class AskAndTell:
    """``ask()`` a trial from ``optimizer``, ``tell(trial, result)`` its result."""

    def __init__(self, optimizer: Any, worker_id: str | None = None) -> None:
        if not callable(optimizer):
            raise ArgumentError(
                "AskAndTell needs an optimizer, e.g. neps.algorithms.hyperband(space); got "
                f"{type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        self.worker_id = worker_id or f"{os.getpid()}-ask-and-tell"
        self.trials: dict[str, Trial] = {}

    def _next_id(self, sampled: SampledConfig) -> str:
        prev = sampled.previous_trial_id
        if prev is not None:
            if prev not in self.trials:
                raise TrialNotFoundError(
                    f"the optimizer continued trial {prev!r}, which AskAndTell never saw"
                )
            rung = sampled.rung
            if rung is None:
                rung = (self.trials[prev].metadata.rung or 0) + 1
            return f"{prev.split('_', 1)[0]}_{rung}"
        return str(1 + sum(1 for t in self.trials if "_" not in t))

    def ask(self, *, n: int | None = None, budget_info: BudgetInfo | None = None) -> Any:
        """The next trial (``n`` of them as a list when ``n`` is given)."""
        proposed = self.optimizer(self.trials, budget_info, n)
        batch = proposed if isinstance(proposed, list) else [proposed]
        now = time.time()
        out = []
        for sampled in batch:
            trial_id = self._next_id(sampled)
            meta = MetaData(
                time_sampled=now,
                sampling_worker_id=self.worker_id,
                previous_trial_id=sampled.previous_trial_id,
                evaluating_worker_id=self.worker_id,
                time_started=now,
                attempt=1,
                rung=sampled.rung,
            )
            trial = Trial(trial_id, dict(sampled.config), TrialState.EVALUATING, meta)
            self.trials[trial_id] = trial
            out.append(trial)
        return out if n is not None else out[0]

    def tell(self, trial: Trial | str, result: Any) -> Trial:
        """Record ``result`` (what an evaluation may return, or an exception) for ``trial``."""
        trial_id = trial if isinstance(trial, str) else trial.id
        if trial_id not in self.trials:
            raise TrialNotFoundError(f"AskAndTell has no trial {trial_id!r}")
        current = self.trials[trial_id]
        now = time.time()
        if isinstance(result, BaseException):
            report = Report(objective_to_minimize=None, err=repr(result))
            state = TrialState.FAILED
        else:
            report = parse_result(result)
            state = TrialState.SUCCESS
        report = dataclasses.replace(
            report, evaluation_duration=now - (current.metadata.time_started or now)
        )
        done = current.transition(state, report=report).with_metadata(time_ended=now)
        self.trials[trial_id] = done
        return done

    def tell_custom(
        self,
        *,
        config_id: str,
        config: Mapping[str, Any],
        result: Any,
        previous_trial_id: str | None = None,
        worker_id: str | None = None,
        **_metadata: Any,
    ) -> Trial:
        """Add a trial evaluated elsewhere (NePS's warm start)."""
        if config_id in self.trials:
            raise ArgumentError(f"Config id {config_id!r} already exists")
        now = time.time()
        meta = MetaData(
            time_sampled=now,
            sampling_worker_id=worker_id or self.worker_id,
            previous_trial_id=previous_trial_id,
            evaluating_worker_id=worker_id or self.worker_id,
            time_started=now,
            attempt=1,
            origin="imported",
        )
        self.trials[config_id] = Trial(config_id, dict(config), TrialState.EVALUATING, meta)
        return self.tell(config_id, result)
