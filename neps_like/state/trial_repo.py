"""The trials of a study: an in-memory index kept current from the journal, and the
readable per-trial folders (``config.yaml``, ``metadata.json``, ``report.yaml``).

The index answers every question the workers ask under the lock (next pending trial,
budget used, duplicates) in O(1) per event: counters are updated as records arrive, so
no operation walks all trials. The per-trial files are mirrors for people and tools; the
journal stays the source of truth and ``repair`` can rewrite them.

No locking here: callers hold the state lock (``NePSState`` does).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from neps_like._errors import (
    ArgumentError,
    CorruptRecordError,
    TrialAlreadyExistsError,
    TrialNotFoundError,
)
from neps_like.state import safe_paths, untrusted
from neps_like.state._fs import read_yaml, translate_os_errors
from neps_like.state.layout import Layout, TrialFiles
from neps_like.state.neps_names import bind_study
from neps_like.state.records import MetaData, Report, Trial, TrialState

TrialWriteHint = Literal["config", "metadata", "report"]
# When trials get a readable folder: "auto" when they need one (the evaluation asks for a
# directory, or runs a script), "always" for every trial.
TrialFolders = Literal["auto", "always"]
TRIAL_FOLDERS: tuple[TrialFolders, ...] = ("auto", "always")


def check_trial_folders(value: Any) -> TrialFolders:
    """``value`` if it is a ``TrialFolders`` mode.

    Raises:
        ArgumentError: it is not.
    """
    if value not in TRIAL_FOLDERS:
        raise ArgumentError(f"trial_folders must be 'auto' or 'always', got {value!r}.")
    return value  # type: ignore[no-any-return]


_NOT_BUDGETED = (TrialState.INVALID, TrialState.DUPLICATE)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump_yaml(data: Any) -> bytes:
    # No allow_unicode: PyYAML would write U+0085 raw and read it back as a space.
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False).encode()


class TrialRepo:
    """Index of a study's trials plus their readable folders."""

    def __init__(
        self,
        directory: Path,
        *,
        config_key: Callable[[Mapping[str, Any]], Hashable] | None = None,
        fidelity_name: str | None = None,
    ) -> None:
        self.directory = directory
        self._layout = Layout.at(directory)
        self.folders = safe_paths.CachedFolder(self._layout.root, self._layout.trials_dir)
        self._config_key = config_key or _default_key
        self._fidelity_name = fidelity_name
        self._trials: dict[str, Trial] = {}
        self._changed: list[str] = []  # ids applied since ``take_changed`` (``space_fit``)
        self._pending: dict[str, None] = {}
        # Pending ids by age (config number, then rung), with lazy deletion: the oldest
        # pending trial (a re-queued one included) comes first, in O(log n).
        self._pending_heap: list[tuple[tuple[int, int], str]] = []
        self._evaluating: dict[str, None] = {}
        self._keys: Counter[str] = Counter()
        self._key_of: dict[str, str] = {}  # a trial's config never changes: key once
        self._states: Counter[TrialState] = Counter()
        self.used_cost = 0.0
        self.used_fidelity = 0.0
        self.budgeted_trials = 0
        self.next_config_number = 1
        self.best: tuple[float, str] | None = None  # (objective, trial id), single objective

    # -- index ---------------------------------------------------------------------------
    def apply(self, trial: Trial, *, key: str | None = None) -> None:
        """Make ``trial`` the current record of its id, updating every counter.

        Every worker runs this for every record of every worker, so it does only what
        changed between the old and the new record of the id. ``key``: the duplicate key
        stored in the record, if any (else it is computed from the config).
        """
        tid, state = trial.id, trial.state
        old = self._trials.get(tid)
        self._trials[tid] = trial
        bind_study(trial, self.directory)  # for NePS's ``trial.metadata.location``
        self._changed.append(tid)
        states = self._states
        if old is not None:
            states[old.state] -= 1
        states[state] += 1
        if state is TrialState.PENDING:
            if tid not in self._pending:
                heapq.heappush(self._pending_heap, (_age_key(tid), tid))
                self._pending[tid] = None
        else:
            self._pending.pop(tid, None)
        if state is TrialState.EVALUATING:
            self._evaluating[tid] = None
        else:
            self._evaluating.pop(tid, None)
        was = old is not None and old.state not in _NOT_BUDGETED
        now = state not in _NOT_BUDGETED
        if was != now:  # a trial's config and origin never change: only this moves them
            self._count_config(trial, 1 if now else -1, key)
        if trial.metadata.origin != "imported":
            # Imported trials were evaluated elsewhere: they spend no budget.
            delta = (_cost(trial) if now else 0.0) - (_cost(old) if was else 0.0)  # type: ignore[arg-type]
            if delta:
                self.used_cost += delta
        if state is TrialState.SUCCESS and trial.report is not None:
            objs = trial.report.objectives
            # SUCCESS is final, so the best can only improve: O(1) to keep.
            single = objs is not None and len(objs) == 1 and math.isfinite(objs[0])
            if objs and single and (self.best is None or objs[0] < self.best[0]):
                self.best = (objs[0], tid)
        if old is None:
            base = tid.split("_", 1)[0]
            if base.isdigit():
                self.next_config_number = max(self.next_config_number, int(base) + 1)

    def register_claim(self, trial_id: str, key: str) -> None:
        """Count a new trial that another worker sampled and claimed, known so far only
        by its id and duplicate key (skimmed from its journal record under the lock,
        the record decoded after the release). Budgets, ids, duplicates and the number
        of trials are exact at once; the trial's entry is a placeholder (state
        EVALUATING, empty config) until ``apply`` replaces it with the full record.
        Only for spaces without a fidelity, whose budget needs the config."""
        meta = MetaData(time_sampled=0.0, sampling_worker_id="", attempt=1)  # its own: it
        # answers NePS's trial.metadata.id for this trial (``neps_names``)
        self._trials[trial_id] = placeholder = Trial(
            trial_id, _UNREAD_CONFIG, TrialState.EVALUATING, meta
        )
        bind_study(placeholder, self.directory)
        self._states[TrialState.EVALUATING] += 1
        self._evaluating[trial_id] = None
        self._key_of[trial_id] = key
        self._keys[key] += 1
        self.budgeted_trials += 1
        base = trial_id.split("_", 1)[0]
        if base.isdigit():
            self.next_config_number = max(self.next_config_number, int(base) + 1)

    @staticmethod
    def is_unread_claim(trial: Trial) -> bool:
        """Whether ``trial`` is the placeholder of a claim not yet read (``register_claim``)."""
        return trial.config is _UNREAD_CONFIG

    def forget_claim(self, trial_id: str) -> None:
        """Undo ``register_claim`` (its record turned out unreadable)."""
        trial = self._trials.get(trial_id)
        if trial is None or not self.is_unread_claim(trial):
            return
        del self._trials[trial_id]
        self._states[TrialState.EVALUATING] -= 1
        self._evaluating.pop(trial_id, None)
        self._keys[self._key_of.pop(trial_id)] -= 1
        self.budgeted_trials -= 1

    def _count_config(self, trial: Trial, sign: int, stored: str | None = None) -> None:
        key = self._key_of.get(trial.id)
        if key is None:
            key = self._key_of[trial.id] = stored or self.key(trial.config)
        self._keys[key] += sign
        if trial.metadata.origin == "imported":
            return
        self.budgeted_trials += sign
        if self._fidelity_name is not None:
            value = trial.config.get(self._fidelity_name)
            if isinstance(value, (int, float)):
                self.used_fidelity += sign * float(value)

    def clear(self) -> None:
        folders = self.folders  # keeps its descriptor (the new one has opened nothing)
        self.__init__(  # type: ignore[misc]
            self.directory, config_key=self._config_key, fidelity_name=self._fidelity_name
        )
        self.folders = folders

    def take_changed(self) -> list[str]:
        """Ids of the trials applied since the last call (with repeats), oldest first."""
        changed, self._changed = self._changed, []
        return changed

    def latest(self) -> Mapping[str, Trial]:
        """A read-only live view of every trial by id (no copy)."""
        return MappingProxyType(self._trials)

    def list_trial_ids(self) -> list[str]:
        return list(self._trials)

    def get(self, trial_id: str) -> Trial:
        try:
            return self._trials[trial_id]
        except KeyError:
            raise TrialNotFoundError(trial_id, root=self.directory) from None

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._trials

    def __len__(self) -> int:
        return len(self._trials)

    def first_pending(self) -> Trial | None:
        """The oldest pending trial (lowest config number, then rung), or None."""
        heap = self._pending_heap
        while heap and heap[0][1] not in self._pending:
            heapq.heappop(heap)  # no longer pending, or a stale duplicate entry
        return self._trials[heap[0][1]] if heap else None

    def evaluating(self) -> list[Trial]:
        return [self._trials[i] for i in self._evaluating]

    def count(self, state: TrialState) -> int:
        return self._states[state]

    def key(self, config: Mapping[str, Any]) -> str:
        """The key under which duplicates of ``config`` are detected: a digest of the
        space's ``recorded_key``, short enough to store in every trial's first journal
        record (so that other workers can count the trial without decoding it)."""
        return _digest(self._config_key(config))

    def is_duplicate(self, config: Mapping[str, Any]) -> bool:
        return self._keys[self.key(config)] > 0

    def has_key(self, key: str) -> bool:
        """Whether a budgeted trial has this duplicate key (see ``key``)."""
        return self._keys[key] > 0

    def get_valid_evaluated_trials(self) -> dict[str, Trial]:
        """Trials that succeeded with finite objective(s)."""
        return {
            tid: t
            for tid, t in self._trials.items()
            if t.state is TrialState.SUCCESS and t.report is not None and t.report.is_usable
        }

    # -- readable folders ----------------------------------------------------------------
    def store_new_trial(self, trial: Trial) -> None:
        """Add a new trial to the index and create its folder with config and metadata.

        Raises:
            TrialAlreadyExistsError: the id is already in the index.
        """
        if trial.id in self._trials:
            raise TrialAlreadyExistsError(trial.id)
        self.apply(trial)
        self.update_trial(trial, hints=("config", "metadata"))

    def update_trial(
        self,
        trial: Trial,
        *,
        hints: Iterable[TrialWriteHint] | TrialWriteHint | None = ("report", "metadata"),
        create: bool = True,
    ) -> None:
        """Rewrite the chosen mirror files of ``trial`` (all of them when ``hints`` is None).

        With ``create=False`` a trial without a folder is left without one: folders are
        made for trials that need them (see ``TrialFolders``), and kept current after.
        """
        if hints is None:
            chosen: set[str] = {"config", "metadata", "report"}
        else:
            chosen = {hints} if isinstance(hints, str) else set(hints)
        folder = self._layout.trial_dir(trial.id)  # a hostile id: UnsafePathError
        with translate_os_errors("write the files of", folder):
            try:
                # The folder is entered once, from ``trials/`` (reached from the study root
                # without links), refusing a link (``trials/4 -> ~``); each file is then
                # renamed into it.
                with self.folders.sub(trial.id, create=create) as fd:
                    self._write_mirrors(fd, trial, chosen)
            except FileNotFoundError:
                if create:
                    raise
                # Folders are made for trials that need them (see ``TrialFolders``), and
                # kept current after: a trial without one is left without one.

    def _write_mirrors(self, fd: int, trial: Trial, chosen: set[str]) -> None:
        # Mirrors are rebuilt from the journal by `repair`, so atomic replacement without
        # fsync is enough: a crash leaves the old or the new file, never a torn one.
        if "config" in chosen:
            safe_paths.write_at(fd, TrialFiles.CONFIG, _dump_yaml(dict(trial.config)), _no_sync)
        if "metadata" in chosen:
            meta = {"id": trial.id, "state": trial.state.value, **trial.metadata.to_dict()}
            data = json.dumps(meta, indent=1).encode()
            safe_paths.write_at(fd, TrialFiles.METADATA, data, _no_sync)
        if "report" in chosen and trial.report is not None:
            data = _dump_yaml(trial.report.to_dict())
            safe_paths.write_at(fd, TrialFiles.REPORT, data, _no_sync)

    def load_trial_from_disk(self, trial_id: str) -> Trial:
        """Rebuild a trial from its folder alone (for verify, repair and old folders).

        Raises:
            TrialNotFoundError: the folder or its config is missing.
            CorruptRecordError: a file exists but cannot be parsed.
        """
        layout, root = self._layout, self.directory
        config_file = layout.trial_config_file(trial_id)
        if safe_paths.kind_of(root, config_file) is None:
            raise TrialNotFoundError(trial_id, root=self.directory)
        try:
            config = read_yaml(config_file, root=root)
            if not isinstance(config, dict):
                raise TypeError(f"config.yaml holds {type(config).__name__}, not a mapping")
            meta_file = layout.trial_metadata_file(trial_id)
            with translate_os_errors("read", meta_file):
                meta = untrusted.loads(safe_paths.read_bytes(root, meta_file))
            if not isinstance(meta, dict):
                raise TypeError(f"metadata.json holds {type(meta).__name__}, not an object")
            report_file = layout.trial_report_file(trial_id)
            exists = safe_paths.kind_of(root, report_file) is not None
            report = read_yaml(report_file, root=root) if exists else None
            state = TrialState(meta.pop("state"))
            meta.pop("id", None)
            return Trial(
                id=trial_id,
                config=config,
                state=state,
                metadata=MetaData.from_dict(meta),
                report=None if report is None else Report.from_dict(report),
            )
        except (ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            raise CorruptRecordError(
                f"Trial folder {layout.trial_dir(trial_id)} is unreadable: {exc}",
                path=layout.trial_dir(trial_id),
            ) from exc


# What a claimed trial looks like until its record is decoded (see ``register_claim``).
_UNREAD_CONFIG: Mapping[str, Any] = MappingProxyType({})  # compared by identity


def _digest(key: Hashable) -> str:
    # 128 bits: a false duplicate among a billion trials has odds below 1e-20. ``repr``
    # of the key (names, floats rounded to 12 digits, ints, strings, bools) is the same
    # in every process and on every platform.
    return hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()


def _no_sync(fd: int) -> None:
    """Mirrors are not synced: ``repair`` rebuilds them from the journal."""


def _age_key(trial_id: str) -> tuple[int, int]:
    base, _, rung = trial_id.partition("_")
    return (int(base) if base.isdigit() else 0, int(rung) if rung.isdigit() else 0)


def _cost(trial: Trial) -> float:
    """The trial's reported cost when it is a finite number, else 0."""
    report = trial.report
    if report is None or report.cost is None:
        return 0.0
    cost = float(report.cost)
    return cost if math.isfinite(cost) else 0.0


def _default_key(config: Mapping[str, Any]) -> Hashable:
    return json.dumps(config, sort_keys=True, default=str)
