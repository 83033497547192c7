"""Stopping a worker cleanly on SIGTERM, SIGINT or SIGUSR1 (SLURM preemption, scancel).

The first signal asks the worker to stop. If the worker is evaluating, the evaluation is
interrupted by raising ``WorkerInterrupted`` in the main thread; the worker re-queues the
trial (its directory and checkpoints stay for the next attempt) and exits cleanly. Outside
an evaluation (e.g. while holding the state lock) the signal only sets a flag, checked at
the next safe point, so no record is ever torn by it. A second signal exits at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)


class WorkerInterrupted(BaseException):  # BaseException: user code rarely catches it
    """Raised inside an evaluation when the worker is asked to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


class StopRequest:
    """Signal state shared between the handler and the worker loop."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.evaluating = False

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def reason(self) -> str:
        return "" if self.signum is None else f"stopped by {signal.Signals(self.signum).name}"

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            logger.warning("Second signal %s: exiting now.", signal.Signals(signum).name)
            os._exit(128 + signum)
        self.signum = signum
        logger.warning("Received %s: finishing up and exiting.", signal.Signals(signum).name)
        if self.evaluating:
            raise WorkerInterrupted(signum)

    @contextlib.contextmanager
    def evaluation(self) -> Iterator[None]:
        """Mark the span during which a signal interrupts the evaluation."""
        if self.requested:
            raise WorkerInterrupted(self.signum or signal.SIGTERM)
        self.evaluating = True
        try:
            yield
        finally:
            self.evaluating = False


@contextlib.contextmanager
def handle_stop_signals() -> Iterator[StopRequest]:
    """Install the handlers for the duration of a worker run (main thread only)."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request  # signals are delivered to the main thread only: nothing to install
        return
    previous: dict[signal.Signals, Any] = {}
    for sig in STOP_SIGNALS:
        previous[sig] = signal.signal(sig, request._handle)
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
