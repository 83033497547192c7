"""Snapshots: the compacted state as of a journal position, so start-up need not replay
the whole journal.

A snapshot is only a cache of the journal. It is written atomically *outside* the state
lock by the one worker that claimed it in the journal (a ``snapshot_claim`` record), so
its cost never adds to lock hold time. A missing, stale, unreadable or foreign snapshot
(another ``journal_id``, e.g. after a rewind) is ignored and the journal replayed instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from neps_like.state._fs import atomic_write_bytes, atomic_write_json
from neps_like.state.layout import Layout
from neps_like.state.records import Trial

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
# A snapshot is due when the records since the last one exceed this many, or the number
# of trials, whichever is larger: writing one costs O(trials), so the cost per record
# stays O(1) however large the study grows, and start-up reads at most a snapshot plus a
# tail about as long as the snapshot.
MIN_SNAPSHOT_INTERVAL = 1000


@dataclass(frozen=True, slots=True)
class Snapshot:
    journal_id: str
    seq: int
    offset: int
    trials: list[Trial]
    workers: dict[str, Any]
    optimizer_state: dict[str, Any]
    # The journal file it was taken from: a repair or rewind writes a new file, and a
    # process that reads the snapshot without the lock must not pair it with that one.
    journal_inode: int | None = None


def snapshot_due(records_since: int, n_trials: int) -> bool:
    return records_since >= max(MIN_SNAPSHOT_INTERVAL, n_trials)


def write_snapshot(
    layout: Layout,
    *,
    journal_id: str,
    seq: int,
    offset: int,
    trials: Iterable[Trial],
    workers: Mapping[str, Any],
    optimizer_state: Mapping[str, Any],
    journal_inode: int | None = None,
) -> None:
    payload = {
        "version": SNAPSHOT_VERSION,
        "journal_id": journal_id,
        "journal_inode": journal_inode,
        "seq": seq,
        "offset": offset,
        "workers": dict(workers),
        "optimizer_state": dict(optimizer_state),
        "trials": [t.to_record() for t in trials],
    }
    data = json.dumps(payload, separators=(",", ":")).encode()
    atomic_write_bytes(layout.snapshot_file, data, sync="fsync")
    atomic_write_json(layout.optimizer_state_file, {"seq": seq, **optimizer_state})


def read_snapshot(layout: Layout, journal_id: str) -> Snapshot | None:
    """The snapshot on disk if it belongs to this journal and parses, else None."""
    path = layout.snapshot_file
    try:
        raw = json.loads(path.read_bytes())
        if raw.get("version") != SNAPSHOT_VERSION or raw.get("journal_id") != journal_id:
            logger.info("Ignoring %s: it belongs to another journal or format.", path)
            return None
        return Snapshot(
            journal_id=journal_id,
            seq=int(raw["seq"]),
            offset=int(raw["offset"]),
            trials=[Trial.from_dict(t) for t in raw["trials"]],
            workers=dict(raw.get("workers") or {}),
            optimizer_state=dict(raw.get("optimizer_state") or {}),
            journal_inode=None if raw.get("journal_inode") is None else int(raw["journal_inode"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("Ignoring unreadable snapshot %s (%s); replaying the journal.", path, exc)
        return None


def read_matching_snapshot(layout: Layout, journal_id: str, *, locked: bool) -> Snapshot | None:
    """The snapshot if it was taken from the journal file that is there now. A repair or
    rewind writes a new file (and deletes the snapshot, under the lock), and a copied
    study has new files: a snapshot of another file, or of more than the file now holds
    (cut back in place), is ignored. One without a file identity (older versions) is
    trusted only under the lock."""
    snap = read_snapshot(layout, journal_id)
    if snap is None:
        return None
    try:
        st = layout.journal_file.stat()
    except OSError:
        return None
    if st.st_size < snap.offset:
        return None
    if snap.journal_inode is None:
        return snap if locked else None
    return snap if st.st_ino == snap.journal_inode else None
