"""Snapshots: the compacted state as of a journal position, so start-up need not replay
the whole journal.

A snapshot is only a cache of the journal. It is written atomically *outside* the state
lock by the one worker that claimed it in the journal (a ``snapshot_claim`` record), so
its cost never adds to lock hold time. A missing, stale, unreadable or foreign snapshot
(another ``journal_id``, e.g. after a rewind) is ignored and the journal replayed instead.

Nothing read is believed unchecked, and a snapshot is the one file start-up believes in
place of the journal: an edited objective, a removed trial or a raised ``seq`` in it
would change what every worker sees. So each snapshot is *proved* by the journal: once
it is written, its writer appends a ``snapshot_proof`` record holding the snapshot's
``seq`` and a BLAKE2b digest of its bytes. A reader hashes the file it loads (cheap next
to parsing it) and looks for the matching proof among the records after the snapshot's
offset, which it reads anyway. No proof, or a proof of other bytes, and the snapshot is
dropped with a warning and the journal replayed. This makes the snapshot as trustworthy
as the journal (its records carry checksums), at no cost per record: any damage or edit
of the snapshot alone is detected; an edit of both, with recomputed checksums, is not
(whoever can do that can rewrite the journal too).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from neps_like.state._fs import atomic_write_bytes, atomic_write_json
from neps_like.state.layout import Layout
from neps_like.state.records import Trial
from neps_like.state.safe_paths import read_regular
from neps_like.state.untrusted import loads

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
    # BLAKE2b of the file's bytes: what a ``snapshot_proof`` record must repeat.
    digest: str = ""


# Start-up reads the whole snapshot, so its size is bounded only by the study's.
_MAX_SNAPSHOT_BYTES = 1 << 40


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def proof_record(snap_seq: int, digest: str) -> dict[str, Any]:
    """The journal record that proves the snapshot of ``snap_seq`` with these bytes."""
    return {"kind": "snapshot_proof", "seq": snap_seq, "digest": digest}


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
) -> str:
    """Write the snapshot atomically; returns its digest (for its ``proof_record``)."""
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
    return digest_of(data)


def read_snapshot(layout: Layout, journal_id: str) -> Snapshot | None:
    """The snapshot on disk if it belongs to this journal and parses, else None."""
    path = layout.snapshot_file
    try:
        data = read_regular(path)
        raw = loads(data, max_bytes=_MAX_SNAPSHOT_BYTES)
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        if raw.get("version") != SNAPSHOT_VERSION or raw.get("journal_id") != journal_id:
            logger.info("Ignoring %s: it belongs to another journal or format.", path)
            return None
        seq, offset, inode = raw["seq"], raw["offset"], raw.get("journal_inode")
        trials, workers, opt_state = raw["trials"], raw.get("workers"), raw.get("optimizer_state")
        if not _counts(seq, offset) or not (inode is None or _counts(inode)):
            raise ValueError("seq, offset or journal_inode is not a non-negative integer")
        if not isinstance(trials, list) or not isinstance(workers, dict | None):
            raise ValueError("trials is not a list, or workers not an object")
        if not isinstance(opt_state, dict | None):
            raise ValueError("optimizer_state is not an object")
        return Snapshot(
            journal_id=journal_id,
            seq=seq,
            offset=offset,
            trials=[Trial.from_dict(t) for t in trials],
            workers=dict(workers or {}),
            optimizer_state=dict(opt_state or {}),
            journal_inode=inode,
            digest=digest_of(data),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("Ignoring unreadable snapshot %s (%s); replaying the journal.", path, exc)
        return None


def _counts(*values: Any) -> bool:
    return all(type(v) is int and v >= 0 for v in values)


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


class ProofCheck:
    """A snapshot loaded at start-up, waiting for its ``snapshot_proof`` in the records
    read after it (see the module docstring)."""

    def __init__(self, snap: Snapshot) -> None:
        self.seq = snap.seq
        self.digest = snap.digest
        self.proven = False
        self.proofs_seen = 0

    def see(self, record: Mapping[str, Any]) -> None:
        self.proofs_seen += 1
        if record.get("seq") == self.seq and record.get("digest") == self.digest:
            self.proven = True

    def complain(self, layout: Layout) -> None:
        """Say why the snapshot is being dropped."""
        if self.proofs_seen:
            logger.warning(
                "Ignoring %s: it disagrees with the snapshot the journal recorded (edited "
                "or damaged); replaying the journal instead.",
                layout.snapshot_file,
            )
        else:
            logger.info(
                "Ignoring %s: the journal holds no proof of it yet (its writer is about to "
                "record one, was stopped first, or is an older version); replaying the "
                "journal instead.",
                layout.snapshot_file,
            )
