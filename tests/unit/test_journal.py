from __future__ import annotations

import logging
from pathlib import Path

import pytest

from neps_like.state.journal import Journal, JournalReplaced, decode_line, encode_record


def _journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "events.log", tmp_path / "quarantine.log", sync="none")


def test_append_and_incremental_read(tmp_path: Path) -> None:
    writer, reader = _journal(tmp_path), _journal(tmp_path)
    writer.read_new()
    writer.append([{"a": 1}, {"a": 2}])
    assert reader.read_new() == [{"a": 1}, {"a": 2}]
    writer.read_new()
    writer.append([{"a": 3}])
    assert reader.read_new() == [{"a": 3}], "only what is new"
    assert reader.seq == 3 and reader.offset == (tmp_path / "events.log").stat().st_size


def test_line_checksum_detects_changes() -> None:
    line = encode_record(7, {"k": "v"}).rstrip(b"\n")
    assert decode_line(line) == (7, {"k": "v"})
    with pytest.raises(ValueError, match="checksum"):
        decode_line(line.replace(b'"v"', b'"w"'))


def test_torn_tail_ignored_then_repaired(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    j = _journal(tmp_path)
    j.read_new()
    j.append([{"n": 1}])
    path = tmp_path / "events.log"
    with path.open("ab") as fh:
        fh.write(encode_record(2, {"n": 2})[:-2])  # a writer killed mid-append
    reader = _journal(tmp_path)
    assert reader.read_new() == [{"n": 1}]
    assert reader.torn_bytes > 0
    with caplog.at_level(logging.WARNING):
        reader.append([{"n": "2b"}])
    assert "torn tail" in caplog.text
    assert _journal(tmp_path).read_new() == [{"n": 1}, {"n": "2b"}]
    assert b'"n":2' in (tmp_path / "quarantine.log").read_bytes(), "torn bytes kept"


def test_corrupt_middle_record_is_skipped_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    j = _journal(tmp_path)
    j.read_new()
    j.append([{"n": 1}, {"n": 2}, {"n": 3}])
    path = tmp_path / "events.log"
    data = bytearray(path.read_bytes())
    second = data.index(b'"n":2')
    data[second + 4] = ord("9")  # flip a byte inside record 2
    path.write_bytes(bytes(data))
    reader = _journal(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert reader.read_new() == [{"n": 1}, {"n": 3}]
    kinds = [p.kind for p in reader.problems]
    assert "corrupt" in kinds and "gap" in kinds
    assert f"{path}" in caplog.text and "at byte" in caplog.text
    reader.append([{"n": 4}])
    assert reader.seq == 4


def test_replaced_journal_is_detected(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    j.read_new()
    j.append([{"n": 1}, {"n": 2}])
    (tmp_path / "events.log").write_bytes(encode_record(1, {"n": 1}))
    with pytest.raises(JournalReplaced):
        j.read_new()


def test_read_ahead_without_the_lock_leaves_judgements_to_the_locked_read(
    tmp_path: Path,
) -> None:
    writer = _journal(tmp_path)
    writer.read_new()
    writer.append([{"n": 1}])
    path = tmp_path / "events.log"
    with path.open("ab") as fh:  # a corrupt line, then a good one, then a half record
        fh.write(b"2 00000000 {}\n" + encode_record(3, {"n": 3}) + encode_record(4, {"n": 4})[:-3])
    reader = _journal(tmp_path)
    assert reader.read_new(unlocked=True) == [{"n": 1}], "stops before the damage"
    assert reader.problems == [] and reader.torn_bytes == 0
    assert reader.read_new(unlocked=True) == []
    assert reader.read_new() == [{"n": 3}], "the locked read skips the corrupt record"
    assert [p.kind for p in reader.problems] == ["corrupt", "gap"]
    assert reader.torn_bytes > 0
    path.unlink()
    assert reader.read_new(unlocked=True) == [], "a replaced file is the locked read's business"
    with pytest.raises(JournalReplaced):
        reader.read_new()
