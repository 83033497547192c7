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
from neps_like.state.neps_names import BudgetInfoNames, MetaDataNames, ReportNames, bind_trial

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
class Report(ReportNames):
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
        """Rebuild a report from ``to_dict``/``to_record`` output, checking every field.

        Raises:
            CorruptRecordError: a field has the wrong type (a record read from disk is
                untrusted: an objective stored as text must not reach the analysis).
        """
        if not isinstance(data, Mapping):
            raise CorruptRecordError(f"report is {type(data).__name__}, not an object")
        get = data.get
        objective = get("objective_to_minimize")
        if objective is not None and not _is_number(objective):
            if not isinstance(objective, list) or not objective:
                raise CorruptRecordError(f"objective_to_minimize is {objective!r}")
            for value in objective:
                if not _is_number(value):
                    raise CorruptRecordError(f"objective_to_minimize holds {value!r}")
        extra = get("extra")
        if extra is None:
            extra = {}
        elif not isinstance(extra, dict):
            raise CorruptRecordError(f"extra is {type(extra).__name__}, not an object")
        curve = get("learning_curve")
        if curve is not None and (
            not isinstance(curve, list) or not all(_is_number(v) for v in curve)
        ):
            raise CorruptRecordError("learning_curve is not a list of numbers")
        report = cls(
            objective,
            get("cost"),
            curve,
            extra,
            get("err"),
            get("tb"),
            get("evaluation_duration"),
        )
        _check_fields(data, _REPORT_TYPES, "report")
        return report

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
class MetaData(MetaDataNames):
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
        """Rebuild metadata, checking every field's type (unknown keys, written by a
        newer version, are ignored).

        Raises:
            CorruptRecordError: a field is missing or has the wrong type.
        """
        if not isinstance(data, Mapping):
            raise CorruptRecordError(f"metadata is {type(data).__name__}, not an object")
        try:
            meta = cls(**data)
        except TypeError:
            try:
                meta = cls(**{k: v for k, v in data.items() if k in _META_FIELD_SET})
            except TypeError as exc:
                raise CorruptRecordError(f"metadata: {exc}") from None
        _check_fields(data, _META_TYPES, "metadata")
        return meta


_NONE: type = type(None)
_NUM: frozenset[type] = frozenset({int, float})
_OPT_NUM: frozenset[type] = frozenset({int, float, _NONE})
_OPT_STR: frozenset[type] = frozenset({str, _NONE})
# Exact types of the fields, checked when a record is read back (``from_dict``): a
# record from disk is untrusted, and one wrong type would crash whatever reads it later.
# Exact types (what JSON and YAML decode to) also keep bool out of the numbers.
_META_TYPES: dict[str, frozenset[type]] = {
    "time_sampled": _NUM,
    "sampling_worker_id": frozenset({str}),
    "previous_trial_id": _OPT_STR,
    "evaluating_worker_id": _OPT_STR,
    "time_started": _OPT_NUM,
    "time_ended": _OPT_NUM,
    "attempt": frozenset({int}),
    "interrupted": frozenset({int}),
    "rung": frozenset({int, _NONE}),
    "origin": frozenset({str}),
}
_REPORT_TYPES: dict[str, frozenset[type]] = {
    "cost": _OPT_NUM,
    "err": _OPT_STR,
    "tb": _OPT_STR,
    "evaluation_duration": _OPT_NUM,
}
MAX_ID_CHARS = 64


def _is_number(value: Any) -> bool:
    return type(value) in _NUM


def _check_fields(data: Mapping[str, Any], table: dict[str, frozenset[type]], what: str) -> None:
    """One pass over the given fields (missing ones take their typed defaults)."""
    for name, value in data.items():
        kinds = table.get(name)
        if kinds is not None and type(value) not in kinds:
            raise CorruptRecordError(f"{what} field {name!r} is {value!r}")


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

    def __post_init__(self) -> None:
        bind_trial(self)  # NePS's names: trial.metadata.id / .state, report.reported_as

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
            if not isinstance(data, Mapping):
                raise CorruptRecordError(f"trial is {type(data).__name__}, not an object")
            version = data.get("v", 1)
            if version != RECORD_VERSION and int(version) > RECORD_VERSION:
                raise NewerFormatError(
                    f"Trial record version {version} is newer than this neps_like "
                    f"understands ({RECORD_VERSION}); upgrade neps_like."
                )
            trial_id = data["id"]
            if not isinstance(trial_id, str) or not 0 < len(trial_id) <= MAX_ID_CHARS:
                raise CorruptRecordError(f"id {trial_id!r} is not a short string")
            config = data["config"]
            if not isinstance(config, dict):
                raise CorruptRecordError(f"config is {type(config).__name__}, not an object")
            for name in config:
                if not isinstance(name, str):  # (a JSON object's keys always are)
                    raise CorruptRecordError(f"config key {name!r} is not a string")
            report = data.get("report")
            return cls(
                trial_id,
                dict(config),
                _STATE_OF[data["state"]],
                MetaData.from_dict(data["metadata"]),
                None if report is None else Report.from_dict(report),
            )
        except (KeyError, TypeError, ValueError, CorruptRecordError) as exc:
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
class BudgetInfo(BudgetInfoNames):
    """How much of the global budget is set and used, as the optimizer sees it."""

    max_evaluations: int | None = None
    used_evaluations: int = 0
    max_cost_total: float | None = None
    used_cost_budget: float = 0.0
    max_fidelity_total: float | None = None
    used_fidelity_budget: float = 0.0
