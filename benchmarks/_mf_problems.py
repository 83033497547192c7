"""Multi-fidelity test functions from the literature, for ``mf_compare.py``.

numpy only, so the same file runs under a separate venv (DEHB's). The fidelity ``z`` in
(0, 1] is ``epochs / max_epochs``; ``z = 1`` is the original function. The low-fidelity
bias follows Kandasamy, Dasarathy, Schneider and Póczos, "Multi-fidelity Bayesian
optimisation with continuous approximations" (BOCA), ICML 2017, section 5 / appendix:

* Branin: ``b(z) = 5.1 / (4 pi^2) - 0.01 (1 - z)``, ``c(z) = 5 / pi - 0.1 (1 - z)``,
  ``t(z) = 1 / (8 pi) + 0.05 (1 - z)`` (one knob ``z`` for their three),
  ``f = (x2 - b x1^2 + c x1 - 6)^2 + 10 (1 - t) cos(x1) + 10`` on [-5, 10] x [0, 15];
  minimum 0.397887.
* Hartmann-3 and Hartmann-6: ``f = -sum_i alpha_i(z) exp(-sum_j A_ij (x_j - P_ij)^2)``
  with ``alpha(z) = alpha - 0.1 (1 - z)``, ``alpha = (1.0, 1.2, 3.0, 3.2)`` and the
  standard ``A``, ``P`` (Dixon and Szegő 1978); minima -3.86278 and -3.32237.

Branin and Hartmann-6 are those of ``_functions.py`` (same formulas); Hartmann-3 is
added here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _functions import _FID, PROBLEMS, Param, Problem

_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H3_ARGMIN = (0.114614, 0.555649, 0.852547)


def hartmann3(x: np.ndarray, z: float = 1.0) -> float:
    """Hartmann-3 with BOCA's fidelity bias (see the module docstring)."""
    alpha = _H3_ALPHA - 0.1 * (1 - z)
    inner = np.sum(_H3_A * (x[None, :] - _H3_P) ** 2, axis=1)
    return float(-np.sum(alpha * np.exp(-inner)))


_H3_PARAMS = tuple(Param(f"x{i}", "float", 0, 1, best=b) for i, b in enumerate(_H3_ARGMIN))

MF_PROBLEMS: dict[str, Problem] = {
    "branin_mf": PROBLEMS["branin_mf"],
    "hartmann3_mf": Problem(
        "hartmann3_mf",
        (*_H3_PARAMS, _FID),
        lambda c, z: hartmann3(np.array([float(c[f"x{i}"]) for i in range(3)]), z),
        -3.86278,
    ),
    "hartmann6_mf": PROBLEMS["hartmann6_mf"],
}
