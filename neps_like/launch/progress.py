"""The launcher's one-line view of a study: trials done/budget, best, live workers, errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neps_like._errors import NepsLikeError
from neps_like.analysis.results import load
from neps_like.state.records import TrialState

_DONE = {TrialState.SUCCESS, TrialState.FAILED, TrialState.PRUNED}


@dataclass(frozen=True)
class StudyProgress:
    done: int
    budget: int | None
    best: float | None
    live: int
    errors: int
    evaluating: int

    def line(self) -> str:
        total = "?" if self.budget is None else str(self.budget)
        best = "none yet" if self.best is None else f"{self.best:.6g}"
        return (
            f"trials {self.done}/{total} done, {self.evaluating} evaluating | best {best} | "
            f"live workers {self.live} | errors {self.errors}"
        )


def read_progress(root: Path, budget: int | None, *, live: int) -> StudyProgress:
    """Counts from the study's records; an empty progress while it does not exist yet."""
    try:
        results = load(root)
    except (OSError, NepsLikeError):
        return StudyProgress(0, budget, None, live, 0, 0)
    done = evaluating = 0
    for trial in results.values():
        if trial.state in _DONE:
            done += 1
        elif trial.state is TrialState.EVALUATING:
            evaluating += 1
    best_trial = results.best()
    best = None
    if best_trial is not None and best_trial.report is not None:
        value = best_trial.report.objective_to_minimize
        best = value if isinstance(value, (int, float)) else None
    return StudyProgress(done, budget, best, live, len(results.errors), evaluating)
