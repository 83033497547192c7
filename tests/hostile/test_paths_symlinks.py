"""Links planted inside a study are refused, never followed (issue 12, defect 1).

Each test plants a real link in a real study, runs a real worker process (or the command
that meets the link), and proves by hashing every file outside the study before and after
that nothing outside changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import neps_like as neps
from neps_like.state.verify import repair, verify
from tests.hostile._world import make_world, run_worker


def _started(tmp_path: Path, kind: str = "function"):  # type: ignore[no-untyped-def]
    world = make_world(tmp_path)
    code, err = run_worker(world, kind, evaluations_to_spend=1)
    assert code == 0, err
    return world


def test_script_log_link_is_not_appended_to(tmp_path: Path) -> None:
    """Attack: another user plants ``trials/2/stdout.log -> ~/bashrc`` before trial 2 runs;
    the script worker used to append the trial's output to the victim's bashrc."""
    world = _started(tmp_path, "script")
    (world.study / "trials" / "2").mkdir()
    (world.study / "trials" / "2" / "stdout.log").symlink_to(world.home / "bashrc")
    before = world.outside()
    code, err = run_worker(
        world, "script", evaluations_to_spend=3, on_error="ignore", delete_checkpoints=True
    )
    assert code == 0, err
    assert world.outside() == before
    results = neps.load(world.study)
    refused = results["2"]
    assert refused.state is neps.TrialState.FAILED
    assert refused.report is not None and "symbolic link" in (refused.report.err or "")
    assert results["3"].state is neps.TrialState.SUCCESS


def test_script_config_link_is_replaced_not_written_through(tmp_path: Path) -> None:
    """Attack: ``trials/2/config.json -> ~/secret.txt``; writing the script's config used to
    replace the secret file's content with the trial's config."""
    world = _started(tmp_path, "script")
    (world.study / "trials" / "2").mkdir()
    (world.study / "trials" / "2" / "config.json").symlink_to(world.home / "secret.txt")
    before = world.outside()
    code, err = run_worker(world, "script", evaluations_to_spend=2, delete_checkpoints=True)
    assert code == 0, err
    assert world.outside() == before
    assert neps.load(world.study)["2"].state is neps.TrialState.SUCCESS
    assert not (world.study / "trials" / "2" / "config.json").is_symlink()


@pytest.mark.parametrize("kind", ["function", "script"])
def test_trial_folder_link_is_not_entered_or_emptied(tmp_path: Path, kind: str) -> None:
    """Attack: ``trials/2 -> ~`` (the victim's home) before trial 2 is claimed; with
    ``delete_checkpoints=True`` the worker used to write the trial's files into the home
    directory and then delete everything else in it."""
    world = _started(tmp_path, kind)
    (world.study / "trials" / "2").symlink_to(world.home, target_is_directory=True)
    before = world.outside()
    code, err = run_worker(
        world, kind, evaluations_to_spend=3, on_error="ignore", delete_checkpoints=True
    )
    assert code == 0, err
    assert world.outside() == before
    results = neps.load(world.study)
    assert results["2"].state is neps.TrialState.FAILED
    assert "symbolic link" in (results["2"].report.err or "")  # type: ignore[union-attr]
    assert results["3"].state is neps.TrialState.SUCCESS
    assert "UnsafePathError" in err or "symbolic link" in err  # said in the worker's log


def test_workers_folder_link_is_refused(tmp_path: Path) -> None:
    """Attack: ``workers -> ~``; a worker used to write its lease file (and the clock
    reference) into the victim's home directory."""
    world = _started(tmp_path)
    for lease in (world.study / "workers").iterdir():
        lease.unlink()
    (world.study / "workers").rmdir()
    (world.study / "workers").symlink_to(world.home, target_is_directory=True)
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=2)
    assert world.outside() == before
    assert code != 0
    assert "UnsafePathError" in err and "workers" in err


def test_summary_folder_link_is_refused(tmp_path: Path) -> None:
    """Attack: ``summary -> ~/projects/paper``; the last worker out used to write
    ``best_config.yaml`` and ``trials.csv`` into the victim's folder."""
    world = _started(tmp_path)
    summary = world.study / "summary"
    for item in summary.iterdir():
        item.unlink()
    summary.rmdir()
    summary.symlink_to(world.home / "projects" / "paper", target_is_directory=True)
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=2)
    assert code == 0, err
    assert world.outside() == before
    assert "symbolic link" in err


def test_errors_file_link_is_not_appended_to(tmp_path: Path) -> None:
    """Attack: ``errors.jsonl -> ~/bashrc``; a failing trial's error record used to be
    appended to the victim's bashrc."""
    world = _started(tmp_path)
    (world.study / "errors.jsonl").symlink_to(world.home / "bashrc")
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=2, on_error="ignore", _fail=True)
    assert code == 0, err
    assert world.outside() == before
    assert neps.load(world.study)["2"].state is neps.TrialState.FAILED


def test_dangling_lock_link_creates_nothing_outside(tmp_path: Path) -> None:
    """Attack: ``.lock -> ~/created-by-attack`` (a dangling link); opening the lock file
    with O_CREAT used to create the victim's file."""
    world = _started(tmp_path)
    (world.study / ".lock").unlink()
    (world.study / ".lock").symlink_to(world.home / "created-by-attack")
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=2)
    assert world.outside() == before
    assert code != 0 and "lock" in err


def test_backups_folder_link_is_refused_by_repair(tmp_path: Path) -> None:
    """Attack: ``backups -> ~/projects``; ``repair`` used to copy the journal and the
    study's state files into the victim's folder."""
    world = _started(tmp_path)
    (world.study / "backups").symlink_to(world.home / "projects", target_is_directory=True)
    before = world.outside()
    try:
        repair(world.study)
        message = ""
    except OSError as exc:  # UnsafePathError is a StorageError, an OSError
        message = f"{type(exc).__name__}: {exc}"
    assert world.outside() == before
    assert message.startswith("UnsafePathError") and "symbolic link" in message


def test_verify_reports_planted_links(tmp_path: Path) -> None:
    """Attack: links planted as a trial folder, inside a trial folder and as ``summary``;
    ``verify`` used to say OK."""
    world = _started(tmp_path)
    (world.study / "trials" / "7").symlink_to(world.home, target_is_directory=True)
    (world.study / "trials" / "1" / "stdout.log").symlink_to(world.home / "bashrc")
    before = world.outside()
    report = verify(world.study)
    assert not report.ok
    text = report.render()
    assert "trials/7 is a symbolic link" in text
    assert "trials/1/stdout.log is a symbolic link" in text
    assert world.outside() == before


def test_trials_folder_link_is_refused(tmp_path: Path) -> None:
    """Attack: ``trials -> ~``; workers used to make every trial's folder (and write and
    delete checkpoints) in the victim's home directory."""
    world = _started(tmp_path)
    shutil.rmtree(world.study / "trials")
    (world.study / "trials").symlink_to(world.home, target_is_directory=True)
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=3, delete_checkpoints=True)
    assert world.outside() == before
    assert code != 0
    assert "UnsafePathError" in err and "trials" in err


def test_journal_file_link_is_never_appended_to(tmp_path: Path) -> None:
    """Attack: ``journal/events.log -> ~/bashrc``; workers used to read the bashrc as the
    journal and append their records to it."""
    world = _started(tmp_path)
    journal = world.study / "journal" / "events.log"
    journal.unlink()
    journal.symlink_to(world.home / "bashrc")
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=3)
    assert world.outside() == before
    assert code != 0
    assert "events.log" in err
