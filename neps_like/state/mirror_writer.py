"""Writing trial folders (the readable mirrors) on a background thread.

The journal is the truth; ``trials/<id>/`` files are copies for people and tools. Creating
files can cost far more than the rest of a fast trial on a busy disk, so a worker hands
them to one thread per process and carries on. Writes keep their order (one FIFO
thread), failures are logged, never raised (``repair`` rewrites mirrors from the journal),
and ``flush`` (called by ``NePSState.close``, and at interpreter exit) waits for the queue.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from collections.abc import Callable

from neps_like._errors import NepsLikeError

logger = logging.getLogger(__name__)


def _flush_at_exit(ref: weakref.ref[MirrorWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.flush()


class MirrorWriter:
    """A FIFO of write jobs run by a daemon thread started on first use."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="neps-like-mirrors", daemon=True
                )
                self._thread.start()
                atexit.register(_flush_at_exit, weakref.ref(self))
        self._queue.put(job)

    def flush(self) -> None:
        """Wait until every submitted write has been done."""
        if self._thread is not None:
            self._queue.join()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except (OSError, NepsLikeError) as exc:
                logger.warning("Could not update a trial folder (the journal is intact): %s", exc)
            except Exception:  # a bug must not kill the writer and block flush()
                logger.exception("Unexpected error while writing a trial folder")
            finally:
                self._queue.task_done()
