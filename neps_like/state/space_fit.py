"""Trials whose config does not fit the study's space are kept away from the optimizer.

A journal record can pass its checksum and its schema check and still carry a config the
space rejects: a hand edit, a forged record, a record written for another space. Handed to
an optimizer, one such trial makes every proposal fail (``ConfigError`` while encoding),
so one record would stop every worker of the study. The optimizer sees the other trials
instead; the misfit stays in the study (``load``, ``status`` and ``verify`` show it) and
is named once per process in a warning. ``INVALID`` and ``DUPLICATE`` trials are the
sampler's own record of rejected proposals (a config outside the space among them) and
optimizers already expect them, so they are passed through; so are the placeholders of
claims not yet read (``TrialRepo.register_claim``), checked once their record is read.

Each trial is checked when a record of it is applied (``TrialRepo.take_changed``): the
cost follows the new records, not the size of the study.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from neps_like._errors import ConfigError
from neps_like.space import SearchSpace
from neps_like.state.records import Trial, TrialState
from neps_like.state.trial_repo import TrialRepo

_REJECTS = (TrialState.INVALID, TrialState.DUPLICATE)

logger = logging.getLogger(__name__)


class SpaceFit:
    """A view of a repository's trials without those whose config the space rejects."""

    def __init__(self, space: SearchSpace | None) -> None:
        self._space = space
        self._misfits: dict[str, str] = {}  # id -> why

    def view(self, repo: TrialRepo) -> Mapping[str, Trial]:
        """``repo.latest()`` itself when every config fits, else a copy without the misfits.

        Checks only the trials applied since the last call (``TrialRepo.take_changed``)."""
        latest = repo.latest()
        if self._space is None:
            return latest
        for tid in dict.fromkeys(repo.take_changed()):
            trial = latest.get(tid)
            if trial is not None:
                self._check(tid, trial)
        if not self._misfits:
            return latest
        return {tid: t for tid, t in latest.items() if tid not in self._misfits}

    def _check(self, tid: str, trial: Trial) -> None:
        why = misfit_reason(self._space, trial) if self._space is not None else None
        if why is None:
            self._misfits.pop(tid, None)
            return
        if tid not in self._misfits:
            logger.warning(
                "Trial %s's config does not fit the search space (%s); the optimizer "
                "ignores it. `neps-like verify` lists such trials.",
                tid,
                why,
            )
        self._misfits[tid] = why


def misfit_reason(space: SearchSpace, trial: Trial) -> str | None:
    """Why the space rejects ``trial``'s config, or None when it fits (or need not)."""
    if trial.state in _REJECTS or TrialRepo.is_unread_claim(trial):
        return None
    try:
        space.validate_config(trial.config)
    except ConfigError as exc:
        return str(exc)
    return None
