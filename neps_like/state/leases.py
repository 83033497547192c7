"""Worker leases: files a live worker keeps touching, and how others judge them expired.

A lease is ``workers/<worker_id>``; its modification time is the last heartbeat.
Liveness never compares clocks of different hosts: the judge touches a reference file
(``workers/.clock``) and compares the lease's mtime with the reference's, both stamped
by the same file server (``utime`` with no explicit time asks the server for "now").
``LeasePolicy`` says how long a lease may go untouched before its trial is taken over.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from neps_like._errors import NepsLikeError, UnsafePathError
from neps_like.state import safe_paths
from neps_like.state._fs import atomic_write_bytes, translate_os_errors
from neps_like.state.layout import Layout, is_valid_worker_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LeasePolicy:
    """How long a worker may go without a heartbeat before its trial is taken over."""

    grace: float = 60.0
    check_interval: float = 10.0
    max_retries: int | None = 2
    heartbeat: float = 5.0

    @property
    def silent_after(self) -> float:
        """A lease this old has missed heartbeats: its worker may be dead (two missed
        beats, so that one slow renewal on a busy file server is not suspicious)."""
        return min(2.0 * self.heartbeat, self.grace)


def write_lease(layout: Layout, worker_id: str) -> Path:
    """Create (or refresh) the lease of ``worker_id``; its content is for people only."""
    path = layout.worker_file(worker_id)
    info = {"worker_id": worker_id, "host": socket.gethostname(), "pid": os.getpid()}
    # Walked from the root: a ``workers -> elsewhere`` link is refused, not written into.
    atomic_write_bytes(path, json.dumps(info).encode(), sync="none", root=layout.root)
    return path


def touch(path: Path) -> None:
    """Set ``path``'s mtime to the file server's "now"; never through a link."""
    with translate_os_errors("touch", path):
        # O_NOFOLLOW + futimens: a lease replaced by a link to someone's file must not
        # change that file's times. No explicit time: the server stamps "now".
        fd = safe_paths.open_regular(path, os.O_WRONLY)  # nor a FIFO
        safe_paths.check_single_link(fd, path)  # nor through a hard link
        try:
            os.utime(fd)
        finally:
            os.close(fd)


def server_now(layout: Layout) -> float:
    """The file server's current time, read back from a file touched just now."""
    ref = layout.workers_dir / ".clock"
    with translate_os_errors("touch", ref):
        # Created if missing, never through a link (O_NOFOLLOW), and only in a real
        # ``workers/`` folder (walked from the root).
        fd = safe_paths.open_file(layout.root, ref, os.O_WRONLY | os.O_CREAT)
        try:
            os.utime(fd)
            return os.fstat(fd).st_mtime
        finally:
            os.close(fd)


def lease_age(layout: Layout, worker_id: str, now: float) -> float | None:
    """Seconds since ``worker_id``'s last heartbeat, or None when it has no lease file
    (or no valid one: an invalid id, or a link in place of the lease)."""
    if not is_valid_worker_id(worker_id):
        return None
    try:
        # open + fstat, not stat: on NFS an open revalidates the attributes with the server
        # (close-to-open), while stat may answer from a cache up to a minute old and make
        # a live worker look dead. O_NOFOLLOW: a link is no lease.
        # Nor a FIFO (``open_regular``: its plain open would block).
        fd = safe_paths.open_regular(layout.worker_file(worker_id), os.O_RDONLY)
    except FileNotFoundError:
        return None
    except UnsafePathError as exc:
        logger.warning("Ignoring %s: %s", layout.worker_file(worker_id), exc)
        return None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        logger.warning("Ignoring %s: a symbolic link is no lease", layout.worker_file(worker_id))
        return None
    try:
        return now - os.fstat(fd).st_mtime
    finally:
        os.close(fd)


def file_age(path: Path, now: float) -> float | None:
    """Seconds since ``path`` was modified (by the server's clock ``now``), or None."""
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return None


def live_workers(layout: Layout, grace: float) -> list[str]:
    """Workers whose lease was renewed within ``grace`` seconds (file-server clock)."""
    try:
        names = [n for n in os.listdir(layout.workers_dir) if is_valid_worker_id(n)]  # noqa: PTH208
        if not names:
            return []
        now = server_now(layout)
    except (OSError, NepsLikeError):  # read-only or missing: nothing can be live
        return []
    return [n for n in names if (age := lease_age(layout, n, now)) is not None and age < grace]


def remove_lease(layout: Layout, worker_id: str) -> None:
    # unlink removes a link itself, never its target; the id was checked by ``worker_file``.
    with contextlib.suppress(FileNotFoundError):
        layout.worker_file(worker_id).unlink()


class Heartbeat:
    """A daemon thread that touches a lease every ``interval`` seconds until stopped."""

    def __init__(self, path: Path, interval: float) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="neps-like-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                touch(self.path)
            except Exception as exc:  # keep beating: a stalled server may recover
                logger.warning("Could not refresh lease %s: %s", self.path, exc)
