"""Hard links planted inside a study are never written through.

``O_NOFOLLOW`` refuses symbolic links, but a hard link is the file itself under a second
name: appending to ``errors.jsonl`` hard-linked to a file elsewhere appends to that file.
Each test plants a real hard link to a file outside the study (or makes the journal a
hard link, as ``cp -al`` does), runs a real worker, and hashes everything outside the
study before and after.
"""

from __future__ import annotations

import os
from pathlib import Path

import neps_like as neps
from tests.hostile._world import make_world, run_worker


def test_errors_file_hard_link_is_not_appended_to(tmp_path: Path) -> None:
    """Attack: ``errors.jsonl`` replaced by a hard link to ``~/bashrc``; a failing trial's
    error record used to be appended to the bashrc."""
    world = make_world(tmp_path)
    code, err = run_worker(world, "function", evaluations_to_spend=1)
    assert code == 0, err
    (world.study / "errors.jsonl").unlink(missing_ok=True)
    os.link(world.home / "bashrc", world.study / "errors.jsonl")
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=2, on_error="ignore", _fail=True)
    assert code == 0, err
    assert world.outside() == before
    assert neps.load(world.study)["2"].state is neps.TrialState.FAILED
    assert "hard links" in err


def test_script_log_hard_link_is_not_appended_to(tmp_path: Path) -> None:
    """Attack: ``trials/2/stdout.log`` planted as a hard link to ``~/bashrc`` before trial 2
    runs; the script's output would be appended to the bashrc."""
    world = make_world(tmp_path)
    code, err = run_worker(world, "script", evaluations_to_spend=1)
    assert code == 0, err
    (world.study / "trials" / "2").mkdir()
    os.link(world.home / "bashrc", world.study / "trials" / "2" / "stdout.log")
    before = world.outside()
    code, err = run_worker(world, "script", evaluations_to_spend=3, on_error="ignore")
    assert code == 0, err
    assert world.outside() == before
    results = neps.load(world.study)
    assert results["2"].state is neps.TrialState.FAILED
    assert results["2"].report is not None and "hard links" in (results["2"].report.err or "")
    assert results["3"].state is neps.TrialState.SUCCESS


def test_journal_hard_link_is_not_appended_to(tmp_path: Path) -> None:
    """A journal that is a hard link (a copy of the study made with ``cp -al``, or planted)
    is refused with an error naming it; the other name's content is untouched."""
    world = make_world(tmp_path)
    code, err = run_worker(world, "function", evaluations_to_spend=1)
    assert code == 0, err
    os.link(world.study / "journal" / "events.log", world.home / "backup-events.log")
    before = world.outside()
    code, err = run_worker(world, "function", evaluations_to_spend=2)
    assert code != 0
    assert "hard links" in err and "events.log" in err
    assert world.outside() == before
