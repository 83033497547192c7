"""``record_check.check_record``: each rule refuses its record with a message naming the
field; well-formed records of every kind pass."""

from __future__ import annotations

from typing import Any

import pytest

from neps_like._errors import CorruptRecordError
from neps_like.state.record_check import check_record
from neps_like.state.records import MetaData, Report, Trial, TrialState


def _trial_record(**changes: Any) -> dict[str, Any]:
    trial = Trial("3", {"x": 0.5}, TrialState.SUCCESS, MetaData(1.0, "w1"), Report(0.5))
    data = trial.to_record(key="k3")
    data.update(changes)
    return {"kind": "trial", "trial": data}


def test_a_trial_record_gives_its_trial() -> None:
    trial = check_record(_trial_record())
    assert trial is not None
    assert (trial.id, dict(trial.config), trial.state, trial.report) == (
        "3",
        {"x": 0.5},
        TrialState.SUCCESS,
        Report(0.5),
    )


def test_a_trial_record_without_a_key_is_accepted() -> None:
    record = _trial_record()
    del record["trial"]["key"]
    trial = check_record(record)
    assert trial is not None and trial.id == "3"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"kind": "trial", "trial": ["3"]}, "trial record holds list, not a trial"),
        ({"kind": "trial"}, "trial record holds NoneType, not a trial"),
        (_trial_record(key=5), "trial record's key is 5, not a string"),
        (_trial_record(key=["k"]), "trial record's key is ['k'], not a string"),
        (_trial_record(config="x=1"), "config is str, not an object"),
        ({"kind": "worker"}, "worker record without a worker_id string"),
        ({"kind": "worker", "worker_id": 7}, "worker record without a worker_id string"),
        ({"kind": "optimizer_state"}, "optimizer_state record without a state object"),
        ({"kind": "optimizer_state", "state": [1]}, "without a state object"),
        (
            {"kind": "optimizer_state", "state": {"budget": {"max_evaluations": "9"}}},
            "budget max_evaluations is '9'",
        ),
        ({"kind": "snapshot_proof", "digest": "ab"}, "snapshot_proof record without seq"),
        ({"kind": "snapshot_proof", "seq": 3}, "snapshot_proof record without seq and digest"),
        ({"kind": "snapshot_proof", "seq": True, "digest": "ab"}, "without seq and digest"),
        ({"kind": "snapshot_proof", "seq": "3", "digest": "ab"}, "without seq and digest"),
        ({"kind": "snapshot_proof", "seq": 3, "digest": 4}, "without seq and digest"),
        ({"kind": 5}, "record kind is 5, not a string"),
        ({}, "record kind is None, not a string"),
    ],
)
def test_a_malformed_record_is_refused_naming_the_field(
    record: dict[str, Any], message: str
) -> None:
    with pytest.raises(CorruptRecordError) as info:
        check_record(record)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "record",
    [
        {"kind": "worker", "worker_id": "w1", "time": 1.0},
        {"kind": "optimizer_state", "state": {}},
        {"kind": "optimizer_state", "state": {"budget": {"max_evaluations": 4}}},
        {"kind": "snapshot_proof", "seq": 12, "digest": "ab12"},
        {"kind": "written_by_a_newer_version", "anything": [1, 2]},
    ],
)
def test_other_well_formed_records_carry_no_trial(record: dict[str, Any]) -> None:
    assert check_record(record) is None
