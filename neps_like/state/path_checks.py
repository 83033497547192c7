"""What ``verify`` reports about paths: ids that would leave the study, and links.

Workers refuse both as they meet them (``layout`` checks ids, ``safe_paths`` follows no
link); this module finds them all at once, for ``verify`` to report and ``repair`` to
drop. It reads names and ``lstat`` results only: nothing is opened through a link.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from neps_like.state import safe_paths
from neps_like.state.layout import Layout, is_valid_trial_id, is_valid_worker_id

# Folders of the root that neps_like walks into.
_FOLDERS = ("journal", "trials", "workers", "summary", "backups")


def refuse_linked_folders(layout: Layout) -> None:
    """Refuse a study whose journal, trials or workers folder (or ``.lock``) is a link:
    checked once when a process opens the study, so that a planted ``journal -> elsewhere``
    is named at once. (``summary/`` and ``backups/`` are refused where they are written.)

    Raises:
        UnsafePathError: one of them is a link (or not a folder).
    """
    root = layout.root
    if not root.is_dir():
        return  # missing (created next) or not a folder (the caller's error says so)
    for folder in (layout.journal_dir, layout.trials_dir, layout.workers_dir):
        if safe_paths.kind_of(root, folder) not in (None, "dir"):
            raise safe_paths.refused(folder)
    if safe_paths.kind_of(root, layout.lock_file) not in (None, "file"):
        raise safe_paths.refused(layout.lock_file)


def invalid_trial_ids(ids: Iterable[object]) -> list[str]:
    """Problems for trial ids (from journal records) that are not valid ids."""
    return [
        f"journal record with the invalid trial id {tid!r}: refused by workers (it would "
        "name a path outside trials/); `neps-like repair` removes it"
        for tid in ids
        if not is_valid_trial_id(tid)
    ]


def link_problems(layout: Layout) -> list[str]:
    """Problems for links (and misplaced files) where the study keeps its folders."""
    root = layout.root
    problems = []
    for name in _FOLDERS:
        kind = safe_paths.kind_of(root, root / name)
        if kind not in (None, "dir"):
            problems.append(_planted(root / name, kind))
    if safe_paths.kind_of(root, layout.trials_dir) == "dir":
        problems += _trial_entries(layout)
    if safe_paths.kind_of(root, layout.workers_dir) == "dir":
        for name, kind in _entries(root, layout.workers_dir):
            if kind not in ("file", None) and (is_valid_worker_id(name) or name == ".clock"):
                problems.append(_planted(layout.workers_dir / name, kind))
    return problems


def _trial_entries(layout: Layout) -> list[str]:
    root, problems = layout.root, []
    for name, kind in _entries(root, layout.trials_dir):
        path = layout.trials_dir / name
        if kind == "link" or (kind != "dir" and is_valid_trial_id(name)):
            problems.append(_planted(path, kind))
        elif kind == "dir" and is_valid_trial_id(name):
            problems += [
                _planted(path / inner, inner_kind)
                for inner, inner_kind in _entries(root, path)
                if inner_kind == "link"
            ]
    return problems


def _entries(root: Path, folder: Path) -> list[tuple[str, str | None]]:
    try:
        with safe_paths.directory(root, folder) as fd:
            names = sorted(os.listdir(fd))  # noqa: PTH208 (a descriptor: no path to follow)
            return [(n, _kind_at(fd, n)) for n in names]
    except OSError:  # a link on the way is reported by the caller's own check
        return []


def _kind_at(fd: int, name: str) -> str | None:
    try:
        mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode  # lstat
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _planted(path: Path, kind: str | None) -> str:
    what = "a symbolic link" if kind == "link" else f"not a folder ({kind})"
    return (
        f"{path} is {what}: neps_like refuses to follow or use it (someone with write "
        "access may have planted it); remove it by hand"
    )
