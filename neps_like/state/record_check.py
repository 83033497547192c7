"""Schema checks of whole journal records, shared by the offline tools.

A record whose checksum holds may still be hostile or written by a buggy tool: a trial
without a config, an objective stored as text, an unknown state. Workers skip such a
record with a warning as they replay (``_core.StateCore._apply``); ``verify`` reports it
and ``repair`` moves it to the quarantine file, both through ``check_record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neps_like._errors import CorruptRecordError
from neps_like.state.optimizer_info import OptimizationState
from neps_like.state.records import Trial


def check_record(record: Mapping[str, Any]) -> Trial | None:
    """The trial a record carries (None for other kinds) once its fields check out.

    Record kinds this version does not know are accepted (a newer version wrote them).

    Raises:
        CorruptRecordError: saying which field is wrong.
    """
    kind = record.get("kind")
    if kind == "trial":
        data = record.get("trial")
        if not isinstance(data, dict):
            raise CorruptRecordError(f"trial record holds {type(data).__name__}, not a trial")
        key = data.get("key")
        if key is not None and not isinstance(key, str):
            raise CorruptRecordError(f"trial record's key is {key!r}, not a string")
        return Trial.from_dict(data)  # (ids that are no trial ids: ``path_checks``)
    if kind == "worker":
        if not isinstance(record.get("worker_id"), str):
            raise CorruptRecordError("worker record without a worker_id string")
    elif kind == "optimizer_state":
        state = record.get("state")
        if not isinstance(state, dict):
            raise CorruptRecordError("optimizer_state record without a state object")
        OptimizationState.from_dict(state)
    elif kind == "snapshot_proof":
        if type(record.get("seq")) is not int or not isinstance(record.get("digest"), str):
            raise CorruptRecordError("snapshot_proof record without seq and digest")
    elif not isinstance(kind, str):
        raise CorruptRecordError(f"record kind is {kind!r}, not a string")
    return None
