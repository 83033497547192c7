"""Files inside a study are regular files with one name each.

``open_regular`` refuses a link, a folder, FIFO, socket or device under a file's name
without blocking on a FIFO; ``check_single_link`` refuses to write a file that has other
hard links (the same file elsewhere). ``safe_paths`` uses both for every open.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from neps_like._errors import UnsafePathError


def open_regular(
    name: str | Path,
    flags: int,
    mode: int = 0o644,
    *,
    dir_fd: int | None = None,
    path: Path | None = None,
) -> int:
    """``os.open`` with ``O_NOFOLLOW``, refusing anything but a regular file.

    ``O_NONBLOCK`` makes the open of a FIFO planted under the name return at once (a
    plain open would wait forever for a writer or a reader); it changes nothing for a
    regular file.

    Raises:
        UnsafePathError: the name is a folder, FIFO, socket or device.
        OSError: from ``os.open`` (``ELOOP`` for a link).
    """
    flags |= os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(name, flags, mode, dir_fd=dir_fd)
    try:
        kind = _KINDS.get(stat.S_IFMT(os.fstat(fd).st_mode), "not a regular file")
    except OSError:
        os.close(fd)
        raise
    if kind:
        os.close(fd)
        shown = path or Path(name)
        raise UnsafePathError(
            f"Refusing {shown}: it is {kind}, where neps_like keeps a regular file "
            "(planted in the study, or made by hand?). Remove it.",
            path=shown,
        )
    return fd


_KINDS = {  # what each file type is called in the refusal; "" for a regular file
    stat.S_IFREG: "",
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file ``path`` (``open_regular``)."""
    fd = open_regular(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def check_single_link(fd: int, path: Path) -> None:
    """Close ``fd`` and refuse when its file has other hard links: a write would change
    the same file wherever else it is linked (``O_NOFOLLOW`` does not see hard links).

    Raises:
        UnsafePathError: naming the file and how to make it a file of its own.
    """
    try:
        links = os.fstat(fd).st_nlink
    except OSError:
        os.close(fd)
        raise
    if links > 1:
        os.close(fd)
        raise UnsafePathError(
            f"Refusing to write {path}: it has {links} hard links, so writing would also "
            "change the same file elsewhere, possibly outside the study (a hard link "
            "planted in the study, or a copy made with `cp -al`). Make it a file of its "
            f"own: cp {path} {path}.copy && mv {path}.copy {path}",
            path=path,
        )
