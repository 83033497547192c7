"""The trial this process is evaluating, for code called from inside the evaluation.

``neps.tblogger`` finds the trial's folder and study from here, as NePS's does from its
runtime, and asks to be told when the trial has ended (its result recorded). The worker
wraps each evaluation, reporting included, in ``evaluating(state, trial)``.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neps_like.state.neps_state import NePSState
    from neps_like.state.records import Trial

logger = logging.getLogger(__name__)

TrialEnd = Callable[["InProgress"], None]


@dataclass
class InProgress:
    """The study and trial of the evaluation running in this context."""

    state: NePSState
    trial: Trial
    on_end: dict[str, TrialEnd] = field(default_factory=dict)


_CURRENT: contextvars.ContextVar[InProgress | None] = contextvars.ContextVar(
    "neps_like_trial_in_progress", default=None
)


def in_progress() -> InProgress | None:
    """The evaluation running in this context, or None outside one."""
    return _CURRENT.get()


@contextlib.contextmanager
def evaluating(state: NePSState, trial: Trial) -> Iterator[InProgress]:
    """Make ``trial`` the one in progress; on exit run what asked to be told of its end.

    A failing end callback is logged and does not change the trial's outcome."""
    current = InProgress(state, trial)
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)
        for name, callback in list(current.on_end.items()):
            try:
                callback(current)
            except Exception as exc:  # the user's logging must not end the worker
                logger.warning("After trial %s, %s failed: %s", trial.id, name, exc)
