"""Checking a study directory end to end, and repairing what can be repaired.

Which files are which:

* **Source** (the study itself): ``journal/events.log`` (the truth about trials and
  optimizer state) and the files written once, ``neps_like.yaml``,
  ``optimizer_info.yaml`` and ``search_space.yaml``; also ``errors.jsonl`` (the
  tracebacks). Nothing else holds what they say.
* **Derived** (rebuilt from the journal): ``snapshot.json`` and
  ``optimizer_state.json``, the mirror files of ``trials/<id>/`` (``config.yaml``,
  ``metadata.json``, ``report.yaml``) and ``summary/``.

``verify`` checks every one of them: it schema-checks the source YAML files (each
problem names file and field), replays the whole journal from its first byte (not from
the snapshot) with every record schema-checked, and compares everything derived from
it. ``repair`` takes the state lock, backs the state files up, rewrites the journal
without its damaged or malformed records (they go to the quarantine file), drops the
unreadable lines of ``errors.jsonl``, drops the snapshot and rebuilds
``optimizer_state.json``, rewrites every trial folder from the journal and marks the
summary stale (the next ``status`` rewrites it). A damaged source YAML file cannot be
rebuilt: ``repair`` leaves it alone and its report says how to restore it. Workers that
are running notice the new journal and reload.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neps_like._errors import CorruptRecordError, NepsLikeError
from neps_like.state import path_checks, safe_paths, study_files
from neps_like.state._fs import atomic_write_bytes, make_dirs, translate_os_errors
from neps_like.state.journal import Journal, decode_line, encode_record
from neps_like.state.layout import Layout, is_valid_trial_id, is_valid_worker_id
from neps_like.state.locker import FileLocker, probe_lock_kind
from neps_like.state.optimizer_info import OptimizationState
from neps_like.state.record_check import check_record
from neps_like.state.records import Report, Trial, TrialState
from neps_like.state.safe_paths import read_regular
from neps_like.state.snapshot import read_snapshot
from neps_like.state.space_fit import misfit_reason
from neps_like.state.trial_repo import TrialRepo
from neps_like.state.untrusted import loads


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


def _replay(layout: Layout, report: VerifyReport) -> tuple[Journal, dict[str, Trial], list[Any]]:
    journal = Journal(layout.journal_file, layout.quarantine_file, sync="none")
    trials: dict[str, Trial] = {}
    records = journal.read_new()
    for record in records:
        try:
            trial = check_record(record)
        except CorruptRecordError as exc:
            report.problems.append(
                f"{layout.journal_file}: malformed {record.get('kind')!r} "
                f"record skipped by every reader: {exc}"
            )
            continue
        if trial is not None:
            trials[trial.id] = trial
    return journal, trials, records


def _check_sources(layout: Layout, report: VerifyReport) -> study_files.StudyInfo | None:
    """Schema-check the study's YAML files; a problem for each damaged one."""
    info = None
    try:
        info = study_files.read_study_info(layout)
    except NepsLikeError as exc:
        report.problems.append(str(exc))
    checks = (
        (layout.optimizer_info_file, study_files.read_optimizer_info),
        (layout.search_space_file, study_files.read_search_space),
    )
    for path, read in checks:
        if not path.exists():
            continue  # a study made by an import has no optimizer or space yet
        try:
            read(layout)
        except NepsLikeError as exc:
            report.problems.append(str(exc))
    return info


def verify(root: str | Path) -> VerifyReport:
    """Check every file of the study in ``root`` (see the module docstring)."""
    layout = Layout.at(root)
    report = VerifyReport(layout.root)
    info = _check_sources(layout, report)
    journal, trials, records = _replay(layout, report)
    report.records, report.trials = len(records), len(trials)
    report.problems += [p.describe() for p in journal.problems]
    if journal.torn_bytes:
        report.notes.append(
            f"{journal.torn_bytes} bytes of an unfinished write at the end of the journal "
            "(a worker is appending right now, or was killed mid-write; the next write repairs it)"
        )
    if info is not None:
        _check_snapshot(layout, info.journal_id, records, report)
    report.problems += path_checks.invalid_trial_ids(trials)
    report.problems += _misfit_configs(layout, trials)
    report.problems += path_checks.link_problems(layout)
    _check_derived_json(layout, report)
    _check_folders(layout, trials, report)
    return report


def _misfit_configs(layout: Layout, trials: dict[str, Trial]) -> list[str]:
    """Trials whose config the study's space rejects (the optimizer leaves them out)."""
    if not layout.search_space_file.exists():
        return []
    try:
        space = study_files.read_search_space(layout)
    except NepsLikeError:
        return []  # reported by ``_check_sources``
    out = []
    for trial in trials.values():
        why = misfit_reason(space, trial)
        if why is not None:
            out.append(f"trial {trial.id}: its config does not fit the search space ({why})")
    return out


def _check_snapshot(
    layout: Layout, journal_id: str, records: list[Any], report: VerifyReport
) -> None:
    if not layout.snapshot_file.exists():
        return
    snap = read_snapshot(layout, journal_id)
    if snap is None:
        report.problems.append(f"{layout.snapshot_file} is unreadable or of another journal")
        return
    replayed = {t.id: t for t in _trials_up_to(layout, snap.seq)}
    if {t.id: t for t in snap.trials} != replayed:
        report.problems.append(f"{layout.snapshot_file} disagrees with the journal")
    proofs = [r for r in records if r.get("kind") == "snapshot_proof"]
    if any(r.get("seq") == snap.seq and r.get("digest") == snap.digest for r in proofs):
        return
    if any(r.get("seq") == snap.seq for r in proofs):
        report.problems.append(
            f"{layout.snapshot_file} differs from the snapshot the journal recorded (edited "
            "or damaged); workers ignore it"
        )
    else:
        report.notes.append(
            f"{layout.snapshot_file} has no proof in the journal; workers ignore it"
        )


def _check_derived_json(layout: Layout, report: VerifyReport) -> None:
    path = layout.optimizer_state_file
    if path.exists():
        try:
            if not isinstance(loads(read_regular(path)), dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            report.problems.append(f"{path} is unreadable ({exc}); `repair` rebuilds it")
    try:
        data = read_regular(layout.errors_file)
    except OSError:
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip() and _error_line_problem(line):
            report.problems.append(f"{layout.errors_file} line {number} is unreadable")


def _error_line_problem(line: bytes) -> bool:
    try:
        value = loads(line)
        return not isinstance(value, dict) or not {"time", "worker_id", "err"} <= set(value)
    except ValueError:
        return True


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
        elif dict(on_disk.config) != dict(trial.config):
            report.problems.append(
                f"{layout.trial_config_file(trial.id)} differs from the journal's config"
            )
    if layout.trials_dir.exists():
        for folder in layout.trials_dir.iterdir():
            if is_valid_trial_id(folder.name) and folder.name not in trials:
                report.notes.append(f"folder {folder} belongs to no trial in the journal")


def _trials_up_to(layout: Layout, seq: int) -> list[Trial]:
    trials: dict[str, Trial] = {}
    data = read_regular(layout.journal_file)
    for line in data.split(b"\n"):
        try:
            line_seq, record = decode_line(line)
            if line_seq > seq:
                break
            trial = check_record(record)
        except (ValueError, UnicodeDecodeError):  # CorruptRecordError is a ValueError
            continue
        if trial is not None:
            trials[trial.id] = trial
    return list(trials.values())


def repair(root: str | Path, *, all_folders: bool = False) -> tuple[Path, VerifyReport]:
    """Back up, then rebuild the journal without damaged or malformed records, drop the
    snapshot, rebuild ``optimizer_state.json``, drop unreadable error lines and rewrite
    the files of every trial folder (``all_folders``: create the missing ones too).
    Returns the backup folder and the check afterwards."""
    layout = Layout.at(root)
    kind = probe_lock_kind(layout.lock_file, layout.lease_lock_marker)
    with FileLocker(layout.lock_file, kind=kind, lease_path=layout.lease_lock_file).lock():
        backup = _backup(layout)
        data = read_regular(layout.journal_file) if layout.journal_file.exists() else b""
        kept: list[dict[str, Any]] = []
        dropped: list[bytes] = []
        trials: dict[str, Trial] = {}
        state: OptimizationState | None = None
        for line in data.split(b"\n"):
            if not line:
                continue
            try:
                record = decode_line(line)[1]
                trial = check_record(record)
            except (ValueError, UnicodeDecodeError):  # CorruptRecordError is a ValueError
                dropped.append(line)
                continue
            if _hostile(record):
                dropped.append(line)  # a trial id that would name a path outside trials/
                continue
            kept.append(record)
            if trial is not None:
                trials[trial.id] = trial
            elif record.get("kind") == "optimizer_state":
                state = OptimizationState.from_dict(record["state"])
        dropped += _clean_errors(layout)
        if dropped:
            header = f"# {time.time():.3f} removed by repair\n".encode()
            _append(layout, header + b"\n".join(dropped) + b"\n")
        requeued = _requeue_orphans(layout, trials)
        kept += requeued
        rebuilt = b"".join(encode_record(i, r) for i, r in enumerate(kept, start=1))
        # A new file (new inode): running workers detect the swap and reload.
        atomic_write_bytes(layout.journal_file, rebuilt, root=layout.root)
        layout.snapshot_file.unlink(missing_ok=True)
        layout.summary_position_file.unlink(missing_ok=True)  # the next status rewrites it
        if state is not None or layout.optimizer_state_file.exists():
            state = state or OptimizationState()
            payload = json.dumps({"seq": len(kept), **state.to_dict()}).encode()
            atomic_write_bytes(layout.optimizer_state_file, payload, root=layout.root)
        for record in requeued:
            trial = Trial.from_dict(record["trial"])
            trials[trial.id] = trial
        repo = TrialRepo(layout.root)
        for trial in trials.values():
            if trial.state.value not in ("invalid", "duplicate"):
                repo.update_trial(trial, hints=None, create=all_folders)
    return backup, verify(root)


def _clean_errors(layout: Layout) -> list[bytes]:
    """Rewrite ``errors.jsonl`` without its unreadable lines; returns them."""
    try:
        data = safe_paths.read_bytes(layout.root, layout.errors_file)
    except OSError:
        return []
    lines = [line for line in data.split(b"\n") if line.strip()]
    bad = [line for line in lines if _error_line_problem(line)]
    if bad:
        good = [line for line in lines if not _error_line_problem(line)]
        atomic_write_bytes(
            layout.errors_file, b"".join(line + b"\n" for line in good), root=layout.root
        )
    return bad


def _requeue_orphans(layout: Layout, current: dict[str, Trial]) -> list[dict[str, Any]]:
    """Records re-queueing EVALUATING trials whose worker has no lease file (it is gone):
    typically a trial whose report was among the damaged records."""
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
        layout.errors_file,
        layout.study_file,
        layout.optimizer_info_file,
        layout.search_space_file,
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
