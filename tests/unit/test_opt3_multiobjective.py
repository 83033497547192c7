"""Multi-objective names (``moasha``, ``mo_hyperband``, ``primo``): list-valued objectives in
a real study give a Pareto front, and promotions are taken from the front."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neps_like as neps
from neps_like.analysis.pareto import non_dominated_mask, pareto_front
from neps_like.optimizers.registry import resolve_optimizer
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState

SPACE = neps.SearchSpace.from_user(
    {
        "x": neps.Float(0.0, 1.0),
        "y": neps.Float(0.0, 1.0),
        "epochs": neps.Integer(1, 9, is_fidelity=True),
    }
)


def _objectives(x: float, y: float, epochs: int) -> list[float]:
    g = 1.0 + 4.0 * y + 0.1 / epochs
    return [x, g * (1.0 - np.sqrt(x / g))]


@pytest.mark.parametrize("name", ["moasha", "mo_hyperband", "primo"])
def test_a_list_objective_study_reports_a_front(tmp_path: Path, name: str) -> None:
    def evaluate(x: float, y: float, epochs: int) -> dict[str, Any]:
        return {"objective_to_minimize": _objectives(x, y, epochs), "cost": epochs}

    root = tmp_path / name
    neps.run(evaluate, SPACE, root_directory=root, optimizer=name, evaluations_to_spend=20)
    results = neps.load(root)
    assert results.counts() == {"success": 20}
    front = pareto_front(results)
    assert front
    points = np.array([t.report.objectives for t in front if t.report is not None])
    assert points.shape[1] == 2 and non_dominated_mask(points).all()


@pytest.mark.parametrize("name", ["moasha", "mo_hyperband"])
def test_promotions_come_from_the_first_front(name: str) -> None:
    """A full base rung of 9 two-objective results: the 3 promoted are all non-dominated,
    although the best in the first objective alone would pick dominated ones."""
    build, _ = resolve_optimizer((name, {"eta": 3}), SPACE)
    ask = build(0)
    # (x, f1, f2): the front is ids 1, 5, 9; 2-4 have small f1 but are dominated by 1.
    rows = [
        (0.01, 0.1, 0.9),
        (0.02, 0.2, 0.95),
        (0.03, 0.25, 0.97),
        (0.04, 0.3, 0.99),
        (0.5, 0.5, 0.5),
        (0.6, 0.6, 0.6),
        (0.7, 0.7, 0.7),
        (0.8, 0.8, 0.8),
        (0.9, 0.9, 0.1),
    ]
    trials: dict[str, Trial] = {}
    for i, (x, f1, f2) in enumerate(rows, start=1):
        meta = MetaData(float(i), "w", rung=0)
        trials[str(i)] = Trial(
            str(i), {"x": x, "y": 0.5, "epochs": 1}, TrialState.SUCCESS, meta, Report([f1, f2])
        )
    promoted: list[str] = []
    for _ in range(3):
        sampled = ask(trials, BudgetInfo())
        assert isinstance(sampled, SampledConfig) and sampled.previous_trial_id is not None
        parent = sampled.previous_trial_id
        promoted.append(parent)
        meta = MetaData(0.0, "w", previous_trial_id=parent, rung=1)
        trials[f"{parent}_1"] = Trial(f"{parent}_1", dict(sampled.config), TrialState.PENDING, meta)
    assert sorted(promoted, key=int) == ["1", "5", "9"]
