"""The error dump: records appended and read back field by field; a link, damaged
lines and a torn tail are skipped with a warning naming the file (and the line)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from neps_like.state.err_dump import ErrorRecord, append_error, read_errors

RECORD = ErrorRecord(1.5, "w1", "3", "ValueError", "bad value", "Traceback ...")


def test_from_dict_reads_every_field() -> None:
    data = {"time": "2.5", "worker_id": 7, "trial_id": 4, "err_type": "E", "err": 1, "tb": 2}
    assert ErrorRecord.from_dict(data) == ErrorRecord(2.5, "7", "4", "E", "1", "2")
    data = {"time": 1, "worker_id": "w", "err_type": "E", "err": "m", "trial_id": None}
    assert ErrorRecord.from_dict(data) == ErrorRecord(1.0, "w", None, "E", "m", None)


def test_appended_records_are_read_back(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    other = ErrorRecord(2.0, "w2", None, "WorkerLost", "worker w1 stopped")
    append_error(path, RECORD)
    append_error(path, other)
    assert path.read_text(encoding="utf-8").count("\n") == 2
    dump = read_errors(path)
    assert list(dump) == [RECORD, other] and len(dump) == 2
    assert dump.latest(1) == [other]


def test_a_lone_surrogate_is_written_as_a_replacement_character(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    append_error(path, ErrorRecord(1.0, "w1", None, "OSError", "no file b'\udce9'"))
    assert read_errors(path).latest(1)[0].err == "no file b'\ufffd'"


def test_a_torn_last_line_stays_on_its_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "errors.jsonl"
    path.write_bytes(b'{"time": 1, "worker_id"')  # a writer killed mid-line
    append_error(path, RECORD)
    with caplog.at_level(logging.WARNING, logger="neps_like.state.err_dump"):
        assert list(read_errors(path)) == [RECORD]
    assert caplog.messages == [f"Skipping unreadable line 1 of {path}"]


def test_unreadable_lines_are_skipped_naming_their_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "errors.jsonl"
    good = b'{"time": 1, "worker_id": "w", "err_type": "E", "err": "m"}'
    path.write_bytes(b"\n".join([good, b"[1, 2]", b"", b'{"time": 1}', b"{oops", good]))
    with caplog.at_level(logging.WARNING, logger="neps_like.state.err_dump"):
        dump = read_errors(path)
    assert len(dump) == 2
    assert caplog.messages == [f"Skipping unreadable line {n} of {path}" for n in (2, 4, 5)]


def test_a_missing_dump_is_empty(tmp_path: Path) -> None:
    assert len(read_errors(tmp_path / "errors.jsonl")) == 0


def test_a_linked_dump_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "elsewhere.jsonl"
    append_error(target, RECORD)
    path = tmp_path / "errors.jsonl"
    path.symlink_to(target)
    with caplog.at_level(logging.WARNING, logger="neps_like.state.err_dump"):
        assert len(read_errors(path)) == 0
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith("Error records not read: ")
    assert str(path) in caplog.messages[0]


def test_a_fifo_dump_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "errors.jsonl"
    os.mkfifo(path)
    with caplog.at_level(logging.WARNING, logger="neps_like.state.err_dump"):
        assert len(read_errors(path)) == 0
    assert str(path) in caplog.text
