"""Ask-and-tell: drive a study from your own loop instead of ``run``.

Useful when evaluations happen elsewhere (another scheduler, a lab robot, a web service).
Any number of ``AskTell`` objects, in any processes, can share one study directory with
``run`` workers: asking claims a trial exactly as a worker does, telling reports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.api import requested_optimizer
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.runtime import arguments as args_mod
from neps_like.runtime.evaluation import parse_result
from neps_like.space import SearchSpace
from neps_like.state.layout import Layout
from neps_like.state.leases import Heartbeat, remove_lease
from neps_like.state.neps_state import NePSState
from neps_like.state.optimizer_info import OptimizerInfo
from neps_like.state.records import BudgetInfo, Report, Trial, TrialState


class AskTell:
    """``ask()`` for the next trial, ``tell(trial, result)`` when it is evaluated.

    It renews a worker lease from a background thread until ``close()`` (or the end of
    a ``with`` block), so trials it has out are not taken over by other workers.

    Example::

        with AskTell("results/at", {"x": Float(0, 1)}, optimizer="random_search") as study:
            trial = study.ask()
            study.tell(trial, trial.config["x"] ** 2)
    """

    def __init__(
        self,
        root_directory: str | Path,
        pipeline_space: Any = None,
        *,
        optimizer: Any = None,
        seed: int | None = None,
        evaluations_to_spend: int | None = None,
        worker_id: str | None = None,
        heartbeat_seconds: float = 5.0,
    ) -> None:
        space = SearchSpace.from_user(pipeline_space) if pipeline_space is not None else None
        if space is None:
            loaded = NePSState.create_or_load(root_directory, load_only=True)
            space = loaded.lock_and_get_search_space()
            if space is None:
                raise ArgumentError(f"The study in {root_directory} stores no search space.")
        build, spec = resolve_optimizer(
            requested_optimizer(Layout.at(root_directory), optimizer), space
        )
        env = args_mod.environment_settings()
        self.state = NePSState.create_or_load(
            root_directory,
            optimizer_info=OptimizerInfo(spec.name, spec.settings),
            pipeline_space=space,
            seed=seed,
            sync=env["sync"],
            lock_kind=env["lock_kind"],
        )
        self.space = space
        self.optimizer = build(self.state.seed)
        self.limits = BudgetInfo(max_evaluations=evaluations_to_spend)
        self.worker_id = self.state.lock_and_set_new_worker_id(worker_id)
        # Keep the lease alive while trials are out for evaluation, so that workers
        # sharing the study do not take them over.
        self._heartbeat = Heartbeat(
            self.state.layout.worker_file(self.worker_id), heartbeat_seconds
        )
        self._heartbeat.start()

    def close(self) -> None:
        """Stop renewing the lease (trials still asked are then recovered after the grace)."""
        self._heartbeat.stop()
        remove_lease(self.state.layout, self.worker_id)
        self.state.close()

    def __enter__(self) -> AskTell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(self) -> Trial | None:
        """Claim the next trial (pending first, else newly sampled); None when the budget
        is used up or the space is exhausted."""
        return self.state.lock_and_next_trial(
            self.optimizer, worker_id=self.worker_id, limits=self.limits
        ).trial

    def config(self, trial: Trial) -> dict[str, Any]:
        """The trial's config with dotted names nested back, as a function would get it."""
        return self.space.unflatten(trial.config)

    def tell(self, trial: Trial, result: Any) -> Trial:
        """Report what evaluating ``trial`` gave (anything an evaluation may return); an
        exception instance records the trial as FAILED."""
        if isinstance(result, BaseException):
            report = Report(objective_to_minimize=None, err=f"{type(result).__name__}: {result}")
            return self.state.lock_and_report_trial_evaluation(
                trial, report, worker_id=self.worker_id, state=TrialState.FAILED
            )
        return self.state.lock_and_report_trial_evaluation(
            trial, parse_result(result), worker_id=self.worker_id
        )
