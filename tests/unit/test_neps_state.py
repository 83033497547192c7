from __future__ import annotations

import json
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like._errors import (
    ArgumentError,
    LockLostError,
    NePSError,
    NewerFormatError,
    StaleTrialError,
    StudyMismatchError,
)
from neps_like.optimizers.random_search import RandomSearch
from neps_like.state import snapshot as snapshot_mod
from neps_like.state.journal import Journal
from neps_like.state.neps_state import NePSState
from neps_like.state.optimizer_info import OptimizerInfo
from neps_like.state.records import BudgetInfo, Report, TrialState

SPACE = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)})
INFO = OptimizerInfo("random_search", {})


def _state(root: Path, **kw: object) -> NePSState:
    kw.setdefault("optimizer_info", INFO)
    kw.setdefault("pipeline_space", SPACE)
    kw.setdefault("seed", 1)
    return NePSState.create_or_load(root, sync="none", **kw)  # type: ignore[arg-type]


def test_two_states_see_each_other(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    trial = a.lock_and_sample_trial(opt, worker_id="wa")
    assert trial.state is TrialState.EVALUATING and trial.metadata.attempt == 1
    assert b.lock_and_get_trial_by_id(trial.id).state is TrialState.EVALUATING
    done = a.lock_and_report_trial_evaluation(trial, Report(0.1), worker_id="wa")
    assert done.state is TrialState.SUCCESS
    assert b.lock_and_read_trials()[trial.id].report == Report(0.1)
    a.flush_mirrors()
    assert not (tmp_path / "trials" / trial.id).exists(), "no folder unless one is needed"


@pytest.mark.parametrize("mode", ["always", "claims"])
def test_trial_folders_mirror_the_journal_when_asked(tmp_path: Path, mode: str) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    if mode == "always":
        a.use_trial_folders("always")
    else:
        a.use_trial_folders("auto", for_claims=True)
    opt = RandomSearch(SPACE, seed=1)
    trial = a.lock_and_sample_trial(opt, worker_id="wa")
    folder = tmp_path / "trials" / trial.id
    assert folder.is_dir(), "a claimed trial has its folder before it is evaluated"
    a.flush_mirrors()
    assert {p.name for p in folder.iterdir()} == {"config.yaml"}
    # Another state in "auto" mode (the report of worker "wa" may come through any
    # process) keeps an existing folder current...
    b.lock_and_report_trial_evaluation(trial, Report(0.1), worker_id="wa")
    b.flush_mirrors()
    assert {p.name for p in folder.iterdir()} == {"config.yaml", "metadata.json", "report.yaml"}
    second = b.lock_and_sample_trial(opt, worker_id="wb")
    b.lock_and_report_trial_evaluation(second, Report(0.2), worker_id="wb")
    b.flush_mirrors()
    assert not (tmp_path / "trials" / second.id).exists(), "...and makes no new ones"
    on_disk = b._repo.load_trial_from_disk(trial.id)
    assert on_disk.state is TrialState.SUCCESS and on_disk.report == Report(0.1)


def test_trial_folders_rejects_unknown_modes(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="trial_folders must be 'auto' or 'always'"):
        _state(tmp_path).use_trial_folders("sometimes")  # type: ignore[arg-type]


def test_batch_sampling_claims_first_only(tmp_path: Path) -> None:
    s = _state(tmp_path)
    trials = s.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="w", n=3)
    assert [t.state for t in trials] == [
        TrialState.EVALUATING,
        TrialState.PENDING,
        TrialState.PENDING,
    ]
    assert s.lock_and_get_next_pending_trial() == trials[1]


def test_mismatches_are_explained(tmp_path: Path) -> None:
    _state(tmp_path)
    with pytest.raises(StudyMismatchError, match="'random_search' on disk, 'bo' given"):
        _state(tmp_path, optimizer_info=OptimizerInfo("bo", {}))
    other = neps.SearchSpace.from_user({"x": neps.Float(0.0, 2.0)})
    with pytest.raises(StudyMismatchError, match=r"search space differs.*x"):
        _state(tmp_path, pipeline_space=other)
    with pytest.raises(StudyMismatchError, match="seed=2 differs"):
        _state(tmp_path, seed=2)
    with pytest.raises(NePSError, match="No neps_like study"):
        NePSState.create_or_load(tmp_path / "missing", load_only=True)


def test_stale_report_is_refused(tmp_path: Path) -> None:
    s = _state(tmp_path)
    trial = s.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="w1")
    s.lock_and_requeue_trial(trial, worker_id="w1", reason="lease expired", max_retries=3)
    nxt = s.lock_and_next_trial(RandomSearch(SPACE, seed=1), worker_id="w2", limits=BudgetInfo())
    assert nxt.trial is not None and nxt.trial.id == trial.id and nxt.trial.metadata.attempt == 2
    with pytest.raises(StaleTrialError, match="attempt 1"):
        s.lock_and_report_trial_evaluation(trial, Report(1.0), worker_id="w1")
    s.lock_and_report_trial_evaluation(nxt.trial, Report(2.0), worker_id="w2")


def test_duplicates_and_invalid_proposals_are_recorded(tmp_path: Path) -> None:
    s = _state(tmp_path)

    def same(trials, budget_info, n=None):  # type: ignore[no-untyped-def]
        return neps.SampledConfig({"x": 0.5} if len(trials) % 2 == 0 else {"x": 7.0})

    limits = BudgetInfo(max_evaluations=5)
    first = s.lock_and_next_trial(same, worker_id="w", limits=limits)
    assert first.trial is not None
    second = s.lock_and_next_trial(same, worker_id="w", limits=limits)
    assert second.trial is None and second.stop_reason and "exhausted" in second.stop_reason
    states = {t.state for t in s.lock_and_read_trials().values()}
    assert states == {TrialState.EVALUATING, TrialState.INVALID, TrialState.DUPLICATE}
    assert s.budget_used().used_evaluations == 1, "rejects do not use the budget"


def test_snapshot_is_written_and_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_mod, "MIN_SNAPSHOT_INTERVAL", 10)
    s = _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    for _ in range(12):
        t = s.lock_and_sample_trial(opt, worker_id="w")
        s.lock_and_report_trial_evaluation(t, Report(0.0), worker_id="w")
    assert (tmp_path / "snapshot.json").exists() and (tmp_path / "optimizer_state.json").exists()
    starts = _spy_on_reads(monkeypatch)
    fresh = _state(tmp_path)
    snap_offset = json.loads((tmp_path / "snapshot.json").read_bytes())["offset"]
    assert snap_offset > 0 and min(starts) == snap_offset, "read only the tail after it"
    assert fresh.lock_and_read_trials() == s.lock_and_read_trials()
    (tmp_path / "snapshot.json").write_text("{broken")
    assert _state(tmp_path).lock_and_read_trials() == s.lock_and_read_trials()


def _spy_on_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Collect the journal offsets that reads start at."""
    starts: list[int] = []
    parse = Journal._parse

    def spy(self: Journal, data: bytes, **kw: Any) -> Any:
        starts.append(self.offset)
        return parse(self, data, **kw)

    monkeypatch.setattr(Journal, "_parse", spy)
    return starts


@pytest.mark.parametrize("change", ["copy", "repair", "cut"])
def test_snapshot_of_another_journal_file_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.setattr(snapshot_mod, "MIN_SNAPSHOT_INTERVAL", 10)
    root = tmp_path / "study"
    s = _state(root)
    opt = RandomSearch(SPACE, seed=1)
    for _ in range(12):
        t = s.lock_and_sample_trial(opt, worker_id="w")
        s.lock_and_report_trial_evaluation(t, Report(0.0), worker_id="w")
    expected = s.lock_and_read_trials()
    snapshot = (root / "snapshot.json").read_bytes()
    if change == "copy":  # a copied study: the same journal_id, new files
        shutil.copytree(root, tmp_path / "copy")
        root = tmp_path / "copy"
    elif change == "repair":  # a journal rewritten by a repair, and a late snapshot of the old file
        journal = root / "journal" / "events.log"
        (root / "rebuilt").write_bytes(journal.read_bytes())
        (root / "rebuilt").replace(journal)
        (root / "snapshot.json").write_bytes(snapshot)
    else:  # the same file cut back below the snapshot's offset (restored by hand)
        journal = root / "journal" / "events.log"
        lines = journal.read_bytes().splitlines(keepends=True)
        with journal.open("r+b") as fh:
            fh.truncate(len(b"".join(lines[:6])))
        expected = {i: t for i, t in expected.items() if int(i) <= 3}  # 2 records each
    starts = _spy_on_reads(monkeypatch)
    assert _state(root).lock_and_read_trials() == expected
    assert min(starts) == 0, "replayed the journal instead"


def test_bad_worker_id(tmp_path: Path) -> None:
    with pytest.raises(NePSError, match="worker_id"):
        _state(tmp_path).lock_and_set_new_worker_id("../evil")


def test_interruptions_do_not_use_up_retries(tmp_path: Path) -> None:
    s = _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    trial = s.lock_and_sample_trial(opt, worker_id="w")
    for _ in range(3):  # preempted three times
        s.lock_and_requeue_trial(trial, worker_id="w", reason="SIGTERM", max_retries=None)
        trial = s.lock_and_next_trial(opt, worker_id="w", limits=BudgetInfo()).trial  # type: ignore[assignment]
    again = s.lock_and_requeue_trial(trial, worker_id="w", reason="crash", max_retries=1)
    assert again.state is TrialState.PENDING and again.metadata.interrupted == 3


def test_pause_messages(tmp_path: Path) -> None:
    s = _state(tmp_path)
    trial = s.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="w", n=2)[1]
    assert s.lock_and_request(trial.id, "pause") == "paused"
    with pytest.raises(NePSError, match="cannot be paused now"):
        s.lock_and_request(trial.id, "pause")


def _fast_path_hold(state: NePSState, trial: Any, optimizer: Any) -> Any:
    """One hold of the worker's fast path, reading everything under the lock."""
    state._read_ahead = False  # what the read-ahead would parse: here the locked read sees it
    return state.lock_and_report_and_next(
        trial, Report(0.1), worker_id="wa", optimizer=optimizer, limits=BudgetInfo()
    )


def _before_deferred_are_applied(
    state: NePSState, monkeypatch: pytest.MonkeyPatch, look: Callable[[], None]
) -> None:
    """Call ``look`` each time ``state`` is about to apply its deferred records."""
    original = state._apply_deferred

    def spy() -> None:
        look()
        original()

    monkeypatch.setattr(state, "_apply_deferred", spy)


def test_other_workers_outcomes_wait_until_the_lock_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    mine = a.lock_and_sample_trial(opt, worker_id="wa")
    theirs = b.lock_and_sample_trial(opt, worker_id="wb")
    costly = b.lock_and_sample_trial(opt, worker_id="wb")
    a.lock_and_read_trials()  # a knows both of b's trials
    b.lock_and_report_trial_evaluation(theirs, Report(0.3), worker_id="wb")
    b.lock_and_report_trial_evaluation(costly, Report(0.4, cost=2.0), worker_id="wb")
    deferred: list[int] = []
    _before_deferred_are_applied(a, monkeypatch, lambda: deferred.append(len(a._deferral.payloads)))
    _, nxt = _fast_path_hold(a, mine, opt)
    assert max(deferred) == 1, "b's outcome without a cost waited; the costly one did not"
    assert a._deferral.payloads == []
    view = a.lock_and_read_trials()
    assert view[theirs.id].state is TrialState.SUCCESS and view[costly.id].report is not None
    assert view[mine.id].state is TrialState.SUCCESS
    assert nxt is not None and nxt.trial is not None
    assert a._repo.used_cost == 2.0


class _Fixed:
    """An optimizer that proposes one fixed config and reads only the trial count."""

    uses_outcomes = False
    uses_configs = False

    def __init__(self, x: float) -> None:
        self.x = x

    def __call__(self, trials: Any, budget_info: Any, n: int | None = None) -> Any:
        return {"x": self.x}


def test_other_workers_claims_are_counted_unread_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    mine = a.lock_and_sample_trial(opt, worker_id="wa")
    theirs = [b.lock_and_sample_trial(opt, worker_id="wb") for _ in range(3)]
    seen: dict[str, Any] = {}

    def look() -> None:  # what the hold saw of b's trials before they were decoded
        if "configs" not in seen:
            latest = a._repo.latest()
            seen["configs"] = [dict(latest[t.id].config) for t in theirs]
            seen["budgeted"] = a._repo.budgeted_trials
            seen["next_id"] = a._repo.next_config_number

    _before_deferred_are_applied(a, monkeypatch, look)
    _, nxt = _fast_path_hold(a, mine, opt)
    assert seen == {"configs": [{}, {}, {}], "budgeted": 5, "next_id": 6}, "counted, not yet read"
    assert nxt is not None and nxt.trial is not None and nxt.trial.id == "5"
    assert a._deferral.unread_claims == set() and a._deferral.payloads == []
    assert (
        a.lock_and_read_trials()
        == b.lock_and_read_trials()
        == _state(tmp_path).lock_and_read_trials()
    )


def test_a_duplicate_of_an_unread_claim_is_caught(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    mine = a.lock_and_sample_trial(_Fixed(0.25), worker_id="wa")
    theirs = b.lock_and_sample_trial(_Fixed(0.5), worker_id="wb")
    _, nxt = _fast_path_hold(a, mine, _Fixed(0.5))  # proposes b's config, unread so far
    trials = a.lock_and_read_trials()
    assert [t.state for t in trials.values()].count(TrialState.DUPLICATE) >= 1
    assert trials[theirs.id].state is TrialState.EVALUATING and trials[theirs.id].config == {
        "x": 0.5
    }
    assert nxt is not None and nxt.trial is None, "every proposal was a duplicate"


def test_a_later_record_of_an_unread_claim_is_applied_after_it(tmp_path: Path) -> None:
    a, b = _state(tmp_path), _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    mine = a.lock_and_sample_trial(opt, worker_id="wa")
    theirs = b.lock_and_sample_trial(opt, worker_id="wb")
    b.lock_and_requeue_trial(theirs, worker_id="wb", reason="preempted", max_retries=None)
    _, nxt = _fast_path_hold(a, mine, opt)
    # b's claim and re-queue came in one read: the claim was counted unread, the
    # re-queue (not deferrable) applied after it, so the pending trial is whole.
    assert nxt is not None and nxt.trial is not None and nxt.trial.id == theirs.id
    assert nxt.trial.config == theirs.config and nxt.trial.metadata.attempt == 2
    assert a.lock_and_read_trials() == _state(tmp_path).lock_and_read_trials()


def _append_raw(root: Path, payload: str) -> None:
    """Append a record with a valid checksum, whatever its payload."""
    journal = root / "journal" / "events.log"
    seq = len(journal.read_bytes().splitlines()) + 1 if journal.exists() else 1
    crc = zlib.crc32(f"{seq} {payload}".encode())
    with journal.open("ab") as fh:
        fh.write(f"{seq} {crc:08x} {payload}\n".encode())


_CLAIM_START = '{"kind":"trial","trial":{"v":1,"id":"9","state":"evaluating","key":"' + "0" * 32


@pytest.mark.parametrize(
    "rest", ['","config":{"x":0.5},BROKEN', '","metadata":{"attempt":1}}}'], ids=["json", "fields"]
)
def test_an_unusable_claim_is_uncounted(tmp_path: Path, rest: str) -> None:
    a = _state(tmp_path)
    opt = RandomSearch(SPACE, seed=1)
    mine = a.lock_and_sample_trial(opt, worker_id="wa")
    _append_raw(tmp_path, _CLAIM_START + rest)  # counted under the lock, then unusable
    _, nxt = _fast_path_hold(a, mine, opt)
    assert "9" not in a._repo and a._repo.budgeted_trials == 2
    assert nxt is not None and nxt.trial is not None and nxt.trial.id == "10"


def test_a_malformed_record_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    a = _state(tmp_path)
    trial = a.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="wa")
    _append_raw(tmp_path, '{"kind":"trial","trial":{"v":1,"id":"9","state":"success"}}')
    assert list(_state(tmp_path).lock_and_read_trials()) == [trial.id]
    assert "Skipping a malformed trial record" in caplog.text and "'config'" in caplog.text


def test_a_record_of_a_newer_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    _state(tmp_path)
    _append_raw(tmp_path, '{"kind":"trial","trial":{"v":2,"id":"9","state":"success"}}')
    with pytest.raises(NewerFormatError, match="upgrade neps_like"):
        _state(tmp_path)


def test_a_trials_first_record_stores_its_duplicate_key(tmp_path: Path) -> None:
    a = _state(tmp_path)
    trial = a.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="wa")
    a.lock_and_report_trial_evaluation(trial, Report(0.2), worker_id="wa")
    lines = (tmp_path / "journal" / "events.log").read_bytes().splitlines()
    trials = [json.loads(line.split(b" ", 2)[2])["trial"] for line in lines if b'"trial"' in line]
    assert [("key" in t) for t in trials] == [True, False]
    assert trials[0]["key"] == a._repo.key(trial.config)


def _intrude_before_each_flush(
    state: NePSState, root: Path, monkeypatch: pytest.MonkeyPatch, times: int
) -> None:
    """Another process appends while ``state`` holds the lock, as when an NFS client
    stalls past the server's lock lease and loses its lock without being told."""
    flush = state._flush
    left = [times]

    def flush_after_an_intruder() -> None:
        if left[0] > 0:
            left[0] -= 1
            _append_raw(root, '{"kind":"worker","worker_id":"intruder","time":0}')
        flush()

    monkeypatch.setattr(state, "_flush", flush_after_an_intruder)


def test_an_append_after_the_lock_was_lost_writes_nothing_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    a = _state(tmp_path)
    _intrude_before_each_flush(a, tmp_path, monkeypatch, times=1)
    trial = a.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="wa")
    assert "so the lock was lost" in caplog.text and "Trying again" in caplog.text
    lines = (tmp_path / "journal" / "events.log").read_bytes().splitlines()
    assert [int(line.split(b" ", 1)[0]) for line in lines] == list(range(1, len(lines) + 1))
    assert b"intruder" in lines[-2] and b'"evaluating"' in lines[-1], "nothing overwritten"
    fresh = _state(tmp_path)
    assert fresh._journal.problems == [] and fresh.lock_and_read_trials() == {trial.id: trial}


def test_a_lock_lost_again_and_again_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _state(tmp_path)
    _intrude_before_each_flush(a, tmp_path, monkeypatch, times=10)
    with pytest.raises(LockLostError, match="Nothing was written"):
        a.lock_and_sample_trial(RandomSearch(SPACE, seed=1), worker_id="wa")
    assert _state(tmp_path).lock_and_read_trials() == {}
