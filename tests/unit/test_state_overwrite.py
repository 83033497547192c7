"""``overwrite_study`` on real directories: a study, a folder of neps_like's own names or
an empty one is emptied (the root kept, links removed as links); anything else, and a
study with live workers, is refused naming what is in the way."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from neps_like._errors import NePSError
from neps_like.state.layout import Layout
from neps_like.state.overwrite import overwrite_study
from tests.helpers.studies import WORKER, build_study


def test_a_missing_root_is_left_missing(tmp_path: Path) -> None:
    overwrite_study(Layout.at(tmp_path / "missing"), live_within=60)
    assert not (tmp_path / "missing").exists()


def test_a_file_is_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "results"
    path.write_text("keep", encoding="utf-8")
    with pytest.raises(NePSError, match=f"{path} is not a directory; not deleting it"):
        overwrite_study(Layout.at(path), live_within=60)
    assert path.read_text(encoding="utf-8") == "keep"


def test_an_empty_folder_stays(tmp_path: Path) -> None:
    overwrite_study(Layout.at(tmp_path), live_within=60)
    assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []


def test_a_study_is_emptied_but_its_root_and_link_targets_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "study"
    build_study(root, done=2, running=1)
    (root / "workers" / WORKER).unlink()  # its worker is gone
    (root / "notes.txt").write_text("mine", encoding="utf-8")  # a study may hold others'
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text("keep", encoding="utf-8")
    (root / "trials" / "1" / "data").symlink_to(outside)
    with caplog.at_level(logging.INFO, logger="neps_like.state.overwrite"):
        overwrite_study(Layout.at(root), live_within=60)
    assert root.is_dir() and list(root.iterdir()) == []
    assert (outside / "data.txt").read_text(encoding="utf-8") == "keep"
    assert f"Deleting the contents of {root}" in caplog.text


def test_a_folder_of_own_names_without_study_file_is_emptied(tmp_path: Path) -> None:
    (tmp_path / "trials" / "3").mkdir(parents=True)
    (tmp_path / "journal").mkdir()
    (tmp_path / ".lock").touch()
    (tmp_path / ".neps_like.yaml.12.0123456789ab.tmp").touch()
    overwrite_study(Layout.at(tmp_path), live_within=60)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (["a.txt"], "a.txt"),
        (["a", "b", "c", "d", "e"], "a, b, c, d, e"),
        (["a", "b", "c", "d", "e", "f"], "a, b, c, d, e, ..."),
    ],
)
def test_a_folder_that_is_no_study_is_refused_naming_its_files(
    tmp_path: Path, names: list[str], shown: str
) -> None:
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "trials").mkdir()
    with pytest.raises(NePSError) as info:
        overwrite_study(Layout.at(tmp_path), live_within=60)
    assert f"refuses to delete {tmp_path}: it is not a neps_like study (no neps_like.yaml)" in (
        str(info.value)
    )
    assert f"holds other files ({shown}). Point root_directory" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, "trials"])


def test_a_study_with_a_live_worker_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "study"
    build_study(root, done=1)
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(NePSError) as info:
        overwrite_study(Layout.at(root), live_within=60)
    message = str(info.value)
    assert f"refuses to delete {root}: workers are running on it ({WORKER}; leases " in message
    assert "renewed within 60 s)" in message
    assert message.endswith("or delete the directory by hand.")
    assert sorted(p.name for p in root.iterdir()) == before
    overwrite_study(Layout.at(root), live_within=0)  # no lease is that fresh
    assert list(root.iterdir()) == []
