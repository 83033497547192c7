from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps
from tests.helpers.workers import spawn_workers, wait_all

SPACE = {"x": neps.Float(0.0, 1.0), "y": neps.Integer(0, 3)}


def test_import_is_idempotent_and_spends_no_budget(tmp_path: Path) -> None:
    root = tmp_path / "r"
    old = [
        ({"x": 0.1, "y": 1}, 0.5),
        ({"config": {"x": 0.2, "y": 2}, "result": {"objective_to_minimize": 0.3, "cost": 4}}),
    ]
    ids = neps.import_trials(root, old, pipeline_space=SPACE)
    assert ids == ["1", "2"]
    assert neps.import_trials(root, old) == [], "importing twice adds nothing"
    neps.run(lambda x, y: x, SPACE, root_directory=root, evaluations_to_spend=3)
    trials = neps.load(root)
    assert trials.counts() == {"success": 5}
    assert trials["2"].metadata.origin == "imported" and trials["2"].report.cost == 4  # type: ignore[union-attr]


def test_bad_imports_add_nothing(tmp_path: Path) -> None:
    root = tmp_path / "r"
    with pytest.raises(neps.ConfigError, match=r"Config #1"):
        neps.import_trials(
            root, [({"x": 0.1, "y": 1}, 1.0), ({"x": 5.0, "y": 1}, 1.0)], pipeline_space=SPACE
        )
    with pytest.raises(neps.EvaluationError, match=r"#0"):
        neps.import_trials(root, [({"x": 0.1, "y": 1}, "nope")], pipeline_space=SPACE)
    with pytest.raises(neps.ArgumentError, match="pass pipeline_space"):
        neps.import_trials(tmp_path / "none", [({"x": 0.1, "y": 1}, 1.0)])


def test_enqueued_configs_run_first(tmp_path: Path) -> None:
    root = tmp_path / "r"
    ids = neps.enqueue(root, [{"x": 0.25, "y": 0}, {"x": 0.75, "y": 3}], pipeline_space=SPACE)
    assert neps.enqueue(root, [{"x": 0.25, "y": 0}]) == []
    seen: list[float] = []
    neps.run(lambda x, y: seen.append(x) or x, SPACE, root_directory=root, evaluations_to_spend=4)
    assert seen[:2] == [0.25, 0.75] and len(seen) == 4
    assert [neps.load(root)[i].metadata.origin for i in ids] == ["enqueued", "enqueued"]


def test_import_while_four_workers_run(tmp_path: Path, worker_script: Path) -> None:
    root, side = tmp_path / "root", tmp_path / "side.log"
    kwargs = {"evaluations_to_spend": 80, "_sleep": 0.01}
    neps.enqueue(root, [{"x": 0.5, "y": 0}], pipeline_space=SPACE)
    data = [({"x": i / 1000, "y": 1}, float(i)) for i in range(50)]
    with spawn_workers(worker_script, root, side, 4, kwargs, delay=0.3) as procs:
        for chunk in range(0, 50, 10):
            neps.import_trials(root, data[chunk : chunk + 10])
        neps.import_trials(root, data)  # all again: nothing new
        results = wait_all(procs)
    assert all(code == 0 for code, _ in results), results
    trials = neps.load(root)
    assert trials.counts() == {"success": 130}
    assert sum(t.metadata.origin == "imported" for t in trials.values()) == 50
    assert len({t.id for t in trials.values()}) == 130
