"""``locker.FileLocker`` in one process with real locks: two lockers on one file exclude
each other (``flock`` locks belong to open files, so two lockers of one process contend
like two processes), a timeout gives up, long waits are reported, statistics are
written, and a deleted lock file is replaced."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neps_like._errors import LockLostError, LockTimeout
from neps_like.state.locker import FileLocker, probe_lock_kind

pytestmark = pytest.mark.threads  # the lock's holder and watchdog are threads

KINDS = ["posix", "lease"]


def _locker(tmp_path: Path, kind: str, **kwargs: Any) -> FileLocker:
    return FileLocker(tmp_path / ".lock", kind=kind, lease_path=tmp_path / ".lock.lease", **kwargs)


class _Contender:
    """Takes ``locker``'s lock in a thread; records when it held it, or what it raised."""

    def __init__(self, locker: FileLocker) -> None:
        self.locker = locker
        self.acquired = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.locker.lock():
                self.acquired.set()
        except BaseException as exc:
            self.error = exc


@pytest.fixture
def caplog_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.WARNING, logger="neps_like.state.locker"):
        yield caplog


@pytest.mark.parametrize("kind", KINDS)
def test_a_second_locker_waits_until_the_first_releases(tmp_path: Path, kind: str) -> None:
    first, second = _locker(tmp_path, kind), _locker(tmp_path, kind)
    with first.lock():
        contender = _Contender(second)
        assert not contender.acquired.wait(0.3), "two lockers held the lock at once"
    assert contender.acquired.wait(10)
    contender.thread.join(10)
    assert contender.error is None
    with first.lock():  # and released again
        pass


def test_the_lock_is_not_reentrant_but_reusable(tmp_path: Path) -> None:
    locker = _locker(tmp_path, "posix")
    for _ in range(3):
        with locker.lock():
            assert (tmp_path / ".lock").is_file()


@pytest.mark.parametrize("kind", KINDS)
def test_a_timeout_gives_up_naming_the_lock(
    tmp_path: Path, kind: str, caplog_warnings: pytest.LogCaptureFixture
) -> None:
    first = _locker(tmp_path, kind)
    second = _locker(tmp_path, kind, timeout=1.0, warn_after=0.05)
    with first.lock():
        contender = _Contender(second)
        contender.thread.join(10)
        alive = contender.thread.is_alive()
    contender.thread.join(10)  # released: a contender that blocked ends now
    assert not alive, "the timeout was not honoured"
    assert isinstance(contender.error, LockTimeout)
    assert str(contender.error) == f"Gave up waiting 1.0 s for the state lock {tmp_path / '.lock'}."
    waits = [r.getMessage() for r in caplog_warnings.records]
    assert waits, "a wait past warn_after was not reported"
    assert waits[0].startswith("Worker pid ")
    assert f"for the state lock {tmp_path / '.lock'}; still waiting." in waits[0]


def test_a_long_blocking_wait_is_reported_by_the_watchdog(
    tmp_path: Path, caplog_warnings: pytest.LogCaptureFixture
) -> None:
    first = _locker(tmp_path, "posix")
    second = _locker(tmp_path, "posix", warn_after=0.1)  # no timeout: waits in the kernel
    with first.lock():
        contender = _Contender(second)
        deadline = time.monotonic() + 10
        while not caplog_warnings.records and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not contender.acquired.is_set()
    assert contender.acquired.wait(10)
    message = caplog_warnings.records[0].getMessage()
    assert f"for the state lock {tmp_path / '.lock'}; still waiting." in message
    assert "; still waiting. A stalled file server or a stopped process holding" in message


def test_hold_times_are_written_one_per_line(tmp_path: Path) -> None:
    stats = tmp_path / "lock_stats.txt"
    locker = _locker(tmp_path, "posix", stats_path=stats)
    for _ in range(3):
        with locker.lock():
            time.sleep(0.01)
    assert not stats.exists()  # kept until flushed (or 256 holds)
    locker.flush_stats()
    lines = stats.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert all(0.005 < float(line) < 5.0 and len(line.split(".")[1]) == 7 for line in lines)
    locker.flush_stats()  # nothing new: nothing appended
    with locker.lock():
        pass
    locker.flush_stats()
    assert len(stats.read_text(encoding="utf-8").splitlines()) == 4


def test_hold_times_are_flushed_every_256_holds(tmp_path: Path) -> None:
    stats = tmp_path / "lock_stats.txt"
    locker = _locker(tmp_path, "posix", stats_path=stats)
    for _ in range(256):
        with locker.lock():
            pass
    assert len(stats.read_text(encoding="utf-8").splitlines()) == 256


def test_without_a_stats_path_nothing_is_written(tmp_path: Path) -> None:
    locker = _locker(tmp_path, "posix")
    with locker.lock():
        pass
    locker.flush_stats()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock"]


def test_a_deleted_lock_file_is_noticed_and_replaced(
    tmp_path: Path, caplog_warnings: pytest.LogCaptureFixture
) -> None:
    locker = _locker(tmp_path, "posix")
    with locker.lock():
        locker.check_still_held()
        (tmp_path / ".lock").unlink()
        with pytest.raises(LockLostError, match="deleted or replaced while this process held"):
            locker.check_still_held()
    assert "was deleted or replaced; locking the new one" in caplog_warnings.text
    with locker.lock():  # the next hold locks a new .lock, which others contend for
        assert (tmp_path / ".lock").is_file()
        locker.check_still_held()
        contender = _Contender(_locker(tmp_path, "posix"))
        assert not contender.acquired.wait(0.3)
    assert contender.acquired.wait(10)


def test_kind_none_excludes_nothing(tmp_path: Path) -> None:
    with _locker(tmp_path, "none").lock(), _locker(tmp_path, "none").lock():
        pass
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown lock kind 'nfs'"):
        _locker(tmp_path, "nfs")


def test_probing_finds_posix_locks_and_forced_lease_leaves_a_marker(tmp_path: Path) -> None:
    lock, marker = tmp_path / ".lock", tmp_path / ".lock.uses-lease"
    assert probe_lock_kind(lock, marker) == "posix"
    assert lock.is_file() and not marker.exists()
    assert probe_lock_kind(lock, marker, "lease") == "lease"
    assert marker.is_file() and marker.stat().st_size == 0
    assert probe_lock_kind(lock, marker) == "lease"  # every later worker agrees
    assert probe_lock_kind(lock, marker, "posix") == "posix"


def test_probing_while_another_holds_the_lock_says_posix(tmp_path: Path) -> None:
    with _locker(tmp_path, "posix").lock():
        assert probe_lock_kind(tmp_path / ".lock", tmp_path / ".lock.uses-lease") == "posix"


def test_a_marker_planted_as_a_link_creates_nothing_where_it_points(tmp_path: Path) -> None:
    marker = tmp_path / ".lock.uses-lease"
    marker.symlink_to(tmp_path / "victim")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        probe_lock_kind(tmp_path / ".lock", marker, "lease")
    assert not (tmp_path / "victim").exists()
