"""Non-dominated sorting: known fronts, agreement with a brute-force check, studies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neps_like as neps
from neps_like.analysis import pareto as pareto_module
from neps_like.analysis.pareto import non_dominated_mask, non_dominated_sort, pareto, pareto_front


def brute_force_ranks(points: np.ndarray) -> list[int]:
    ranks, left, rank = [-1] * len(points), set(range(len(points))), 0
    while left:
        front = {
            i
            for i in left
            if not any(all(points[j] <= points[i]) and any(points[j] < points[i]) for j in left)
        }
        for i in front:
            ranks[i] = rank
        left -= front
        rank += 1
    return ranks


def test_known_front() -> None:
    pts = [[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6], [1, 6]]
    assert non_dominated_mask(pts).tolist() == [True, True, True, False, True, False, False]
    assert non_dominated_sort(pts).tolist() == [0, 0, 0, 1, 0, 2, 1]


@pytest.mark.parametrize("block", [3, 512])
def test_agrees_with_brute_force(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pareto_module, "_BLOCK", block)  # blocks must not change the answer
    rng = np.random.default_rng(0)
    for m in (2, 3):
        pts = rng.integers(0, 6, size=(40, m)).astype(float)  # many ties and duplicates
        assert non_dominated_sort(pts).tolist() == brute_force_ranks(pts)


def test_bad_input() -> None:
    with pytest.raises(neps.ArgumentError, match="finite"):
        non_dominated_mask([[1.0, float("nan")]])
    with pytest.raises(neps.ArgumentError, match="n x m"):
        non_dominated_mask([[[1.0]]])
    assert non_dominated_sort(np.empty((0, 2))).tolist() == []


def test_front_of_a_two_objective_study(tmp_path: Path) -> None:
    def fn(x: float) -> list[float]:
        return [x, (1 - x) ** 2]  # every trial is Pareto-optimal...

    root = tmp_path / "mo"
    neps.run(fn, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=8, seed=3)
    res = pareto(root)
    assert len(res.trials) == 8 and res.points.shape == (8, 2)
    assert (res.ranks == 0).all()
    front = pareto_front(root)
    firsts = [t.report.objectives[0] for t in front]  # type: ignore[union-attr,index]
    assert firsts == sorted(firsts)
    row = res.rows()[0]
    assert {"trial_id", "pareto_rank", "objective_0", "objective_1", "config.x"} <= set(row)


def test_study_without_successes(tmp_path: Path) -> None:
    def fn(x: float) -> float:
        raise RuntimeError("no")

    root = tmp_path / "f"
    neps.run(
        fn,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=2,
        on_error="ignore",
    )
    with pytest.raises(neps.ArgumentError, match="No successful trial"):
        pareto(root)
