"""A one-line progress display for a worker on a terminal; silent when not a TTY.

Shows the study's evaluations against the budget, the best objective so far and this
worker's current trial, rewriting one line of stderr (never the log).
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from neps_like.state.records import BudgetInfo


class Progress:
    """Redraws one status line; every method is a no-op when the stream is not a TTY."""

    def __init__(self, worker_id: str, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.worker_id = worker_id
        self._drawn = False

    def update(self, used: BudgetInfo, best: tuple[float, str] | None, current: str | None) -> None:
        if not self.enabled:
            return
        total = "" if used.max_evaluations is None else f"/{used.max_evaluations}"
        parts = [f"[{self.worker_id}] {used.used_evaluations}{total} trials"]
        if used.max_cost_total is not None:
            parts.append(f"cost {used.used_cost_budget:.4g}/{used.max_cost_total:.4g}")
        parts.append("best -" if best is None else f"best {best[0]:.6g} (trial {best[1]})")
        parts.append(f"evaluating {current}" if current else "idle")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r" + " | ".join(parts)[:width].ljust(width))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
