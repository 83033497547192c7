"""The state lock: one exclusive lock file per study, taken for as short a time as possible.

Built on ``filelock`` (``flock`` on POSIX, with its soft-lock fallback on file systems
without ``flock``). We poll with ``blocking=False`` and our own backoff instead of
filelock's fixed poll interval: with 16 workers on 2 cores a fixed 50 ms interval wastes
most of the time, and a fixed short one burns CPU. Waiting never kills a worker: past
``warn_after`` seconds it logs who waits for what, and keeps waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import filelock

from neps_like._errors import LockTimeout, StorageError

logger = logging.getLogger(__name__)

_MIN_SLEEP = 5e-5
_MAX_SLEEP = 5e-3


class FileLocker:
    """Exclusive, non-reentrant lock on ``path`` with hold-time statistics."""

    def __init__(
        self,
        path: Path,
        *,
        timeout: float | None = None,
        warn_after: float = 30.0,
        stats_path: Path | None = None,
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.warn_after = warn_after
        self.stats_path = stats_path
        self._lock = filelock.FileLock(str(path), thread_local=False)
        self._hold_times: list[float] = []

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the lock for the duration of the ``with`` block.

        Raises:
            LockTimeout: only when a ``timeout`` was set and it passed.
        """
        self._acquire()
        start = time.perf_counter()
        try:
            yield
        finally:
            held = time.perf_counter() - start
            self._lock.release()
            if self.stats_path is not None:
                self._hold_times.append(held)
                if len(self._hold_times) >= 256:
                    self.flush_stats()

    def _acquire(self) -> None:
        begin = time.monotonic()
        next_warning = begin + self.warn_after
        sleep = _MIN_SLEEP
        while True:
            try:
                self._lock.acquire(blocking=False)
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
