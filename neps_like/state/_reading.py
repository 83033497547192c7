"""The read-only operations of ``NePSState``: trials, errors, workers and settings as
this process sees them (``lock_and_*``: after reading what others appended)."""

from __future__ import annotations

from typing import Any

from neps_like.space import SearchSpace
from neps_like.state._core import StateCore
from neps_like.state.err_dump import ErrDump, read_errors
from neps_like.state.optimizer_info import OptimizationState, OptimizerInfo
from neps_like.state.records import BudgetInfo, Trial


class ReadingOps(StateCore):
    """Reading a study: each ``lock_and_*`` method syncs first; the others answer from
    what this process last saw."""

    @property
    def journal_position(self) -> str:
        """The journal and last record this process has seen: ``"<journal id> <seq>"``."""
        return f"{self._info.journal_id} {self._journal.seq}"

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

    def best_so_far(self) -> tuple[float, str] | None:
        """(objective, trial id) of the best single-objective success, as of the last sync."""
        return self._repo.best

    def budget_used(self, limits: BudgetInfo | None = None) -> BudgetInfo:
        """Budget used as of this process's last sync (no lock)."""
        return self._sampler("").budget_info(limits or BudgetInfo())
