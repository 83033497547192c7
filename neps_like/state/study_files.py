"""The files written once when a study is created, and the resume check against them.

``neps_like.yaml`` is written last: its presence means the study is complete. Creation
runs under the state lock, so when many workers start at once on a new (or existing but
empty) directory, one creates and the others load.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

from neps_like._errors import CorruptRecordError, StudyMismatchError
from neps_like.space import SearchSpace
from neps_like.state._fs import atomic_write_yaml, make_dirs, read_yaml
from neps_like.state.layout import FORMAT_VERSION, Layout
from neps_like.state.optimizer_info import OptimizerInfo


@dataclass(frozen=True, slots=True)
class StudyInfo:
    """Contents of ``neps_like.yaml``."""

    format_version: int
    created: float
    seed: int
    journal_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "created": self.created,
            "seed": self.seed,
            "journal_id": self.journal_id,
            "created_by": f"{socket.gethostname()}:{os.getpid()}",
        }


def new_seed() -> int:
    """A fresh 32-bit seed for a study whose user gave none (recorded on disk)."""
    return int.from_bytes(os.urandom(4), "little")


def write_study_files(
    layout: Layout,
    *,
    seed: int,
    optimizer_info: OptimizerInfo | None,
    space: SearchSpace | None,
) -> StudyInfo:
    """Create a study's fixed files; the caller holds the state lock."""
    make_dirs(layout.journal_dir)
    make_dirs(layout.trials_dir)
    make_dirs(layout.workers_dir)
    if optimizer_info is not None:
        atomic_write_yaml(layout.optimizer_info_file, optimizer_info.to_dict())
    if space is not None:
        atomic_write_yaml(layout.search_space_file, space.to_dict())
    info = StudyInfo(FORMAT_VERSION, time.time(), seed, uuid.uuid4().hex)
    atomic_write_yaml(layout.study_file, info.to_dict())
    return info


def read_study_info(layout: Layout) -> StudyInfo:
    """Read ``neps_like.yaml``.

    Raises:
        CorruptRecordError: the file is malformed or from a newer format.
    """
    raw = read_yaml(layout.study_file)
    try:
        version = int(raw["format_version"])
        info = StudyInfo(version, float(raw["created"]), int(raw["seed"]), str(raw["journal_id"]))
    except (TypeError, KeyError, ValueError) as exc:
        raise CorruptRecordError(
            f"{layout.study_file} is malformed ({exc!r}); it should hold format_version, "
            "created, seed and journal_id.",
            path=layout.study_file,
        ) from exc
    if version > FORMAT_VERSION:
        raise CorruptRecordError(
            f"{layout.study_file} has format version {version}, newer than this neps_like "
            f"supports ({FORMAT_VERSION}). Upgrade neps_like to continue this study.",
            path=layout.study_file,
        )
    return info


_HOW_TO_PROCEED = (
    "Use a new root_directory for a different study, pass the same settings as before to "
    "continue this one, or pass overwrite_root_directory=True to delete it and start over."
)


def check_optimizer_info(layout: Layout, given: OptimizerInfo | None) -> OptimizerInfo | None:
    """Return the info on disk, raising when it differs from ``given``; record ``given``
    when the study has none yet (it was created by an import, say)."""
    if not layout.optimizer_info_file.exists():
        if given is not None:
            atomic_write_yaml(layout.optimizer_info_file, given.to_dict())
        return given
    try:
        on_disk = OptimizerInfo.from_dict(read_yaml(layout.optimizer_info_file))
    except (TypeError, KeyError, AttributeError) as exc:
        raise CorruptRecordError(
            f"{layout.optimizer_info_file} is malformed: {exc!r}", path=layout.optimizer_info_file
        ) from exc
    if given is not None and given != on_disk:
        raise StudyMismatchError(
            f"The optimizer differs from the one this study in {layout.root} was started with: "
            f"{on_disk.describe_difference(given)}. {_HOW_TO_PROCEED}",
            path=layout.optimizer_info_file,
        )
    return on_disk


def check_search_space(layout: Layout, given: SearchSpace | None) -> SearchSpace | None:
    """Return the space on disk, raising when it differs from ``given``; record ``given``
    when the study has none yet."""
    if not layout.search_space_file.exists():
        if given is not None:
            atomic_write_yaml(layout.search_space_file, given.to_dict())
        return given
    on_disk = SearchSpace.from_dict(read_yaml(layout.search_space_file))
    if given is not None and given != on_disk:
        raise StudyMismatchError(
            f"The search space differs from the one this study in {layout.root} was started "
            f"with: {on_disk.describe_difference(given)}. {_HOW_TO_PROCEED}",
            path=layout.search_space_file,
        )
    return on_disk


def check_seed(layout: Layout, on_disk: int, given: int | None) -> None:
    if given is not None and given != on_disk:
        raise StudyMismatchError(
            f"seed={given} differs from the seed {on_disk} this study in {layout.root} was "
            f"started with. Omit seed (or pass {on_disk}) to continue it. {_HOW_TO_PROCEED}",
            path=layout.study_file,
        )
