"""One GP proposal from plain arrays, for optimizers that pick their own training data.

Multi-fidelity optimizers with a model (``bohb``, ``primo``) decide which trials the
model learns from (one rung, or the top fidelity) and how several objectives become
one; this module owns the rest: fit the GP of ``optimizers/bo`` (Matérn-5/2, fitted
hyperparameters), treat pending configs as fantasies at the posterior mean, maximise
log-EI (optionally plus a weighted log prior, as πBO) and return the best candidate
whose key is not already taken. Pure: no I/O, randomness only from the generators
passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neps_like.optimizers.bo import _acquisition, _candidates, _data, _gp
from neps_like.optimizers.bo._acquisition import FloatArray, PriorDensity
from neps_like.optimizers.bo._space_info import SpaceInfo

__all__ = ["PriorTerm", "gp_proposal", "key_checker", "sample_from_density"]

_DECODE_CHUNK = 16


@dataclass(frozen=True, slots=True)
class PriorTerm:
    """A prior density and the exponent it enters the acquisition with (πBO)."""

    density: PriorDensity
    weight: float


def gp_proposal(
    space: Any,
    info: SpaceInfo,
    x_obs: FloatArray,
    y: FloatArray,
    x_pending: FloatArray | None,
    rng: np.random.Generator,
    taken: Callable[[Mapping[str, Any]], bool],
    *,
    fixed: tuple[float, ...] = (),
    target: np.ndarray | None = None,
    prior: PriorTerm | None = None,
    n_candidates: int = 512,
    fit_restarts: int = 1,
) -> dict[str, Any] | None:
    """The config maximising log-EI under a GP fitted on ``x_obs`` -> ``y`` (minimised).

    ``x_obs`` rows are the space's encoding followed by ``len(fixed)`` extra numeric
    columns (e.g. the fidelity); candidates are scored with those columns set to
    ``fixed``, and the improvement is measured against the best ``y`` among the rows
    where ``target`` is True (all rows by default). ``x_pending`` rows (same layout)
    are fantasies at the posterior mean. ``taken(config)`` says whether a decoded
    candidate is already in the study; the first candidate that is not is returned, or
    None when all the search saw are taken. Decoded configs carry the space's fidelity
    at its maximum: callers set their own.
    """
    d = info.dim
    is_cat = np.concatenate([info.is_cat, np.zeros(len(fixed), dtype=bool)])
    y_std = _data.transform_outputs(np.asarray(y, dtype=np.float64), "standardize")
    params = _gp.fit_hyperparameters(x_obs, y_std, is_cat, rng, n_restarts=fit_restarts)
    gp = _gp.GaussianProcess(x_obs, y_std, is_cat, params)
    if x_pending is not None and len(x_pending):
        gp = gp.condition_on(x_pending, gp.predict(x_pending)[0])
    mask = np.ones(len(y_std), dtype=bool) if target is None else np.asarray(target, dtype=bool)
    best = float(y_std[mask].min()) if mask.any() else float(y_std.min())
    suffix = np.asarray(fixed, dtype=np.float64)

    def score(x: FloatArray) -> FloatArray:
        full = np.hstack([x, np.broadcast_to(suffix, (x.shape[0], suffix.size))])
        mean, std = gp.predict(full)
        value = _acquisition.log_expected_improvement(mean, std, best)
        if prior is not None:
            value = value + prior.weight * prior.density.log_pdf(x)
        return value

    order = np.argsort(np.where(mask, y_std, np.inf))
    anchors = x_obs[order[: min(5, int(mask.sum()) or 5)], :d]
    center = None if prior is None else prior.density.centers
    cands, _ = _candidates.maximize(
        score, info.snapper, rng, anchors, prior_center=center, n_raw=n_candidates
    )
    for start in range(0, min(len(cands), 20 * _DECODE_CHUNK), _DECODE_CHUNK):
        for config in space.decode(cands[start : start + _DECODE_CHUNK]):
            if not taken(config):
                return dict(config)
    return None


def sample_from_density(
    space: Any, info: SpaceInfo, density: PriorDensity, rng: np.random.Generator
) -> dict[str, Any]:
    """One config drawn from ``density`` (uniform in the dimensions it has no prior for)."""
    from neps_like.space._sampling import truncated_normal_unit

    d = info.dim
    u = rng.uniform(size=d)
    for j in np.flatnonzero(density.has_prior):
        center = float(density.centers[j])
        if density.is_cat[j]:
            k = max(int(density.n_choices[j]), 1)
            at = min(int(center * k), k - 1)
            if k == 1 or rng.uniform() < density.cat_probs[j]:
                u[j] = center
            else:  # one of the other choices, uniformly
                other = int(rng.integers(k - 1))
                u[j] = (other + (other >= at) + 0.5) / k
        else:
            u[j] = truncated_normal_unit(rng, center, float(density.stds[j]))
    return dict(space.decode(info.snap(u.reshape(1, d)))[0])


def key_checker(
    space: Any, seen: set[Hashable], *, include_fidelity: bool = True
) -> Callable[[Mapping[str, Any]], bool]:
    """``taken`` for ``gp_proposal``: is the config's key in ``seen``?"""
    return lambda c: space.config_key(c, include_fidelity=include_fidelity) in seen
