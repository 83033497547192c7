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
from pathlib import Path
from typing import Any

import yaml

from neps_like._errors import CorruptRecordError, SpaceError, StudyMismatchError
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


# The files written once are the study's source, with the journal: nothing else holds
# what they say, so a damaged one cannot be rebuilt (``repair`` rebuilds the derived files).
SOURCE_HINT = (
    "It is a source file of the study (not rebuilt from the journal): restore it from a "
    "backup or copy of the study, or write it again by hand as it was."
)


def _damaged(path: Path, detail: str) -> CorruptRecordError:
    return CorruptRecordError(f"{path} is damaged: {detail}. {SOURCE_HINT}", path=path)


def read_source(path: Path) -> dict[str, Any]:
    """A study YAML file that must hold a mapping.

    Raises:
        CorruptRecordError: not valid YAML, empty or not a mapping (names the file).
        StorageError: the file cannot be read.
    """
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or type(exc).__name__
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise _damaged(path, f"not valid YAML ({problem}{where})") from None
    except UnicodeDecodeError:
        raise _damaged(path, "not UTF-8 text") from None
    if raw is None:
        raise _damaged(path, "it is empty")
    if not isinstance(raw, dict):
        raise _damaged(path, f"it holds a {type(raw).__name__}, not a mapping")
    return raw


def _field(path: Path, raw: dict[str, Any], name: str, kinds: tuple[type, ...], what: str) -> Any:
    value = raw.get(name)
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise _damaged(path, f"field {name!r} is {value!r}, expected {what}")
    return value


def read_study_info(layout: Layout) -> StudyInfo:
    """Read ``neps_like.yaml``.

    Raises:
        CorruptRecordError: the file is malformed (naming the field) or from a newer format.
    """
    path = layout.study_file
    raw = read_source(path)
    version = _field(path, raw, "format_version", (int,), "an integer")
    created = _field(path, raw, "created", (int, float), "a time in seconds")
    seed = _field(path, raw, "seed", (int,), "a non-negative integer")
    journal_id = _field(path, raw, "journal_id", (str,), "a string")
    if seed < 0 or not journal_id:
        raise _damaged(path, "field 'seed' is negative or 'journal_id' is empty")
    info = StudyInfo(version, float(created), seed, journal_id)
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
    on_disk = read_optimizer_info(layout)
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
    on_disk = read_search_space(layout)
    if given is not None and given != on_disk:
        raise StudyMismatchError(
            f"The search space differs from the one this study in {layout.root} was started "
            f"with: {on_disk.describe_difference(given)}. {_HOW_TO_PROCEED}",
            path=layout.search_space_file,
        )
    return on_disk


def read_optimizer_info(layout: Layout) -> OptimizerInfo:
    """``optimizer_info.yaml``, schema-checked.

    Raises:
        CorruptRecordError: naming the file and the field.
    """
    path = layout.optimizer_info_file
    raw = read_source(path)
    name = _field(path, raw, "name", (str,), "the optimizer's name")
    settings = raw.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise _damaged(path, f"field 'settings' is {settings!r}, expected a mapping")
    return OptimizerInfo(name=name, settings=dict(settings or {}))


def read_search_space(layout: Layout) -> SearchSpace:
    """``search_space.yaml``, schema-checked.

    Raises:
        CorruptRecordError: naming the file and the parameter and field at fault.
    """
    path = layout.search_space_file
    try:
        return SearchSpace.from_dict(read_source(path))
    except SpaceError as exc:
        raise _damaged(path, str(exc)) from None


def check_seed(layout: Layout, on_disk: int, given: int | None) -> None:
    if given is not None and given != on_disk:
        raise StudyMismatchError(
            f"seed={given} differs from the seed {on_disk} this study in {layout.root} was "
            f"started with. Omit seed (or pass {on_disk}) to continue it. {_HOW_TO_PROCEED}",
            path=layout.study_file,
        )
