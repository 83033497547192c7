"""The state lock: one exclusive lock per study, taken for as short a time as possible.

Two kinds:

* ``posix`` (default): ``flock`` on ``.lock``. The kernel (or the NFS server's lock
  manager) releases it when the holder dies, however it dies. On a local file system and
  without a timeout we wait in a blocking ``flock`` on a descriptor we keep open (see
  ``_BlockingFlock``); on network file systems, or with a timeout, we poll through
  ``filelock`` with our own short back-off (see ``_LOCAL_FS`` for why). ``filelock`` is
  imported only then: a local worker is lighter without it.
* ``lease``: for file systems whose locks do not work (``ENOLCK``, ``ENOSYS``,
  ``EOPNOTSUPP`` on some cluster file systems). ``filelock.SoftFileLease`` keeps a marker
  file with an owner token that the holder's heartbeat refreshes; a waiter takes it over
  only after seeing it unchanged for ``lease_duration`` on its own monotonic clock, so no
  two hosts' clocks are compared. A killed holder delays the others by that long.

The kind is probed once per process on the study directory; ``NEPS_LIKE_LOCK`` can force
it. Once any worker has fallen back, it leaves a marker so every later worker uses the
lease too: all workers of a study must use the same kind.

We poll with ``blocking=False`` and our own backoff instead of filelock's fixed poll
interval: with 16 workers on 2 cores a fixed 50 ms interval wastes most of the time, and
a fixed short one burns CPU. Waiting never kills a worker: past ``warn_after`` seconds it
logs who waits for what, and keeps waiting.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from neps_like._errors import LockLostError, LockTimeout, StorageError
from neps_like.state.filesystems import is_local_file_system

if TYPE_CHECKING:
    import filelock

logger = logging.getLogger(__name__)

_MIN_SLEEP = 5e-5
_MAX_SLEEP = 5e-3
LEASE_DURATION = 30.0
_LOCK_LOST_RETRIES = 2
P = ParamSpec("P")
R = TypeVar("R")
_NO_LOCKS = {errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP}


def probe_lock_kind(lock_path: Path, lease_marker: Path, forced: str | None = None) -> str:
    """``"posix"`` when ``flock`` works on ``lock_path``, else ``"lease"`` (with a warning);
    ``"none"`` when the directory is read-only, where only reading is possible anyway."""
    if forced == "none" or not os.access(lock_path.parent, os.W_OK):
        return "none"  # read-only directory (archived study, read-only mount): reads only
    if forced == "lease":
        _touch(lease_marker)  # so that workers started without the override agree
        return "lease"
    if forced == "posix":
        return "posix"
    if lease_marker.exists():
        return "lease"
    try:
        # O_NOFOLLOW: never create or lock a file a planted link points to.
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise StorageError(
            f"Could not open the lock file {lock_path}: {exc}", path=lock_path
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return "posix"  # someone holds it: locking works
        if exc.errno not in _NO_LOCKS:
            raise StorageError(f"Could not lock {lock_path}: {exc}", path=lock_path) from exc
        logger.warning(
            "File locks do not work on %s (%s); falling back to a lease lock file with an "
            "owner token. A worker killed while holding it delays the others by %.0f s.",
            lock_path.parent,
            exc.strerror,
            LEASE_DURATION,
        )
        _touch(lease_marker)
        return "lease"
    finally:
        os.close(fd)
    return "posix"


def _touch(path: Path) -> None:
    # O_NOFOLLOW: a marker planted as a link must not create a file where it points.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644))


class _BlockingFlock:
    """``flock`` held on a descriptor kept open for the process's lifetime.

    Waiting blocks in the kernel, which hands the lock to a waiter the moment it is
    released. Polling (filelock's way) wakes every waiter again and again: with 16 workers
    on 2 cores those wake-ups steal the CPU the holder needs, and hold times balloon.
    The descriptor is opened lazily and reopened after a fork. A long wait is reported
    by one watchdog thread per lock, started on the first wait (a timer per wait would
    start a thread for nearly every trial when workers contend).
    """

    def __init__(self, path: Path, warn_after: float) -> None:
        self.path = path
        self.warn_after = warn_after
        self._fd: int | None = None
        self._dir_fd: int | None = None
        self._stale = False  # the file locked is no longer ``.lock``: reopen after release
        self._identity = (0, 0)  # (device, inode) of the file ``_fd`` is open on
        self._pid = 0
        self._waiting_since: float | None = None
        self._watchdog: threading.Thread | None = None

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            # The folder too: ``still_the_lock_file`` stats the name relative to it, a
            # fraction of the cost of resolving the whole path at every hold.
            self._dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            # O_NOFOLLOW: a ``.lock`` planted as a link must not make us create or lock a
            # file outside the study (ELOOP is reported as a storage error).
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            self._fd = os.open(self.path.name, flags, 0o644, dir_fd=self._dir_fd)
            st = os.fstat(self._fd)
            self._identity = (st.st_dev, st.st_ino)
            self._pid = os.getpid()
            self._watchdog = None  # threads do not survive a fork
        return self._fd

    def acquire(self) -> None:
        self._acquire_descriptor()

    def still_the_lock_file(self) -> bool:
        """Whether the file locked is still the one named ``.lock``. When it is not (it
        was deleted, or the study's folder was), the descriptor is dropped at the release
        so that the next hold locks the current file, created again if missing: every
        worker converges on one file."""
        # One stat per writing hold, relative to the folder (cheaper than the full path).
        try:
            st = os.stat(self.path.name, dir_fd=self._dir_fd, follow_symlinks=False)
            if (st.st_dev, st.st_ino) == self._identity:
                return True
        except FileNotFoundError:
            pass
        logger.warning("The lock file %s was deleted or replaced; locking the new one.", self.path)
        self._stale = True
        return False

    def _drop_descriptor(self) -> None:
        for fd in (self._fd, self._dir_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)  # closing the lock file also releases the flock
        self._fd = self._dir_fd = None

    def _acquire_descriptor(self) -> None:
        fd = self._descriptor()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        # Someone holds it: block in the kernel; the watchdog says so if it takes long.
        if self._watchdog is None:
            self._watchdog = threading.Thread(
                target=self._watch, name="neps-like-lock-watchdog", daemon=True
            )
            self._watchdog.start()
        self._waiting_since = time.monotonic()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # EINTR is retried by Python (PEP 475)
        finally:
            self._waiting_since = None

    def _watch(self) -> None:
        warned_for: float | None = None
        while True:
            time.sleep(min(self.warn_after, 5.0))
            since = self._waiting_since
            if since is None or since == warned_for:
                continue
            waited = time.monotonic() - since
            if waited >= self.warn_after:
                warned_for = since  # once per wait
                logger.warning(
                    "Worker pid %d has waited %.0f s for the state lock %s; still waiting. "
                    "A stalled file server or a stopped process holding the lock can cause "
                    "this.",
                    os.getpid(),
                    waited,
                    self.path,
                )

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        if self._stale:
            self._stale = False
            self._drop_descriptor()


class FileLocker:
    """Exclusive, non-reentrant lock on ``path`` with hold-time statistics."""

    def __init__(
        self,
        path: Path,
        *,
        timeout: float | None = None,
        warn_after: float = 30.0,
        stats_path: Path | None = None,
        kind: str = "posix",
        lease_path: Path | None = None,
        lease_duration: float = LEASE_DURATION,
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.warn_after = warn_after
        self.stats_path = stats_path
        self.kind = kind
        self._lock: filelock.BaseFileLock | None = None
        self._flock: _BlockingFlock | None = None
        if kind not in ("posix", "lease", "none"):
            raise ValueError(f"Unknown lock kind {kind!r}")
        if kind == "posix" and timeout is None and is_local_file_system(path.parent):
            self._flock = _BlockingFlock(path, warn_after)
        elif kind != "none":
            import filelock

            if kind == "lease":
                self._lock = filelock.SoftFileLease(
                    str(lease_path or path.with_name(path.name + ".lease")),
                    lease_duration=lease_duration,
                    thread_local=False,
                )
            else:
                self._lock = filelock.FileLock(str(path), thread_local=False)
        self._hold_times: list[float] = []

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the lock for the duration of the ``with`` block.

        Raises:
            LockTimeout: only when a ``timeout`` was set and it passed.
        """
        if self.kind == "none":  # a read-only study: nobody can write, nothing to exclude
            yield
            return
        if self._flock is not None:
            try:
                self._flock.acquire()
            except OSError as exc:
                raise StorageError(f"Could not lock {self.path}: {exc}", path=self.path) from exc
            release = self._flock.release
        else:
            assert self._lock is not None  # every kind but "none" has one
            self._acquire(self._lock)
            release = self._lock.release
        start = time.perf_counter()
        try:
            yield
        finally:
            held = time.perf_counter() - start
            try:
                release()
            except OSError as exc:  # a lock lost while held (NFS lease): nothing to undo
                logger.warning("Could not release the state lock %s: %s", self.path, exc)
            if self.stats_path is not None:
                self._hold_times.append(held)
                if len(self._hold_times) >= 256:
                    self.flush_stats()

    def check_still_held(self) -> None:
        """Before writing under the lock: the file locked is still the one named ``.lock``
        (if it was deleted during this hold, a process starting now locks a new file while
        we hold the old one: we write nothing, and our next hold locks the new file). With
        ``filelock`` the file is reopened at each acquire instead.

        Raises:
            LockLostError: the lock file was deleted or replaced; nothing was written.
        """
        if self._flock is not None and not self._flock.still_the_lock_file():
            raise LockLostError(
                f"The lock file {self.path} was deleted or replaced while this process "
                "held it: nothing was written.",
                path=self.path,
            )

    def _acquire(self, lock: filelock.BaseFileLock) -> None:
        import filelock  # loaded already: it made ``lock``

        begin = time.monotonic()
        next_warning = begin + self.warn_after
        sleep = _MIN_SLEEP
        while True:
            try:
                lock.acquire(blocking=False)
                return
            except filelock.Timeout:
                pass
            except OSError as exc:
                raise StorageError(f"Could not lock {self.path}: {exc}", path=self.path) from exc
            now = time.monotonic()
            if self.timeout is not None and now - begin >= self.timeout:
                raise LockTimeout(
                    f"Gave up waiting {self.timeout:.1f} s for the state lock {self.path}.",
                    path=self.path,
                )
            if now >= next_warning:
                logger.warning(
                    "Worker pid %d has waited %.0f s for the state lock %s; still waiting. "
                    "A stalled file server or a stopped process holding the lock can cause this.",
                    os.getpid(),
                    now - begin,
                    self.path,
                )
                next_warning = now + self.warn_after
            # Jittered exponential backoff: waiters spread out instead of waking together.
            time.sleep(sleep * (0.5 + random.random()))
            sleep = min(sleep * 2, _MAX_SLEEP)

    def flush_stats(self) -> None:
        """Append recorded hold times (seconds, one per line) to ``stats_path``."""
        if self.stats_path is None or not self._hold_times:
            return
        lines = "".join(f"{t:.7f}\n" for t in self._hold_times)
        self._hold_times.clear()
        with contextlib.suppress(OSError), self.stats_path.open("a", encoding="utf-8") as fh:
            fh.write(lines)


def retry_if_lock_lost(method: Callable[P, R]) -> Callable[P, R]:
    """Run a locked operation again (on a fresh view) when its lock was lost before its
    records were written (``LockLostError``: nothing reached the journal, and the
    in-memory view was reloaded from it). Twice at most; then the error is raised."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(_LOCK_LOST_RETRIES + 1):
            try:
                return method(*args, **kwargs)
            except LockLostError as exc:
                if attempt == _LOCK_LOST_RETRIES:
                    raise
                logger.warning("%s Trying again.", exc)
        raise AssertionError("unreachable")

    return wrapper
