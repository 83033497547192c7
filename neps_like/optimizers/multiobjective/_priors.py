"""Priors PriMO is given per objective (``prior_centers``), as densities on the encoding.

One entry of ``prior_centers`` (``{parameter: value}``) with its optional
``prior_confidences`` entry (``{parameter: c}``, ``c`` in (0, 1] with the meaning of a
parameter's ``prior_confidence``; default 0.5) becomes a ``PriorDensity`` the
acquisition can be weighted with and new configs drawn from. Parameters not named have
no prior.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neps_like._errors import OptimizerError
from neps_like.optimizers.bo._acquisition import PriorDensity
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.space._confidence import categorical_prior_probability, numerical_prior_std

__all__ = ["objective_prior"]

_DEFAULT_CONFIDENCE = 0.5


def objective_prior(
    space: Any,
    info: SpaceInfo,
    label: str,
    centers: Mapping[str, Any],
    confidences: Mapping[str, float] | None,
) -> PriorDensity:
    """The prior of one ``prior_centers`` entry as a density on the encoding."""
    names = list(space.searchables)
    if not isinstance(centers, Mapping) or not set(centers) <= set(names):
        raise OptimizerError(
            f"primo: prior_centers[{label!r}] must map parameter names ({names}) to values, "
            f"got {centers!r}."
        )
    try:
        unit = space.encode([{**space.prior_config(), **centers}])[0]
    except Exception as exc:  # the space's own error names the value
        raise OptimizerError(f"primo: prior_centers[{label!r}]: {exc}") from exc
    d = info.dim
    n_choices = np.asarray(space.n_choices, dtype=np.int64)
    has = np.array([name in centers for name in names], dtype=bool)
    stds, cat_probs = np.full(d, 0.5), np.ones(d)
    for j, name in enumerate(names):
        c = float((confidences or {}).get(name, _DEFAULT_CONFIDENCE))
        if not 0.0 < c <= 1.0:
            raise OptimizerError(
                f"primo: prior_confidences[{label!r}][{name!r}] must be in (0, 1], got {c}."
            )
        if info.is_cat[j]:
            cat_probs[j] = categorical_prior_probability(c, max(int(n_choices[j]), 1))
        else:
            stds[j] = max(numerical_prior_std(c), 1e-3)
    return PriorDensity(unit, stds, info.is_cat, has, n_choices, cat_probs)
