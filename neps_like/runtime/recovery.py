"""Re-queueing a dead worker's trial even while every live worker is busy evaluating.

Workers also recover expired leases whenever they take their next trial; this thread
covers the gap when all of them are inside long evaluations. Every ``check_interval`` it
lists the lease files and, only when one has expired since it last looked, opens a
separate ``NePSState`` (its own lock descriptor, so it excludes this process's main
thread like any other worker) and runs the same recovery under the state lock.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from neps_like.state.layout import Layout
from neps_like.state.leases import lease_age, server_now
from neps_like.state.neps_state import LeasePolicy, NePSState

logger = logging.getLogger(__name__)


class BackgroundRecovery:
    """A daemon thread that re-queues trials of workers whose lease expired."""

    def __init__(self, root: Path, worker_id: str, policy: LeasePolicy, **state_kwargs: object):
        self.layout = Layout.at(root)
        self.worker_id = worker_id
        self.policy = policy
        self._state_kwargs = state_kwargs
        self._handled: set[tuple[str, int]] = set()  # (worker, lease mtime) already acted on
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="neps-like-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.policy.check_interval + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self.policy.check_interval):
            try:
                self.check()
            except Exception as exc:  # a hint only: the worker loop recovers too
                logger.debug("Background lease check failed: %s", exc)

    def expired(self) -> list[tuple[str, int]]:
        """Leases of other workers that expired and were not acted on yet."""
        now = server_now(self.layout)
        found = []
        for lease in self.layout.workers_dir.iterdir():
            name = lease.name
            if name.startswith(".") or name == self.worker_id:
                continue
            age = lease_age(self.layout, name, now)
            if age is not None and age > self.policy.grace:
                key = (name, round(now - age))
                if key not in self._handled:
                    found.append(key)
        return found

    def check(self) -> int:
        """Recover if some lease expired; returns how many trials were re-queued."""
        dead = self.expired()
        if not dead:
            return 0
        with NePSState.create_or_load(
            self.layout.root,
            load_only=True,
            **self._state_kwargs,  # type: ignore[arg-type]
        ) as state:
            recovered = state.lock_and_recover_expired(self.worker_id, self.policy)
        self._handled.update(dead)
        return len(recovered)
