from __future__ import annotations

import math

import numpy as np
import pytest

import neps_like as neps
from neps_like._errors import ArgumentError, EvaluationError
from neps_like.runtime.arguments import canonicalise, resolve_on_error
from neps_like.runtime.evaluation import parse_result

ACCEPTED = {"evaluations_to_spend", "root_directory", "optimizer"}


def test_aliases_map_to_current_names() -> None:
    out = canonicalise(
        {"max_evaluations_total": 3, "working_directory": "r", "searcher": "x"}, ACCEPTED
    )
    assert out == {"evaluations_to_spend": 3, "root_directory": "r", "optimizer": "x"}


def test_conflicting_aliases_and_unknown_names() -> None:
    with pytest.raises(ArgumentError, match=r"max_evaluations_total.*evaluations_to_spend"):
        canonicalise({"evaluations_to_spend": 3, "max_evaluations_total": 4}, ACCEPTED)
    assert canonicalise({"evaluations_to_spend": 3, "max_evaluations_total": 3}, ACCEPTED)
    with pytest.raises(ArgumentError, match="unknown argument 'evaluations'"):
        canonicalise({"evaluations": 3}, ACCEPTED)


def test_on_error_resolution() -> None:
    assert resolve_on_error(None, None) == "raise"
    assert resolve_on_error(None, True) == "ignore"
    with pytest.raises(ArgumentError, match="conflicts"):
        resolve_on_error("raise", True)
    with pytest.raises(ArgumentError, match="on_error must be"):
        resolve_on_error("explode", None)


def test_run_rejects_bad_budgets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArgumentError, match="evaluations_to_spend must be a positive integer"):
        neps.run(
            lambda x: x, {"x": neps.Float(0, 1)}, root_directory=tmp_path, evaluations_to_spend=-1
        )
    with pytest.raises(ArgumentError, match="needs pipeline_space"):
        neps.run(lambda x: x, root_directory=tmp_path / "new")


def test_result_forms() -> None:
    assert parse_result(1).objective_to_minimize == 1.0
    assert parse_result(np.float32(0.5)).objective_to_minimize == 0.5
    assert parse_result([1, 2]).objective_to_minimize == [1.0, 2.0]
    assert parse_result(np.array([1.0, 2.0])).objective_to_minimize == [1.0, 2.0]
    r = parse_result({"loss": 2, "info_dict": {"a": 1}, "acc": np.float64(0.9)})
    assert r.objective_to_minimize == 2.0 and r.extra == {"a": 1, "acc": 0.9}


@pytest.mark.parametrize(
    "bad",
    [
        math.inf,
        None,
        "1",
        True,
        [],
        {"objective_to_minimize": [1, "x"]},
        {"objective_to_minimize": 1, "learning_curve": "abc"},
    ],
)
def test_bad_results(bad: object) -> None:
    with pytest.raises(EvaluationError):
        parse_result(bad)


def test_numpy_values_in_extra_become_builtins() -> None:
    r = parse_result(
        {
            "objective_to_minimize": 1.0,
            "extra": {"a": np.float64(0.5), "b": np.int64(3)},
            "c": [np.float32(1.5)],
            "d": np.bool_(True),
        }
    )
    assert type(r.extra["a"]) is float and type(r.extra["b"]) is int
    assert type(r.extra["c"][0]) is float and r.extra["d"] is True
