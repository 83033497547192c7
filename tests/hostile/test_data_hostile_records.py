"""Defect 8: journal records whose checksum holds but whose content is hostile. Each is
skipped (workers, status, load) or reported and quarantined (verify, repair) like a
corrupt record, never a traceback."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.state.verify import repair, verify
from tests.hostile.data_support import (
    append_raw,
    journal,
    make_study,
    objective,
    records,
    rewrite_record,
)


def _exercise_everything(root: Path) -> Any:
    """status, load, verify, repair and one more worker, none of which may raise."""
    neps.status(root)
    loaded = neps.load(root)
    report = verify(root)
    assert not report.ok, "the planted record must be reported"
    _, after = repair(root)
    assert after.ok, after.render()
    neps.run(objective, root_directory=root, evaluations_to_spend=6)
    return loaded


def _trial_record(seq_record: dict[str, Any], trial_id: str) -> bool:
    return seq_record.get("kind") == "trial" and seq_record["trial"]["id"] == trial_id


def test_deeply_nested_record_does_not_recurse(tmp_path: Path) -> None:
    """Attack: 200,000 nested '[' in a record with a valid checksum used to raise
    RecursionError in status, verify, repair and every worker."""
    root = make_study(tmp_path / "study")
    append_raw(root, b"[" * 200_000 + b"]" * 200_000)
    append_raw(root, b'{"kind":"trial","trial":' + b"[" * 200_000 + b"}")
    _exercise_everything(root)
    assert b"[[[[[[" in (root / "journal" / "quarantine.log").read_bytes()
    assert len([r for _, r in records(root) if r.get("kind") == "trial"]) >= 6


def test_deeply_nested_extra_in_a_success_record(tmp_path: Path) -> None:
    """Variation: the nesting hidden in a real trial's report (``extra``), inside
    strings too, and a worker replaying the journal under the lock."""
    root = make_study(tmp_path / "study")
    deep: Any = "x"
    for _ in range(100):
        deep = [deep, "]]]"]
    rewrite_record(
        root,
        lambda r: _trial_record(r, "2") and r["trial"]["state"] == "success",
        lambda r: r["trial"]["report"].update(extra={"deep": deep}),
    )
    trials = neps.load(root)
    assert trials["2"].state.value != "success", "the hostile outcome is skipped"
    _exercise_everything(root)


def test_trial_record_without_config(tmp_path: Path) -> None:
    """Attack: a trial record without ``config`` aborted verify and repair."""
    root = make_study(tmp_path / "study")
    rewrite_record(root, lambda r: _trial_record(r, "3"), lambda r: r["trial"].pop("config"))
    _exercise_everything(root)


def test_objective_stored_as_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Attack: an objective stored as a string crashed ``status`` while verify said OK."""
    root = make_study(tmp_path / "study")
    rewrite_record(
        root,
        lambda r: _trial_record(r, "1") and r["trial"]["state"] == "success",
        lambda r: r["trial"]["report"].update(objective_to_minimize="0.0001"),
    )
    with caplog.at_level(logging.WARNING):
        status = neps.status(root)
    assert "malformed" in caplog.text.lower()
    assert status is not None
    report = verify(root)
    assert any("objective_to_minimize" in p for p in report.problems), report.render()
    _exercise_everything(root)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("state", "exploded"),
        ("state", ["success"]),
        ("metadata", "nope"),
        ("metadata", {"time_sampled": "yesterday", "sampling_worker_id": "w"}),
        ("report", {"objective_to_minimize": 0.1, "cost": "free"}),
        ("report", {"objective_to_minimize": 0.1, "extra": ["not", "a", "dict"]}),
        ("report", {"objective_to_minimize": [], "err": None}),
        ("report", {"objective_to_minimize": 0.1, "learning_curve": "up"}),
        ("id", 7),
        ("config", ["x", 0.5]),
    ],
)
def test_field_of_the_wrong_type(tmp_path: Path, field: str, value: Any) -> None:
    """Variations: each field of a trial record given the wrong type, checksum valid."""
    root = make_study(tmp_path / "study")
    rewrite_record(
        root, lambda r: _trial_record(r, "2"), lambda r: r["trial"].update({field: value})
    )
    _exercise_everything(root)


def test_optimizer_state_record_of_the_wrong_type(tmp_path: Path) -> None:
    """Variation: an optimizer-state record whose budget holds text."""
    root = make_study(tmp_path / "study")
    bad = {"kind": "optimizer_state", "state": {"budget": {"max_evaluations": "all"}}}
    append_raw(root, json.dumps(bad).encode())
    _exercise_everything(root)


def test_oversized_record_is_refused_unread(tmp_path: Path) -> None:
    """Variation: a record far larger than any report may be (readers would otherwise
    hold it all in memory every time they replay)."""
    root = make_study(tmp_path / "study")
    from neps_like.state.untrusted import MAX_RECORD_BYTES

    payload = b'{"kind":"x","pad":"' + b"a" * (MAX_RECORD_BYTES + 1) + b'"}'
    append_raw(root, payload)
    report = verify(root)
    assert any("limit" in p for p in report.problems), report.render()
    assert journal(root).exists()


def test_deeply_nested_control_file_while_a_trial_runs(tmp_path: Path) -> None:
    """Variation: another user plants a control.json of nested brackets in a running
    trial's folder; the worker's request poller must not die of RecursionError, and the
    trial finishes."""

    def evaluate(x: float, pipeline_directory: Path) -> float:
        (pipeline_directory / "control.json").write_bytes(b"[" * 4000)
        import time

        time.sleep(1.2)  # the poller looks every 0.5 s
        return x

    root = tmp_path / "study"
    neps.run(
        evaluate,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        optimizer="random_search",
        evaluations_to_spend=1,
    )
    assert [r["trial"]["state"] for _, r in records(root) if r.get("kind") == "trial"][-1] == (
        "success"
    )
