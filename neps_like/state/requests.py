"""Stop and pause requests as files (``trials/<id>/control.json``), written atomically.

The state layer writes and reads them; ``runtime.control`` turns them into interruptions
of the evaluation in the worker that owns the trial.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from neps_like.state._fs import atomic_write_json
from neps_like.state.safe_paths import open_regular
from neps_like.state.untrusted import loads

ACTIONS = ("stop", "pause")


def write_request(path: Path, action: str, *, root: Path | None = None) -> None:
    """Leave ``action`` for the worker evaluating the trial (``root``: the study, walked
    from without following links)."""
    atomic_write_json(path, {"action": action, "time": time.time()}, sync="none", root=root)


def read_request(path: Path) -> str | None:
    """The pending action for a trial, or None."""
    try:
        # O_NOFOLLOW: polled all through an evaluation; never read through a link.
        fd = open_regular(path, os.O_RDONLY)  # nor a FIFO
        with os.fdopen(fd, "rb") as fh:
            action = loads(fh.read(4096)).get("action")  # depth-checked: a hostile file
    except (OSError, ValueError, AttributeError):
        return None
    return action if action in ACTIONS else None


def clear_request(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
