"""NePS 0.17's per-worker budgets and ``live_plots`` are accepted by ``run``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import neps_like as neps


def _space() -> dict[str, object]:
    return {"x": neps.Float(0.0, 1.0), "epochs": neps.IntegerFidelity(1, 4)}


def test_worker_cost_to_spend_stops_this_worker(tmp_path: Path) -> None:
    summary = neps.run(
        lambda x, epochs: {"objective_to_minimize": x, "cost": 3.0},
        _space(),
        root_directory=tmp_path / "s",
        optimizer="random_search",
        worker_cost_to_spend=7.0,
    )
    # 3 + 3 < 7, so a third trial runs; 9 >= 7 stops before a fourth
    assert summary.evaluated == 3
    assert summary.cost_spent == 9.0
    assert "worker_cost_to_spend=7.0" in summary.stop_reason


def test_worker_fidelities_to_spend_counts_the_fidelity_values(tmp_path: Path) -> None:
    root = tmp_path / "s"
    summary = neps.run(
        lambda x, epochs: x,
        _space(),
        root_directory=root,
        optimizer="random_search",
        worker_fidelities_to_spend=10,
    )
    spent = sum(t.config["epochs"] for t in neps.load(root).values())
    assert spent == summary.fidelities_spent >= 10
    assert spent - summary.fidelities_spent == 0
    last = max(neps.load(root).values(), key=lambda t: int(t.id))
    assert spent - last.config["epochs"] < 10  # it stopped right after crossing
    assert "worker_fidelities_to_spend" in summary.stop_reason


def test_worker_budgets_are_per_process_not_global(tmp_path: Path) -> None:
    root = tmp_path / "s"
    for _ in range(2):
        neps.run(
            lambda x, epochs: {"objective_to_minimize": x, "cost": 1.0},
            _space(),
            root_directory=root,
            optimizer="random_search",
            worker_cost_to_spend=2.0,
        )
    assert len(neps.load(root)) == 4  # each run spent its own 2.0


@pytest.mark.parametrize("name", ["worker_cost_to_spend", "worker_fidelities_to_spend"])
def test_bad_worker_budget_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(neps.ArgumentError, match=name):
        neps.run(lambda x, epochs: x, _space(), root_directory=tmp_path / "s", **{name: -1})
    assert not (tmp_path / "s").exists()


def test_live_plots_is_accepted_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        summary = neps.run(
            lambda x, epochs: x,
            _space(),
            root_directory=tmp_path / "s",
            evaluations_to_spend=1,
            live_plots=True,
        )
    assert summary.evaluated == 1
    assert "live_plots=True" in caplog.text
