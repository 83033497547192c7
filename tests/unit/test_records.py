from __future__ import annotations

import pickle

import pytest

from neps_like._errors import IllegalTransitionError, StorageError, TrialNotFoundError
from neps_like.state.records import MetaData, Report, Trial, TrialState


def _trial(state: TrialState = TrialState.PENDING) -> Trial:
    return Trial("3", {"x": 1.0}, state, MetaData(time_sampled=1.0, sampling_worker_id="w"))


def test_round_trip() -> None:
    t = (
        _trial()
        .transition(TrialState.EVALUATING)
        .transition(TrialState.SUCCESS, report=Report(0.5, cost=2.0, extra={"a": [1]}))
    )
    assert Trial.from_dict(t.to_dict()) == t


def test_compact_records_leave_out_defaults_and_read_back() -> None:
    t = _trial().transition(TrialState.EVALUATING).with_metadata(attempt=1)
    record = t.to_record()
    assert "report" not in record and set(record["metadata"]) == {
        "time_sampled",
        "sampling_worker_id",
        "attempt",
    }
    assert Trial.from_dict(record) == t
    done = t.transition(TrialState.SUCCESS, report=Report(0.5, extra={"a": 1}, err=None))
    assert done.to_record()["report"] == {"objective_to_minimize": 0.5, "extra": {"a": 1}}
    assert Trial.from_dict(done.to_record()) == done
    newer = {**done.to_dict(), "metadata": {**done.metadata.to_dict(), "future_field": 1}}
    assert Trial.from_dict(newer) == done, "fields of a newer version are ignored"


@pytest.mark.parametrize(
    "start, end",
    [
        (TrialState.SUCCESS, TrialState.EVALUATING),
        (TrialState.PENDING, TrialState.SUCCESS),
        (TrialState.DUPLICATE, TrialState.PENDING),
        (TrialState.FAILED, TrialState.PENDING),
    ],
)
def test_illegal_transitions_raise(start: TrialState, end: TrialState) -> None:
    with pytest.raises(IllegalTransitionError, match=f"from {start.value} to {end.value}"):
        _trial(start).transition(end)


def test_crashed_can_be_requeued() -> None:
    t = _trial(TrialState.EVALUATING).transition(TrialState.CRASHED)
    assert t.transition(TrialState.PENDING).state is TrialState.PENDING
    assert TrialState.SUCCESS.is_final and not TrialState.CRASHED.is_final


def test_report_usability() -> None:
    assert Report(1.0).is_usable and Report([1.0, 2.0]).is_usable
    assert not Report(None).is_usable and not Report(float("nan")).is_usable


def test_errors_survive_pickling() -> None:
    err = pickle.loads(pickle.dumps(StorageError("disk full", path="/x")))
    assert isinstance(err, StorageError) and err.path == "/x" and "disk full" in str(err)
    nf = pickle.loads(pickle.dumps(TrialNotFoundError("9", root="/r")))
    assert isinstance(nf, KeyError) and nf.trial_id == "9" and "'9'" in str(nf)
