"""Export to CSV, JSON and Parquet: columns, round trips, errors."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.analysis.export import export, table_rows, write_parquet


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def fn(x: float, act: str) -> dict[str, Any]:
        if x < 0.1:
            raise ValueError("too small")
        return {
            "objective_to_minimize": [x, 1 - x],
            "cost": 2.0,
            "learning_curve": [3.0, x],
            "extra": {"acc": 1 - x, "tags": ["a", "b"]},
        }

    root = tmp_path_factory.mktemp("export") / "study"
    space = {"x": neps.Float(0.0, 1.0), "act": neps.Categorical(["relu", 7])}
    neps.run(fn, space, root_directory=root, evaluations_to_spend=12, seed=8, on_error="ignore")
    return root


def test_csv_has_one_row_per_trial_in_id_order(study: Path, tmp_path: Path) -> None:
    out = export(study, tmp_path / "t.csv")
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [str(i) for i in range(1, 13)]
    ok = next(r for r in rows if r["state"] == "success")
    assert float(ok["objective_0"]) + float(ok["objective_1"]) == pytest.approx(1.0)
    assert json.loads(ok["learning_curve"])[0] == 3.0
    assert json.loads(ok["extra.tags"]) == ["a", "b"] and float(ok["extra.acc"]) <= 1
    assert {"config.x", "config.act", "worker_id", "time_ended", "cost"} <= set(ok)


def test_json_is_strict_and_keeps_lists(study: Path, tmp_path: Path) -> None:
    out = export(study, tmp_path / "t.json")
    rows = json.loads(out.read_text(), parse_constant=pytest.fail)  # no NaN / Infinity
    assert len(rows) == 12 and isinstance(rows[0]["objective_to_minimize"], (list, type(None)))
    assert rows == json.loads(json.dumps(rows))


def test_other_tables(study: Path, tmp_path: Path) -> None:
    inc = table_rows(study, "incumbent")
    assert len(inc) == 12 and inc[-1]["incumbent"] == min(
        r["objective_to_minimize"] for r in inc if r["objective_to_minimize"] is not None
    )
    ranks = [r["pareto_rank"] for r in table_rows(study, "pareto")]
    assert ranks and set(ranks) == {0}  # x and 1 - x: every point is on the front
    assert {r["parameter"] for r in table_rows(study, "importance")} == {"x", "act"}
    export(study, tmp_path / "inc.csv", table="incumbent")
    assert (tmp_path / "inc.csv").read_text().startswith("evaluation,trial_id,")


def test_parquet_round_trip(study: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = export(study, tmp_path / "t.parquet")
    table = pq.read_table(out)
    assert table.num_rows == 12
    assert table.column("config.act").type == "string"  # "relu" and 7 mixed: text
    assert str(table.schema.field("learning_curve").type.value_type) == "double"
    assert not list(tmp_path.glob(".*tmp"))  # the temp file was renamed


def test_mixed_numbers_become_floats(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    write_parquet([{"a": 1, "b": None}, {"a": 2.5, "b": {"k": 1}}], tmp_path / "m.parquet")
    table = pq.read_table(tmp_path / "m.parquet")
    assert table.column("a").to_pylist() == [1.0, 2.5]
    assert table.column("b").to_pylist() == [None, '{"k": 1}']


def test_parquet_without_pyarrow_says_what_to_install(
    study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("pyarrow", "pyarrow.parquet"):  # None in sys.modules: the import fails
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(neps.NepsLikeError, match=r"neps-like\[parquet\]"):
        export(study, tmp_path / "t.parquet")
    assert not (tmp_path / "t.parquet").exists()


def test_unknown_suffix_and_table(study: Path, tmp_path: Path) -> None:
    with pytest.raises(neps.ArgumentError, match=r"\.csv, \.json or \.parquet"):
        export(study, tmp_path / "t.xlsx")
    with pytest.raises(neps.ArgumentError, match="Unknown table"):
        export(study, tmp_path / "t.csv", table="nope")
