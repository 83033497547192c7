"""The incumbent trace: best objective so far, cumulative cost and wall time per evaluation.

This module owns turning a study's trials into a trace ordered by ``time_ended``. It reads
only ``Results`` (never the files of a study) and imports neither matplotlib nor pandas.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.analysis.results import Results, load
from neps_like.state.records import Trial, TrialState

#: What the analysis functions accept for one study: loaded results or the root directory.
StudyLike = Results | str | os.PathLike[str]


def as_results(study: StudyLike) -> Results:
    """``study`` itself when it is already loaded, else ``load(study)``."""
    if isinstance(study, Results):
        return study
    return load(Path(study))


def objective_of(trial: Trial, objective: int | None = None) -> float | None:
    """The objective value of a successful trial, or None when it has no usable one.

    Args:
        trial: any trial.
        objective: which objective of a multi-objective report; None means "the only one".

    Raises:
        ArgumentError: ``objective`` is None and the trial reports several objectives, or
            the index is out of range.
    """
    report = trial.report
    if trial.state is not TrialState.SUCCESS or report is None or not report.is_usable:
        return None
    values = report.objectives or []
    if objective is None:
        if len(values) != 1:
            raise ArgumentError(
                f"Trial {trial.id} reports {len(values)} objectives; pass objective=<index> "
                "to choose one."
            )
        return values[0]
    if not -len(values) <= objective < len(values):
        raise ArgumentError(
            f"objective={objective} is out of range: trial {trial.id} reports "
            f"{len(values)} objective(s)."
        )
    return values[objective]


@dataclass(frozen=True, slots=True)
class IncumbentTrace:
    """One entry per finished evaluation, in the order the evaluations ended.

    Attributes:
        trial_ids: the trial of each evaluation.
        objectives: its objective (None when it failed or has no usable value).
        incumbent: the best objective among evaluations up to and including this one
            (``inf`` until the first success).
        incumbent_ids: the trial holding that best value (None before the first success).
        cumulative_cost: sum of reported costs so far (a missing cost counts as 0).
        wall_time: seconds from the study's first sampling to this evaluation's end.
    """

    trial_ids: tuple[str, ...]
    objectives: tuple[float | None, ...]
    incumbent: tuple[float, ...]
    incumbent_ids: tuple[str | None, ...]
    cumulative_cost: tuple[float, ...]
    wall_time: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.trial_ids)

    def x(self, axis: str) -> tuple[float, ...]:
        """The x values for ``axis``: "evaluations" (1, 2, ...), "cost" or "time".

        Raises:
            ArgumentError: an unknown axis name.
        """
        if axis == "evaluations":
            return tuple(float(i) for i in range(1, len(self) + 1))
        if axis == "cost":
            return self.cumulative_cost
        if axis == "time":
            return self.wall_time
        raise ArgumentError(f"Unknown x axis {axis!r}: use 'evaluations', 'cost' or 'time'.")

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per evaluation (for CSV, JSON or a DataFrame)."""
        return [
            {
                "evaluation": i + 1,
                "trial_id": self.trial_ids[i],
                "objective_to_minimize": self.objectives[i],
                "incumbent": None if math.isinf(self.incumbent[i]) else self.incumbent[i],
                "incumbent_trial_id": self.incumbent_ids[i],
                "cumulative_cost": self.cumulative_cost[i],
                "wall_time": self.wall_time[i],
            }
            for i in range(len(self))
        ]


def evaluated_trials(results: Results) -> list[Trial]:
    """Trials whose evaluation ended (success, failure, pruned), ordered by ``time_ended``.

    Ties (and the rare record without an end time) are broken by trial id so the order
    is the same on every read.
    """
    done = [t for t in results.values() if t.state.is_evaluated]

    def key(t: Trial) -> tuple[float, tuple[int, ...]]:
        ended = t.metadata.time_ended
        return (math.inf if ended is None else ended, trial_id_key(t.id))

    return sorted(done, key=key)


def incumbent_trace(study: StudyLike, *, objective: int | None = None) -> IncumbentTrace:
    """The best objective so far after each finished evaluation.

    Args:
        study: loaded ``Results`` or a study directory.
        objective: for multi-objective studies, the index of the objective to trace.

    Raises:
        ArgumentError: a trial reports several objectives and ``objective`` is None.
    """
    results = as_results(study)
    trials = evaluated_trials(results)
    starts = [t.metadata.time_sampled for t in results.values()]
    t0 = min(starts) if starts else 0.0
    ids: list[str] = []
    values: list[float | None] = []
    best: list[float] = []
    best_ids: list[str | None] = []
    costs: list[float] = []
    times: list[float] = []
    best_value, best_id, total_cost = math.inf, None, 0.0
    for trial in trials:
        value = objective_of(trial, objective)
        if value is not None and value < best_value:
            best_value, best_id = value, trial.id
        cost = trial.report.cost if trial.report is not None else None
        if cost is not None and math.isfinite(cost):
            total_cost += cost
        ids.append(trial.id)
        values.append(value)
        best.append(best_value)
        best_ids.append(best_id)
        costs.append(total_cost)
        ended = trial.metadata.time_ended
        times.append(max(0.0, (ended if ended is not None else t0) - t0))
    return IncumbentTrace(
        tuple(ids), tuple(values), tuple(best), tuple(best_ids), tuple(costs), tuple(times)
    )


def trial_id_key(trial_id: str) -> tuple[int, ...]:
    """Numeric order of ids such as "7" and "7_2" ("10" after "9")."""
    try:
        return tuple(int(part) for part in trial_id.split("_"))
    except ValueError:
        return (2**63,)  # ids of another form sort last
