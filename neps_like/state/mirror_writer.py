"""Writing trial folders (the readable mirrors) on a background thread, in batches.

The journal is the truth; ``trials/<id>/`` files are copies for people and tools. Creating
files can cost far more than the rest of a fast trial on a busy disk, so a worker hands
them to one thread per process and carries on. The thread gathers what arrives within
``delay`` seconds and writes it as one batch: a trial claimed and finished within the
batch gets its files written once, with its latest record, instead of once per change,
and the thread wakes once per batch rather than once per record.

Per trial, writes keep their order and always end with the trial's latest record.
Failures are logged, never raised (``repair`` rewrites mirrors from the journal), and
``flush`` (called by ``NePSState.close``, and at interpreter exit) waits until everything
submitted is written.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable

from neps_like._errors import NepsLikeError
from neps_like.state.records import Trial

logger = logging.getLogger(__name__)

WriteFn = Callable[[Trial, tuple[str, ...], bool], None]


def _flush_at_exit(ref: weakref.ref[MirrorWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.flush()


class MirrorWriter:
    """Coalescing queue of trial-folder writes served by a daemon thread started on first use.

    ``write(trial, hints, create)`` does the actual writing (``TrialRepo.update_trial``);
    ``create`` says whether to make the trial's folder when it has none.
    """

    def __init__(self, write: WriteFn, *, delay: float = 0.02) -> None:
        self._write = write
        self.delay = delay
        # trial id -> (latest record, files to write, create the folder); dicts keep
        # first-submission order.
        self._queued: dict[str, tuple[Trial, set[str], bool]] = {}
        self._busy = False  # a batch is being written
        self._flushing = 0  # threads waiting in flush(): write at once
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, trial: Trial, hints: Iterable[str], *, create: bool = True) -> None:
        """Queue writing ``hints`` of ``trial``'s folder (merged with anything queued)."""
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="neps-like-mirrors", daemon=True
                )
                self._thread.start()
                atexit.register(_flush_at_exit, weakref.ref(self))
            if not self._queued:
                self._cond.notify_all()  # wake the idle thread; later ones join its batch
            queued = self._queued.get(trial.id)
            if queued is None:
                self._queued[trial.id] = (trial, set(hints), create)
            else:
                queued[1].update(hints)
                self._queued[trial.id] = (trial, queued[1], create or queued[2])

    def flush(self) -> None:
        """Wait until every submitted write has been done."""
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()  # cut the batch delay short
            try:
                while (
                    self._thread is not None
                    and self._thread.is_alive()
                    and (self._queued or self._busy)
                ):
                    self._cond.wait(0.1)
            finally:
                self._flushing -= 1

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queued:
                    self._cond.wait()
                # Let a batch gather, unless someone waits in flush().
                deadline = time.monotonic() + self.delay
                while not self._flushing and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                batch, self._queued = self._queued, {}
                self._busy = True
            try:
                for trial, hints, create in batch.values():
                    self._write_one(trial, tuple(sorted(hints)), create)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _write_one(self, trial: Trial, hints: tuple[str, ...], create: bool) -> None:
        try:
            self._write(trial, hints, create)
        except (OSError, NepsLikeError) as exc:
            logger.warning("Could not update a trial folder (the journal is intact): %s", exc)
        except Exception:  # a bug must not kill the writer and block flush()
            logger.exception("Unexpected error while writing a trial folder")
