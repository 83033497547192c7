"""NePS's ``neps.utils`` helpers that scripts use: ``load_trials_from_pickle``."""

from __future__ import annotations

from neps_like.compat.trials import load_trials_from_pickle

__all__ = ["load_trials_from_pickle"]
