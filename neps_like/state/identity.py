"""Whether the study on disk is still the one this process opened.

``repair`` rewrites the journal under the same journal id (the same trials, damaged
records dropped): a running worker reloads and carries on. ``rewind`` writes a new
journal id, and ``overwrite_root_directory`` deletes the study and creates another one:
a worker's claimed trial and in-memory view then belong to a study that is gone. A
process that registered a worker (``strict``) stops with ``StudyReplacedError`` instead
of carrying on in the new study; a read-only view (status, a dashboard) just reloads.

Owns only the check; the state lock and the journal know nothing of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from neps_like._errors import StorageError, StudyReplacedError
from neps_like.state.layout import Layout
from neps_like.state.locker import FileLocker
from neps_like.state.study_files import StudyInfo, read_study_info


def same_study_info(layout: Layout, old: StudyInfo, *, strict: bool) -> StudyInfo:
    """``neps_like.yaml`` read again; with ``strict``, checked to describe ``old``'s study.

    Raises:
        StudyReplacedError: (``strict`` only) the study was rewound, replaced or deleted.
    """
    try:
        info = read_study_info(layout)
    except StorageError as exc:
        if strict and _deleted(layout):
            raise _deleted_error(layout) from exc
        raise
    if strict and (info.journal_id != old.journal_id or info.created != old.created):
        raise StudyReplacedError(
            f"The study in {layout.root} was rewound or created anew while this worker "
            f"ran (journal id {old.journal_id[:8]} is now {info.journal_id[:8]}); stopping: "
            "its view and its trial belong to the old study.",
            root=layout.root,
        )
    return info


@contextlib.contextmanager
def held(lock: FileLocker, layout: Layout, *, strict: bool) -> Iterator[None]:
    """Hold ``lock``; with ``strict``, a lock that cannot be taken because the study was
    deleted (its directory is gone) raises ``StudyReplacedError``, not a storage error."""
    acquired = False
    try:
        with lock.lock():
            acquired = True
            yield
    except StorageError as exc:
        if acquired or not strict or not _deleted(layout):
            raise
        raise _deleted_error(layout) from exc


def _deleted(layout: Layout) -> bool:
    # Only on the error path: costs nothing while the study is there.
    return not layout.study_file.exists()


def _deleted_error(layout: Layout) -> StudyReplacedError:
    return StudyReplacedError(
        f"The study in {layout.root} was deleted while this worker ran "
        "(overwrite_root_directory, or by hand); stopping.",
        root=layout.root,
    )
