"""The one place that names files inside a study's root directory.

Nothing else in neps_like builds a path under the root by hand: it asks ``Layout``.
See DESIGN.md §4 for what each file holds and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 1

# Trial ids are "7" or "7_2": safe as directory names on every file system.
_TRIAL_ID = re.compile(r"^[0-9]+(_[0-9]+)?$")
# Worker ids become file names; keep them portable.
_WORKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


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
        return self.workers_dir / worker_id

    @property
    def trials_dir(self) -> Path:
        return self.root / "trials"

    def trial_dir(self, trial_id: str) -> Path:
        return self.trials_dir / trial_id

    def trial_config_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / "config.yaml"

    def trial_metadata_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / "metadata.json"

    def trial_report_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / "report.yaml"

    def trial_stdout_file(self, trial_id: str) -> Path:
        """A script trial's standard output (every attempt appends)."""
        return self.trial_dir(trial_id) / "stdout.log"

    def trial_stderr_file(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / "stderr.log"

    def trial_control_file(self, trial_id: str) -> Path:
        """A stop or pause request for the worker evaluating the trial."""
        return self.trial_dir(trial_id) / "control.json"

    @property
    def backups_dir(self) -> Path:
        """Copies made before ``repair`` or ``rewind`` change anything."""
        return self.root / "backups"

    @property
    def summary_dir(self) -> Path:
        return self.root / "summary"

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


def is_valid_trial_id(trial_id: str) -> bool:
    return bool(_TRIAL_ID.match(trial_id))


def is_valid_worker_id(worker_id: str) -> bool:
    return bool(_WORKER_ID.match(worker_id))
