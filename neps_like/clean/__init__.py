"""NePS's ``neps.clean`` (see ``neps_like.clean.clean``): ``python -m neps_like.clean ROOT``."""

from __future__ import annotations

from neps_like.clean.clean import clean_failed_trials, clean_trials_by_id, clean_trials_by_state

__all__ = ["clean_failed_trials", "clean_trials_by_id", "clean_trials_by_state"]
