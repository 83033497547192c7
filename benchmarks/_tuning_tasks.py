"""Real tuning tasks for benchmarks/tuning.py: scikit-learn models on bundled datasets.

Each task is a model, a dataset that ships with scikit-learn (no download), a mixed
search space (integers, log-scaled floats, categoricals) and an error to minimise,
estimated by 3-fold cross-validation with fixed folds and fixed model seeds, so one
config always gets the same error. Datasets are subsampled where that keeps one
evaluation in the tens of milliseconds. The prior of each parameter is
scikit-learn's default (or the usual textbook choice), the "sensible prior" of πBO.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Spec:
    """One hyperparameter: ``kind`` is "int", "float" or "cat"."""

    name: str
    kind: str
    lower: float = 0.0
    upper: float = 1.0
    log: bool = False
    choices: tuple[Any, ...] = ()
    prior: Any = None


@dataclass(frozen=True)
class Task:
    name: str
    specs: tuple[Spec, ...]
    build: Callable[[Mapping[str, Any]], Any]
    data: Callable[[], tuple[Any, Any]]
    regression: bool = False


def _subsample(x: Any, y: Any, n: int) -> tuple[Any, Any]:
    if len(y) <= n:
        return x, y
    idx = np.random.default_rng(0).permutation(len(y))[:n]
    return x[idx], y[idx]


def _digits() -> tuple[Any, Any]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return _subsample(x / 16.0, y, 600)


def _breast_cancer() -> tuple[Any, Any]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(x), y


def _wine() -> tuple[Any, Any]:
    from sklearn.datasets import load_wine
    from sklearn.preprocessing import StandardScaler

    x, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(x), y


def _diabetes() -> tuple[Any, Any]:
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)  # type: ignore[no-any-return]


def _svc(c: Mapping[str, Any]) -> Any:
    from sklearn.svm import SVC

    return SVC(C=c["C"], gamma=c["gamma"], kernel=c["kernel"], degree=c["degree"])


def _tree(c: Mapping[str, Any]) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(
        max_depth=c["max_depth"],
        min_samples_split=c["min_samples_split"],
        min_samples_leaf=c["min_samples_leaf"],
        max_features=c["max_features"],
        criterion=c["criterion"],
        random_state=0,
    )


def _forest(c: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=c["n_estimators"],
        max_depth=c["max_depth"],
        max_features=c["max_features"],
        min_samples_leaf=c["min_samples_leaf"],
        bootstrap=c["bootstrap"] == "yes",
        random_state=0,
    )


def _logreg(c: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c["C"],
        fit_intercept=c["fit_intercept"] == "yes",
        class_weight=None if c["class_weight"] == "none" else "balanced",
        max_iter=c["max_iter"],
        tol=c["tol"],
        solver="liblinear",
    )


def _knn(c: Mapping[str, Any]) -> Any:
    from sklearn.neighbors import KNeighborsRegressor

    return KNeighborsRegressor(n_neighbors=c["n_neighbors"], weights=c["weights"], p=c["p"])


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "svc_digits",
            (
                Spec("C", "float", 1e-3, 1e3, log=True, prior=1.0),
                Spec("gamma", "float", 1e-4, 1e1, log=True, prior=1.0 / 64),
                Spec("kernel", "cat", choices=("rbf", "poly", "sigmoid"), prior="rbf"),
                Spec("degree", "int", 2, 5, prior=3),
            ),
            _svc,
            _digits,
        ),
        Task(
            "tree_breast_cancer",
            (
                Spec("max_depth", "int", 1, 20, prior=10),
                Spec("min_samples_split", "int", 2, 64, log=True, prior=2),
                Spec("min_samples_leaf", "int", 1, 32, log=True, prior=1),
                Spec("max_features", "float", 0.05, 1.0, prior=1.0),
                Spec("criterion", "cat", choices=("gini", "entropy", "log_loss"), prior="gini"),
            ),
            _tree,
            _breast_cancer,
        ),
        Task(
            "forest_wine",
            (
                Spec("n_estimators", "int", 3, 40, log=True, prior=20),
                Spec("max_depth", "int", 1, 12, prior=12),
                Spec("max_features", "float", 0.05, 1.0, prior=0.3),
                Spec("min_samples_leaf", "int", 1, 20, log=True, prior=1),
                Spec("bootstrap", "cat", choices=("yes", "no"), prior="yes"),
            ),
            _forest,
            _wine,
        ),
        Task(
            "logreg_breast_cancer",
            (
                Spec("C", "float", 1e-5, 1e3, log=True, prior=1.0),
                Spec("fit_intercept", "cat", choices=("yes", "no"), prior="yes"),
                Spec("class_weight", "cat", choices=("none", "balanced"), prior="none"),
                Spec("max_iter", "int", 2, 100, log=True, prior=100),
                Spec("tol", "float", 1e-6, 1e-1, log=True, prior=1e-4),
            ),
            _logreg,
            _breast_cancer,
        ),
        Task(
            "knn_diabetes",
            (
                Spec("n_neighbors", "int", 1, 100, log=True, prior=5),
                Spec("weights", "cat", choices=("uniform", "distance"), prior="uniform"),
                Spec("p", "int", 1, 2, prior=2),
            ),
            _knn,
            _diabetes,
            regression=True,
        ),
    )
}


@cache
def _dataset(name: str) -> tuple[Any, Any]:
    return TASKS[name].data()  # type: ignore[no-any-return]


def _key(config: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        sorted((k, float(f"{v:.10g}") if isinstance(v, float) else v) for k, v in config.items())
    )


_CACHE: dict[tuple[str, tuple[tuple[str, Any], ...]], float] = {}


def evaluate(task_name: str, config: Mapping[str, Any]) -> float:
    """3-fold CV error (1 - accuracy, or 1 - R^2 for regression), cached per config."""
    key = (task_name, _key(config))
    if key in _CACHE:
        return _CACHE[key]
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    task = TASKS[task_name]
    x, y = _dataset(task_name)
    folds = (KFold if task.regression else StratifiedKFold)(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(task.build(config), x, y, cv=folds, error_score=0.0)
    value = float(1.0 - np.mean(scores))
    value = value if np.isfinite(value) else 1.0
    _CACHE[key] = value
    return value
