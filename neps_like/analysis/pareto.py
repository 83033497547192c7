"""Pareto fronts of multi-objective studies: non-dominated sorting in plain numpy.

Every objective is minimised. This module owns dominance and ranks; it reads only
``Results`` and imports neither matplotlib nor pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from neps_like._errors import ArgumentError
from neps_like.analysis.trace import StudyLike, as_results, trial_id_key
from neps_like.state.records import Trial, TrialState

# Rows compared at once in ``non_dominated_mask``: bounds memory to _BLOCK * n * m values.
_BLOCK = 512


def non_dominated_mask(points: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which rows of ``points`` (n x m, minimised) no other row dominates.

    Row ``a`` dominates ``b`` when ``a <= b`` in every column and ``a < b`` in one.
    Duplicate rows do not dominate each other, so both stay on the front.

    Raises:
        ArgumentError: ``points`` is not a finite 2-d array.
    """
    pts = _as_matrix(points)
    n = len(pts)
    mask = np.ones(n, dtype=bool)
    for start in range(0, n, _BLOCK):
        block = pts[start : start + _BLOCK]  # candidates b
        # le[i, j]: pts[j] <= block[i] everywhere; lt[i, j]: strictly better somewhere.
        le = np.all(pts[None, :, :] <= block[:, None, :], axis=2)
        lt = np.any(pts[None, :, :] < block[:, None, :], axis=2)
        mask[start : start + _BLOCK] = ~np.any(le & lt, axis=1)
    return mask


def non_dominated_sort(points: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The front index of every row: 0 for the Pareto front, 1 for the next layer, ...

    Layers are peeled off one by one (each peel is one ``non_dominated_mask`` over the
    rows left), which costs O(fronts · n² · m) but needs no n x n matrix.
    """
    pts = _as_matrix(points)
    ranks = np.full(len(pts), -1, dtype=np.int64)
    remaining = np.arange(len(pts))
    rank = 0
    while remaining.size:
        front = non_dominated_mask(pts[remaining])
        ranks[remaining[front]] = rank
        remaining = remaining[~front]
        rank += 1
    return ranks


@dataclass(frozen=True, slots=True)
class ParetoResult:
    """The successful trials of a study with their objective vectors and front ranks.

    Attributes:
        trials: the trials compared, in id order.
        points: their objectives, one row per trial (n x m).
        ranks: front index of each row (0 = Pareto front).
    """

    trials: tuple[Trial, ...]
    points: npt.NDArray[np.float64]
    ranks: npt.NDArray[np.int64]

    @property
    def front(self) -> list[Trial]:
        """The non-dominated trials, sorted by their first objective."""
        idx = np.flatnonzero(self.ranks == 0)
        idx = idx[np.argsort(self.points[idx, 0], kind="stable")]
        return [self.trials[i] for i in idx]

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per trial: id, rank, each objective and the config."""
        out = []
        for trial, point, rank in zip(self.trials, self.points, self.ranks, strict=True):
            row: dict[str, Any] = {"trial_id": trial.id, "pareto_rank": int(rank)}
            row.update({f"objective_{j}": float(v) for j, v in enumerate(point)})
            row.update({f"config.{k}": v for k, v in trial.config.items()})
            out.append(row)
        return out


def pareto(study: StudyLike) -> ParetoResult:
    """Non-dominated sorting of every successful trial with usable objectives.

    Trials whose number of objectives differs from the most common one are left out
    (a study mixes them only when the evaluation changed).

    Raises:
        ArgumentError: no successful trial has finite objectives.
    """
    results = as_results(study)
    usable = [
        t
        for t in results.values()
        if t.state is TrialState.SUCCESS and t.report is not None and t.report.is_usable
    ]
    if not usable:
        raise ArgumentError(f"No successful trial with finite objectives in {results.root}.")
    sizes = [len(t.report.objectives or []) for t in usable if t.report is not None]
    m = max(set(sizes), key=sizes.count)
    kept = [t for t, size in zip(usable, sizes, strict=True) if size == m]
    trials = sorted(kept, key=lambda t: trial_id_key(t.id))
    points = np.array(
        [t.report.objectives for t in trials if t.report is not None], dtype=np.float64
    )
    return ParetoResult(tuple(trials), points, non_dominated_sort(points))


def pareto_front(study: StudyLike) -> list[Trial]:
    """The Pareto-optimal trials of ``study`` (all objectives minimised)."""
    return pareto(study).front


def _as_matrix(points: npt.ArrayLike) -> npt.NDArray[np.float64]:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 1 and pts.size == 0:
        return pts.reshape(0, 1)
    if pts.ndim != 2:
        raise ArgumentError(f"Expected an n x m array of objectives, got shape {pts.shape}.")
    if not np.all(np.isfinite(pts)):
        raise ArgumentError("Objectives must be finite numbers (NaN or inf found).")
    return pts
