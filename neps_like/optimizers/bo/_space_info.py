"""What the model needs to know about a search space's unit-cube encoding.

Owns, per encoded dimension: whether it is categorical, the grid of valid encoded values
of discrete dimensions (so candidates are scored only at points that decode to
themselves) and the prior as a density on the encoding (πBO). Reads the space; never
changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neps_like.optimizers.bo._acquisition import FloatArray, PriorDensity
from neps_like.optimizers.bo._candidates import Snapper
from neps_like.space._confidence import (
    categorical_prior_probability,
    numerical_prior_std,
)

# Integer parameters with more values than this are treated as continuous by the model;
# decoding still rounds them.
MAX_GRID = 2048


@dataclass(frozen=True)
class SpaceInfo:
    """Encoding facts of one search space."""

    is_cat: np.ndarray
    snapper: Snapper
    prior: PriorDensity | None
    prior_center: FloatArray | None

    @property
    def dim(self) -> int:
        return int(self.is_cat.size)

    def snap(self, x: FloatArray) -> FloatArray:
        return self.snapper(x)

    @classmethod
    def from_space(cls, space: Any) -> SpaceInfo:
        params = list(space.searchables.values())
        kinds: Sequence[str] = list(space.encoded_kinds)
        n_choices = [_n_values(p, int(k)) for p, k in zip(params, space.n_choices, strict=True)]
        is_cat = np.array([k == "cat" for k in kinds], dtype=bool)
        grids: list[FloatArray | None] = []
        for param, kind, k in zip(params, kinds, n_choices, strict=True):
            if kind == "cat":
                grids.append((np.arange(k, dtype=np.float64) + 0.5) / k)
            elif kind == "int" and 1 < k <= MAX_GRID:
                lower = int(param.lower)
                grids.append(
                    np.array([param.to_unit(lower + j) for j in range(k)], dtype=np.float64)
                )
            else:
                grids.append(None)
        snapper = Snapper(grids, is_cat)
        prior, center = _prior_density(params, is_cat, n_choices)
        return cls(is_cat, snapper, prior, center)


def _n_values(param: Any, n_choices: int) -> int:
    """Choices of a categorical, values of an integer, 0 for a float."""
    if n_choices:
        return n_choices
    if getattr(param, "type_name", "") == "integer":
        return int(param.upper) - int(param.lower) + 1
    return 0


def _prior_density(
    params: Sequence[Any], is_cat: np.ndarray, n_choices: Sequence[int]
) -> tuple[PriorDensity | None, FloatArray | None]:
    d = len(params)
    has = np.array([bool(p.has_prior) for p in params], dtype=bool)
    if not has.any():
        return None, None
    centers = np.full(d, 0.5)
    stds = np.full(d, 0.5)
    cat_probs = np.full(d, 1.0)
    for j, p in enumerate(params):
        if not has[j]:
            continue
        centers[j] = float(p.prior_unit)
        c = float(p.prior_confidence_value)
        if is_cat[j]:
            cat_probs[j] = categorical_prior_probability(c, max(n_choices[j], 1))
        else:
            stds[j] = max(numerical_prior_std(c), 1e-3)
    density = PriorDensity(
        centers=centers,
        stds=stds,
        is_cat=is_cat,
        has_prior=has,
        n_choices=np.asarray(n_choices, dtype=np.int64),
        cat_probs=cat_probs,
    )
    return density, centers
