"""Rewinding a study to how it was after trial N (helios' ``create_study_starting_from_trial``).

Under the state lock: everything is backed up first (state files copied, the folders of
discarded trials moved) into ``backups/rewind-<time>/``; then a new journal holding only
the records of trials 1..N (and their multi-fidelity continuations) replaces the old one
under a new journal id, and the snapshot is dropped. Proposals derive their randomness
from ``(seed, number of trials)``, so with one worker the study then proposes exactly what
it proposed after trial N the first time: there is no optimizer RNG state to restore.
Refused while workers hold live leases; with ``force`` they notice the new journal id
when they next take the lock and stop with ``StudyReplacedError`` (their claimed trials
belong to the discarded history) instead of carrying on in the rewound study.
Everything is reached without following links (``safe_paths``), and trial ids read
from the journal are checked before they name a folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from neps_like._errors import NePSError
from neps_like.state import safe_paths
from neps_like.state._fs import (
    atomic_write_bytes,
    atomic_write_yaml,
    make_dirs,
    translate_os_errors,
)
from neps_like.state.journal import decode_line, encode_record
from neps_like.state.layout import Layout, is_valid_trial_id
from neps_like.state.leases import live_workers
from neps_like.state.locker import FileLocker, probe_lock_kind
from neps_like.state.study_files import read_study_info

logger = logging.getLogger(__name__)


def _base_number(trial_id: str) -> int:
    return int(trial_id.split("_", 1)[0])


def rewind(root: str | Path, to: int, *, force: bool = False, live_within: float = 60.0) -> Path:
    """Keep trials 1..``to`` (with their continuations), discard the rest; return the backup.

    Raises:
        NePSError: ``to`` is out of range, or live workers were seen (pass ``force``).
    """
    layout = Layout.at(root)
    info = read_study_info(layout)
    if to < 0:
        raise NePSError(f"rewind --to must be 0 or more, got {to}.")
    kind = probe_lock_kind(layout.lock_file, layout.lease_lock_marker)
    with FileLocker(layout.lock_file, kind=kind, lease_path=layout.lease_lock_file).lock():
        if not force:
            _refuse_if_live(layout, live_within)
        records = _read_records(layout)
        trial_ids = {t for r in records if r.get("kind") == "trial" and (t := _trial_id(r))}
        if to > max((_base_number(t) for t in trial_ids), default=0):
            raise NePSError(f"The study in {layout.root} has no trial {to} to rewind to.")
        kept = [r for r in records if _keep(r, to)]
        dropped_ids = sorted(t for t in trial_ids if _base_number(t) > to)
        backup = _backup(layout, dropped_ids)
        new_info = dataclasses.replace(info, journal_id=_new_id())
        journal = b"".join(encode_record(i, r) for i, r in enumerate(kept, start=1))
        atomic_write_bytes(layout.journal_file, journal, root=layout.root)
        layout.snapshot_file.unlink(missing_ok=True)  # unlink removes a link, never its target
        layout.optimizer_state_file.unlink(missing_ok=True)
        atomic_write_yaml(layout.study_file, new_info.to_dict(), root=layout.root)
    return backup


def _trial_id(record: dict[str, Any]) -> str | None:
    """The record's trial id if it is a valid one (a hostile id is dropped, with a warning)."""
    trial = record.get("trial")
    trial_id = trial.get("id") if isinstance(trial, dict) else None
    if is_valid_trial_id(trial_id):
        return str(trial_id)
    logger.warning("rewind drops a trial record with the invalid id %r", trial_id)
    return None


def _keep(record: dict[str, Any], to: int) -> bool:
    kind = record.get("kind")
    if kind == "trial":
        trial_id = _trial_id(record)
        return trial_id is not None and _base_number(trial_id) <= to
    return kind == "worker"


def _read_records(layout: Layout) -> list[dict[str, Any]]:
    if not layout.journal_file.exists():
        return []
    records = []
    for line in safe_paths.read_regular(layout.journal_file).split(b"\n"):
        try:
            records.append(decode_line(line)[1])
        except (ValueError, UnicodeDecodeError):
            continue  # damaged lines and a torn tail are left out, as readers do
    return records


def _refuse_if_live(layout: Layout, within: float) -> None:
    live = live_workers(layout, within)
    if live:
        raise NePSError(
            f"Workers appear to be running on {layout.root} ({', '.join(sorted(live))}); "
            "stop them before rewinding, or pass force=True (--force): they then stop "
            "with StudyReplacedError when they next touch the study."
        )


def _backup(layout: Layout, dropped_ids: list[str]) -> Path:
    root = layout.root
    backup = layout.backups_dir / f"rewind-{time.strftime('%Y%m%d-%H%M%S')}-{_new_id()[:6]}"
    # Walked from the root: a ``backups -> elsewhere`` link is refused, not written into.
    make_dirs(backup / "trials", root=root)
    for path in (
        layout.study_file,
        layout.journal_file,
        layout.snapshot_file,
        layout.optimizer_state_file,
        layout.errors_file,
    ):
        with translate_os_errors("back up", path):
            try:
                data = safe_paths.read_bytes(root, path)  # a planted link is refused
            except FileNotFoundError:
                continue
        atomic_write_bytes(backup / path.name, data, root=root)
    for trial_id in dropped_ids:
        folder = layout.trial_dir(trial_id)
        # rename moves a folder (or a planted link, as the link) without entering it.
        with translate_os_errors("move", folder), contextlib.suppress(FileNotFoundError):
            safe_paths.move_inside(root, folder, backup / "trials" / trial_id)
    return backup


def _new_id() -> str:
    return uuid.uuid4().hex
