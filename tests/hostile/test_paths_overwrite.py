"""``overwrite_root_directory=True`` deletes only a study, never anything else (issue 12,
defect 3, and the overwrite half of defect 10)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import neps_like as neps
from tests.hostile._world import make_world, run_worker, start_worker

SPACE = {"x": neps.Float(0.0, 1.0)}


def _objective(x: float) -> float:
    return x


def test_overwrite_refuses_the_working_directory_with_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack (or slip): ``root_directory=""`` with ``overwrite_root_directory=True`` run
    from the home directory used to delete the current directory and everything in it."""
    world = make_world(tmp_path)
    monkeypatch.chdir(world.home)
    before = world.outside()
    with pytest.raises(neps.NePSError, match=r"refuses to delete .*home.*not a neps_like study"):
        neps.run(
            _objective,
            SPACE,
            root_directory="",
            overwrite_root_directory=True,
            evaluations_to_spend=1,
        )
    assert world.outside() == before


def test_overwrite_refuses_a_directory_that_is_not_a_study(tmp_path: Path) -> None:
    """Slip: ``root_directory`` names a project folder by mistake; it used to be deleted."""
    world = make_world(tmp_path)
    before = world.outside()
    with pytest.raises(neps.NePSError, match=r"projects"):
        neps.run(
            _objective,
            SPACE,
            root_directory=world.home / "projects",
            overwrite_root_directory=True,
            evaluations_to_spend=1,
        )
    assert world.outside() == before


def test_overwrite_empties_a_study_without_following_its_links(tmp_path: Path) -> None:
    """A study with a planted ``trials/9 -> ~`` is overwritten: the link goes, the home stays,
    and the new study starts from trial 1."""
    world = make_world(tmp_path)
    code, err = run_worker(world, "function", evaluations_to_spend=3)
    assert code == 0, err
    (world.study / "trials" / "9").symlink_to(world.home, target_is_directory=True)
    before = world.outside()
    neps.run(
        _objective,
        SPACE,
        root_directory=world.study,
        overwrite_root_directory=True,
        evaluations_to_spend=1,
    )
    assert world.outside() == before
    assert sorted(neps.load(world.study)) == ["1"]
    assert not (world.study / "trials" / "9").exists()


def test_overwrite_refuses_while_a_worker_runs(tmp_path: Path) -> None:
    """Slip: a second launch with ``overwrite_root_directory=True`` while a worker runs used
    to delete the study under it (the worker then crashed, or carried on in the new one)."""
    world = make_world(tmp_path)
    proc = start_worker(world, "function", evaluations_to_spend=200, _sleep=0.1)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if len(list((world.study / "trials").glob("*"))) >= 2:
                break
            time.sleep(0.1)
        with pytest.raises(neps.NePSError, match="workers are running"):
            neps.run(
                _objective,
                SPACE,
                root_directory=world.study,
                overwrite_root_directory=True,
                evaluations_to_spend=1,
            )
        assert (world.study / "neps_like.yaml").exists()
        assert len(neps.load(world.study)) >= 2
    finally:
        proc.kill()
        proc.communicate()
