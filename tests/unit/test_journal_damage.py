"""The journal under damage, exactly: which records count, what is reported where, what is
kept, and what an append does next. Each case names the bytes it plants."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import resource
import signal
import stat
import zlib
from pathlib import Path

import pytest

from neps_like._errors import LockLostError, StorageError
from neps_like.state.journal import Journal, JournalProblem, JournalReplaced, encode_record


def _journal(root: Path, **kw: object) -> Journal:
    return Journal(root / "events.log", root / "quarantine.log", **kw)  # type: ignore[arg-type]


def _line(seq: int, payload: bytes) -> bytes:
    """A line whose checksum holds for any payload (even one that is not a record)."""
    crc = zlib.crc32(f"{seq} ".encode() + payload)
    return f"{seq} {crc:08x} ".encode() + payload + b"\n"


def test_every_kind_of_damage_is_reported_where_it_is(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    r = [encode_record(i, {"n": i}) for i in range(1, 7)]
    bad_crc = r[1].replace(b'"n":2', b'"n":9')
    not_object = _line(4, b"[4]")
    lines = [r[0], bad_crc, r[2], not_object, r[4], r[2], r[5]]
    torn = encode_record(7, {"n": 7})[:-3]
    path = tmp_path / "events.log"
    path.write_bytes(b"".join(lines) + torn)
    at = [sum(map(len, lines[:i])) for i in range(len(lines))]
    reader = _journal(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert reader.read_new() == [{"n": 1}, {"n": 3}, {"n": 5}, {"n": 6}]
    p = str(path)
    assert reader.problems == [
        JournalProblem(p, at[1], len(bad_crc), "corrupt", "unreadable record (checksum mismatch)"),
        JournalProblem(p, at[2], 0, "gap", "records 2..2 missing"),
        JournalProblem(
            p, at[3], len(not_object), "corrupt", "unreadable record (record is not a JSON object)"
        ),
        JournalProblem(p, at[4], 0, "gap", "records 4..4 missing"),
        JournalProblem(p, at[5], len(r[2]), "out-of-order", "seq 3 after 5"),
    ]
    assert (reader.seq, reader.offset, reader.torn_bytes) == (6, sum(map(len, lines)), len(torn))
    for problem in reader.problems:
        assert f"Skipping damaged journal data: {problem.describe()}" in caplog.messages
    reader.read_new()  # nothing new: the same damage is not reported twice
    assert len(reader.problems) == 5
    reader.seek(0, 0)  # read from the start again: still each problem once
    reader.read_new()
    assert len(reader.problems) == 5


def test_a_line_repeated_in_place_is_noted_not_counted_twice(tmp_path: Path) -> None:
    r1, r2 = encode_record(1, {"n": 1}), encode_record(2, {"n": 2})
    (tmp_path / "events.log").write_bytes(r1 + r2 + r2)  # a copy glitch repeated a line
    reader = _journal(tmp_path)
    assert reader.read_new() == [{"n": 1}, {"n": 2}]
    assert [(p.kind, p.detail) for p in reader.problems] == [("out-of-order", "seq 2 after 2")]


def test_reading_ahead_stops_before_damage_and_judges_nothing(tmp_path: Path) -> None:
    r1, r3 = encode_record(1, {"n": 1}), encode_record(3, {"n": 3})
    bad = encode_record(2, {"n": 2}).replace(b'"n":2', b'"n":9')
    (tmp_path / "events.log").write_bytes(r1 + bad + r3)
    ahead = _journal(tmp_path)
    assert ahead.read_new(unlocked=True) == [{"n": 1}]
    assert (ahead.offset, ahead.seq, ahead.problems) == (len(r1), 1, [])
    deferring = _journal(tmp_path)  # under the lock: damage is judged and reported
    assert deferring.read_new_deferring(lambda payload: False) == [{"n": 1}, {"n": 3}]
    assert [p.kind for p in deferring.problems] == ["corrupt", "gap"]


@pytest.mark.parametrize(
    "header",
    [b"+1", b" 1", b"1 "],
    ids=["signed-seq", "leading-space", "empty-crc"],
)
def test_a_malformed_header_is_damage_even_when_its_checksum_holds(
    tmp_path: Path, header: bytes
) -> None:
    payload = b'{"n":1}'
    crc = zlib.crc32(header + b" " + payload)
    (tmp_path / "events.log").write_bytes(header + f" {crc:08x} ".encode() + payload + b"\n")
    reader = _journal(tmp_path)
    assert reader.read_new() == []
    assert [p.kind for p in reader.problems] == ["corrupt"]


def test_a_checksum_without_its_leading_zeros_is_malformed(tmp_path: Path) -> None:
    """The header is exactly ``<seq> <8 hex digits> ``: a short checksum field is damage
    even when its value matches."""
    n = next(i for i in range(10**6) if zlib.crc32(f'1 {{"n":{i}}}'.encode()) < 1 << 28)
    payload = f'{{"n":{n}}}'.encode()
    crc = zlib.crc32(b"1 " + payload)
    (tmp_path / "events.log").write_bytes(f"1 {crc:x} ".encode() + payload + b"\n")
    reader = _journal(tmp_path)
    assert reader.read_new() == []
    assert [(p.kind, p.detail) for p in reader.problems] == [
        ("corrupt", "unreadable record (malformed record header)")
    ]


def test_records_keep_text_and_non_finite_numbers(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    j.read_new()
    j.append([{"name": "Größe ✓", "loss": math.nan, "cost": math.inf}])
    raw = (tmp_path / "events.log").read_bytes()
    assert "Größe ✓".encode() in raw, "text is stored as UTF-8, not escaped"
    assert b"NaN" in raw and b"Infinity" in raw
    (record,) = _journal(tmp_path).read_new()
    assert record["name"] == "Größe ✓" and math.isnan(record["loss"])
    assert record["cost"] == math.inf


def test_a_torn_tail_is_quarantined_verbatim_then_appends_continue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = _journal(tmp_path)
    writer.read_new()
    writer.append([{"n": 1}])
    path, quarantine = tmp_path / "events.log", tmp_path / "quarantine.log"
    valid = path.stat().st_size
    torn = encode_record(2, {"n": 2})[:-2]
    with path.open("ab") as fh:
        fh.write(torn)
    reader = _journal(tmp_path)
    reader.read_new()
    with caplog.at_level(logging.WARNING):
        reader.append([{"n": "2b"}])
    assert (
        f"Repairing torn tail of {path} at byte {valid} ({len(torn)} bytes from an interrupted "
        f"write); the bytes are kept in {quarantine}."
    ) in caplog.messages
    kept = quarantine.read_bytes()
    assert re.fullmatch(
        rb"# \d+\.\d{3} torn tail of events\.log at byte " + str(valid).encode() + rb"\n",
        kept[: kept.index(b"\n") + 1],
    )
    assert kept[kept.index(b"\n") + 1 :] == torn + b"\n"
    reader.append([{"n": 3}])  # the next append of the same reader lands right after
    assert _journal(tmp_path).read_new() == [{"n": 1}, {"n": "2b"}, {"n": 3}]


def test_a_new_journal_file_is_not_executable_or_writable_by_others(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        j = _journal(tmp_path)
        j.read_new()
        j.append([{"n": 1}])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "events.log").stat().st_mode) == 0o644


def test_reading_from_a_snapshot_position(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    j.read_new()
    j.append([{"n": 1}, {"n": 2}])
    offset, seq, inode = j.offset, j.seq, j.inode
    j.append([{"n": 3}])
    resumed = _journal(tmp_path)
    resumed.seek(offset, seq, inode=inode)
    assert resumed.read_new() == [{"n": 3}]
    resumed.append([{"n": 4}])  # it appends where it stopped reading, nowhere else
    assert [r["n"] for r in _journal(tmp_path).read_new()] == [1, 2, 3, 4]
    other = _journal(tmp_path)
    other.seek(offset, seq, inode=inode + 1)  # a snapshot of another journal file
    with pytest.raises(JournalReplaced):
        other.read_new()


def test_a_journal_swapped_for_another_file_is_noticed(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    j.read_new()
    j.append([{"n": 1}])
    copy = tmp_path / "copy.log"
    copy.write_bytes((tmp_path / "events.log").read_bytes() + encode_record(2, {"n": 2}))
    reader = _journal(tmp_path)  # one that only reads
    reader.read_new()
    copy.replace(tmp_path / "events.log")  # longer, so only the file's identity tells
    with pytest.raises(JournalReplaced, match=re.escape(str(tmp_path / "events.log"))):
        j.read_new()
    with pytest.raises(JournalReplaced):
        reader.read_new()
    (tmp_path / "events.log").unlink()  # gone after it was read: replaced, not empty
    with pytest.raises(JournalReplaced, match=re.escape(str(tmp_path / "events.log"))):
        _journal_at(tmp_path, offset=10).read_new()


def _journal_at(root: Path, *, offset: int) -> Journal:
    journal = _journal(root)
    journal.seek(offset, 1)
    return journal


def test_a_journal_larger_than_one_read_is_read_whole(tmp_path: Path) -> None:
    j = _journal(tmp_path)
    j.read_new()
    blob = "x" * 100_000
    j.append([{"n": i, "blob": blob} for i in range(30)])  # about 3 MB
    assert [r["n"] for r in _journal(tmp_path).read_new()] == list(range(30))


def test_os_errors_name_the_action_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "events.log").mkdir()  # opens, but is no file: refused, never read
    with pytest.raises(
        StorageError, match=re.escape(f"Refusing {tmp_path / 'events.log'}: it is a folder")
    ):
        _journal(tmp_path).read_new()
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(StorageError, match=re.escape(f"Could not read {blocked / 'events.log'}")):
        _journal(blocked).read_new()
    with pytest.raises(
        StorageError, match=re.escape(f"Could not append to {blocked / 'events.log'}")
    ) as info:
        _journal(blocked).append([{"n": 1}])
    assert info.value.path == str(blocked / "events.log")


def test_a_failed_write_leaves_nothing_to_sync_later(tmp_path: Path) -> None:
    """A write that fails mid-append (the file size limit, as a full disk would) raises a
    StorageError, cuts the journal back to its last valid record, and a group-commit
    journal keeps no descriptor of the failed write for a later sync."""
    j = _journal(tmp_path)
    j.defer_sync = True
    j.append([{"n": 1}])
    j.sync_deferred()
    valid = (tmp_path / "events.log").read_bytes()
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(valid) + 10, old_limit[1]))
    try:
        with pytest.raises(StorageError, match=re.escape(f"Could not append to {j.path}")):
            j.append([{"n": 2, "pad": "x" * 100}])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    assert (tmp_path / "events.log").read_bytes() == valid, "cut back to the valid end"
    j.sync_deferred()  # nothing to do, and nothing raises
    assert _journal(tmp_path).read_new() == [{"n": 1}]


def test_devices_and_fifos_are_refused_as_a_journal(tmp_path: Path) -> None:
    """``/dev/full`` (a device) or a FIFO under the journal's name is refused before any
    write; a FIFO's plain open would block forever."""
    with pytest.raises(StorageError, match="Refusing /dev/full: it is a character device"):
        Journal(Path("/dev/full"), tmp_path / "quarantine.log").append([{"n": 1}])
    os.mkfifo(tmp_path / "events.log")
    with pytest.raises(StorageError, match="it is a FIFO"):
        _journal(tmp_path).read_new()


def test_a_torn_tail_that_cannot_be_kept_fails_the_append_clearly(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    path.write_bytes(encode_record(1, {"n": 1}) + b"2 0000")
    q = tmp_path / "missing" / "quarantine.log"
    j = Journal(path, q)
    j.read_new()
    with pytest.raises(StorageError, match=re.escape(f"Could not write {q}")):
        j.append([{"n": 2}])
    assert _journal(tmp_path).read_new() == [{"n": 1}], "nothing half-written is left"


def test_a_lost_lock_writes_nothing_and_leaves_nothing_open(tmp_path: Path) -> None:
    j = _journal(tmp_path, defer_sync=True)
    j.read_new()
    j.append([{"n": 1}])
    j.sync_deferred()
    size = (tmp_path / "events.log").stat().st_size
    intruder = _journal(tmp_path)
    intruder.read_new()
    intruder.append([{"n": "other"}])
    grown = (tmp_path / "events.log").stat().st_size
    with pytest.raises(LockLostError) as info:
        j.append([{"n": 2}])
    message = str(info.value)
    assert f"is {grown} bytes, but this worker read it up to byte {size}" in message
    assert (
        "another process appended meanwhile, so the lock was lost (an NFS client stalled "
        "past the server's lock lease?). Nothing was written."
    ) in message
    assert info.value.path == str(tmp_path / "events.log")
    j.sync_deferred()  # the refused append left no descriptor behind
    assert [r["n"] for r in _journal(tmp_path).read_new()] == [1, "other"]


def test_settings_that_cannot_defer_do_not() -> None:
    assert not Journal(Path("x"), Path("q"), sync="none", defer_sync=True).defer_sync
    assert Journal(Path("x"), Path("q"), sync="fsync", defer_sync=True).defer_sync
    default = Journal(Path("x"), Path("q"))
    assert (default.sync, default.defer_sync) == ("fdatasync", False)


def test_a_decoded_record_is_the_json_written(tmp_path: Path) -> None:
    record = {"id": "7_2", "config": {"lr": 0.001, "act": "relu"}, "nested": [1, [2, {"a": None}]]}
    j = _journal(tmp_path)
    j.read_new()
    j.append([record])
    assert _journal(tmp_path).read_new() == [json.loads(json.dumps(record))]
