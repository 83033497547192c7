"""Managing the trials of a study from outside a worker: import evaluated ones, enqueue
configs, stop, pause and resume trials, copy checkpoints, rewind. Every function is safe
while workers run (each takes the state lock briefly)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError, EvaluationError
from neps_like.runtime import arguments as args_mod
from neps_like.runtime.evaluation import parse_result
from neps_like.space import SearchSpace
from neps_like.state import safe_paths
from neps_like.state._fs import translate_os_errors
from neps_like.state.layout import Layout, TrialFiles
from neps_like.state.neps_state import NePSState

logger = logging.getLogger(__name__)


def import_trials(
    root_directory: str | Path,
    evaluated: Iterable[tuple[Mapping[str, Any], Any] | Mapping[str, Any]],
    *,
    pipeline_space: Any = None,
    worker_id: str = "import",
) -> list[str]:
    """Add trials evaluated elsewhere to a study (created when ``pipeline_space`` is given).

    Each item is ``(config, result)`` or ``{"config": ..., "result": ...}``; ``result`` is
    anything an evaluation may return (a number, a list, a dict with
    ``objective_to_minimize``...). Safe while workers run; configs already in the study
    are skipped, so importing the same data twice adds nothing.

    Returns:
        The ids of the trials added.

    Raises:
        ConfigError: a config does not fit the space (nothing is added).
        EvaluationError: a result cannot be understood (nothing is added).
    """
    pairs = []
    for i, item in enumerate(evaluated):
        if isinstance(item, Mapping) and "config" in item and "result" in item:
            config, result = item["config"], item["result"]
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            config, result = item
        else:
            raise ArgumentError(
                f"Imported item #{i} is {item!r:.80}; expected "
                '{"config": {...}, "result": ...} or a (config, result) pair.'
            )
        try:
            pairs.append((config, parse_result(result)))
        except EvaluationError as exc:
            raise EvaluationError(f"Imported item #{i}: {exc}") from exc
    with _state_for_maintenance(root_directory, pipeline_space) as state:
        return [t.id for t in state.lock_and_import_trials(pairs, worker_id=worker_id)]


def enqueue(
    root_directory: str | Path,
    configs: Iterable[Mapping[str, Any]],
    *,
    pipeline_space: Any = None,
    worker_id: str = "enqueue",
) -> list[str]:
    """Queue configs to be evaluated next by any worker (duplicates are skipped).

    Returns:
        The ids of the PENDING trials added.
    """
    with _state_for_maintenance(root_directory, pipeline_space) as state:
        return [t.id for t in state.lock_and_enqueue(list(configs), worker_id=worker_id)]


def _state_for_maintenance(root: str | Path, pipeline_space: Any) -> NePSState:
    layout = Layout.at(root)
    space = SearchSpace.from_user(pipeline_space) if pipeline_space is not None else None
    if space is None and not layout.study_file.exists():
        raise ArgumentError(f"No study in {layout.root}: pass pipeline_space to create one.")
    env = args_mod.environment_settings()
    return NePSState.create_or_load(
        layout.root, pipeline_space=space, sync=env["sync"], lock_kind=env["lock_kind"]
    )


def rewind(root_directory: str | Path, to: int, *, force: bool = False) -> Path:
    """Restore the study as it was after trial ``to``; later trials are discarded.

    The directory's state is backed up first (returned path); discarded trial folders are
    moved there. With one worker and the same seed, continuing the study then proposes
    the same configs as it did after trial ``to`` the first time.

    Raises:
        NePSError: no such trial, or workers seem to be running (pass ``force=True``).
    """
    from neps_like.state.rewind import rewind as _rewind

    return _rewind(root_directory, to, force=force)


def stop_trial(root_directory: str | Path, trial_id: str) -> str:
    """Stop a trial: a pending or paused one at once, an evaluating one through its worker
    (SIGTERM to a script's process group, then SIGKILL after a grace period). It ends
    PRUNED. Returns ``"stopped"`` or ``"requested"``."""
    with NePSState.create_or_load(root_directory, load_only=True) as state:
        return state.lock_and_request(trial_id, "stop")


def pause_trial(root_directory: str | Path, trial_id: str) -> str:
    """Pause a trial: it ends PAUSED with its directory and checkpoints kept, until
    ``resume_trial``. Returns ``"paused"`` or ``"requested"``."""
    with NePSState.create_or_load(root_directory, load_only=True) as state:
        return state.lock_and_request(trial_id, "pause")


def resume_trial(root_directory: str | Path, trial_id: str) -> None:
    """Queue a paused trial again; whichever worker takes it continues from its directory."""
    with NePSState.create_or_load(root_directory, load_only=True) as state:
        state.lock_and_resume_trial(trial_id)


def copy_checkpoint(root_directory: str | Path, from_trial: str, to_trial: str) -> Path:
    """Copy one trial's files into another's directory (PBT-style warm start) and return
    the destination. neps_like's own record files are not copied."""
    layout = Layout.at(root_directory)
    state = NePSState.create_or_load(layout.root, load_only=True)
    src, dst = state.trial_directory(from_trial), state.trial_directory(to_trial)
    # Walked from the study root, reading and writing no link: a link found in the
    # source is left out (and named), never copied through.
    with translate_os_errors("copy checkpoints into", dst):
        links = safe_paths.copy_tree_inside(layout.root, src, dst, skip=TrialFiles.OWN)
    for link in links:
        logger.warning("Not copied (a link or special file; never followed): %s", link)
    return dst
