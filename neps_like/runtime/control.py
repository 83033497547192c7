"""Stop and pause requests for running trials, from any process.

A request is a small file, ``trials/<id>/control.json``, written atomically by whoever
asks (``neps-like stop``/``pause``, an optimizer's decision, a user's script). The worker
evaluating that trial watches for it: a script trial's process group gets SIGTERM, a grace
period, then SIGKILL; an in-process function is interrupted by ``TrialControlled`` raised
in the main thread (delivered with SIGUSR2 from a watcher thread, so even a long
computation is interrupted). The trial then ends ``PRUNED`` (stop) or ``PAUSED`` (pause,
its directory and checkpoints kept until ``resume`` queues it again).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from neps_like.state.requests import read_request

logger = logging.getLogger(__name__)

CONTROL_SIGNAL = signal.SIGUSR2


class TrialControlled(BaseException):  # BaseException: user code rarely catches it
    """Raised inside an evaluation when its trial was asked to stop or pause."""

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} requested")
        self.action = action


class RequestWatcher:
    """One watcher thread per worker, armed for the trial being evaluated.

    The thread polls the armed trial's request file every ``interval`` seconds; on a
    request it signals the main thread, whose handler raises ``TrialControlled`` if the
    same trial is still being evaluated. One long-lived thread instead of one per trial:
    starting threads was a measurable share of a fast trial's cost.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self._path: Path | None = None
        self._action: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _watch(self) -> None:
        main = threading.main_thread().ident or 0
        while not self._stop.wait(self.interval):
            path = self._path
            if path is None or self._action is not None:
                continue
            action = read_request(path)
            if action is None:
                continue
            with self._lock:
                if self._path == path:
                    self._action = action
                    signal.pthread_kill(main, CONTROL_SIGNAL)

    def _handler(self, signum: int, frame: object) -> None:
        if self._path is not None and self._action is not None:
            raise TrialControlled(self._action)

    @contextlib.contextmanager
    def watching(self, path: Path) -> Iterator[None]:
        """Turn a stop/pause request for ``path`` into ``TrialControlled`` in this block.

        Only in the main thread (signals are delivered there); elsewhere requests are
        honoured once the evaluation returns.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._watch, name="neps-like-control", daemon=True
            )
            self._thread.start()
        previous = signal.signal(CONTROL_SIGNAL, self._handler)
        with self._lock:
            self._path, self._action = path, None
        try:
            yield
        finally:
            with self._lock:
                self._path = None
            signal.signal(CONTROL_SIGNAL, previous)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
