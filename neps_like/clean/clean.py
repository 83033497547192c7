"""NePS's ``neps.clean``: choosing failed trials (or trials by id) of a study.

NePS removes the chosen trials from its state. neps_like cannot: its journal is
append-only, and ``evaluations_to_spend`` counts every trial handed out, so removing a
record would change what every worker counted. What is offered instead:

* ``dry_run=True`` reports what NePS would remove (read only);
* ``checkpoints_only=True`` frees the disk space: it removes what the evaluation wrote
  in the chosen trials' folders (neps_like's own files and logs stay), below the study
  only and never through a link, and leaves the trials' records as they are;
* anything else raises ``NotSupportedError`` saying what to do instead.

Only trials in a final state are touched: a ``crashed`` trial is re-run by the next
worker (from its own folder), so its files are left for that attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError, NotSupportedError
from neps_like.state.layout import TrialFiles
from neps_like.state.neps_state import NePSState
from neps_like.state.records import Trial, TrialState

logger = logging.getLogger(__name__)

DEFAULT_STATES = ("failed", "crashed", "corrupted")
# NePS's states that no neps_like trial has (``neps-like verify`` finds corrupt records).
_NEPS_ONLY_STATES = frozenset({"corrupted", "external", "unknown"})

INSTEAD = (
    "neps_like cannot remove trials: its journal is append-only and evaluations_to_spend "
    "counts every trial handed out. Instead: crashed trials are re-run automatically; "
    "raise evaluations_to_spend to evaluate more configs; neps.rewind(root, to=N) "
    "discards every trial after trial N (backed up first); checkpoints_only=True frees "
    "the disk space of the chosen trials and keeps their records; dry_run=True lists them."
)


def _state_names(desired_states: Iterable[Any] | None) -> list[str]:
    names = []
    known = {s.value for s in TrialState} | _NEPS_ONLY_STATES
    for state in DEFAULT_STATES if desired_states is None else desired_states:
        name = str(getattr(state, "value", state)).lower()
        if name not in known:
            raise ArgumentError(
                f"clean: desired_states holds {state!r}; expected trial states such as "
                f"{', '.join(sorted(known))}."
            )
        names.append(name)
    return names


def _check_mode(dry_run: bool, checkpoints_only: bool) -> None:
    if not dry_run and not checkpoints_only:
        raise NotSupportedError(INSTEAD)


def _free(state: NePSState, trial: Trial, dry_run: bool) -> bool:
    """Remove ``trial``'s checkpoints (unless ``dry_run``); False when it is not final."""
    if not trial.state.is_final:
        logger.info("Trial %s is %s: its files are kept.", trial.id, trial.state.value)
        return False
    if not dry_run:
        state.remove_checkpoints(trial.id, keep=TrialFiles.OWN)
    return True


def clean_trials_by_state(
    root_directory: str | Path,
    *,
    desired_states: Iterable[Any] | None = None,
    dry_run: bool = False,
    checkpoints_only: bool = False,
) -> dict[str, int]:
    """Trials in ``desired_states`` (default: failed, crashed, corrupted); see the
    module's description for what is done with them.

    Returns:
        The number of trials per state name, ``total_removed`` (trials whose folder was
        cleaned, or would be with ``dry_run``) and ``errors_cleaned`` (always 0: the
        error log is kept).

    Raises:
        NotSupportedError: neither ``dry_run`` nor ``checkpoints_only``.
        ArgumentError: an unknown state.
    """
    names = _state_names(desired_states)
    _check_mode(dry_run, checkpoints_only)
    stats = dict.fromkeys(names, 0) | {"errors_cleaned": 0, "total_removed": 0}
    with NePSState.create_or_load(root_directory, load_only=True) as state:
        for trial in state.lock_and_read_trials().values():
            if trial.state.value in names:
                stats[trial.state.value] += 1
                stats["total_removed"] += _free(state, trial, dry_run)
    return stats


def clean_trials_by_id(
    root_directory: str | Path,
    trial_ids: Iterable[str],
    *,
    dry_run: bool = False,
    checkpoints_only: bool = False,
) -> dict[str, int]:
    """The trials ``trial_ids``, whatever their state (a final one only is cleaned).

    Returns:
        ``removed`` (trials whose folder was cleaned, or would be), ``not_found``,
        ``errors_cleaned`` (always 0).

    Raises:
        NotSupportedError: neither ``dry_run`` nor ``checkpoints_only``.
    """
    if isinstance(trial_ids, str):
        raise ArgumentError(f"clean: trial_ids must be a list of ids, got {trial_ids!r}.")
    _check_mode(dry_run, checkpoints_only)
    stats = {"removed": 0, "not_found": 0, "errors_cleaned": 0}
    with NePSState.create_or_load(root_directory, load_only=True) as state:
        trials = state.lock_and_read_trials()
        for trial_id in trial_ids:
            trial = trials.get(str(trial_id))
            if trial is None:
                logger.warning("Trial %s not found in %s.", trial_id, root_directory)
                stats["not_found"] += 1
            else:
                stats["removed"] += _free(state, trial, dry_run)
    return stats


def clean_failed_trials(
    root_directory: str | Path,
    *,
    desired_states: Iterable[Any] | None = None,
    trial_ids: Iterable[str] | None = None,
    dry_run: bool = False,
    checkpoints_only: bool = False,
) -> dict[str, int]:
    """By id when only ``trial_ids`` is given, else by state (as NePS chooses)."""
    if trial_ids is not None and desired_states is None:
        return clean_trials_by_id(
            root_directory, trial_ids, dry_run=dry_run, checkpoints_only=checkpoints_only
        )
    return clean_trials_by_state(
        root_directory,
        desired_states=desired_states,
        dry_run=dry_run,
        checkpoints_only=checkpoints_only,
    )
