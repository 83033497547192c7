"""Every exception neps_like raises on purpose.

The tree::

    NepsLikeError
    ├── SpaceError (ValueError)              an invalid search space or parameter
    │   └── ConfigError                      a config that does not fit the space
    ├── NePSError                            the study on disk disagrees with the caller
    │   └── StudyMismatchError               optimizer info or space differs on resume
    ├── StateError                           a broken rule of the state layer
    │   ├── IllegalTransitionError           e.g. SUCCESS -> EVALUATING
    │   ├── TrialNotFoundError (KeyError)
    │   ├── TrialAlreadyExistsError (FileExistsError)
    │   ├── StaleTrialError                  a report from an attempt that was taken over
    │   └── StudyReplacedError               the study was rewound or replaced under a worker
    ├── StorageError (OSError)               the file system refused (ENOSPC, EROFS, ...)
    │   ├── LockLostError                    the state lock was lost while held: nothing written
    │   └── UnsafePathError                  a link, or a name that would leave the study: refused
    ├── CorruptRecordError                   a journal or record file that cannot be parsed
    │   └── NewerFormatError                 written by a newer neps_like: upgrade
    ├── LockTimeout (TimeoutError)           the state lock was not acquired in time
    ├── ArgumentError (TypeError)            conflicting or unknown arguments to ``run``
    ├── NotSupportedError (NotImplementedError)  a NePS feature neps_like does not offer
    ├── OptimizerError                       unknown optimizer or bad optimizer settings
    │   └── SamplingExhausted (StopIteration-like end of sampling)
    └── EvaluationError                      the user's result could not be understood

Each leaf also inherits the builtin a caller would naturally catch, carries structured
fields and survives pickling (it is re-raised from ``__reduce__`` arguments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class NepsLikeError(Exception):
    """Base class of every error raised by neps_like on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only structured fields would be lost by the default reduce,
        # which only replays ``self.args``; keep them so errors cross processes.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[NepsLikeError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class SpaceError(NepsLikeError, ValueError):
    """The search space or one of its parameters is invalid."""


class ConfigError(SpaceError):
    """A configuration does not fit the search space."""


class NePSError(NepsLikeError):
    """The study on disk cannot be used as asked (name kept from NePS)."""


class StudyMismatchError(NePSError):
    """The optimizer info or search space on disk differs from the one given."""

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)


class StateError(NepsLikeError):
    """A rule of the state layer was broken."""


class IllegalTransitionError(StateError, ValueError):
    """A trial was asked to move between two states the transition table forbids."""

    def __init__(self, message: str, *, trial_id: str | None = None) -> None:
        super().__init__(message)
        self.trial_id = trial_id


class TrialNotFoundError(StateError, KeyError):
    """No trial with this id exists in the study."""

    def __init__(self, trial_id: str, *, root: Path | str | None = None) -> None:
        where = f" in {root}" if root is not None else ""
        super().__init__(f"No trial with id {trial_id!r}{where}.")
        self.trial_id = trial_id
        self.root = None if root is None else str(root)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class TrialAlreadyExistsError(StateError, FileExistsError):
    """A trial with this id already exists."""

    def __init__(self, trial_id: str) -> None:
        super().__init__(f"A trial with id {trial_id!r} already exists.")
        self.trial_id = trial_id


class StaleTrialError(StateError):
    """A report arrived for an attempt that is no longer the trial's current one."""

    def __init__(self, message: str, *, trial_id: str | None = None) -> None:
        super().__init__(message)
        self.trial_id = trial_id


class StudyReplacedError(StateError):
    """The study changed identity under a running worker: it was rewound, or deleted and
    created again (``overwrite_root_directory``). The worker's claimed trial and view
    belong to the old study; it must stop, not carry on in the new one."""

    def __init__(self, message: str, *, root: Path | str | None = None) -> None:
        super().__init__(message)
        self.root = None if root is None else str(root)


class StorageError(NepsLikeError, OSError):
    """Reading or writing the study directory failed at the operating-system level."""

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)

    def __str__(self) -> str:  # OSError's own __str__ would hide the message
        return str(self.args[0])


class LockLostError(StorageError):
    """The journal grew while this process held the state lock, so the lock was lost
    (an NFS client silent for longer than the server's lock lease loses its locks
    without being told). Nothing was written; the operation may be retried."""


class UnsafePathError(StorageError):
    """A path inside the study was refused: a symbolic link where a file or folder of the
    study belongs, a name that is not a valid trial or worker id, or a path outside the
    study's directory. Nothing was read, written or removed through it."""


class CorruptRecordError(NepsLikeError, ValueError):
    """A record file or journal line cannot be parsed."""

    def __init__(
        self, message: str, *, path: Path | str | None = None, offset: int | None = None
    ) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.offset = offset


class NewerFormatError(CorruptRecordError):
    """A record was written by a newer neps_like than this one: upgrade to read it."""


class LockTimeout(NepsLikeError, TimeoutError):
    """The state lock could not be acquired within the allowed time."""

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)


class ArgumentError(NepsLikeError, TypeError):
    """Arguments to a public function conflict, are unknown or have the wrong type."""


class NotSupportedError(NepsLikeError, NotImplementedError):
    """A NePS feature neps_like does not offer; the message says what to do instead."""


class OptimizerError(NepsLikeError, ValueError):
    """An optimizer name, setting or proposal is invalid."""


class SamplingExhausted(OptimizerError):
    """The optimizer cannot propose anything new (finite space exhausted, too many rejects)."""


class EvaluationError(NepsLikeError, ValueError):
    """The evaluation's result could not be understood."""
