"""``optimizer_info``: the optimizer's identity and state read back from their dicts
(as read from the journal: types checked), and differences named setting by setting."""

from __future__ import annotations

from typing import Any

import pytest

from neps_like._errors import CorruptRecordError
from neps_like.state.optimizer_info import OptimizationState, OptimizerInfo
from neps_like.state.records import BudgetInfo


def test_optimization_state_round_trips() -> None:
    state = OptimizationState(
        budget=BudgetInfo(max_evaluations=10, max_cost_total=2.5, max_fidelity_total=None),
        shared_state={"rung": 3, "seen": [1, 2]},
    )
    back = OptimizationState.from_dict(state.to_dict())
    assert back.budget == BudgetInfo(max_evaluations=10, max_cost_total=2.5)
    assert dict(back.shared_state) == {"rung": 3, "seen": [1, 2]}
    assert back == state


def test_optimization_state_reads_every_budget_field() -> None:
    state = OptimizationState.from_dict(
        {"budget": {"max_evaluations": 4, "max_cost_total": 1.5, "max_fidelity_total": 27}}
    )
    assert state.budget == BudgetInfo(max_evaluations=4, max_cost_total=1.5, max_fidelity_total=27)
    assert dict(state.shared_state) == {}


def test_an_empty_optimization_state() -> None:
    assert OptimizationState.from_dict({}) == OptimizationState()
    assert OptimizationState.from_dict({"budget": None, "shared_state": None}).budget is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"budget": [4]}, "budget or shared_state is not an object"),
        ({"budget": 4}, "budget or shared_state is not an object"),
        ({"shared_state": "x"}, "budget or shared_state is not an object"),
        ({"budget": {"max_evaluations": "4"}}, "budget max_evaluations is '4'"),
        ({"budget": {"max_cost_total": True}}, "budget max_cost_total is True"),
        ({"budget": {"max_fidelity_total": [1]}}, "budget max_fidelity_total is [1]"),
    ],
)
def test_a_malformed_optimization_state_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CorruptRecordError) as info:
        OptimizationState.from_dict(data)
    assert str(info.value) == f"optimizer state: {message}"


def test_optimizer_info_round_trips() -> None:
    info = OptimizerInfo("bayesian_optimization", {"initial_design_size": 5})
    assert OptimizerInfo.from_dict(info.to_dict()) == info
    assert OptimizerInfo.from_dict({"name": "random_search"}) == OptimizerInfo("random_search")
    assert OptimizerInfo.from_dict({"name": 7, "settings": None}).name == "7"


def test_describe_difference_names_each_difference() -> None:
    disk = OptimizerInfo("bo", {"a": 1, "b": 2, "same": 0})
    given = OptimizerInfo("random_search", {"b": 3, "c": 4, "same": 0})
    assert disk.describe_difference(given) == (
        "name: 'bo' on disk, 'random_search' given; "
        "setting 'a': 1 on disk, '<unset>' given; "
        "setting 'b': 2 on disk, 3 given; "
        "setting 'c': '<unset>' on disk, 4 given"
    )
    assert disk.describe_difference(disk) == ""
