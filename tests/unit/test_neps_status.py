"""``neps.status`` gives NePS's (full, short) pandas pair, and the summary folder has
NePS's files with NePS's column names next to our own ``trials.csv``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps

pd = pytest.importorskip("pandas")


def _evaluate(x: float, opt: str) -> dict[str, Any]:
    return {
        "objective_to_minimize": x,
        "cost": 2.0,
        "info_dict": {"train": {"seconds": 1.5}, "note": opt},
    }


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    neps.run(
        _evaluate,
        {"x": neps.Float(0.0, 1.0), "opt": neps.Categorical(["sgd", "adam"])},
        root_directory=root,
        evaluations_to_spend=5,
        optimizer="random_search",
        seed=3,
    )
    return root


def test_status_unpacks_into_full_frame_and_short_series(study: Path) -> None:
    full, short = neps.status(study, print_summary=False)
    assert list(full.index) == ["1", "2", "3", "4", "5"]
    assert full.index.name == "id"
    for column in (
        "config.x",
        "config.opt",
        "extra.train.seconds",
        "extra.note",
        "objective_to_minimize",
        "cost",
        "reported_as",
        "evaluation_duration",
        "state",
        "sampling_worker_id",
        "time_sampled",
        "evaluating_worker_id",
        "time_submitted",
        "time_started",
        "time_end",
    ):
        assert column in full.columns, column
    assert "err" not in full.columns  # columns empty for every trial are dropped, as NePS does
    row = full.loc["3"]
    assert row["state"] == "success" and row["reported_as"] == "success"
    assert row["extra.train.seconds"] == 1.5
    best_id = full["objective_to_minimize"].astype(float).idxmin()
    assert short.name == "value" and short.index.name == "summary"
    assert short["num_success"] == 5
    assert short["best_config_id"] == best_id
    assert short["best_objective_to_minimize"] == full.loc[best_id, "objective_to_minimize"]
    assert short["x"] == full.loc[best_id, "config.x"]


def test_print_summary_prints_and_str_is_the_text(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = neps.status(study, print_summary=True)
    printed = capsys.readouterr().out
    assert "success" in printed and str(result) in printed
    assert len(result) == 2
    assert result[0].shape[0] == 5


def test_summary_folder_has_neps_files(study: Path) -> None:
    summary = study / "summary"
    for name in ("full.csv", "short.csv", "best_config.txt", "best_config_trajectory.txt"):
        assert (summary / name).is_file(), name
    assert (summary / "trials.csv").is_file()
    with (summary / "full.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["extra.note"] in ("sgd", "adam")
    with (summary / "short.csv").open() as fh:
        short = dict(csv.reader(fh))
    assert short["summary"] == "value"
    assert short["num_success"] == "5"
    best = short["best_config_id"]
    text = (summary / "best_config.txt").read_text()
    assert f"Config ID: {best}\n" in text
    trace = (summary / "best_config_trajectory.txt").read_text()
    assert trace.rstrip().endswith("-" * 80)
    assert trace.split("Config ID: ")[-1].startswith(f"{best}\n")  # the last improvement


def test_trajectory_counts_cumulative_evaluations_and_cost(study: Path) -> None:
    trace = (study / "summary" / "best_config_trajectory.txt").read_text()
    entries = trace.split("Config ID: ")[1:]
    evaluations = [int(e.split("Cumulative evaluations: ")[1].split("\n")[0]) for e in entries]
    costs = [float(e.split("Cumulative cost: ")[1].split("\n")[0]) for e in entries]
    assert evaluations == sorted(evaluations)
    assert costs == [2.0 * n for n in evaluations]


def test_multi_objective_best_config_lists_the_front(tmp_path: Path) -> None:
    root = tmp_path / "mo"
    neps.run(
        lambda x: [x, 1.0 - x],
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=4,
        optimizer="random_search",
    )
    best = (root / "summary" / "best_config.txt").read_text()
    assert best.count("Config ID:") == 4  # x and 1-x: every trial is on the front
    full, short = neps.status(root)
    assert "best_config_id" not in short.index
    assert short["num_success"] == 4
    assert isinstance(full.loc["1", "objective_to_minimize"], list)


def test_without_pandas_the_pair_is_a_clear_error_and_the_text_still_works(
    study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    result = neps.status(study)
    assert "success" in str(result)
    with pytest.raises(neps.NepsLikeError, match=r"pip install 'neps-like\[pandas\]'"):
        _full, _short = result
