"""Checking a study directory end to end, and repairing what can be repaired.

``verify`` replays the whole journal from its first byte (not from the snapshot) and
compares everything derived from it: the snapshot, the trial folders. ``repair`` takes
the state lock, backs the directory's state files up, rewrites the journal without its
damaged records (they go to the quarantine file), drops the snapshot and rewrites every
trial folder from the journal. Workers that are running notice the new journal and reload.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neps_like.state import path_checks, safe_paths
from neps_like.state._fs import atomic_write_bytes, make_dirs, translate_os_errors
from neps_like.state.journal import Journal, decode_line, encode_record
from neps_like.state.layout import Layout, is_valid_trial_id, is_valid_worker_id
from neps_like.state.locker import FileLocker, probe_lock_kind
from neps_like.state.records import Report, Trial, TrialState
from neps_like.state.snapshot import read_snapshot
from neps_like.state.study_files import read_study_info
from neps_like.state.trial_repo import TrialRepo


@dataclass
class VerifyReport:
    """What ``verify`` found; ``ok`` when nothing needs attention."""

    root: Path
    records: int = 0
    trials: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        lines = [f"Study {self.root}: {self.records} journal records, {self.trials} trials."]
        lines += [f"  problem: {p}" for p in self.problems]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(
            "OK"
            if self.ok
            else f"{len(self.problems)} problem(s); `neps-like repair` fixes what can be fixed."
        )
        return "\n".join(lines)


def _replay(layout: Layout) -> tuple[Journal, dict[str, Trial], int]:
    """The journal's trials by id; ids that are not valid trial ids are kept too (so that
    ``verify`` reports them) but never used as paths."""
    journal = Journal(layout.journal_file, layout.quarantine_file, sync="none")
    trials: dict[str, Trial] = {}
    records = journal.read_new()
    for record in records:
        if record.get("kind") == "trial":
            trial = Trial.from_dict(record["trial"])
            trials[trial.id] = trial
    return journal, trials, len(records)


def verify(root: str | Path) -> VerifyReport:
    """Check the journal, the snapshot and the trial folders of the study in ``root``."""
    layout = Layout.at(root)
    report = VerifyReport(layout.root)
    info = read_study_info(layout)
    journal, trials, report.records = _replay(layout)
    report.trials = len(trials)
    report.problems += [p.describe() for p in journal.problems]
    if journal.torn_bytes:
        report.notes.append(
            f"{journal.torn_bytes} bytes of an unfinished write at the end of the journal "
            "(a worker is appending right now, or was killed mid-write; the next write repairs it)"
        )
    snap = read_snapshot(layout, info.journal_id)
    if snap is not None:
        replayed = {t.id: t for t in _trials_up_to(layout, snap.seq)}
        if {t.id: t for t in snap.trials} != replayed:
            report.problems.append(f"{layout.snapshot_file} disagrees with the journal")
    report.problems += path_checks.invalid_trial_ids(trials)
    report.problems += path_checks.link_problems(layout)
    _check_folders(layout, trials, report)
    if layout.trials_dir.exists():
        for folder in layout.trials_dir.iterdir():
            if is_valid_trial_id(folder.name) and folder.name not in trials:
                report.notes.append(f"folder {folder} belongs to no trial in the journal")
    return report


def _check_folders(layout: Layout, trials: dict[str, Trial], report: VerifyReport) -> None:
    """Compare each trial's folder (a real one: links are reported by ``path_checks``)
    with the journal."""
    repo = TrialRepo(layout.root)
    for trial in trials.values():
        if not is_valid_trial_id(trial.id):
            continue  # reported by ``path_checks``; never a path
        folder = layout.trial_dir(trial.id)
        if safe_paths.kind_of(layout.root, folder) != "dir":  # made only when needed
            continue
        if safe_paths.kind_of(layout.root, layout.trial_metadata_file(trial.id)) is None:
            # Made for an evaluation whose files were not written yet (or its worker was
            # killed first): the journal has the trial; `repair` writes them.
            report.notes.append(f"trial folder {folder} has no metadata.json yet")
            continue
        try:
            on_disk = repo.load_trial_from_disk(trial.id)
        except Exception as exc:  # report, never crash the check
            report.problems.append(f"trial folder {folder}: {exc}")
            continue
        if on_disk.state is not trial.state:
            report.problems.append(
                f"{layout.trial_metadata_file(trial.id)} says {on_disk.state.value}, "
                f"the journal says {trial.state.value}"
            )


def _trials_up_to(layout: Layout, seq: int) -> list[Trial]:
    trials: dict[str, Trial] = {}
    data = layout.journal_file.read_bytes()
    for line in data.split(b"\n"):
        try:
            line_seq, record = decode_line(line)
        except (ValueError, UnicodeDecodeError):
            continue
        if line_seq > seq:
            break
        if record.get("kind") == "trial":
            trial = Trial.from_dict(record["trial"])
            trials[trial.id] = trial
    return list(trials.values())


def repair(root: str | Path, *, all_folders: bool = False) -> tuple[Path, VerifyReport]:
    """Back up, then rebuild the journal without damaged records, drop the snapshot and
    rewrite the files of every trial folder (``all_folders``: create the missing ones
    too). Returns the backup folder and the check afterwards."""
    layout = Layout.at(root)
    kind = probe_lock_kind(layout.lock_file, layout.lease_lock_marker)
    with FileLocker(layout.lock_file, kind=kind, lease_path=layout.lease_lock_file).lock():
        backup = _backup(layout)
        data = layout.journal_file.read_bytes() if layout.journal_file.exists() else b""
        kept, dropped = [], []
        for line in data.split(b"\n"):
            if not line:
                continue
            try:
                record = decode_line(line)[1]
            except (ValueError, UnicodeDecodeError):
                dropped.append(line)
                continue
            if _hostile(record):
                dropped.append(line)  # a trial id that would name a path outside trials/
            else:
                kept.append(record)
        if dropped:
            header = f"# {time.time():.3f} removed by repair\n".encode()
            _append(layout, header + b"\n".join(dropped) + b"\n")
        kept += _requeue_orphans(layout, kept)
        rebuilt = b"".join(encode_record(i, r) for i, r in enumerate(kept, start=1))
        # A new file (new inode): running workers detect the swap and reload.
        atomic_write_bytes(layout.journal_file, rebuilt, root=layout.root)
        layout.snapshot_file.unlink(missing_ok=True)
        trials: dict[str, Trial] = {}
        for record in kept:
            if record.get("kind") == "trial":
                trial = Trial.from_dict(record["trial"])
                trials[trial.id] = trial
        repo = TrialRepo(layout.root)
        for trial in trials.values():
            if trial.state.value not in ("invalid", "duplicate"):
                repo.update_trial(trial, hints=None, create=all_folders)
    return backup, verify(root)


def _requeue_orphans(layout: Layout, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records re-queueing EVALUATING trials whose worker has no lease file (it is gone):
    typically a trial whose report was among the damaged records."""
    current: dict[str, Trial] = {}
    for record in records:
        if record.get("kind") == "trial":
            trial = Trial.from_dict(record["trial"])
            current[trial.id] = trial
    out = []
    for trial in current.values():
        owner = trial.metadata.evaluating_worker_id
        if trial.state is TrialState.EVALUATING and (
            not is_valid_worker_id(owner) or not layout.worker_file(str(owner)).exists()
        ):
            crashed = trial.transition(
                TrialState.CRASHED,
                report=Report(objective_to_minimize=None, err="re-queued by repair"),
            )
            out.append(
                {
                    "kind": "trial",
                    "trial": crashed.transition(TrialState.PENDING, report=None).to_record(),
                }
            )
    return out


def _hostile(record: dict[str, Any]) -> bool:
    trial = record.get("trial") if record.get("kind") == "trial" else None
    return isinstance(trial, dict) and not is_valid_trial_id(trial.get("id"))


def _append(layout: Layout, data: bytes) -> None:
    path = layout.quarantine_file
    with translate_os_errors("append to", path):
        # From the root, O_NOFOLLOW: never appended through a link.
        fd = safe_paths.open_file(layout.root, path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def _backup(layout: Layout) -> Path:
    root = layout.root
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = layout.backups_dir / f"repair-{stamp}"
    make_dirs(backup, root=root)  # a ``backups`` link is refused, not written into
    for path in (
        layout.journal_file,
        layout.snapshot_file,
        layout.optimizer_state_file,
        layout.quarantine_file,
    ):
        with translate_os_errors("back up", path):
            try:
                data = safe_paths.read_bytes(root, path)  # a planted link is refused
            except FileNotFoundError:
                continue
        atomic_write_bytes(backup / path.name, data, root=root)
    readme = json.dumps({"made": stamp, "by": "neps-like repair"}) + "\n"
    atomic_write_bytes(backup / "README.txt", readme.encode(), root=root)
    return backup
