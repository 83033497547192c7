"""An optimizer that raises StopIteration ends the study cleanly, inside or outside the lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import neps_like as neps


def _stopping_optimizer(outside_lock: bool) -> type:
    class StopsAfterThree:
        compute_outside_lock = outside_lock

        def __init__(self, space: Any) -> None:
            self.space = space

        def __call__(self, trials: Any, budget_info: Any, n: int | None = None) -> Any:
            if len(trials) >= 3:
                raise StopIteration("three configs were all it had")
            return {"x": 0.1 * (len(trials) + 1)}

    return StopsAfterThree


@pytest.mark.parametrize("outside_lock", [False, True])
def test_stop_iteration_ends_the_run_without_an_error(tmp_path: Path, outside_lock: bool) -> None:
    root = tmp_path / "study"
    neps.run(
        lambda x: x,
        pipeline_space=neps.SearchSpace({"x": neps.Float(0.0, 1.0)}),
        root_directory=root,
        max_evaluations_total=10,
        optimizer=_stopping_optimizer(outside_lock),
    )
    results = neps.load(root)
    assert results.counts() == {"success": 3}
    assert sorted(results[i].config["x"] for i in ("1", "2", "3")) == pytest.approx([0.1, 0.2, 0.3])
