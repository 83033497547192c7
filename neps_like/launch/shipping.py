"""Shipping a function the workers cannot import (a lambda, a closure, a notebook cell).

``neps_like.launch(evaluate_pipeline=fn, ...)`` cloudpickles the run arguments once into
``launch/function.pkl`` inside the study: created with ``O_EXCL | O_NOFOLLOW`` and mode
0600, so only its owner can read or change it. It is the one pickle a study may hold, and
it is code the user gave; a worker unpickles it only after checking (on the open file, not
the name) that it is a regular file owned by the worker's own user and not writable by
group or others. Workers of a YAML study never read it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from typing import Any

import cloudpickle

from neps_like._errors import ArgumentError, UnsafePathError
from neps_like.state.layout import Layout


def ship(layout: Layout, run_kwargs: dict[str, Any]) -> None:
    """Write ``run_kwargs`` (function included) to ``layout.launch_function_file``.

    A previous file from an earlier launch is replaced (removed, never followed).

    Raises:
        ArgumentError: the arguments cannot be pickled (named in the message).
    """
    try:
        data = cloudpickle.dumps(run_kwargs)
    except Exception as exc:  # cloudpickle raises many types for unpicklable objects
        raise ArgumentError(
            f"Cannot ship the run arguments to the workers with cloudpickle: {exc}"
        ) from exc
    path = layout.launch_function_file
    layout.launch_dir.mkdir(mode=0o700, exist_ok=True)
    if layout.launch_dir.is_symlink():
        raise UnsafePathError(f"Refusing {layout.launch_dir}: it is a symbolic link.")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # unlink removes a link itself, never its target
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb", closefd=False) as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    finally:
        os.close(fd)


def receive(layout: Layout) -> dict[str, Any]:
    """The shipped run arguments, after checking who owns and may change the file.

    Raises:
        UnsafePathError: the file is a link, not a regular file, owned by another user or
            writable by group or others; nothing is unpickled then.
        ArgumentError: there is no shipped function in this study.
    """
    path = layout.launch_function_file
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ArgumentError(f"{path} does not exist: this study has no shipped function.") from None
    except OSError as exc:  # ELOOP: a symbolic link planted in its place
        raise UnsafePathError(
            f"Refusing to unpickle {path}: cannot open it safely ({exc})."
        ) from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        problem = _problem(info)
        if problem:
            raise UnsafePathError(
                f"Refusing to unpickle {path}: {problem}. It must be a regular file owned by "
                f"you (uid {os.getuid()}) with mode 0600; launch the study again to rewrite it."
            )
        data = handle.read()
    loaded = cloudpickle.loads(data)
    if not isinstance(loaded, dict):
        raise UnsafePathError(f"Refusing {path}: it does not hold run arguments.")
    return loaded


def _problem(info: os.stat_result) -> str | None:
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_uid != os.getuid():
        return f"it is owned by uid {info.st_uid}, not by you"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"it is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})"
    return None
