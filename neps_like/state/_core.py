"""The machinery under ``NePSState``: the lock hold, incremental sync, buffered commits
and snapshots. Public operations live in ``neps_state`` and ``_maintenance``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from neps_like._errors import (
    NepsLikeError,
    NewerFormatError,
    StorageError,
    UnsafePathError,
)
from neps_like.space import SearchSpace
from neps_like.state import study_files
from neps_like.state._fs import translate_os_errors
from neps_like.state.deferral import Deferral
from neps_like.state.err_dump import ErrorRecord, append_error
from neps_like.state.filesystems import is_local_file_system
from neps_like.state.identity import held, same_study_info
from neps_like.state.journal import Journal, JournalReplaced
from neps_like.state.layout import Layout, check_trial_id, is_valid_trial_id
from neps_like.state.leases import LeasePolicy
from neps_like.state.locker import FileLocker, probe_lock_kind
from neps_like.state.mirror_writer import MirrorWriter
from neps_like.state.optimizer_info import OptimizationState, OptimizerInfo
from neps_like.state.records import (
    Trial,
    TrialState,
)
from neps_like.state.sampling import Sampler
from neps_like.state.snapshot import (
    ProofCheck,
    Snapshot,
    proof_record,
    read_matching_snapshot,
    snapshot_due,
    write_snapshot,
)
from neps_like.state.space_fit import SpaceFit
from neps_like.state.trial_repo import (
    TrialFolders,
    TrialRepo,
    TrialWriteHint,
    check_trial_folders,
)

logger = logging.getLogger(__name__)

_NOT_BUDGETED = (TrialState.INVALID, TrialState.DUPLICATE)
# What a record whose checksum holds but whose fields do not raises (CorruptRecordError is
# a ValueError; an id that is not a trial id: UnsafePathError).
_MALFORMED = (UnsafePathError, LookupError, TypeError, AttributeError, ValueError)


class StateCore:
    """Holds a study's in-memory view and keeps it in step with the journal."""

    def __init__(
        self,
        layout: Layout,
        *,
        info: study_files.StudyInfo,
        space: SearchSpace | None,
        optimizer_info: OptimizerInfo | None,
        optimizer_state: OptimizationState,
        sync: str = "fdatasync",
        lock_timeout: float | None = None,
        lock_stats_path: Path | None = None,
        lock_kind: str | None = None,
    ) -> None:
        self.layout = layout
        self.path = layout.root
        self.seed = info.seed
        self._info = info
        self._space = space
        self._optimizer_info = optimizer_info
        self._optimizer_state = optimizer_state
        self._lock = make_locker(
            layout, lock_kind, timeout=lock_timeout, stats_path=lock_stats_path
        )
        # Group commit where the kernel is the file server (see ``journal``).
        self._journal = Journal(
            layout.journal_file,
            layout.quarantine_file,
            sync=sync,
            defer_sync=self._lock.kind == "posix" and is_local_file_system(layout.root),
        )
        self._repo = TrialRepo(
            layout.root,
            config_key=space.recorded_key if space is not None else None,
            fidelity_name=space.fidelity_name if space is not None else None,
        )
        self._workers: dict[str, Any] = {}
        self._fit = SpaceFit(space)  # what the optimizer sees (``space_fit``)
        self._proof: ProofCheck | None = None  # a loaded snapshot not yet proved
        self._snapshot_seq = 0
        self._snapshot_owed = False
        self._after_unlock: list[tuple[Trial, tuple[TrialWriteHint, ...]]] = []
        self._mirrors = MirrorWriter(
            lambda trial, hints, create: self._repo.update_trial(
                trial,
                hints=hints,  # type: ignore[arg-type]
                create=create,
            )
        )
        # Which trials get a readable folder (see ``TrialFolders``); ``claim_folders``:
        # trials this process claims get theirs at once (its evaluations need them).
        self.trial_folders: TrialFolders = "auto"
        self.claim_folders = False
        # Parse what others appended before taking the lock, so the hold is shorter. Off
        # for a read-only view (nothing to gain) and where the lock kind is not "posix".
        self._read_ahead = False
        # See ``_locked(defer_outcomes=True)``.
        self._deferral = Deferral(
            self._repo, skim_claims=space is None or space.fidelity_name is None
        )
        self._outbox: list[dict[str, Any]] = []
        self._error_outbox: list[ErrorRecord] = []
        self._lease_policy: LeasePolicy | None = None
        self._next_recovery = 0.0
        # A process that registered a worker stops (``StudyReplacedError``) when the study
        # is rewound or created anew under it; a read-only view just reloads.
        self.stop_on_replacement = False
        self._read_ahead = self._lock.kind == "posix"
        self._start_from_snapshot()
        with self._locked():  # whatever the read-ahead left, under the lock
            pass

    # -- locking and syncing -------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, *, defer_outcomes: bool = False) -> Iterator[None]:
        """Hold the lock, starting from a fresh view; records made meanwhile are
        appended with a single durable write when the block ends, then side effects that
        need no lock (mirror files, a claimed snapshot) run after the release.

        ``defer_outcomes``: other workers' final outcomes of known trials, and their
        claims of new trials, are applied only after the release (see ``deferral``);
        the block must call ``_apply_deferred`` before any decision that reads outcomes
        or configs.
        """
        if self._read_ahead:
            self._sync(unlocked=True)  # what is already there, parsed without the lock
        try:
            with held(self._lock, self.layout, strict=self.stop_on_replacement):
                self._sync(defer_outcomes=defer_outcomes)
                try:
                    yield
                finally:
                    self._flush()
        finally:
            self._journal.sync_deferred()  # durable before we act on it
            self._apply_deferred()
        writes, self._after_unlock = self._after_unlock, []
        create = self.trial_folders == "always"
        for trial, hints in writes:  # only once the journal holds the records they mirror
            if self.claim_folders and trial.state is TrialState.EVALUATING:
                try:  # before its mirror files are queued, so that they go into it
                    self.make_trial_folder(trial.id)
                except StorageError as exc:  # the worker retries, and fails clearly
                    logger.warning("%s", exc)
            self._mirrors.submit(trial, hints, create=create)
        if self._snapshot_owed:
            self._snapshot_owed = False
            self._write_snapshot()

    def use_trial_folders(self, mode: TrialFolders = "auto", *, for_claims: bool = False) -> None:
        """Choose which trials get a readable folder ``trials/<id>/`` from this process.

        ``"always"``: every trial it records. ``"auto"`` (default): only trials that need
        one; ``for_claims=True`` says this process's evaluations do (they get a
        ``pipeline_directory``, or run a script), so the trials it claims get their folder
        before evaluation starts. Either way, a folder that exists is kept current.

        Raises:
            ArgumentError: ``mode`` is not ``"auto"`` or ``"always"``.
        """
        self.trial_folders = check_trial_folders(mode)
        self.claim_folders = for_claims or mode == "always"

    def make_trial_folder(self, trial_id: str) -> Path:
        """Create ``trials/<id>/`` if it does not exist yet; returns it.

        Raises:
            StorageError: the folder cannot be created (names the path and why).
        """
        folder = self.layout.trial_dir(trial_id)
        # One openat (a mkdirat first when new) from ``trials/``; a link: UnsafePathError.
        with (
            translate_os_errors("create directory", folder),
            self._repo.folders.sub(trial_id, create=True),
        ):
            return folder

    def _record_error(self, error: ErrorRecord) -> None:
        """Queue an error record: written after this hold's journal records are durable,
        so the dump never mentions a re-queue or report that did not happen."""
        self._error_outbox.append(error)

    def _flush(self) -> None:
        errors, self._error_outbox = self._error_outbox, []
        self._flush_journal()
        for error in errors:
            try:
                append_error(self.layout.errors_file, error)
            except StorageError as exc:  # a link planted as errors.jsonl, a full disk:
                # the journal holds the outcome and its message; never fail for the dump.
                logger.warning("Error record not written: %s", exc)

    def _flush_journal(self) -> None:
        if not self._outbox:
            return
        records, self._outbox = self._outbox, []
        claim = snapshot_due(self._journal.seq + len(records) - self._snapshot_seq, len(self._repo))
        if claim:
            records.append({"kind": "snapshot_claim"})
        try:
            # A sync can take milliseconds: done first, so that the check of the lock file
            # (deleted during this hold? then write nothing) comes right before the write.
            self._journal.sync_deferred()
            self._lock.check_still_held()
            self._journal.append(records)
        except BaseException:
            # The index already holds these records: rebuild it from what is on disk.
            self._after_unlock.clear()
            self._reload()
            raise
        if claim:
            self._snapshot_seq = self._journal.seq
            self._snapshot_owed = True

    def _sync(self, *, unlocked: bool = False, defer_outcomes: bool = False) -> None:
        try:
            if defer_outcomes:
                records = self._journal.read_new_deferring(self._deferral.accepts)
            else:
                records = self._journal.read_new(unlocked=unlocked)  # type: ignore[assignment]
        except JournalReplaced:
            logger.info(
                "Journal %s was replaced (repair or rewind); reloading.", self._journal.path
            )
            self._reload()
            return
        for record in records:
            if isinstance(record, bytes):
                self._deferral.add(record)
                continue
            if self._deferral.precedes(record):
                self._apply_deferred()  # the trial's earlier records first
            self._apply(record)
        if self._proof is not None and not unlocked:
            self._settle_proof()

    def _settle_proof(self) -> None:
        """Keep the snapshot loaded at start if the records after it prove it; else
        forget it and replay the whole journal (see ``snapshot``)."""
        proof, self._proof = self._proof, None
        if proof is not None and not proof.proven:
            proof.complain(self.layout)
            self._reload(use_snapshot=False)

    def _apply_deferred(self) -> None:
        self._deferral.apply(self._apply)

    def _start_from_snapshot(self) -> None:
        """Load the snapshot without the lock: the first hold then reads only the tail
        after it (and the read-ahead most of that), instead of replaying the whole
        journal while every other worker waits."""
        snap = read_matching_snapshot(self.layout, self._info.journal_id, locked=False)
        if snap is not None:
            self._load_snapshot(snap)

    def _load_snapshot(self, snap: Snapshot) -> None:
        for trial in snap.trials:
            if not is_valid_trial_id(trial.id):  # never a path outside trials/
                logger.warning("Skipping trial id %r in %s", trial.id, self.layout.snapshot_file)
                continue
            self._repo.apply(trial)
        self._workers.update(snap.workers)
        # Pinned to that file: if it is replaced before we read on, the next read under
        # the lock reloads (``JournalReplaced``).
        self._journal.seek(snap.offset, snap.seq, inode=snap.journal_inode)
        self._snapshot_seq = snap.seq
        self._proof = ProofCheck(snap)

    def _reload(self, *, use_snapshot: bool = True) -> None:
        self._deferral.clear()
        self._info = same_study_info(self.layout, self._info, strict=self.stop_on_replacement)
        self._repo.clear()
        self._workers.clear()
        self._journal.sync_deferred()
        self._journal = Journal(
            self.layout.journal_file,
            self.layout.quarantine_file,
            sync=self._journal.sync,
            defer_sync=self._journal.defer_sync,
        )
        self._proof = None
        snap = None
        if use_snapshot:
            snap = read_matching_snapshot(self.layout, self._info.journal_id, locked=True)
        if snap is not None:
            self._load_snapshot(snap)
        self._snapshot_seq = self._journal.seq
        for record in self._journal.read_new():
            self._apply(record)
        self._settle_proof()

    def _apply(self, record: Mapping[str, Any]) -> bool:
        """Apply one journal record; False (with a warning) when it is malformed: like a
        corrupt line, a record whose checksum holds but whose fields do not is skipped
        rather than make the study unreadable."""
        kind = record.get("kind")
        try:
            if kind == "trial":
                data = record["trial"]
                trial = Trial.from_dict(data)
                check_trial_id(trial.id)  # never let a record name a path outside trials/
                self._repo.apply(trial, key=data.get("key"))
            elif kind == "worker":
                self._workers[str(record["worker_id"])] = dict(record)
            elif kind == "snapshot_claim":
                self._snapshot_seq = self._journal.seq
            elif kind == "snapshot_proof":
                if self._proof is not None:
                    self._proof.see(record)
            elif kind == "optimizer_state":
                self._optimizer_state = OptimizationState.from_dict(record["state"])
        except NewerFormatError:
            raise  # not damage: this neps_like is too old for the study
        except _MALFORMED as exc:
            logger.warning(
                "Skipping a malformed %s record in %s: %r", kind, self._journal.path, exc
            )
            return False
        return True

    def _commit(
        self,
        trials: Sequence[Trial],
        *,
        mirrors: tuple[TrialWriteHint, ...] | None,
        keys: Mapping[str, str] | None = None,
    ) -> None:
        """Record ``trials`` (under the lock): into the index now, into the journal when
        the lock hold ends, into their folders (on the mirror thread) after the lock is
        released. ``keys``: duplicate keys by trial id that the caller already has."""
        for trial in trials:
            # A trial's first record carries its duplicate key (see ``deferral``).
            key = None
            if trial.id not in self._repo and trial.state not in _NOT_BUDGETED:
                key = (keys or {}).get(trial.id) or self._repo.key(trial.config)
            self._outbox.append({"kind": "trial", "trial": trial.to_record(key=key)})
            self._repo.apply(trial, key=key)
            if mirrors and trial.state not in _NOT_BUDGETED:
                self._after_unlock.append((trial, mirrors))

    def _write_snapshot(self) -> None:
        seq = self._journal.seq
        try:
            digest = write_snapshot(
                self.layout,
                journal_id=self._info.journal_id,
                seq=seq,
                offset=self._journal.offset,
                trials=self._repo.latest().values(),
                workers=self._workers,
                optimizer_state=self._optimizer_state.to_dict(),
                journal_inode=self._journal.inode,
            )
        except OSError as exc:  # a snapshot is only a cache: never fail a worker for it
            logger.warning("Could not write snapshot %s: %s", self.layout.snapshot_file, exc)
            return
        # Its proof, in a lock hold of its own (once per snapshot): readers believe the
        # snapshot only once the journal repeats its digest.
        try:
            with self._locked():
                self._outbox.append(proof_record(seq, digest))
        except NepsLikeError as exc:  # the snapshot stays unproved, so unused: no harm
            logger.warning("Could not record the proof of snapshot %s: %s", seq, exc)

    # -- sampling ------------------------------------------------------------------------
    def _sampler(self, worker_id: str) -> Sampler:
        return Sampler(
            self._repo, self._space, worker_id=worker_id, commit=self._commit, fit=self._fit
        )


def make_locker(layout: Layout, forced: str | None, **kwargs: Any) -> FileLocker:
    kind = probe_lock_kind(layout.lock_file, layout.lease_lock_marker, forced)
    return FileLocker(layout.lock_file, kind=kind, lease_path=layout.lease_lock_file, **kwargs)
