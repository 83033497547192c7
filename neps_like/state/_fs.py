"""Low-level file operations with the crash guarantees the state layer relies on.

Owns: atomic replacement of whole files, durable appends, and translating ``OSError``
into ``StorageError`` messages that name the path. Knows no file names (``layout`` does);
how a path below the study is reached without following links is ``safe_paths``'s.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from neps_like._errors import StorageError
from neps_like.state import safe_paths

_HINTS = {
    errno.ENOSPC: "the disk is full; free space and run the same command again to continue",
    errno.EDQUOT: "the disk quota is exceeded; free space and run the same command again",
    errno.EROFS: "the file system is read-only; point root_directory at a writable place",
    errno.EACCES: "permission denied; check the directory's owner and mode",
    errno.ENOLCK: "the file system does not support locks here",
}


@contextlib.contextmanager
def translate_os_errors(action: str, path: Path) -> Iterator[None]:
    """Re-raise ``OSError`` as ``StorageError`` saying what failed, where and what to do."""
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        hint = _HINTS.get(exc.errno or 0, exc.strerror or str(exc))
        raise StorageError(f"Could not {action} {path}: {hint}.", path=path) from exc


def sync_file(fd: int, mode: str) -> None:
    """Make written data durable: ``"fdatasync"`` (data + size), ``"fsync"`` or ``"none"``."""
    if mode == "fdatasync" and hasattr(os, "fdatasync"):
        # fdatasync skips the inode's timestamps, which we never rely on, and is ~10x
        # cheaper than fsync on ext4; the file size is still made durable.
        os.fdatasync(fd)
    elif mode in ("fsync", "fdatasync"):
        os.fsync(fd)


def atomic_write_bytes(
    path: Path, data: bytes, *, sync: str = "fsync", root: Path | None = None
) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    Temp file in the same directory (``os.replace`` is atomic only within a file system),
    flushed and synced before the rename, so a crash never leaves a torn file behind.
    ``sync="none"`` keeps atomicity but not durability: for mirrors rebuilt from the journal.
    ``root``: the study ``path`` is in; every folder below it is reached without following
    a link (see ``safe_paths``). Without it only ``path``'s own folder is opened, and a
    link planted under ``path``'s name is still replaced, never written through.
    """
    folder, name = os.path.split(path)  # plain strings: this runs several times per trial
    with translate_os_errors("write", path):
        top = Path(folder) if root is None else root
        with safe_paths.directory(top, Path(folder)) as fd:
            safe_paths.write_at(fd, name, data, lambda f: sync_file(f, sync))


def atomic_write_text(
    path: Path, text: str, *, sync: str = "fsync", root: Path | None = None
) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), sync=sync, root=root)


def atomic_write_json(
    path: Path, data: Any, *, sync: str = "fsync", root: Path | None = None
) -> None:
    payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
    atomic_write_bytes(path, payload, sync=sync, root=root)


def atomic_write_yaml(
    path: Path, data: Any, *, sync: str = "fsync", root: Path | None = None
) -> None:
    # No allow_unicode: PyYAML would write U+0085 raw and read it back as a space.
    text = yaml.safe_dump(data, sort_keys=False)
    atomic_write_text(path, text, sync=sync, root=root)


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, *, root: Path | None = None) -> Any:
    """Parse the YAML file ``path``; with ``root``, never through a link below it."""
    with translate_os_errors("read", path):
        if root is None:
            text = safe_paths.read_regular(path).decode("utf-8")
        else:
            text = safe_paths.read_bytes(root, path).decode("utf-8")
    return yaml.load(text, Loader=_Loader)  # a safe loader: libyaml's when present


def make_dirs(path: Path, *, root: Path | None = None) -> None:
    """Create ``path`` and missing parents; with ``root``, every folder below ``root`` is
    created or entered without following a link (``UnsafePathError`` on one)."""
    with translate_os_errors("create directory", path):
        if root is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            with safe_paths.directory(root, path, create=True):
                pass
