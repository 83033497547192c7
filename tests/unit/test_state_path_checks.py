"""``path_checks``: links and misplaced files where the study keeps its folders are
reported (each naming its path), hostile ids are reported, and the rest is left alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neps_like._errors import UnsafePathError
from neps_like.state import path_checks
from neps_like.state.layout import Layout
from tests.helpers.studies import build_study


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    build_study(tmp_path / "study", done=2)
    return Layout.at(tmp_path / "study")


def _elsewhere(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere"
    target.mkdir(exist_ok=True)
    return target


def test_a_clean_study_has_no_problem(layout: Layout) -> None:
    assert path_checks.link_problems(layout) == []
    path_checks.refuse_linked_folders(layout)


def test_top_folders_that_are_links_or_files_are_reported(layout: Layout, tmp_path: Path) -> None:
    (layout.root / "summary").symlink_to(_elsewhere(tmp_path))
    (layout.root / "backups").write_text("not a folder", encoding="utf-8")
    problems = path_checks.link_problems(layout)
    assert len(problems) == 2
    assert problems[0].startswith(f"{layout.root / 'summary'} is a symbolic link:")
    assert problems[1].startswith(f"{layout.root / 'backups'} is not a folder (file):")
    assert all("remove it by hand" in p for p in problems)


def test_entries_of_trials_are_reported_by_kind_and_name(layout: Layout, tmp_path: Path) -> None:
    trials = layout.trials_dir
    (trials / "7").symlink_to(_elsewhere(tmp_path))  # a trial folder that is a link
    (trials / "8").write_text("", encoding="utf-8")  # a file named as a trial
    (trials / "notes").symlink_to(tmp_path)  # a link under any name
    (trials / "README.txt").write_text("", encoding="utf-8")  # someone's file: fine
    (trials / "junk").mkdir()
    (trials / "junk" / "link").symlink_to(tmp_path)  # not a trial folder: not entered
    (trials / "1" / "ckpt").symlink_to(tmp_path / "elsewhere")  # in a trial folder
    (trials / "2" / "weights").mkdir()  # a real folder in a trial folder: fine
    assert path_checks.link_problems(layout) == [
        f"{trials / '1' / 'ckpt'} is a symbolic link: neps_like refuses to follow or use it "
        "(someone with write access may have planted it); remove it by hand",
        f"{trials / '7'} is a symbolic link: neps_like refuses to follow or use it "
        "(someone with write access may have planted it); remove it by hand",
        f"{trials / '8'} is not a folder (file): neps_like refuses to follow or use it "
        "(someone with write access may have planted it); remove it by hand",
        f"{trials / 'notes'} is a symbolic link: neps_like refuses to follow or use it "
        "(someone with write access may have planted it); remove it by hand",
    ]


def test_entries_of_workers_are_reported(layout: Layout, tmp_path: Path) -> None:
    workers = layout.workers_dir
    (workers / "w2").symlink_to(tmp_path / "elsewhere-file")  # a lease that is a link
    os.mkfifo(workers / "w3")  # a FIFO as a lease
    (workers / ".clock").mkdir()
    (workers / ".hidden").symlink_to(tmp_path)  # no worker id: not neps_like's name
    problems = path_checks.link_problems(layout)
    assert [p.split(" is ")[0] for p in problems] == [
        str(workers / ".clock"),
        str(workers / "w2"),
        str(workers / "w3"),
    ]
    assert "not a folder (dir)" in problems[0]
    assert "a symbolic link" in problems[1]
    assert "not a folder (other)" in problems[2]


def test_trials_and_workers_folders_that_are_links_are_not_entered(
    layout: Layout, tmp_path: Path
) -> None:
    target = _elsewhere(tmp_path)
    (target / "9").symlink_to(tmp_path)  # would be reported if trials/ were entered
    (target / "w9").symlink_to(tmp_path)
    layout.trials_dir.rename(tmp_path / "old-trials")
    layout.workers_dir.rename(tmp_path / "old-workers")
    layout.trials_dir.symlink_to(target)
    layout.workers_dir.symlink_to(target)
    problems = path_checks.link_problems(layout)
    assert [p.split(" is ")[0] for p in problems] == [
        str(layout.trials_dir),
        str(layout.workers_dir),
    ]


@pytest.mark.parametrize("name", ["journal", "trials", "workers"])
def test_a_linked_folder_is_refused_when_the_study_is_opened(
    layout: Layout, tmp_path: Path, name: str
) -> None:
    (layout.root / name).rename(tmp_path / "moved")
    (layout.root / name).symlink_to(tmp_path / "moved")
    with pytest.raises(UnsafePathError, match=f"{layout.root / name}: it is a symbolic link"):
        path_checks.refuse_linked_folders(layout)


def test_a_lock_that_is_no_file_is_refused(layout: Layout) -> None:
    layout.lock_file.unlink()
    layout.lock_file.mkdir()
    with pytest.raises(UnsafePathError, match=str(layout.lock_file)):
        path_checks.refuse_linked_folders(layout)


def test_missing_or_non_folder_roots_are_left_to_the_caller(tmp_path: Path) -> None:
    path_checks.refuse_linked_folders(Layout.at(tmp_path / "missing"))
    (tmp_path / "file").write_text("", encoding="utf-8")
    path_checks.refuse_linked_folders(Layout.at(tmp_path / "file"))


def test_invalid_trial_ids_are_reported_one_each() -> None:
    problems = path_checks.invalid_trial_ids(["1", "2_1", "../x", 3, ""])
    assert len(problems) == 3
    assert problems[0].startswith("journal record with the invalid trial id '../x':")
    assert "id 3:" in problems[1] and "id '':" in problems[2]
    assert all("`neps-like repair` removes it" in p for p in problems)
