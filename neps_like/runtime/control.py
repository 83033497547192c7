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


class _Watcher:
    """Polls a control file; on a request, interrupts the main thread once."""

    def __init__(self, path: Path, interval: float) -> None:
        self.path = path
        self.interval = interval
        self.action: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="neps-like-control", daemon=True)

    def _watch(self) -> None:
        while not self._done.wait(self.interval):
            action = read_request(self.path)
            if action is not None:
                self.action = action
                signal.pthread_kill(threading.main_thread().ident or 0, CONTROL_SIGNAL)
                return


@contextlib.contextmanager
def watch_requests(path: Path, *, interval: float = 0.5) -> Iterator[None]:
    """Turn a stop/pause request for ``path`` into ``TrialControlled`` in this block.

    Only in the main thread (signals are delivered there); elsewhere requests are
    honoured once the evaluation returns.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watcher = _Watcher(path, interval)
    armed = True

    def handler(signum: int, frame: object) -> None:
        if armed and watcher.action is not None:
            raise TrialControlled(watcher.action)

    previous = signal.signal(CONTROL_SIGNAL, handler)
    watcher._thread.start()
    try:
        yield
    finally:
        armed = False
        watcher._done.set()
        watcher._thread.join()
        signal.signal(CONTROL_SIGNAL, previous)
