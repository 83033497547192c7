"""Disk full and read-only file systems, on real small mounts (needs root; skipped otherwise)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.state.journal import Journal
from neps_like.state.layout import Layout

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("mount") is None, reason="needs root to mount a small tmpfs"
)
SPACE = {"x": neps.Float(0.0, 1.0)}


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=192k", "tmpfs", str(mnt))
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"cannot mount tmpfs here: {exc}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True, timeout=30)


def _objective(x: float) -> dict[str, Any]:
    return {"objective_to_minimize": x, "extra": {"padding": "p" * 2000}}


def test_enospc_is_clear_keeps_data_and_resumes(small_fs: Path) -> None:
    root = small_fs / "study"
    with pytest.raises(neps.StorageError, match=r"disk is full") as info:
        neps.run(
            _objective,
            SPACE,
            root_directory=root,
            evaluations_to_spend=10_000,
            lease_grace_seconds=1,
            heartbeat_seconds=0.2,
        )
    assert str(root) in str(info.value), "the message names the path"
    layout = Layout.at(root)
    journal = Journal(layout.journal_file, layout.quarantine_file, sync="none")
    journal.read_new()
    assert not [p for p in journal.problems if p.kind != "torn-tail"], journal.problems
    before = neps.load(root)
    done = before.counts().get("success", 0)
    assert done > 3
    _mount("-o", "remount,size=16m", str(small_fs))
    budget = len(before) + 5
    neps.run(
        _objective,
        SPACE,
        root_directory=root,
        evaluations_to_spend=budget,
        lease_grace_seconds=1,
        heartbeat_seconds=0.2,
        continue_until_max_evaluation_completed=True,
    )
    after = neps.load(root)
    assert after.counts() == {"success": budget}
    for trial_id, trial in before.items():
        if trial.state is neps.TrialState.SUCCESS:
            assert after[trial_id] == trial, "nothing already written changed"


def test_read_only_study_can_be_read_but_not_run(tmp_path: Path) -> None:
    root = tmp_path / "study"
    neps.run(_objective, SPACE, root_directory=root, evaluations_to_spend=3)
    ro = tmp_path / "ro"
    ro.mkdir()
    try:
        _mount("--bind", str(root), str(ro))
        _mount("-o", "remount,bind,ro", str(ro))
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"cannot make a read-only bind mount here: {exc}")
    try:
        assert neps.load(ro).counts() == {"success": 3}
        with pytest.raises(neps.StorageError, match="read-only"):
            neps.run(_objective, SPACE, root_directory=ro, evaluations_to_spend=5)
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False, capture_output=True, timeout=30)
    assert neps.load(root).counts() == {"success": 3}
