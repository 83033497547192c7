"""Acquisition functions: log expected improvement and the πBO prior weighting.

Owns numerically stable log-EI (Ament et al., 2023, "Unexpected improvements to expected
improvement"), the log density of a user prior on the unit-cube encoding, and the πBO
decay (Hvarfner et al., 2022). Works on arrays only; must not fit models or touch trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.special
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_C1 = 0.5 * math.log(2.0 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2.0)
_INV_SQRT_EPS = 1.0 / math.sqrt(np.finfo(np.float64).eps)


def _log1mexp(x: FloatArray) -> FloatArray:
    """``log(1 - exp(x))`` for ``x < 0``, accurate on the whole range."""
    out = np.empty_like(x)
    near = x > -math.log(2.0)
    out[near] = np.log(-np.expm1(x[near]))
    out[~near] = np.log1p(-np.exp(x[~near]))
    return out


def log_h(z: FloatArray) -> FloatArray:
    """``log(phi(z) + z * Phi(z))``, stable far into the negative tail."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(
        np.maximum(np.exp(-0.5 * zu * zu - _C1) + zu * scipy.special.ndtr(zu), 1e-300)
    )
    mid = (~upper) & (z > -_INV_SQRT_EPS)
    zm = z[mid]
    inner = np.log(scipy.special.erfcx(-zm / math.sqrt(2.0)) * np.abs(zm)) + _C2
    out[mid] = -0.5 * zm * zm - _C1 + _log1mexp(inner)
    tail = ~(upper | mid)
    zt = z[tail]
    out[tail] = -0.5 * zt * zt - _C1 - 2.0 * np.log(np.abs(zt))
    return out


def log_expected_improvement(mean: FloatArray, std: FloatArray, best: float) -> FloatArray:
    """Log of the expected improvement below ``best`` (minimisation)."""
    std = np.maximum(std, 1e-12)
    z = (best - mean) / std
    result: FloatArray = log_h(z) + np.log(std)
    return result


@dataclass(frozen=True)
class PriorDensity:
    """A factorised prior on the encoding: truncated normals and categorical weights.

    ``centers`` and ``stds`` give, per numeric dimension, a normal truncated to [0, 1];
    for categorical dimensions ``centers`` is the encoded prior choice and ``cat_probs``
    the probability given to it (the rest is shared evenly among the other choices).
    Dimensions without a prior have ``has_prior`` False and contribute nothing.
    """

    centers: FloatArray
    stds: FloatArray
    is_cat: NDArray[np.bool_]
    has_prior: NDArray[np.bool_]
    n_choices: NDArray[np.int64]
    cat_probs: FloatArray

    def log_pdf(self, x: FloatArray) -> FloatArray:
        """Log prior density of each row of ``x`` (up to a constant per dimension)."""
        total = np.zeros(x.shape[0])
        for j in np.flatnonzero(self.has_prior):
            if self.is_cat[j]:
                k = max(int(self.n_choices[j]), 2)
                same = np.abs(x[:, j] - self.centers[j]) < 0.5 / k
                p = self.cat_probs[j]
                total += np.where(same, math.log(p), math.log(max((1.0 - p) / (k - 1), 1e-12)))
            else:
                mu, sd = self.centers[j], self.stds[j]
                mass = scipy.special.ndtr((1.0 - mu) / sd) - scipy.special.ndtr(-mu / sd)
                z = (x[:, j] - mu) / sd
                total += -0.5 * z * z - math.log(sd) - _C1 - math.log(max(mass, 1e-12))
        return total


def pibo_exponent(n_observed: int, beta: float) -> float:
    """πBO decay ``beta / n``: the prior's weight shrinks as evidence accumulates."""
    return beta / max(n_observed, 1)


def log_pibo(
    log_acq: FloatArray, log_prior: FloatArray, n_observed: int, beta: float
) -> FloatArray:
    """Prior-weighted acquisition in log space: ``log a(x) + (beta / n) * log pi(x)``."""
    result: FloatArray = log_acq + pibo_exponent(n_observed, beta) * log_prior
    return result
