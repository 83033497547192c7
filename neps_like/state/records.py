"""Trial records: the states a trial moves through and the data it carries.

Records are frozen dataclasses; every update builds a new record with
``dataclasses.replace``. Each record converts to and from plain JSON-able dicts
(``to_dict`` / ``from_dict``), which is what the journal stores: no pickle.
This module does no I/O.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from neps_like._errors import CorruptRecordError, IllegalTransitionError, NewerFormatError

RECORD_VERSION = 1


class TrialState(str, Enum):
    """Where a trial is in its life.

    ``PENDING`` → ``EVALUATING`` → one of the final states, with two ways back:
    a ``CRASHED`` or ``PAUSED`` trial is re-queued as ``PENDING`` for a new attempt.
    ``INVALID`` and ``DUPLICATE`` are decided at sampling time and never evaluated.
    """

    PENDING = "pending"
    EVALUATING = "evaluating"
    SUCCESS = "success"
    FAILED = "failed"
    CRASHED = "crashed"
    PRUNED = "pruned"
    PAUSED = "paused"
    INVALID = "invalid"
    DUPLICATE = "duplicate"

    @property
    def is_final(self) -> bool:
        """True when no transition leaves this state."""
        return not _TRANSITIONS[self]

    @property
    def is_evaluated(self) -> bool:
        """True when an evaluation finished and produced a report (good or bad)."""
        return self in (TrialState.SUCCESS, TrialState.FAILED, TrialState.PRUNED)

    def can_become(self, new: TrialState) -> bool:
        """Whether the transition table allows ``self -> new``."""
        return new in _TRANSITIONS[self]


_S = TrialState
_STATE_OF: dict[str, TrialState] = {state.value: state for state in TrialState}
_TRANSITIONS: dict[TrialState, frozenset[TrialState]] = {
    _S.PENDING: frozenset({_S.EVALUATING, _S.PRUNED, _S.FAILED, _S.PAUSED}),
    _S.EVALUATING: frozenset({_S.SUCCESS, _S.FAILED, _S.CRASHED, _S.PRUNED, _S.PAUSED}),
    _S.CRASHED: frozenset({_S.PENDING, _S.FAILED}),
    _S.PAUSED: frozenset({_S.PENDING, _S.PRUNED}),
    _S.SUCCESS: frozenset(),
    _S.FAILED: frozenset(),
    _S.PRUNED: frozenset(),
    _S.INVALID: frozenset(),
    _S.DUPLICATE: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one evaluation.

    ``objective_to_minimize`` is a float, a list of floats (several objectives) or
    ``None`` for a failed evaluation without a substitute value. ``extra`` keeps every
    key of the user's result dict that neps_like does not interpret itself.
    """

    objective_to_minimize: float | list[float] | None
    cost: float | None = None
    learning_curve: list[float] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    err: str | None = None
    tb: str | None = None
    evaluation_duration: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective_to_minimize": self.objective_to_minimize,
            "cost": self.cost,
            "learning_curve": self.learning_curve,
            "extra": dict(self.extra),
            "err": self.err,
            "tb": self.tb,
            "evaluation_duration": self.evaluation_duration,
        }

    def to_record(self) -> dict[str, Any]:
        """``to_dict`` without the fields left at their defaults (the journal's form)."""
        out: dict[str, Any] = {"objective_to_minimize": self.objective_to_minimize}
        for name, value in (
            ("cost", self.cost),
            ("learning_curve", self.learning_curve),
            ("extra", dict(self.extra) if self.extra else None),
            ("err", self.err),
            ("tb", self.tb),
            ("evaluation_duration", self.evaluation_duration),
        ):
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        get = data.get
        return cls(
            get("objective_to_minimize"),
            get("cost"),
            get("learning_curve"),
            dict(get("extra") or {}),
            get("err"),
            get("tb"),
            get("evaluation_duration"),
        )

    @property
    def objectives(self) -> list[float] | None:
        """The objective(s) as a list, or None when there is none."""
        obj = self.objective_to_minimize
        if obj is None:
            return None
        return list(obj) if isinstance(obj, Sequence) else [float(obj)]

    @property
    def is_usable(self) -> bool:
        """True when every objective is a finite number."""
        objs = self.objectives
        return objs is not None and all(math.isfinite(v) for v in objs)


@dataclass(frozen=True, slots=True)
class MetaData:
    """Bookkeeping about a trial: who sampled and evaluated it, when, which attempt."""

    time_sampled: float
    sampling_worker_id: str
    previous_trial_id: str | None = None
    evaluating_worker_id: str | None = None
    time_started: float | None = None
    time_ended: float | None = None
    attempt: int = 0
    interrupted: int = 0  # attempts ended by a stop signal (preemption): not retries
    rung: int | None = None
    origin: str = "sampled"  # "sampled", "imported" or "enqueued"

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _META_FIELDS}

    def to_record(self) -> dict[str, Any]:
        """``to_dict`` without the fields left at their defaults (the journal's form)."""
        out = {"time_sampled": self.time_sampled, "sampling_worker_id": self.sampling_worker_id}
        for name, default in _META_DEFAULTS:
            value = getattr(self, name)
            if value != default:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetaData:
        try:
            return cls(**data)
        except TypeError:  # unknown keys (written by a newer version) are ignored
            return cls(**{k: v for k, v in data.items() if k in _META_FIELD_SET})


_META_FIELDS = tuple(f.name for f in dataclasses.fields(MetaData))
_META_FIELD_SET = frozenset(_META_FIELDS)
_META_DEFAULTS = tuple(
    (f.name, f.default)
    for f in dataclasses.fields(MetaData)
    if f.default is not dataclasses.MISSING
)


@dataclass(frozen=True, slots=True)
class Trial:
    """One configuration and everything known about its evaluation.

    ``config`` uses the search space's flat, dotted parameter names.
    """

    id: str
    config: Mapping[str, Any]
    state: TrialState
    metadata: MetaData
    report: Report | None = None

    def transition(self, new: TrialState, **changes: Any) -> Trial:
        """Return a copy in state ``new`` after checking the transition table.

        Raises:
            IllegalTransitionError: if the table does not allow the move.
        """
        if not self.state.can_become(new):
            raise IllegalTransitionError(
                f"Trial {self.id!r} cannot go from {self.state.value} to {new.value}.",
                trial_id=self.id,
            )
        return dataclasses.replace(self, state=new, **changes)

    def with_metadata(self, **changes: Any) -> Trial:
        """Return a copy whose metadata has ``changes`` applied."""
        return dataclasses.replace(self, metadata=dataclasses.replace(self.metadata, **changes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": RECORD_VERSION,
            "id": self.id,
            "config": dict(self.config),
            "state": self.state.value,
            "metadata": self.metadata.to_dict(),
            "report": None if self.report is None else self.report.to_dict(),
        }

    def to_record(self, *, key: str | None = None) -> dict[str, Any]:
        """The compact form the journal and snapshots store: ``to_dict`` without the
        fields left at their defaults (``from_dict`` reads both forms). ``key``: the
        config's duplicate key, stored with the first record of a trial (see
        ``TrialRepo.key``)."""
        out: dict[str, Any] = {  # this key order lets readers skim id, state and key
            "v": RECORD_VERSION,
            "id": self.id,
            "state": self.state.value,
        }
        if key is not None:
            out["key"] = key
        out["config"] = dict(self.config)
        out["metadata"] = self.metadata.to_record()
        if self.report is not None:
            out["report"] = self.report.to_record()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trial:
        """Rebuild a trial from ``to_dict`` output.

        Raises:
            CorruptRecordError: when a field is missing or has the wrong form.
        """
        try:
            version = data.get("v", 1)
            if version != RECORD_VERSION and int(version) > RECORD_VERSION:
                raise NewerFormatError(
                    f"Trial record version {version} is newer than this neps_like "
                    f"understands ({RECORD_VERSION}); upgrade neps_like."
                )
            report = data.get("report")
            return cls(
                str(data["id"]),
                dict(data["config"]),
                _STATE_OF[data["state"]],
                MetaData.from_dict(data["metadata"]),
                None if report is None else Report.from_dict(report),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, CorruptRecordError):
                raise
            raise CorruptRecordError(f"Malformed trial record: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class SampledConfig:
    """What an optimizer proposes: a config, and for a continuation the trial it extends.

    The trial id is not chosen by the optimizer: the repository assigns it under the
    lock. A continuation (``previous_trial_id`` set, e.g. a multi-fidelity promotion
    to ``rung``) gets the id ``"<base>_<rung>"`` where ``<base>`` is the first id of
    its lineage.
    """

    config: Mapping[str, Any]
    previous_trial_id: str | None = None
    rung: int | None = None


@dataclass(frozen=True, slots=True)
class BudgetInfo:
    """How much of the global budget is set and used, as the optimizer sees it."""

    max_evaluations: int | None = None
    used_evaluations: int = 0
    max_cost_total: float | None = None
    used_cost_budget: float = 0.0
    max_fidelity_total: float | None = None
    used_fidelity_budget: float = 0.0
