"""Reaching paths inside a study without ever leaving it: no symbolic link is followed.

A study directory is a trust boundary. On a shared scratch file system others may be
able to write into it, and a link planted there (``trials/4 -> ~``, ``trials/2/stdout.log
-> ~/.bashrc``, ``summary -> ~/project``) must never make neps_like read, write or
remove anything outside. ``Layout`` names every path (and checks ids); this module is
how the state layer reaches them:

* Directories are walked from the study root's descriptor one name at a time with
  ``O_NOFOLLOW | O_DIRECTORY`` (``openat``), so a link anywhere below the root refuses
  the walk instead of redirecting it. The root itself is the user's choice and may be a
  link (``results -> /scratch/me/results``).
* Files are opened relative to their directory's descriptor with ``O_NOFOLLOW``; new
  files are created with ``O_EXCL`` and moved into place with ``renameat``, which
  replaces a link planted under the name instead of writing through it.
* Removal (``delete_checkpoints``, ``rewind``) walks descriptors too, ``unlink``\\s links
  as the names they are and only ever removes below the study.

A refused path raises ``UnsafePathError`` (a ``StorageError``) naming it and where the
link points; callers log it as a warning and carry on where they can. Knows no file names.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import uuid
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from neps_like._errors import UnsafePathError
from neps_like.state.regular_files import check_single_link as check_single_link
from neps_like.state.regular_files import open_regular as open_regular
from neps_like.state.regular_files import read_regular as read_regular

# O_CLOEXEC: a script trial started meanwhile must not inherit descriptors of the study.
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# ELOOP: the last name is a link (O_NOFOLLOW); ENOTDIR: a file where a folder belongs,
# or a link to one among the parents.
_REFUSED = (errno.ELOOP, errno.ENOTDIR)


def parts_below(root: Path, path: Path) -> list[str]:
    """The names leading from ``root`` to ``path``.

    Raises:
        UnsafePathError: ``path`` is not strictly below ``root``, or has ``.``/``..``.
    """
    # Plain strings, not pathlib: this runs for every file a trial writes.
    base, full = os.fspath(root), os.fspath(path)
    if not full.startswith(base.rstrip(os.sep) + os.sep):
        raise UnsafePathError(f"Refusing {path}: it is not inside the study {root}.", path=path)
    parts = full[len(base.rstrip(os.sep)) + 1 :].split(os.sep)  # noqa: PTH206 (str, fast)
    if any(p in ("", ".", "..") for p in parts):
        raise UnsafePathError(f"Refusing {path}: '.', '..' or an empty name.", path=path)
    return parts


def refused(path: Path, dir_fd: int | None = None, name: str | None = None) -> UnsafePathError:
    """The error for a link (or a file where a folder belongs) found at ``path``."""
    what = "not a regular folder or file"
    with contextlib.suppress(OSError):  # only to make the message precise
        target = os.readlink(name or path, dir_fd=dir_fd)
        what = f"a symbolic link to {target}"
    return UnsafePathError(
        f"Refusing {path}: it is {what}, and neps_like never follows links inside a study "
        "(someone with write access to the directory may have planted it). Remove it.",
        path=path,
    )


@contextlib.contextmanager
def directory(root: Path, path: Path, *, create: bool = False) -> Iterator[int]:
    """A descriptor of the folder ``path`` (``root`` itself or below it), reached without
    following any link below ``root``; ``create`` makes missing folders (mode 0o777
    minus the umask, as ``mkdir``).

    Raises:
        UnsafePathError: a name on the way is a link or not a folder.
        FileNotFoundError: a folder is missing and ``create`` is False.
    """
    parts = [] if os.fspath(path) == os.fspath(root) else parts_below(root, path)
    fd = os.open(root, _DIR_FLAGS)  # the root may be a link: the user named it
    try:
        walked = root
        for part in parts:
            walked = walked / part
            nxt = _step(fd, part, walked, create)
            os.close(fd)
            fd = nxt
        yield fd
    finally:
        os.close(fd)


def _step(fd: int, name: str, path: Path, create: bool) -> int:
    """Open the folder ``name`` in ``fd``; never through a link."""
    try:
        try:
            # O_NOFOLLOW: a link named ``name`` gives ELOOP instead of being entered.
            return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise
            with contextlib.suppress(FileExistsError):  # another worker made it first
                os.mkdir(name, 0o777, dir_fd=fd)
            return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
    except OSError as exc:
        if exc.errno in _REFUSED:
            raise refused(path, fd, name) from exc
        raise


class CachedFolder:
    """A kept descriptor of one folder below the root (``trials/``), reached once by the
    walk above: entering one of its subfolders then costs one ``openat`` instead of a
    walk per file (this runs for every trial that has a folder).

    Safe to keep: the descriptor refers to the folder that was checked, never to what a
    link put in its place later points to. A folder deleted since (the study overwritten)
    is noticed when creating in it fails, and walked to again.
    """

    def __init__(self, root: Path, path: Path) -> None:
        self.root, self.path = root, path
        self._fd: int | None = None  # valid in a forked child too: it names a folder
        self._lock = threading.Lock()  # the mirror thread and the worker's thread share it

    def _descriptor(self) -> int:
        fd = self._fd
        if fd is not None:
            return fd
        with self._lock:
            if self._fd is None:
                with directory(self.root, self.path, create=True) as walked:
                    self._fd = os.dup(walked)
            return self._fd

    def _forget(self) -> None:
        # Not closed: another thread may be using it this instant, and a reused number
        # would point its ``openat`` elsewhere. One descriptor per replaced study.
        with self._lock:
            self._fd = None

    @contextlib.contextmanager
    def sub(self, name: str, *, create: bool) -> Iterator[int]:
        """A descriptor of the subfolder ``name`` (made when missing with ``create``).

        Raises:
            UnsafePathError: it is a link or a file.
            FileNotFoundError: it is missing and ``create`` is False.
        """
        try:
            fd = _step(self._descriptor(), name, self.path / name, create)
        except FileNotFoundError:
            if not create:
                raise
            self._forget()  # the folder itself is gone: walk to the current one
            fd = _step(self._descriptor(), name, self.path / name, create)
        try:
            yield fd
        finally:
            os.close(fd)

    def __del__(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)


def open_file(root: Path, path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open(path, flags)`` for a file below ``root``, following no link.

    Raises:
        UnsafePathError: ``path`` or a folder on its way is a link.
    """
    with directory(root, path.parent) as fd:
        return open_at(fd, path.name, flags, mode, path=path)


def open_at(dir_fd: int, name: str, flags: int, mode: int = 0o644, *, path: Path) -> int:
    """Open ``name`` in the folder ``dir_fd`` with ``O_NOFOLLOW`` (``path``: for errors):
    a regular file only (``open_regular``), for writing one with no other hard link
    (``check_single_link``)."""
    try:
        # O_NOFOLLOW: appending to a planted ``stdout.log -> ~/.bashrc`` fails with ELOOP.
        fd = open_regular(name, flags, mode, dir_fd=dir_fd, path=path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refused(path, dir_fd, name) from exc
        raise
    if flags & (os.O_WRONLY | os.O_RDWR):
        check_single_link(fd, path)
    return fd


def read_bytes(root: Path, path: Path) -> bytes:
    """The content of the regular file ``path`` below ``root`` (no link followed)."""
    with directory(root, path.parent) as dir_fd:
        return _read_at(dir_fd, path.name, path)


def _read_at(dir_fd: int, name: str, path: Path) -> bytes:
    fd = open_at(dir_fd, name, os.O_RDONLY, path=path)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_at(dir_fd: int, name: str, data: bytes, sync: Callable[[int], None]) -> None:
    """Replace ``name`` in the folder ``dir_fd`` with ``data``, atomically.

    The temporary file is created with ``O_EXCL | O_NOFOLLOW`` (never an existing file
    or a link's target) and renamed over ``name``: ``rename`` replaces a link planted
    under ``name`` rather than writing where it points.
    """
    # Unique across hosts too: pids repeat on other machines.
    tmp = f".{name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            sync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # atomic in one folder
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


def remove_at(dir_fd: int, name: str) -> None:
    """Remove ``name`` from the folder ``dir_fd``: a folder with everything in it, a file,
    or a link (the link itself, never what it points to). Missing is fine."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)  # lstat: a link is a file
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dir_fd)  # unlink never follows: removes a link itself
        return
    try:
        # O_NOFOLLOW: swapped for a link since the lstat? ELOOP, and nothing is removed.
        sub = os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    try:
        for entry in os.listdir(sub):  # noqa: PTH208 (a descriptor: no path to follow)
            remove_at(sub, entry)
    finally:
        os.close(sub)
    with contextlib.suppress(FileNotFoundError):
        os.rmdir(name, dir_fd=dir_fd)


def remove_below(root: Path, path: Path) -> None:
    """Remove ``path`` (strictly below ``root``) and everything in it, following no link.

    Raises:
        UnsafePathError: ``path`` is ``root`` or outside it, or a folder on the way is a link.
    """
    with directory(root, path.parent) as fd:
        remove_at(fd, path.name)


def remove_all_but(root: Path, folder: Path, keep: Collection[str]) -> list[str]:
    """Remove every entry of ``folder`` (below ``root``) whose name is not in ``keep``;
    returns the names removed. Links are removed as links, never followed."""
    with directory(root, folder) as fd:
        names = [n for n in os.listdir(fd) if n not in keep]  # noqa: PTH208 (descriptor)
        for name in names:
            remove_at(fd, name)
    return names


def move_inside(root: Path, src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``, both below ``root`` (``dst``'s folder is created). A
    link is moved as the link it is."""
    with (
        directory(root, src.parent) as src_fd,
        directory(root, dst.parent, create=True) as dst_fd,
    ):
        os.rename(src.name, dst.name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)


def copy_tree_inside(root: Path, src: Path, dst: Path, *, skip: Collection[str] = ()) -> list[str]:
    """Copy the files and folders of ``src`` into ``dst`` (both below ``root``), except
    names in ``skip``; returns the links found and left out (they are never followed)."""
    with directory(root, src) as s, directory(root, dst, create=True) as d:
        return _copy_at(s, d, src, skip)


def _copy_at(src_fd: int, dst_fd: int, src: Path, skip: Collection[str]) -> list[str]:
    links: list[str] = []
    for name in os.listdir(src_fd):
        if name in skip:
            continue
        st = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=dst_fd)
            sub_s = _step(src_fd, name, src / name, False)
            try:
                sub_d = _step(dst_fd, name, src / name, False)
                try:
                    links += _copy_at(sub_s, sub_d, src / name, ())
                finally:
                    os.close(sub_d)
            finally:
                os.close(sub_s)
        elif stat.S_ISREG(st.st_mode):
            write_at(dst_fd, name, _read_at(src_fd, name, src / name), _no_sync)
        else:  # a link, a fifo, a device: nothing a checkpoint is made of
            links.append(str(src / name))
    return links


def _no_sync(fd: int) -> None:
    """Copies of checkpoints are not made durable: the originals stay until copied."""


def kind_of(root: Path, path: Path) -> str | None:
    """``"dir"``, ``"file"``, ``"link"`` or ``"other"`` for ``path`` below ``root`` (its
    own type, ``lstat``), None when missing. Folders on the way are not followed."""
    try:
        with directory(root, path.parent) as fd:
            st = os.stat(path.name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "file" if stat.S_ISREG(st.st_mode) else "other"
