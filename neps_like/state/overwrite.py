"""Deleting a study so that a new one starts in its place (``overwrite_root_directory``).

Three rules, because the root directory is whatever the user typed (``""`` is the
current directory, a typo can name a home directory):

* only a directory that is a study (it holds ``neps_like.yaml``), holds nothing but
  files neps_like makes, or is empty is emptied; anything else is refused, naming it;
* not while workers hold live leases on it (they would carry on in the new study, or
  crash): those are refused too, and the few that start meanwhile stop with
  ``StudyReplacedError`` when they next take the lock (see ``identity``);
* the contents are removed below the root without following any link, and the root
  itself is kept (it may be a link the user made on purpose).
"""

from __future__ import annotations

import logging
import os

from neps_like._errors import NePSError
from neps_like.state import safe_paths
from neps_like.state._fs import translate_os_errors
from neps_like.state.layout import Layout
from neps_like.state.leases import live_workers

logger = logging.getLogger(__name__)


def overwrite_study(layout: Layout, *, live_within: float) -> None:
    """Empty ``layout.root`` if it is a study (or empty) with no live workers.

    Raises:
        NePSError: the directory is not a study, or workers are running on it.
    """
    root = layout.root
    if not root.exists():
        return
    if not root.is_dir():
        raise NePSError(f"overwrite_root_directory: {root} is not a directory; not deleting it.")
    with translate_os_errors("list", root):
        names = sorted(os.listdir(root))  # noqa: PTH208 (names only, nothing followed)
    if not names:
        return
    is_study = safe_paths.kind_of(root, layout.study_file) == "file"
    foreign = [n for n in names if not layout.is_own_name(n)]
    if not is_study and foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise NePSError(
            f"overwrite_root_directory=True refuses to delete {root}: it is not a neps_like "
            f"study (no {layout.study_file.name}) and holds other files ({shown}). Point "
            "root_directory at a study or a new directory."
        )
    live = live_workers(layout, live_within)
    if live:
        raise NePSError(
            f"overwrite_root_directory=True refuses to delete {root}: workers are running "
            f"on it ({', '.join(sorted(live))}; leases renewed within {live_within:g} s). "
            "Stop them first (or wait until their leases expire), or delete the directory "
            "by hand."
        )
    logger.info("Deleting the contents of %s (overwrite_root_directory=True)", root)
    with translate_os_errors("delete the study in", root), safe_paths.directory(root, root) as fd:
        # The journal and the study file first: a worker that looks now sees no study.
        first = [layout.study_file.name, layout.journal_dir.name]
        for name in [n for n in first if n in names] + [n for n in names if n not in first]:
            safe_paths.remove_at(fd, name)
