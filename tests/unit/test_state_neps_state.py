"""``NePSState`` details on a real study: trial folders made when asked, mirror files
written for every hint, enqueued configs checked against the space, trial folders
checked before use, and the proposals of an expensive optimizer committed within the
budget."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from neps_like._errors import ArgumentError, ConfigError, TrialNotFoundError, UnsafePathError
from neps_like.optimizers.random_search import RandomSearch
from neps_like.state.records import BudgetInfo, Report, TrialState
from neps_like.state.snapshot import write_snapshot
from tests.helpers.studies import SPACE, build_study, journal_records, open_study


class _ExpensiveRandomSearch(RandomSearch):
    """Random search whose proposals are computed outside the lock, like BO's."""

    compute_outside_lock = True


def test_trial_directory_of_known_and_unknown_trials(tmp_path: Path) -> None:
    state, _ = build_study(tmp_path, done=1)
    assert state.trial_directory("1") == tmp_path / "trials" / "1"
    with pytest.raises(TrialNotFoundError, match="'2'"):
        state.trial_directory("2")


def test_trial_folders_for_claims_only_when_asked(tmp_path: Path) -> None:
    state = open_study(tmp_path)
    optimizer = RandomSearch(SPACE, seed=1)
    state.use_trial_folders("auto")
    first = state.lock_and_sample_trial(optimizer, worker_id="w1")
    state.use_trial_folders("auto", for_claims=True)
    second = state.lock_and_sample_trial(optimizer, worker_id="w1")
    state.flush_mirrors()
    assert not (tmp_path / "trials" / first.id).exists()
    assert (tmp_path / "trials" / second.id / "config.yaml").is_file()
    with pytest.raises(ArgumentError, match="'sometimes'"):
        state.use_trial_folders("sometimes")  # type: ignore[arg-type]


def test_an_updated_trial_rewrites_every_mirror_file_by_default(tmp_path: Path) -> None:
    state, trials = build_study(tmp_path, done=0, running=1)
    done = trials[0].transition(TrialState.SUCCESS, report=Report(0.5))
    state.put_updated_trial(done)
    state.flush_mirrors()
    folder = tmp_path / "trials" / done.id
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.yaml",
        "metadata.json",
        "report.yaml",
    ]
    assert "objective_to_minimize: 0.5" in (folder / "report.yaml").read_text(encoding="utf-8")


def test_enqueued_configs_are_checked_against_the_space(tmp_path: Path) -> None:
    state = open_study(tmp_path)
    with pytest.raises(ConfigError, match=r"Config #1 \{'x': 5.0\}"):
        state.lock_and_enqueue([{"x": 0.5}, {"x": 5.0}], worker_id="w1")
    assert state.lock_and_read_trials() == {}  # nothing added
    added = state.lock_and_enqueue([{"x": 0.5}], worker_id="w1")
    assert [(t.state, dict(t.config)) for t in added] == [(TrialState.PENDING, {"x": 0.5})]


def test_check_trial_folder_refuses_links_and_bad_ids(tmp_path: Path) -> None:
    state, _ = build_study(tmp_path, done=1)
    assert state.check_trial_folder("1") == tmp_path / "trials" / "1"
    assert state.check_trial_folder("7") == tmp_path / "trials" / "7"  # missing is fine
    (tmp_path / "trials" / "8").symlink_to(tmp_path / "trials" / "1")
    with pytest.raises(UnsafePathError, match=str(tmp_path / "trials" / "8")):
        state.check_trial_folder("8")
    with pytest.raises(UnsafePathError, match=r"'\.\./1'"):
        state.check_trial_folder("../1")


@pytest.mark.parametrize(("max_evaluations", "committed"), [(1, 1), (3, 2)])
def test_proposals_made_outside_the_lock_are_committed_within_the_budget(
    tmp_path: Path, max_evaluations: int, committed: int
) -> None:
    state = open_study(tmp_path)
    nxt = state.lock_and_next_trial(
        _ExpensiveRandomSearch(SPACE, seed=1),
        worker_id="w1",
        limits=BudgetInfo(max_evaluations=max_evaluations),
        batch_size=2,
    )
    assert nxt.trial is not None and nxt.trial.state is TrialState.EVALUATING
    trials = state.lock_and_read_trials()
    assert len(trials) == committed
    assert [t.state for t in trials.values()].count(TrialState.EVALUATING) == 1


def test_an_unproved_snapshot_is_ignored_with_a_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state, _ = build_study(tmp_path, done=2)
    write_snapshot(
        state.layout,
        journal_id=state._info.journal_id,
        seq=journal_records(tmp_path)[-1][0],
        offset=state.layout.journal_file.stat().st_size,
        trials=state.lock_and_read_trials().values(),
        workers={},
        optimizer_state={},
        journal_inode=state.layout.journal_file.stat().st_ino,
    )
    with caplog.at_level(logging.INFO, logger="neps_like.state.snapshot"):
        assert len(open_study(tmp_path).lock_and_read_trials()) == 2
    snapshot = tmp_path / "snapshot.json"
    assert any(
        m.startswith(f"Ignoring {snapshot}: the journal holds no proof of it yet")
        for m in caplog.messages
    )
