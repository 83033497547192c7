"""From trial records to the arrays a GP is fitted on.

Owns which trials count as observations, failures and pending work, the scalarisation
of several objectives (ParEGO's augmented Chebyshev with random weights) and the output
transform (optional log, then standardisation), and the record of a fitted model. Pure:
inputs are never mutated.

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

from neps_like.optimizers.bo._gp import GaussianProcess
from neps_like.state.records import Trial, TrialState

FloatArray = NDArray[np.float64]

_PENDING_STATES = frozenset(
    {TrialState.PENDING, TrialState.EVALUATING, TrialState.CRASHED, TrialState.PAUSED}
)
PAREGO_RHO = 0.05
# Exponents the power transform chooses from (1 is no change); beyond +-3 a few outliers
# would decide the shape.
POWER_GRID = np.round(np.linspace(-3.0, 3.0, 61), 10)


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
    """Sort trials into observed, failed and pending, in creation order for determinism.

    A study numbers its trials from 1 (``"12"``, ``"12_1"`` for a continuation), so
    ordering by length, then text, puts plain ids in creation order and a new trial's
    row usually at the end: the rows before it keep their place (see the refit cache
    in bayesian_optimization.py). Plain string order would put "10" before "9".
    """
    observed: list[Mapping[str, Any]] = []
    objectives: list[list[float]] = []
    failed: list[Mapping[str, Any]] = []
    pending: list[Mapping[str, Any]] = []
    for key in sorted(trials, key=lambda k: (len(k), k)):
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

    ``mode`` is ``"standardize"``, ``"power"`` (standardise, then a Yeo-Johnson power
    transform fitted by maximum likelihood, then standardise again), ``"log"`` (used
    only when every value is positive) or ``"auto"``: log when every value is positive
    and the values are right-skewed.

    The power transform (as in HEBO, Cowen-Rivers et al. 2022) pulls in the long tail
    that diverged or crashed-but-reported configs give real tuning targets and spreads
    the good values apart, so the GP resolves the differences between good configs
    instead of spending its variance on the outliers.
    """
    out = np.asarray(y, dtype=np.float64)
    positive = out.size > 2 and out.min() > 0
    if positive and (mode == "log" or (mode == "auto" and _skewness(out) > 1.0)):
        out = np.log(out)
    out = _standardize(out)
    if mode == "power" and out.size > 2 and out.std() > 0:
        out = _standardize(_yeo_johnson(out))
    return out


def _standardize(y: FloatArray) -> FloatArray:
    std = float(y.std())
    result: FloatArray = (y - y.mean()) / (std if std > 0 else 1.0)
    return result


def _yeo_johnson(y: FloatArray) -> FloatArray:
    """Yeo-Johnson transform of ``y`` with the maximum-likelihood exponent on a grid.

    The exponent is the best of ``POWER_GRID`` by the profile log likelihood of a
    normal model (Yeo & Johnson 2000); a grid step of 0.1 is finer than the GP can
    tell apart, and one vectorised pass costs far less than a scalar optimiser.
    Exponents below 1 pull in a long tail of high values, those above 1 one of low
    values.
    """
    lam = POWER_GRID[:, None]
    upper = y >= 0
    a = np.log1p(np.abs(y))[None, :]  # log(1 + |y|)
    with np.errstate(all="ignore"):
        up = np.where(np.abs(lam) < 1e-9, a, np.expm1(lam * a) / lam)
        lam2 = 2.0 - lam  # exponent of the branch below 0
        down = np.where(np.abs(lam2) < 1e-9, -a, -np.expm1(lam2 * a) / lam2)
        psi = np.where(upper[None, :], up, down)
        var = psi.var(axis=1)
        loglik = -0.5 * y.size * np.log(var) + (lam[:, 0] - 1.0) * float(np.sum(np.sign(y) * a))
    loglik[~np.isfinite(loglik) | ~(var > 0)] = -np.inf
    if not np.isfinite(loglik).any():
        return y
    result: FloatArray = psi[int(np.argmax(loglik))]
    return result if np.all(np.isfinite(result)) else y


def _skewness(y: FloatArray) -> float:
    std = y.std()
    if std == 0:
        return 0.0
    return float(np.mean(((y - y.mean()) / std) ** 3))


class EncodingCache:
    """Encodes configs, reusing the rows of the config objects encoded by the last call.

    A worker's study hands the optimizer the same trial objects from one proposal to
    the next, so most rows are known already; encoding validates every value in Python
    and was the dearest part of a fit's preparation. Entries are matched by identity
    (the object itself is kept, so its id cannot be reused), never by equality, and only
    the last call's configs are kept: the cache changes no result and stays as small as
    the history.
    """

    def __init__(self) -> None:
        self._rows: dict[int, tuple[Mapping[str, Any], FloatArray]] = {}

    def encode(self, space: Any, configs: list[Mapping[str, Any]]) -> FloatArray:
        """``space.encode(configs)``."""
        known = self._rows
        hits: list[FloatArray | None] = []
        missing: list[Mapping[str, Any]] = []
        for config in configs:
            entry = known.get(id(config))
            if entry is not None and entry[0] is config:
                hits.append(entry[1])
            else:
                hits.append(None)
                missing.append(config)
        fresh = iter(space.encode(missing)) if missing else iter(())
        rows = [row if row is not None else next(fresh) for row in hits]
        self._rows = {id(c): (c, r) for c, r in zip(configs, rows, strict=True)}
        if not rows:
            return np.asarray(space.encode(configs), dtype=np.float64)
        return np.array(rows, dtype=np.float64)


@dataclass(frozen=True)
class FittedModel:
    """A fitted GP, the standardised rows it conditions on, and the standardised
    observed targets of the whole history in trial order (the trust region's replay)."""

    gp: GaussianProcess
    x: FloatArray
    y: FloatArray
    n_observed: int
    y_history: FloatArray
