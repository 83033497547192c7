"""Synthetic objectives with known optima, for the optimizer benchmark.

Depends on numpy only, so the same file runs under the separate Optuna venv: run as a
script it evaluates Optuna's TPESampler on these functions and prints JSON
(``python benchmarks/_functions.py --tpe branin,hartmann6 --seeds 10 --evals 50``).

Each ``Problem`` describes its parameters in a neutral form (``Param``) that the
benchmark turns into a neps_like search space and the TPE runner into Optuna
distributions. Multi-fidelity problems have a fidelity parameter; low fidelities are
cheaper (``cost`` = fidelity / max fidelity) and biased but correlated with the top.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Param:
    """One parameter: kind is "float", "int", "cat" or "fidelity" (an integer budget)."""

    name: str
    kind: str
    lower: float = 0.0
    upper: float = 1.0
    log: bool = False
    choices: tuple[str, ...] = ()
    best: float | str | None = None  # the value at the (a) global optimum


@dataclass(frozen=True)
class Problem:
    """An objective to minimise with a known optimum value."""

    name: str
    params: tuple[Param, ...]
    fn: Callable[[Mapping[str, Any], float], float]  # (config, fidelity in (0, 1]) -> value
    optimum: float

    @property
    def fidelity(self) -> Param | None:
        return next((p for p in self.params if p.kind == "fidelity"), None)

    def evaluate(self, config: Mapping[str, Any]) -> tuple[float, float]:
        """Objective and cost of ``config`` (cost 1 at the highest fidelity)."""
        fid = self.fidelity
        z = 1.0 if fid is None else float(config[fid.name]) / fid.upper
        return self.fn(config, z), z

    def true_value(self, config: Mapping[str, Any]) -> float:
        """The objective at the highest fidelity, whatever fidelity ``config`` names."""
        return self.fn(config, 1.0)


def _branin(x1: float, x2: float, z: float = 1.0) -> float:
    # Multi-fidelity variant of Kandasamy et al. (2017) with one fidelity knob z.
    b = 5.1 / (4 * math.pi**2) - 0.01 * (1 - z)
    c = 5 / math.pi - 0.1 * (1 - z)
    t = 1 / (8 * math.pi) + 0.05 * (1 - z)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def _hartmann6(x: np.ndarray, z: float = 1.0) -> float:
    alpha = _H6_ALPHA - 0.1 * (1 - z)  # Kandasamy et al. (2017) fidelity bias
    inner = np.sum(_H6_A * (x[None, :] - _H6_P) ** 2, axis=1)
    return float(-np.sum(alpha * np.exp(-inner)))


_MIXED_SHIFT = {"a": 1.0, "b": -1.0, "c": 0.0, "d": 2.0}
_MIXED_OFFSET = {"a": 0.5, "b": 0.0, "c": 1.0, "d": 0.25}


def _mixed(cfg: Mapping[str, Any], z: float) -> float:
    c = str(cfg["c"])
    x, lr, n = float(cfg["x"]), float(cfg["lr"]), int(cfg["n"])
    value = ((x - _MIXED_SHIFT[c]) ** 2) / 4 + (math.log10(lr) + 2) ** 2 + ((n - 7) / 5) ** 2
    return value + _MIXED_OFFSET[c] + 0.3 * (1 - z) * math.sin(3 * x)


def _bx(cfg: Mapping[str, Any]) -> np.ndarray:
    return np.array([float(cfg[f"x{i}"]) for i in range(6)])


_FID = Param("epochs", "fidelity", 1, 27)
_BRANIN_PARAMS = (
    Param("x1", "float", -5, 10, best=9.42478),
    Param("x2", "float", 0, 15, best=2.475),
)
_H6_ARGMIN = (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)
_H6_PARAMS = tuple(Param(f"x{i}", "float", 0, 1, best=b) for i, b in enumerate(_H6_ARGMIN))
_MIXED_PARAMS = (
    Param("x", "float", -5, 5, best=-1.0),
    Param("lr", "float", 1e-4, 1, log=True, best=1e-2),
    Param("n", "int", 1, 20, best=7),
    Param("c", "cat", choices=("a", "b", "c", "d"), best="b"),
)

PROBLEMS: dict[str, Problem] = {
    p.name: p
    for p in (
        Problem("branin", _BRANIN_PARAMS, lambda c, z: _branin(c["x1"], c["x2"], z), 0.397887),
        Problem("hartmann6", _H6_PARAMS, lambda c, z: _hartmann6(_bx(c), z), -3.32237),
        Problem("mixed", _MIXED_PARAMS, _mixed, 0.0),
        Problem(
            "branin_mf",
            (*_BRANIN_PARAMS, _FID),
            lambda c, z: _branin(c["x1"], c["x2"], z),
            0.397887,
        ),
        Problem("hartmann6_mf", (*_H6_PARAMS, _FID), lambda c, z: _hartmann6(_bx(c), z), -3.32237),
        Problem("mixed_mf", (*_MIXED_PARAMS, _FID), _mixed, 0.0),
    )
}


def _tpe_one(problem: Problem, seed: int, n_evals: int) -> float:
    import optuna  # only present in the benchmark venv

    def objective(trial: Any) -> float:
        cfg: dict[str, Any] = {}
        for p in problem.params:
            if p.kind == "float":
                cfg[p.name] = trial.suggest_float(p.name, p.lower, p.upper, log=p.log)
            elif p.kind == "int":
                cfg[p.name] = trial.suggest_int(p.name, int(p.lower), int(p.upper), log=p.log)
            elif p.kind == "cat":
                cfg[p.name] = trial.suggest_categorical(p.name, list(p.choices))
            else:
                cfg[p.name] = int(p.upper)
        return problem.true_value(cfg)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_evals)
    return float(study.best_value - problem.optimum)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tpe", required=True, help="comma-separated problem names")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=50)
    args = parser.parse_args()
    out = {
        name: [_tpe_one(PROBLEMS[name], seed, args.evals) for seed in range(args.seeds)]
        for name in args.tpe.split(",")
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
