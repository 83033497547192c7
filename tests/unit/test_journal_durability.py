"""A journal append is durable when it returns: the file is synced first.

A spy wraps ``os.fdatasync`` and ``os.fsync`` (calling through to the real ones) and
records which file each call synced and how long it was then. For each
``NEPS_LIKE_SYNC`` mode the append (or, with group commit, the deferred flush) must have
synced the journal with the new records in it before it returns; ``none`` syncs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import neps_like as neps
from neps_like.optimizers.random_search import RandomSearch
from neps_like.state.journal import Journal
from neps_like.state.neps_state import NePSState
from neps_like.state.optimizer_info import OptimizerInfo
from neps_like.state.records import Report

MODES = {"fdatasync": "fdatasync", "fsync": "fsync", "none": None}


class SyncSpy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str, int]] = []  # (function, file, size at the call)
        for name in ("fdatasync", "fsync"):
            if hasattr(os, name):
                monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))

    def _wrap(self, name: str, real: Callable[[int], None]) -> Callable[[int], None]:
        def spy(fd: int) -> None:
            target = str(Path(f"/proc/self/fd/{fd}").readlink())
            real(fd)
            self.calls.append((name, target, os.fstat(fd).st_size))

        return spy

    def synced(self, path: Path) -> list[tuple[str, int]]:
        return [(name, size) for name, target, size in self.calls if target == str(path)]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> SyncSpy:
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc to name synced descriptors")
    return SyncSpy(monkeypatch)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("defer", [False, True], ids=["direct", "group-commit"])
def test_an_append_is_synced_before_it_returns(
    tmp_path: Path, spy: SyncSpy, mode: str, defer: bool
) -> None:
    path = tmp_path / "events.log"
    journal = Journal(path, tmp_path / "quarantine.log", sync=mode, defer_sync=defer)
    journal.read_new()
    journal.append([{"kind": "test", "n": 1}])
    size = path.stat().st_size
    expected = MODES[mode]
    if defer and expected is not None:
        assert spy.synced(path) == [], "group commit leaves the sync for after the lock"
        journal.sync_deferred()
    journal.sync_deferred()  # nothing left to sync: no second sync, no open descriptor
    if expected is None:
        assert spy.synced(path) == []
    else:
        assert spy.synced(path) == [(expected, size)]


@pytest.mark.parametrize("mode", list(MODES))
def test_a_reported_trial_is_durable_when_the_report_returns(
    tmp_path: Path, spy: SyncSpy, mode: str
) -> None:
    space = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)})
    state = NePSState.create_or_load(
        tmp_path,
        optimizer_info=OptimizerInfo("random_search", {}),
        pipeline_space=space,
        seed=1,
        sync=mode,
    )
    journal = state.layout.journal_file
    trial = state.lock_and_sample_trial(RandomSearch(space, seed=1), worker_id="w")
    spy.calls.clear()
    state.lock_and_report_trial_evaluation(trial, Report(0.5), worker_id="w")
    size = journal.stat().st_size
    expected = MODES[mode]
    if expected is None:
        assert spy.synced(journal) == []
    else:
        assert (expected, size) in spy.synced(journal), spy.calls
