"""The error dump: every worker's errors, one JSON object per line in ``errors.jsonl``.

Appended only under the state lock, at the end found by ``fstat`` (no ``O_APPEND``,
which is not atomic across NFS clients). A torn last line is skipped by readers.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from neps_like._errors import UnsafePathError
from neps_like.state._fs import translate_os_errors
from neps_like.state.safe_paths import check_single_link, open_regular, read_regular
from neps_like.state.untrusted import clean_json_text, loads

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One error: what failed, in which trial and worker, and when."""

    time: float
    worker_id: str
    trial_id: str | None
    err_type: str
    err: str
    tb: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorRecord:
        return cls(
            time=float(data["time"]),
            worker_id=str(data["worker_id"]),
            trial_id=None if data.get("trial_id") is None else str(data["trial_id"]),
            err_type=str(data["err_type"]),
            err=str(data["err"]),
            tb=None if data.get("tb") is None else str(data["tb"]),
        )


@dataclass(frozen=True, slots=True)
class ErrDump:
    """All errors recorded in a study, oldest first."""

    errs: tuple[ErrorRecord, ...] = ()

    def __iter__(self) -> Iterator[ErrorRecord]:
        return iter(self.errs)

    def __len__(self) -> int:
        return len(self.errs)

    def latest(self, k: int = 5) -> list[ErrorRecord]:
        return list(self.errs[-k:])


def append_error(path: Path, record: ErrorRecord) -> None:
    """Append one error; the caller holds the state lock."""
    # Lone surrogates (from undecodable names in a message) become U+FFFD: this runs
    # under the lock, after the journal records of the same hold were written.
    line = (clean_json_text(json.dumps(asdict(record), ensure_ascii=False)) + "\n").encode()
    with translate_os_errors("append to", path):
        # O_NOFOLLOW: an errors.jsonl planted as a link must not be appended through.
        fd = open_regular(path, os.O_RDWR | os.O_CREAT)
        check_single_link(fd, path)  # nor through a hard link
        try:
            end = os.fstat(fd).st_size
            if end and os.pread(fd, 1, end - 1) != b"\n":
                line = b"\n" + line  # a torn line from a killed writer stays on its own
            os.pwrite(fd, line, end)
            os.fsync(fd)
        finally:
            os.close(fd)


def read_errors(path: Path) -> ErrDump:
    """Every well-formed error record in ``path``; damaged lines are skipped."""
    try:
        data = read_regular(path)
    except FileNotFoundError:
        return ErrDump()
    except UnsafePathError as exc:  # planted: the journal still has every outcome
        logger.warning("Error records not read: %s", exc)
        return ErrDump()
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link planted under the name: never followed
            logger.warning("Error records not read: %s is a symbolic link", path)
            return ErrDump()
        with translate_os_errors("read", path):
            raise exc
    records = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(ErrorRecord.from_dict(loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("Skipping unreadable line %d of %s", number, path)
    return ErrDump(tuple(records))
