"""NePS's ``neps.tblogger``: TensorBoard event files for an evaluation and the incumbent.

Inside an evaluation run by ``neps_like.run``:

* ``tblogger.ConfigWriter(write_summary_incumbent=True)`` returns a TensorBoard
  ``SummaryWriter`` (tensorboardX's) writing to ``trials/<id>/tbevents``. A continuation
  (``"3_1"`` continues ``"3"``) writes into the folder of the first trial of its lineage,
  so one config's curves continue across fidelities. The folder is made if the
  evaluation has none (neps_like makes folders only where needed). The writer is closed
  when the trial's result has been recorded.
* ``tblogger.WriteIncumbent()``, or ``write_summary_incumbent=True``: once the trial's
  result is recorded, the best objective so far is added to ``summary_tb/`` as the scalar
  ``Summary/Incumbent_graph`` at step (number of successful trials - 1).

Outside an evaluation ``ConfigWriter`` needs ``root_directory`` and
``pipeline_directory`` and writes to ``<pipeline_directory>/tbevents``. Writing needs the
``tensorboard`` extra (tensorboardX); viewing needs TensorBoard itself:
``tensorboard --logdir ROOT``.
"""

from __future__ import annotations

import importlib
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neps_like._errors import ArgumentError, NepsLikeError, TrialNotFoundError
from neps_like.runtime.current import InProgress, in_progress
from neps_like.state import safe_paths
from neps_like.state.records import TrialState

if TYPE_CHECKING:
    from neps_like.state.neps_state import NePSState

logger = logging.getLogger(__name__)

INCUMBENT_TAG = "Summary/Incumbent_graph"
_END_KEY = "neps.tblogger"


def _new_writer(writer_class: Any, logdir: Path) -> Any:
    """A writer with a file of its own: tensorboardX names event files by the second and
    host only, and a later writer in the same second would replace the earlier file."""
    suffix = f".{os.getpid()}.{uuid.uuid4().hex[:12]}"
    return writer_class(logdir=str(logdir), filename_suffix=suffix)


def summary_writer_class() -> Any:
    """tensorboardX's ``SummaryWriter``.

    Raises:
        NepsLikeError: tensorboardX is not installed (names the extra to install).
    """
    try:
        return importlib.import_module("tensorboardX").SummaryWriter
    except ImportError as exc:
        raise NepsLikeError(
            "neps.tblogger writes TensorBoard files with tensorboardX, which is not "
            "installed: pip install 'neps-like[tensorboard]'."
        ) from exc


@dataclass
class _TrialLog:
    """What ``tblogger`` does when the trial in progress has ended."""

    writer: Any = None
    write_incumbent: bool = False

    def __call__(self, current: InProgress) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.write_incumbent:
            write_incumbent(current.state)


def _trial_log(current: InProgress) -> _TrialLog:
    log = current.on_end.get(_END_KEY)
    if not isinstance(log, _TrialLog):
        log = current.on_end[_END_KEY] = _TrialLog()
    return log


def _lineage_start(state: NePSState, trial_id: str, previous: str | None) -> str:
    """The first trial of ``trial_id``'s lineage (following ``previous_trial_id``)."""
    seen = {trial_id}
    while previous is not None and previous not in seen:
        seen.add(previous)
        trial_id = previous
        try:
            previous = state.lock_and_get_trial_by_id(previous).metadata.previous_trial_id
        except TrialNotFoundError:
            break
    return trial_id


def _safe_dir(root: Path, path: Path) -> Path:
    """Create ``path`` below the study ``root``, refusing links on the way."""
    with safe_paths.directory(root, path, create=True):
        return path


def incumbent(state: NePSState) -> tuple[int, float] | None:
    """(successful trials - 1, best single objective), or None without a usable one."""
    successes = [t for t in state.lock_and_read_trials().values() if t.state is TrialState.SUCCESS]
    values = [
        objs[0]
        for t in successes
        if t.report is not None
        and t.report.is_usable
        and (objs := t.report.objectives) is not None
        and len(objs) == 1
    ]
    return None if not values else (len(successes) - 1, min(values))


def write_incumbent(state: NePSState) -> None:
    """Add the incumbent's objective to ``summary_tb/`` (one event file per call, as
    several workers write there at once)."""
    point = incumbent(state)
    if point is None:
        return
    logdir = _safe_dir(state.path, state.layout.summary_tb_dir)
    writer = _new_writer(summary_writer_class(), logdir)
    try:
        writer.add_scalar(tag=INCUMBENT_TAG, scalar_value=point[1], global_step=point[0])
    finally:
        writer.close()


class tblogger:
    """NePS's ``neps.tblogger`` (see the module's description)."""

    @staticmethod
    def ConfigWriter(
        *,
        write_summary_incumbent: bool = True,
        root_directory: str | Path | None = None,
        pipeline_directory: str | Path | None = None,
        previous_pipeline_directory: str | Path | None = None,
    ) -> Any:
        """A tensorboardX ``SummaryWriter`` for this trial (module description).

        Raises:
            NepsLikeError: tensorboardX is missing.
            ArgumentError: called outside an evaluation without ``root_directory`` and
                ``pipeline_directory``.
        """
        writer_class = summary_writer_class()
        current = in_progress()
        if current is None:
            if root_directory is None or pipeline_directory is None:
                raise ArgumentError(
                    "tblogger.ConfigWriter() outside an evaluation run by neps_like.run "
                    "needs root_directory= and pipeline_directory=."
                )
            folder = Path(pipeline_directory)
            if previous_pipeline_directory is not None:
                previous = Path(previous_pipeline_directory)
                folder = previous if (previous / "tbevents").is_dir() else folder
            return _new_writer(writer_class, folder / "tbevents")
        state, trial = current.state, current.trial
        start = _lineage_start(state, trial.id, trial.metadata.previous_trial_id)
        state.make_trial_folder(start)
        logdir = _safe_dir(state.path, state.layout.trial_tb_dir(start))
        log = _trial_log(current)
        if log.writer is not None:
            log.writer.close()
        log.write_incumbent = write_summary_incumbent
        log.writer = _new_writer(writer_class, logdir)
        return log.writer

    @staticmethod
    def WriteIncumbent() -> None:
        """Add the incumbent to ``summary_tb/`` once this trial's result is recorded.

        Raises:
            NepsLikeError: tensorboardX is missing.
            ArgumentError: called outside an evaluation run by ``neps_like.run``.
        """
        summary_writer_class()
        current = in_progress()
        if current is None:
            raise ArgumentError(
                "tblogger.WriteIncumbent() works inside an evaluation run by neps_like.run."
            )
        _trial_log(current).write_incumbent = True
