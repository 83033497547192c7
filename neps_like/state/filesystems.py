"""Which kind of file system holds a path: the local kernel's, or a network one.

Used to choose how to wait for the state lock (``locker``) and whether appends may be
synced after the lock's release (``journal``). Reads ``/proc/self/mountinfo``; Linux only,
``None`` (treated as a network file system) elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

# File systems whose lock waits are handed over by the local kernel. Elsewhere (NFS and
# other network file systems) a blocked lock request is retried by the client with a
# back-off of up to 30 s, so a waiter on one host can starve while another host keeps
# re-taking the lock (seen with two NFS clients): there we poll with a short back-off.
_LOCAL_FS = frozenset(
    {
        "ext2",
        "ext3",
        "ext4",
        "xfs",
        "btrfs",
        "tmpfs",
        "overlay",
        "zfs",
        "f2fs",
        "ramfs",
        "jfs",
        "reiserfs",
        "bcachefs",
    }
)


def is_local_file_system(path: Path) -> bool:
    """Whether ``path`` is on a file system of this host's own kernel (not NFS & co.)."""
    return filesystem_type(path) in _LOCAL_FS


def filesystem_type(path: Path) -> str | None:
    """The type of the file system holding ``path`` (Linux ``/proc/self/mountinfo``)."""
    try:
        target = os.path.realpath(path)
        with open("/proc/self/mountinfo", encoding="utf-8") as fh:  # noqa: PTH123
            lines = fh.read().splitlines()
    except OSError:
        return None
    best, fstype = "", None
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = fields[4].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, fstype = mount, right.split()[0]
    return fstype
