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
added here. ``mixed_mf`` is ``_functions.py``'s own mixed space (a float, a log-scaled
float, an integer and a categorical; low fidelities add ``0.3 (1 - z) sin(3 x)``), not
from the literature: it checks the model on a space that is not a smooth cube.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    "mixed_mf": PROBLEMS["mixed_mf"],
}

# mf-prior-bench's synthetic MF-Hartmann functions (Mallik et al., PriorBand, NeurIPS
# 2023): fidelity 1..100, low-fidelity bias and noise by correlation level.
MFPBENCH = ("mfh3_good", "mfh3_terrible", "mfh6_good", "mfh6_terrible")
_MFP_FID = Param("z", "fidelity", 1, 100)


def get_problem(name: str) -> Problem:
    """A problem of ``MF_PROBLEMS``, or one of ``MFPBENCH`` (needs ``mf-prior-bench``)."""
    if name in MF_PROBLEMS:
        return MF_PROBLEMS[name]
    if name not in MFPBENCH:
        raise SystemExit(f"unknown problem {name!r}; known: {[*MF_PROBLEMS, *MFPBENCH]}")
    try:
        import mfpbench
    except ImportError:
        raise SystemExit(
            f"{name} needs the mf-prior-bench package: run this script with a venv that "
            "has it and neps_like installed (see benchmarks/README.md)."
        ) from None
    bench = mfpbench.get(name, seed=0)
    dims = len(list(bench.space.values()))
    best = bench.optimum.as_dict()
    params = tuple(Param(f"X_{i}", "float", 0, 1, best=best[f"X_{i}"]) for i in range(dims))

    def fn(config: Mapping[str, Any], z: float) -> float:
        x = {f"X_{i}": float(config[f"X_{i}"]) for i in range(dims)}
        at = max(1, min(100, round(z * 100)))
        return float(bench.query(x, at=at).error)

    optimum = fn(best, 1.0)
    return Problem(name, (*params, _MFP_FID), fn, optimum)

