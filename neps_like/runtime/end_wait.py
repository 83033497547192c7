"""What a worker waited for once the budget was handed out, for its last log line.

With the budget handed out, a worker still waits while an unfinished trial belongs to a
worker that stopped renewing its lease (the trial is re-queued when the lease expires,
and the waiting worker takes it over), or, with
``continue_until_max_evaluation_completed``, while any trial is still running. This
records how long that took and what came of it.
"""

from __future__ import annotations

import time


class EndWait:
    """Time spent waiting at the end of a study, and the trials taken over meanwhile."""

    def __init__(self) -> None:
        self._started: float | None = None
        self._waited = 0.0
        self._orphans: set[str] = set()
        self._taken: list[str] = []

    def waiting(self, orphans: tuple[str, ...]) -> None:
        """One poll found nothing to do yet; ``orphans`` are running trials whose workers
        have not shown they are alive since this worker first looked."""
        now = time.monotonic()
        if self._started is None:
            self._started = now
        self._orphans.update(orphans)

    def took(self, trial_id: str) -> None:
        """A trial was taken: ends a wait, counting it when it was an orphan's."""
        if self._started is None:
            return
        self._waited += time.monotonic() - self._started
        self._started = None
        if trial_id in self._orphans:  # a re-queued trial keeps its id
            self._taken.append(trial_id)

    def describe(self) -> str:
        """"" when the worker never waited; else what for, how long, what it took over."""
        waited = self._waited
        if self._started is not None:
            waited += time.monotonic() - self._started
        if not waited and not self._orphans:
            return ""
        if not self._orphans:
            return f"; waited {waited:.1f} s for running trials"
        ids = ", ".join(sorted(self._orphans, key=_id_order))
        taken = ", ".join(self._taken) if self._taken else "none"
        return (
            f"; waited {waited:.1f} s for trial(s) {ids} until their workers renewed their "
            f"leases or the leases expired (taken over here: {taken})"
        )


def _id_order(trial_id: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in trial_id.split("_"))
