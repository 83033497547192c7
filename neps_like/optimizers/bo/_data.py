"""From trial records to the arrays a GP is fitted on.

Owns which trials count as observations, failures and pending work, the scalarisation
of several objectives (ParEGO's augmented Chebyshev with random weights) and the output
transform (optional log, then standardisation). Pure: inputs are never mutated.

Failed trials (a report whose objective is missing or not finite) are imputed with the
worst observed value, so the model learns to avoid the region instead of retrying it.
Trials without a report that may still be evaluated (pending, evaluating, crashed or
paused awaiting a retry) are pending: the optimizer treats them as fantasies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neps_like.state.records import Trial, TrialState

FloatArray = NDArray[np.float64]

_PENDING_STATES = frozenset(
    {TrialState.PENDING, TrialState.EVALUATING, TrialState.CRASHED, TrialState.PAUSED}
)
PAREGO_RHO = 0.05


@dataclass(frozen=True)
class History:
    """The trials split by what the model does with them (configs, not encodings)."""

    observed: list[Mapping[str, Any]]
    objectives: list[list[float]]
    failed: list[Mapping[str, Any]]
    pending: list[Mapping[str, Any]]

    @property
    def n_objectives(self) -> int:
        return max((len(o) for o in self.objectives), default=1)


def split_trials(trials: Mapping[str, Trial]) -> History:
    """Sort trials into observed, failed and pending, in id order for determinism."""
    observed: list[Mapping[str, Any]] = []
    objectives: list[list[float]] = []
    failed: list[Mapping[str, Any]] = []
    pending: list[Mapping[str, Any]] = []
    for key in sorted(trials):
        trial = trials[key]
        report = trial.report
        if report is not None:
            objs = report.objectives
            if report.is_usable and objs is not None:
                observed.append(trial.config)
                objectives.append([float(v) for v in objs])
            elif trial.state.is_evaluated:
                failed.append(trial.config)
        elif trial.state in _PENDING_STATES:
            pending.append(trial.config)
    n_obj = max((len(o) for o in objectives), default=1)
    if any(len(o) != n_obj for o in objectives):
        keep = [i for i, o in enumerate(objectives) if len(o) == n_obj]
        observed = [observed[i] for i in keep]
        objectives = [objectives[i] for i in keep]
    return History(observed, objectives, failed, pending)


def parego_scalarize(y: FloatArray, weights: FloatArray) -> FloatArray:
    """Augmented Chebyshev scalarisation of objectives ``y`` (n, m) to minimise."""
    lo, hi = y.min(axis=0), y.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    z = (y - lo) / span * weights
    result: FloatArray = z.max(axis=1) + PAREGO_RHO * z.sum(axis=1)
    return result


def transform_outputs(y: FloatArray, mode: str) -> FloatArray:
    """Map targets to a standardised scale the GP models well; order is preserved.

    ``mode`` is ``"standardize"``, ``"log"`` (used only when every value is positive) or
    ``"auto"``: log when every value is positive and the values are right-skewed.
    """
    out = np.asarray(y, dtype=np.float64)
    positive = out.size > 2 and out.min() > 0
    if positive and (mode == "log" or (mode == "auto" and _skewness(out) > 1.0)):
        out = np.log(out)
    std = float(out.std())
    result: FloatArray = (out - out.mean()) / (std if std > 0 else 1.0)
    return result


def _skewness(y: FloatArray) -> float:
    std = y.std()
    if std == 0:
        return 0.0
    return float(np.mean(((y - y.mean()) / std) ** 3))
