"""``safe_paths``: moving and copying inside a study on real folders, links moved or
left out but never followed, and refusals that name the path and where a link points."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neps_like._errors import UnsafePathError
from neps_like.state import safe_paths


@pytest.fixture
def root(tmp_path: Path) -> Path:
    study = tmp_path / "study"
    (study / "trials" / "1" / "ckpt" / "deep").mkdir(parents=True)
    (study / "trials" / "1" / "weights.bin").write_bytes(b"w" * 10)
    (study / "trials" / "1" / "ckpt" / "state.pt").write_bytes(b"s")
    (study / "trials" / "1" / "ckpt" / "deep" / "x.txt").write_bytes(b"x")
    (study / "trials" / "1" / "config.yaml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret", encoding="utf-8")
    return study


def _tree(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = f"link -> {path.readlink()}"
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel] = "dir"
    return out


def test_move_inside_renames_a_folder_and_creates_the_destination(root: Path) -> None:
    before = _tree(root / "trials" / "1")
    dst = root / "backups" / "rewind-1" / "trials" / "1"
    safe_paths.move_inside(root, root / "trials" / "1", dst)
    assert not (root / "trials" / "1").exists()
    assert _tree(dst) == before


def test_move_inside_moves_a_link_as_the_link(root: Path, tmp_path: Path) -> None:
    (root / "trials" / "2").symlink_to(tmp_path / "outside")
    dst = root / "backups" / "b" / "2"
    safe_paths.move_inside(root, root / "trials" / "2", dst)
    assert dst.is_symlink() and dst.readlink() == tmp_path / "outside"
    assert _tree(tmp_path / "outside") == {"secret.txt": b"secret"}


def test_move_inside_refuses_a_linked_destination_folder(root: Path, tmp_path: Path) -> None:
    (root / "backups").symlink_to(tmp_path / "outside")
    with pytest.raises(UnsafePathError, match=f"Refusing {root / 'backups'}: it is a symbolic"):
        safe_paths.move_inside(root, root / "trials" / "1", root / "backups" / "1")
    assert (root / "trials" / "1" / "weights.bin").is_file()
    assert _tree(tmp_path / "outside") == {"secret.txt": b"secret"}


def test_move_inside_of_a_missing_entry(root: Path) -> None:
    with pytest.raises(FileNotFoundError):
        safe_paths.move_inside(root, root / "trials" / "9", root / "backups" / "9")


def test_copy_tree_inside_copies_files_and_folders_and_skips_names(root: Path) -> None:
    src, dst = root / "trials" / "1", root / "trials" / "1_1"
    links = safe_paths.copy_tree_inside(root, src, dst, skip={"config.yaml"})
    assert links == []
    expected = _tree(src)
    del expected["config.yaml"]
    assert _tree(dst) == expected
    assert _tree(src)["config.yaml"] == b"x: 1\n"  # the source is untouched


def test_copy_tree_inside_leaves_links_out_and_names_them(root: Path, tmp_path: Path) -> None:
    src, dst = root / "trials" / "1", root / "trials" / "2"
    (src / "ckpt" / "evil").symlink_to(tmp_path / "outside" / "secret.txt")
    (src / "evil_dir").symlink_to(tmp_path / "outside")
    os.mkfifo(src / "pipe")
    links = safe_paths.copy_tree_inside(root, src, dst)
    assert sorted(links) == sorted(
        [str(src / "ckpt" / "evil"), str(src / "evil_dir"), str(src / "pipe")]
    )
    copied = _tree(dst)
    assert "ckpt/evil" not in copied and "evil_dir" not in copied and "pipe" not in copied
    assert copied["ckpt/deep/x.txt"] == b"x"
    assert _tree(tmp_path / "outside") == {"secret.txt": b"secret"}


def test_copy_tree_inside_into_an_existing_folder_replaces_files(root: Path) -> None:
    src, dst = root / "trials" / "1", root / "trials" / "2"
    (dst / "ckpt").mkdir(parents=True)
    (dst / "weights.bin").write_bytes(b"old")
    (dst / "mine.txt").write_bytes(b"kept")
    safe_paths.copy_tree_inside(root, src, dst)
    assert (dst / "weights.bin").read_bytes() == b"w" * 10
    assert (dst / "ckpt" / "state.pt").read_bytes() == b"s"
    assert (dst / "mine.txt").read_bytes() == b"kept"


def test_copy_tree_inside_refuses_a_linked_source(root: Path, tmp_path: Path) -> None:
    (root / "trials" / "3").symlink_to(tmp_path / "outside")
    with pytest.raises(UnsafePathError, match=str(root / "trials" / "3")):
        safe_paths.copy_tree_inside(root, root / "trials" / "3", root / "trials" / "4")
    assert not (root / "trials" / "4").exists()


def test_copy_tree_inside_refuses_a_linked_destination(root: Path, tmp_path: Path) -> None:
    (root / "trials" / "4").symlink_to(tmp_path / "outside")
    with pytest.raises(UnsafePathError, match=str(root / "trials" / "4")):
        safe_paths.copy_tree_inside(root, root / "trials" / "1", root / "trials" / "4")
    assert _tree(tmp_path / "outside") == {"secret.txt": b"secret"}


def test_open_file_refuses_a_link_naming_it_and_its_target(root: Path, tmp_path: Path) -> None:
    log = root / "trials" / "1" / "stdout.log"
    log.symlink_to(tmp_path / "outside" / "secret.txt")
    with pytest.raises(UnsafePathError) as info:
        safe_paths.open_file(root, log, os.O_WRONLY | os.O_APPEND)
    assert str(info.value) == (
        f"Refusing {log}: it is a symbolic link to {tmp_path / 'outside' / 'secret.txt'}, and "
        "neps_like never follows links inside a study (someone with write access to the "
        "directory may have planted it). Remove it."
    )
    assert info.value.path == str(log)


def test_open_file_opens_a_regular_file(root: Path) -> None:
    fd = safe_paths.open_file(root, root / "trials" / "1" / "new.txt", os.O_WRONLY | os.O_CREAT)
    try:
        os.write(fd, b"hello")
    finally:
        os.close(fd)
    assert (root / "trials" / "1" / "new.txt").read_bytes() == b"hello"


def test_refused_without_a_link_says_what_it_is(root: Path) -> None:
    error = safe_paths.refused(root / "trials" / "1" / "weights.bin")
    assert str(error).startswith(
        f"Refusing {root / 'trials' / '1' / 'weights.bin'}: it is not a regular folder or file,"
    )
    assert str(error).endswith("Remove it.")
