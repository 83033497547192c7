"""The one place that names files inside a study's root directory.

Nothing else in neps_like builds a path under the root by hand: it asks ``Layout``
(study files) and ``TrialFiles`` (the names inside a trial's folder). Names that come
from the study itself (trial ids from journal records, snapshots and folder listings;
worker ids from ``workers/``) are checked against a strict pattern before they become
part of a path, so a record saying ``"id": "../../../victim"`` never names anything
outside ``trials/``. ``safe_paths`` is how those paths are then opened without
following links. See DESIGN.md §4 for what each file holds and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from neps_like._errors import UnsafePathError

FORMAT_VERSION = 1

# Trial ids are "7" or "7_2": safe as directory names on every file system. \Z, not $:
# "$" also matches before a final newline. Bounded: an id is a number, not a payload.
_TRIAL_ID = re.compile(r"[0-9]{1,18}(?:_[0-9]{1,9})?\Z")
# Worker ids become file names; keep them portable (never "." or ".." or hidden).
_WORKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}\Z")

# What a study's root holds (``Layout.is_own_name``), and the temporary files of atomic
# writes (``.<name>.<pid>.<random>.tmp``).
_OWN_TOP_NAMES = frozenset(
    {
        "neps_like.yaml",
        "optimizer_info.yaml",
        "search_space.yaml",
        "optimizer_state.json",
        ".lock",
        ".lock.lease",
        ".lock.uses-lease",
        "journal",
        "snapshot.json",
        "errors.jsonl",
        "workers",
        "trials",
        "backups",
        "summary",
        "summary_tb",
        "launch",
    }
)
_TEMP_NAME = re.compile(r"\..+\.[0-9]+\.[0-9a-f]{12}\.tmp\Z")


class TrialFiles:
    """The names inside ``trials/<id>/`` that neps_like writes or reads.

    Everything else in a trial's folder belongs to the evaluation (checkpoints), which
    is what ``delete_checkpoints`` removes and ``copy_checkpoint`` copies.
    """

    CONFIG = "config.yaml"  # mirror of the journal: the config
    METADATA = "metadata.json"  # mirror: state, times, workers, attempts
    REPORT = "report.yaml"  # mirror: the result
    CONTROL = "control.json"  # a stop or pause request for the evaluating worker
    SCRIPT_CONFIG = "config.json"  # a script trial's config (NEPS_LIKE_CONFIG)
    RESULT = "result.json"  # a script trial's result (NEPS_LIKE_RESULT)
    STDOUT = "stdout.log"  # a script trial's output, every attempt appended
    STDERR = "stderr.log"
    LEARNING_CURVE = "learning_curve.jsonl"  # ``report_intermediate`` points

    OWN: frozenset[str] = frozenset(
        {CONFIG, METADATA, REPORT, CONTROL, SCRIPT_CONFIG, RESULT, STDOUT, STDERR, LEARNING_CURVE}
    )


@dataclass(frozen=True, slots=True)
class Layout:
    """Paths of everything in a study's root directory."""

    root: Path

    @classmethod
    def at(cls, root: str | Path) -> Layout:
        return cls(Path(root).absolute())

    # -- written once ----------------------------------------------------------------
    @property
    def study_file(self) -> Path:
        """Format version, creation time and seed; its presence marks a complete study."""
        return self.root / "neps_like.yaml"

    @property
    def optimizer_info_file(self) -> Path:
        return self.root / "optimizer_info.yaml"

    @property
    def search_space_file(self) -> Path:
        return self.root / "search_space.yaml"

    # -- shared, changing --------------------------------------------------------------
    @property
    def optimizer_state_file(self) -> Path:
        return self.root / "optimizer_state.json"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"

    @property
    def lease_lock_file(self) -> Path:
        """The lease-based lock, used where file locks do not work."""
        return self.root / ".lock.lease"

    @property
    def lease_lock_marker(self) -> Path:
        """Present once any worker had to use the lease lock: all others then use it too."""
        return self.root / ".lock.uses-lease"

    @property
    def journal_dir(self) -> Path:
        return self.root / "journal"

    @property
    def journal_file(self) -> Path:
        return self.journal_dir / "events.log"

    @property
    def quarantine_file(self) -> Path:
        """Bytes cut out of the journal (torn tails, corrupt records), kept for inspection."""
        return self.journal_dir / "quarantine.log"

    @property
    def snapshot_file(self) -> Path:
        return self.root / "snapshot.json"

    @property
    def errors_file(self) -> Path:
        return self.root / "errors.jsonl"

    @property
    def workers_dir(self) -> Path:
        return self.root / "workers"

    def worker_file(self, worker_id: str) -> Path:
        """``workers/<worker_id>``.

        Raises:
            UnsafePathError: ``worker_id`` is not a valid worker id.
        """
        return self.workers_dir / check_worker_id(worker_id)

    @property
    def launch_dir(self) -> Path:
        """What ``neps-like launch`` keeps: the shipped function and the workers' logs."""
        return self.root / "launch"

    @property
    def launch_function_file(self) -> Path:
        """The cloudpickled run arguments of ``neps_like.launch(evaluate_pipeline=fn)``."""
        return self.launch_dir / "function.pkl"

    @property
    def launch_logs_dir(self) -> Path:
        return self.launch_dir / "logs"

    def worker_log_file(self, worker_id: str) -> Path:
        """``launch/logs/<worker_id>.log`` (not in ``workers/``, which holds only leases)."""
        return self.launch_logs_dir / f"{check_worker_id(worker_id)}.log"

    @property
    def trials_dir(self) -> Path:
        return self.root / "trials"

    def trial_dir(self, trial_id: str) -> Path:
        """``trials/<trial_id>``.

        Raises:
            UnsafePathError: ``trial_id`` is not a valid trial id (``7`` or ``7_2``).
        """
        return self.trials_dir / check_trial_id(trial_id)

    def trial_file(self, trial_id: str, name: str) -> Path:
        """``trials/<trial_id>/<name>``, ``name`` one of ``TrialFiles``."""
        return self.trial_dir(trial_id) / name

    def trial_config_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / TrialFiles.CONFIG

    def trial_metadata_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / TrialFiles.METADATA

    def trial_report_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / TrialFiles.REPORT

    def trial_stdout_file(self, trial_id: str) -> Path:
        """A script trial's standard output (every attempt appends)."""
        return self.trial_dir(trial_id) / TrialFiles.STDOUT

    def trial_stderr_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / TrialFiles.STDERR

    def trial_control_file(self, trial_id: str) -> Path:
        """A stop or pause request for the worker evaluating the trial."""
        return self.trial_dir(trial_id) / TrialFiles.CONTROL

    @property
    def backups_dir(self) -> Path:
        """Copies made before ``repair`` or ``rewind`` change anything."""
        return self.root / "backups"

    def is_own_name(self, name: str) -> bool:
        """Whether ``name`` (an entry of the root) is something neps_like makes there."""
        if name in _OWN_TOP_NAMES:
            return True
        return _TEMP_NAME.match(name) is not None  # an unfinished atomic write

    @property
    def summary_dir(self) -> Path:
        return self.root / "summary"

    @property
    def summary_tb_dir(self) -> Path:
        """``neps.tblogger``'s TensorBoard events of the incumbent (NePS's name)."""
        return self.root / "summary_tb"

    def trial_tb_dir(self, trial_id: str) -> Path:
        """``trials/<id>/tbevents``: a ``tblogger.ConfigWriter``'s events (NePS's name);
        the evaluation's, like a checkpoint."""
        return self.trial_dir(trial_id) / "tbevents"

    @property
    def best_config_file(self) -> Path:
        return self.summary_dir / "best_config.yaml"

    @property
    def trials_csv_file(self) -> Path:
        return self.summary_dir / "trials.csv"

    @property
    def summary_position_file(self) -> Path:
        """Which journal and record the summary files were written from."""
        return self.summary_dir / ".position"


def is_valid_trial_id(trial_id: object) -> bool:
    return isinstance(trial_id, str) and _TRIAL_ID.match(trial_id) is not None


def is_valid_worker_id(worker_id: object) -> bool:
    return isinstance(worker_id, str) and _WORKER_ID.match(worker_id) is not None


def check_trial_id(trial_id: str) -> str:
    """``trial_id`` if it is a valid trial id (``7``, ``7_2``).

    Raises:
        UnsafePathError: it is not; it is never used as a path then.
    """
    if not is_valid_trial_id(trial_id):
        raise UnsafePathError(
            f"Refusing the trial id {trial_id!r}: trial ids are numbers like '7' or '7_2'; "
            "this one would not name a folder inside trials/ (a damaged or hostile record)."
        )
    return trial_id


def check_worker_id(worker_id: str) -> str:
    """``worker_id`` if it is a valid worker id (a portable file name).

    Raises:
        UnsafePathError: it is not.
    """
    if not is_valid_worker_id(worker_id):
        raise UnsafePathError(
            f"Refusing the worker id {worker_id!r}: not usable as a file name in workers/ "
            "(letters, digits and . _ @ + -, at most 128 characters, not starting with "
            "punctuation)."
        )
    return worker_id
