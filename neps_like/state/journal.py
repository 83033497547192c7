"""The append-only event log that is the source of truth of a study.

Owns the journal's line format, incremental reading, durable appends and the handling
of damaged bytes. Knows nothing about what records mean (``neps_state`` does).

Line format (one record per line, UTF-8)::

    <seq> <crc32 as 8 hex digits> <json>\\n

``seq`` counts records from 1 without gaps; the CRC covers ``"<seq> <json>"``. JSON is
written without newlines inside, so a line is complete exactly when it ends in ``\\n``.

Rules, each chosen for a failure we must survive:

* Only a holder of the state lock appends, and it appends at the offset it has read up
  to with ``pwrite``, never ``O_APPEND``: appends from several NFS clients are not atomic,
  but an exclusive lock plus close-to-open consistency makes "read to the end, write
  there" safe on every shared file system.
* The file is opened afresh for every read and write: on NFS, ``open`` is what
  revalidates the client's cache (close-to-open consistency).
* Group commit on local file systems (``defer_sync``): the appender writes its records
  under the lock but syncs them after releasing it, and does not move on before the sync
  returns. Several workers' syncs then overlap and the kernel commits them together,
  while the lock is held only for the write. Order is kept: a later record is synced
  together with everything before it in the same file, and a killed process loses
  nothing (the page cache belongs to the kernel). On network file systems the data must
  reach the server before the lock is released, so there the sync stays inside.
* An appender first checks that the file still ends where it read it under the lock.
  If it does not, the lock was lost while held (an NFS client that stalls past the
  server's lock lease loses its lock silently): it writes nothing (``LockLostError``).
* A torn tail (a writer killed mid-append) is an incomplete last line. Readers stop
  before it; the next appender copies it to the quarantine file and truncates it away.
* A corrupt complete line (bad CRC or JSON) is skipped with a warning naming the file
  and byte offset, and reported by ``problems``; the records after it still count, so
  one bad record never makes the study unreadable.
"""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neps_like._errors import LockLostError, NepsLikeError
from neps_like.state._fs import sync_file, translate_os_errors
from neps_like.state.safe_paths import check_single_link, open_regular
from neps_like.state.untrusted import check_json_bytes, clean_json_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JournalProblem:
    """A damaged stretch of the journal: where it is and what is wrong with it."""

    path: str
    offset: int
    length: int
    kind: str  # "corrupt", "torn-tail", "gap" or "out-of-order"
    detail: str

    def describe(self) -> str:
        return (
            f"{self.path} at byte {self.offset} ({self.length} bytes): {self.kind}: {self.detail}"
        )


class JournalReplaced(Exception):
    """The journal file is not the one this reader was following."""


def encode_record(seq: int, record: Mapping[str, Any]) -> bytes:
    """One journal line. Never fails on text: lone surrogates that slipped past the
    writers' checks become U+FFFD (this runs under the lock, after other writes)."""
    payload = json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    try:
        body = f"{seq} {payload}".encode()
    except UnicodeEncodeError:
        payload = clean_json_text(payload)
        body = f"{seq} {payload}".encode()
    crc = zlib.crc32(body)
    return f"{seq} {crc:08x} {payload}\n".encode()


_decode_json = json.JSONDecoder().decode  # json.loads minus its per-call checks


def check_line(line: bytes) -> tuple[int, bytes]:
    """The sequence number and JSON payload of one complete line whose checksum holds.

    Raises ValueError when the line is damaged.
    """
    # On the bytes, without decoding and re-encoding: every worker replays every record.
    first = line.index(b" ")
    second = line.index(b" ", first + 1)
    seq = int(line[:first])
    if second - first != 9 or not line[:first].isdigit():
        raise ValueError("malformed record header")
    crc = zlib.crc32(line[second + 1 :], zlib.crc32(line[: first + 1]))  # "<seq> <json>"
    if crc != int(line[first + 1 : second], 16):
        raise ValueError("checksum mismatch")
    return seq, line[second + 1 :]


def decode_payload(payload: bytes) -> dict[str, Any]:
    """The record in a checked line's payload. Raises ValueError when it is not one
    (including one too large or too deeply nested to parse safely: ``untrusted``)."""
    check_json_bytes(payload)
    record = _decode_json(payload.decode())  # UnicodeDecodeError is a ValueError
    if not isinstance(record, dict):
        raise ValueError("record is not a JSON object")
    return record


def decode_line(line: bytes) -> tuple[int, dict[str, Any]]:
    """Parse one complete line (without its newline). Raises ValueError when damaged."""
    seq, payload = check_line(line)
    return seq, decode_payload(payload)


class Journal:
    """Incremental reader and appender of one journal file.

    The object remembers how far it has read (``offset``, ``seq``). ``read_new`` returns
    only what was appended since; ``append`` must follow a ``read_new`` under the same
    lock hold so that it writes exactly at the end of the valid records.
    """

    def __init__(
        self,
        path: Path,
        quarantine_path: Path,
        *,
        sync: str = "fdatasync",
        defer_sync: bool = False,
    ) -> None:
        self.path = path
        self.quarantine_path = quarantine_path
        self.sync = sync
        self.defer_sync = defer_sync and sync != "none"
        self._unsynced_fd: int | None = None
        self.offset = 0
        self.seq = 0
        self._torn_bytes = 0
        self._inode: int | None = None
        self._seen_problems: set[tuple[int, str]] = set()
        self.problems: list[JournalProblem] = []

    def seek(self, offset: int, seq: int, *, inode: int | None = None) -> None:
        """Continue from a known position (taken from a snapshot) in the file ``inode``
        (when given, a read of any other file raises ``JournalReplaced``)."""
        self.offset, self.seq, self._torn_bytes = offset, seq, 0
        if inode is not None:
            self._inode = inode

    @property
    def inode(self) -> int | None:
        """The inode of the file read or written last (None before the first read)."""
        return self._inode

    def read_new(self, *, unlocked: bool = False) -> list[dict[str, Any]]:
        """Records appended since the last call, in order; damaged lines are skipped.

        ``unlocked``: a read ahead without the lock (so that the read under the lock has
        less to do). A writer may be mid-append, so it takes only the records before the
        first line that is not a whole valid record, and leaves every judgement (damage,
        torn tails, a replaced file) to the next read under the lock.

        Raises:
            JournalReplaced: the file was swapped or shrank since the last read (a repair
                or rewind by another process): the caller must reload from scratch.
        """
        if unlocked:
            try:
                return self._read(unlocked=True, defer=None)  # type: ignore[return-value]
            except (JournalReplaced, OSError, NepsLikeError):
                return []
        return self._read(unlocked=False, defer=None)  # type: ignore[return-value]

    def read_new_deferring(self, defer: Callable[[bytes], bool]) -> list[dict[str, Any] | bytes]:
        """``read_new`` under the lock, except that records whose JSON payload ``defer``
        accepts come back undecoded (checksum verified), for the caller to decode with
        ``decode_payload`` once the lock is released."""
        return self._read(unlocked=False, defer=defer)

    def _read(
        self, *, unlocked: bool, defer: Callable[[bytes], bool] | None
    ) -> list[dict[str, Any] | bytes]:
        try:
            # O_NOFOLLOW: a journal planted as a link is refused (ELOOP), never read.
            fd = open_regular(self.path, os.O_RDONLY)  # nor a FIFO (``safe_paths``)
        except FileNotFoundError:
            if self.offset:
                raise JournalReplaced(str(self.path)) from None
            return []
        except OSError:
            with translate_os_errors("read", self.path):
                raise
        try:
            with translate_os_errors("read", self.path):
                st = os.fstat(fd)
                if (self._inode is not None and st.st_ino != self._inode) or (
                    st.st_size < self.offset
                ):
                    raise JournalReplaced(str(self.path))
                self._inode = st.st_ino
                chunks = []
                pos = self.offset
                while True:
                    chunk = os.pread(fd, 1 << 20, pos)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    pos += len(chunk)
        finally:
            os.close(fd)
        return self._parse(b"".join(chunks), unlocked=unlocked, defer=defer)

    def _parse(
        self,
        data: bytes,
        *,
        unlocked: bool = False,
        defer: Callable[[bytes], bool] | None = None,
    ) -> list[dict[str, Any] | bytes]:
        records: list[dict[str, Any] | bytes] = []
        start = 0
        end = data.rfind(b"\n") + 1  # everything past the last newline is torn or in flight
        while start < end:
            nl = data.index(b"\n", start)
            line_offset = self.offset + start
            try:
                seq, payload = check_line(data[start:nl])
                record: dict[str, Any] | bytes = payload
                if seq > self.seq and not (defer is not None and defer(payload)):
                    record = decode_payload(payload)  # (out-of-order records are only noted)
            except (ValueError, UnicodeDecodeError) as exc:
                if unlocked:
                    end = start
                    break
                self._problem(line_offset, nl - start + 1, "corrupt", f"unreadable record ({exc})")
            else:
                if unlocked and seq != self.seq + 1:
                    end = start
                    break
                if seq <= self.seq:
                    self._problem(
                        line_offset, nl - start + 1, "out-of-order", f"seq {seq} after {self.seq}"
                    )
                else:
                    if seq != self.seq + 1:
                        self._problem(
                            line_offset, 0, "gap", f"records {self.seq + 1}..{seq - 1} missing"
                        )
                    self.seq = seq
                    records.append(record)
            start = nl + 1
        self.offset += end
        if not unlocked:
            self._torn_bytes = len(data) - end
        return records

    def _problem(self, offset: int, length: int, kind: str, detail: str) -> None:
        if (offset, kind) in self._seen_problems:
            return
        self._seen_problems.add((offset, kind))
        problem = JournalProblem(str(self.path), offset, length, kind, detail)
        self.problems.append(problem)
        logger.warning("Skipping damaged journal data: %s", problem.describe())

    @property
    def torn_bytes(self) -> int:
        """Bytes after the last complete line, as of the last read."""
        return self._torn_bytes

    def append(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Durably append ``records`` after the last valid one; returns the new last seq.

        Must be called while holding the state lock, right after ``read_new``.
        """
        seq = self.seq
        blob = bytearray()
        for record in records:
            seq += 1
            blob += encode_record(seq, record)
        if not blob:
            return self.seq
        self.sync_deferred()  # never two unsynced appends from one process
        keep_open = False
        with translate_os_errors("append to", self.path):
            # RDWR: torn tails are read back. O_NOFOLLOW: never append through a link.
            fd = open_regular(self.path, os.O_RDWR | os.O_CREAT)
            check_single_link(fd, self.path)  # nor through a hard link
            self._check_still_ours(fd)
            try:
                if self._torn_bytes:
                    self._quarantine_torn_tail(fd)
                written = 0
                while written < len(blob):
                    written += os.pwrite(fd, blob[written:], self.offset + written)
                if self.defer_sync:
                    keep_open = True
                else:
                    sync_file(fd, self.sync)
                self._inode = os.fstat(fd).st_ino
            except OSError:
                keep_open = False
                # Leave no half record behind for readers: cut back to the valid end.
                try:
                    os.ftruncate(fd, self.offset)
                except OSError:
                    logger.debug("Could not truncate %s after a failed append", self.path)
                raise
            finally:
                if keep_open:
                    self._unsynced_fd = fd
                else:
                    os.close(fd)
        self.offset += len(blob)
        self.seq = seq
        return seq

    def _check_still_ours(self, fd: int) -> None:
        """Refuse to append when the file no longer ends where this reader stopped.

        Under the lock nobody else appends, so a longer (or shorter) file means the lock
        was lost: an NFS client that stalls past the server's lock lease loses its lock
        silently and, waking up, would write its records over the ones appended since.
        """
        try:
            size = os.fstat(fd).st_size
        except OSError:
            os.close(fd)
            raise
        if size != self.offset + self._torn_bytes:
            os.close(fd)
            raise LockLostError(
                f"{self.path} is {size} bytes, but this worker read it up to byte "
                f"{self.offset + self._torn_bytes} under the state lock: another process "
                "appended meanwhile, so the lock was lost (an NFS client stalled past the "
                "server's lock lease?). Nothing was written.",
                path=self.path,
            )

    def sync_deferred(self) -> None:
        """Make the last append durable if ``defer_sync`` left that for after the lock.

        Call it once the lock is released and before acting on the append's outcome.
        """
        fd, self._unsynced_fd = self._unsynced_fd, None
        if fd is None:
            return
        try:
            with translate_os_errors("sync", self.path):
                sync_file(fd, self.sync)
        finally:
            os.close(fd)

    def _quarantine_torn_tail(self, fd: int) -> None:
        tail = os.pread(fd, self._torn_bytes, self.offset)
        logger.warning(
            "Repairing torn tail of %s at byte %d (%d bytes from an interrupted write); "
            "the bytes are kept in %s.",
            self.path,
            self.offset,
            len(tail),
            self.quarantine_path,
        )
        header = f"# {time.time():.3f} torn tail of {self.path.name} at byte {self.offset}\n"
        with (
            translate_os_errors("write", self.quarantine_path),
            os.fdopen(
                open_regular(self.quarantine_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab"
            ) as qf,
        ):
            qf.write(header.encode() + tail + b"\n")
            qf.flush()
            os.fsync(qf.fileno())
        os.ftruncate(fd, self.offset)
        self._torn_bytes = 0
