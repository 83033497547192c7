"""run() end to end in this process and in subprocesses: resume, budgets, errors, CLI."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps

SPACE = {"x": neps.Float(0.0, 1.0), "model": {"depth": neps.Integer(1, 4)}}


def objective(x: float, model: dict[str, Any]) -> float:
    return (x - 0.5) ** 2 + model["depth"] / 10


def test_resume_continues_the_same_budget(tmp_path: Path) -> None:
    root = tmp_path / "r"
    summary = neps.run(objective, SPACE, root_directory=root, evaluations_to_spend=5, seed=3)
    assert summary.evaluated == 5
    again = neps.run(objective, SPACE, root_directory=root, evaluations_to_spend=5, seed=3)
    assert again.evaluated == 0 and "reached" in again.stop_reason
    more = neps.run(objective, SPACE, root_directory=root, max_evaluations_total=8)
    assert more.evaluated == 3
    trials = neps.load(root)
    assert len(trials) == 8 and trials.counts() == {"success": 8}
    assert (root / "summary" / "trials.csv").exists()
    assert (root / "summary" / "best_config.yaml").exists()


def test_same_seed_same_configs(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    neps.run(objective, SPACE, root_directory=a, evaluations_to_spend=6, seed=11)
    neps.run(objective, SPACE, root_directory=b, evaluations_to_spend=3, seed=11)
    neps.run(objective, SPACE, root_directory=b, evaluations_to_spend=6, seed=11)
    configs_a = [neps.load(a)[str(i)].config for i in range(1, 7)]
    configs_b = [neps.load(b)[str(i)].config for i in range(1, 7)]
    assert configs_a == configs_b


def test_nested_space_and_directories(tmp_path: Path) -> None:
    seen: list[tuple[Path, Path | None]] = []

    def fn(
        x: float,
        model: dict[str, Any],
        pipeline_directory: Path,
        previous_pipeline_directory: Path | None,
    ) -> dict[str, Any]:
        seen.append((pipeline_directory, previous_pipeline_directory))
        assert pipeline_directory.is_dir()
        (pipeline_directory / "ckpt.txt").write_text("w")
        return {
            "objective_to_minimize": x,
            "cost": 2.0,
            "learning_curve": [3.0, 2.0, x],
            "accuracy": 0.9,
            "extra": {"note": "hi"},
        }

    neps.run(fn, SPACE, root_directory=tmp_path / "r", evaluations_to_spend=2)
    assert len(seen) == 2 and seen[0][1] is None
    trial = neps.load(tmp_path / "r")["1"]
    assert set(trial.config) == {"x", "model.depth"}
    assert trial.report is not None and trial.report.cost == 2.0
    assert trial.report.extra == {"note": "hi", "accuracy": 0.9}
    assert trial.report.learning_curve is not None and len(trial.report.learning_curve) == 3
    assert (tmp_path / "r" / "trials" / "1" / "report.yaml").exists()


def test_cost_budget(tmp_path: Path) -> None:
    def fn(x: float, model: dict[str, Any]) -> dict[str, float]:
        return {"objective_to_minimize": x, "cost": 2.5}

    neps.run(fn, SPACE, root_directory=tmp_path / "r", cost_to_spend=10)
    assert len(neps.load(tmp_path / "r")) == 4


def test_worker_budget_and_wallclock(tmp_path: Path) -> None:
    root = tmp_path / "r"
    s = neps.run(objective, SPACE, root_directory=root, max_evaluations_per_run=3)
    assert s.evaluated == 3 and "max_evaluations_per_run" in s.stop_reason
    s = neps.run(
        objective,
        SPACE,
        root_directory=root,
        max_wallclock_time_seconds=0.2,
        evaluations_to_spend=10_000,
    )
    assert "max_wallclock_time_seconds" in s.stop_reason


@pytest.mark.parametrize(
    "result, reason",
    [
        (math.nan, "finite"),
        ("bad", "must be a number"),
        ({"cost": 1}, "no 'objective_to_minimize'"),
    ],
)
def test_junk_results_fail_the_trial(tmp_path: Path, result: Any, reason: str) -> None:
    root = tmp_path / "r"
    s = neps.run(
        lambda x, model: result,
        SPACE,
        root_directory=root,
        evaluations_to_spend=3,
        on_error="ignore",
    )
    assert s.failed == 3
    trials = neps.load(root)
    assert trials.counts() == {"failed": 3}
    assert all(reason in (t.report.err or "") for t in trials.values() if t.report)
    assert len(trials.errors) == 3


def test_raise_records_then_raises_and_resume_skips_it(tmp_path: Path) -> None:
    root = tmp_path / "r"
    calls = []

    def fn(x: float, model: dict[str, Any]) -> float:
        calls.append(x)
        if len(calls) == 2:
            raise ValueError("boom")
        return x

    with pytest.raises(ValueError, match="boom"):
        neps.run(fn, SPACE, root_directory=root, evaluations_to_spend=4)
    assert neps.load(root).counts() == {"success": 1, "failed": 1}
    neps.run(fn, SPACE, root_directory=root, evaluations_to_spend=4)
    assert neps.load(root).counts() == {"success": 3, "failed": 1}
    assert len(calls) == 4


def test_substitute_values_on_error(tmp_path: Path) -> None:
    def fn(x: float, model: dict[str, Any]) -> float:
        raise RuntimeError("nope")

    root = tmp_path / "r"
    neps.run(
        fn,
        SPACE,
        root_directory=root,
        evaluations_to_spend=2,
        objective_value_on_error=10.0,
        cost_value_on_error=1.0,
    )
    trials = neps.load(root)
    assert trials.counts() == {"failed": 2}
    assert all(t.report and t.report.objective_to_minimize == 10.0 for t in trials.values())


def test_retry_requeues_then_fails(tmp_path: Path) -> None:
    attempts: list[float] = []

    def fn(x: float, model: dict[str, Any]) -> float:
        attempts.append(x)
        raise RuntimeError("flaky")

    root = tmp_path / "r"
    neps.run(
        fn, SPACE, root_directory=root, evaluations_to_spend=1, on_error="retry", max_retries=2
    )
    trial = neps.load(root)["1"]
    assert trial.state is neps.TrialState.FAILED
    assert len(attempts) == 3 and len(set(attempts)) == 1
    assert trial.metadata.attempt == 3


def test_grid_search_ends_when_exhausted(tmp_path: Path) -> None:
    space = {"a": neps.Categorical(["p", "q"]), "b": neps.Integer(1, 3)}
    s = neps.run(lambda a, b: b, space, root_directory=tmp_path / "g", optimizer="grid_search")
    assert s.evaluated == 6 and "exhausted" in s.stop_reason
    configs = {(t.config["a"], t.config["b"]) for t in neps.load(tmp_path / "g").values()}
    assert len(configs) == 6


def test_overwrite_root_directory(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(objective, SPACE, root_directory=root, evaluations_to_spend=3)
    neps.run(
        objective,
        {"x": neps.Float(0, 2)}.copy() | {"model": {"depth": neps.Integer(1, 4)}},
        root_directory=root,
        evaluations_to_spend=2,
        overwrite_root_directory=True,
    )
    assert len(neps.load(root)) == 2


def test_custom_ask_callable(tmp_path: Path) -> None:
    def ask(trials, budget_info, n=None):  # type: ignore[no-untyped-def]
        return neps.SampledConfig({"x": len(trials) / 10, "model.depth": 1})

    neps.run(objective, SPACE, root_directory=tmp_path / "r", optimizer=ask, evaluations_to_spend=3)
    xs = sorted(t.config["x"] for t in neps.load(tmp_path / "r").values())
    assert xs == [0.0, 0.1, 0.2]


def test_evaluate_pipeline_from_file(tmp_path: Path) -> None:
    script = tmp_path / "my objective.py"
    script.write_text("def f(x, model):\n    return x\n")
    neps.run(f"{script}:f", SPACE, root_directory=tmp_path / "r", evaluations_to_spend=2)
    assert len(neps.load(tmp_path / "r")) == 2


def test_cli_status_and_demo(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "neps_like",
            "demo",
            "--root",
            str(tmp_path / "demo"),
            "--workers",
            "3",
            "--evaluations",
            "12",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "success     12" in out.stdout
    st = subprocess.run(
        [sys.executable, "-m", "neps_like", "status", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert st.returncode == 0 and "Best: trial" in st.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "neps_like", "status", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2 and "No neps_like study" in missing.stderr


def test_delete_checkpoints_of_finished_trials(tmp_path: Path) -> None:
    def fn(x: float, model: dict[str, Any], pipeline_directory: Path) -> float:
        (pipeline_directory / "weights.bin").write_bytes(b"0" * 1000)
        (pipeline_directory / "ckpts").mkdir()
        return x

    root = tmp_path / "r"
    neps.run(fn, SPACE, root_directory=root, evaluations_to_spend=2, delete_checkpoints=True)
    folder = root / "trials" / "1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.yaml",
        "metadata.json",
        "report.yaml",
    ]


def test_resume_without_optimizer_uses_the_recorded_one(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(objective, SPACE, root_directory=root, optimizer="grid_search", evaluations_to_spend=2)
    s = neps.run(objective, root_directory=root, evaluations_to_spend=4)
    assert s.evaluated == 2
    assert "grid_search" in (root / "optimizer_info.yaml").read_text()


def test_small_space_ends_cleanly_with_bo(tmp_path: Path) -> None:
    s = neps.run(
        lambda c: 1.0,
        {"c": neps.Categorical(["a", "b"])},
        root_directory=tmp_path / "r",
        optimizer="bayesian_optimization",
        evaluations_to_spend=5,
    )
    assert s.evaluated == 2 and "exhausted" in s.stop_reason


def test_checkpoint_deletion_refused_with_fidelities(tmp_path: Path) -> None:
    space = {"x": neps.Float(0, 1), "epochs": neps.Integer(1, 9, is_fidelity=True)}
    with pytest.raises(neps.ArgumentError, match="multi-fidelity"):
        neps.run(
            lambda x, epochs: x,
            space,
            root_directory=tmp_path / "r",
            delete_checkpoints=True,
            evaluations_to_spend=2,
        )
