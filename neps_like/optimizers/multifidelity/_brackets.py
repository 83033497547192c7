"""Rung bookkeeping shared by the multi-fidelity optimizers, rebuilt from trial records.

This module owns three things: the rung schedule (which fidelity value each rung
evaluates at), the classification of a trial's outcome (finished with a score, finished
with the worst score, or still in flight) and the ``History`` view of a study (which
trial sits at which rung, which lineage it belongs to, which trials were promoted).

Every ``ask`` rebuilds ``History`` from the trials it is given, so any worker can take
over and a crash loses nothing; the only thing kept between calls is an optional memo
of what was read from each (frozen) trial object, which saves time under the state
lock and cannot change a result. No I/O; must not import the storage modules.

Rules (DESIGN.md §3): a trial's rung is ``metadata.rung`` (set from the optimizer's
``SampledConfig.rung``); a trial that has no rung but whose fidelity equals a rung's
value is placed at that rung; anything else (e.g. an imported trial at an odd
fidelity) only counts for duplicate detection. A trial is *promoted* exactly when its
id is some other trial's ``previous_trial_id``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from neps_like._errors import OptimizerError
from neps_like.state.records import MetaData, SampledConfig, Trial, TrialState

WORST = math.inf

_IN_FLIGHT = frozenset(
    {TrialState.PENDING, TrialState.EVALUATING, TrialState.CRASHED, TrialState.PAUSED}
)


class FidelitySpace(Protocol):
    """The part of ``neps_like.space.SearchSpace`` these optimizers use."""

    @property
    def fidelity_name(self) -> str | None: ...

    @property
    def fidelity(self) -> Any: ...

    @property
    def has_priors(self) -> bool: ...

    @property
    def searchables(self) -> Mapping[str, Any]: ...

    def sample(
        self, rng: np.random.Generator, *, use_priors: bool = False, fidelity: Any = "max"
    ) -> dict[str, Any]: ...

    def prior_config(self) -> dict[str, Any]: ...

    def config_key(
        self, config: Mapping[str, Any], *, include_fidelity: bool = True
    ) -> Hashable: ...


@dataclass(frozen=True, slots=True)
class RungSchedule:
    """Fidelity value per rung: ``upper * eta**-(max_rung - r)``, geometric like Hyperband.

    ``max_rung = floor(log_eta(upper / lower))`` so rung 0 is the smallest value not
    below ``lower`` and the top rung is ``upper``. Integer fidelities are rounded.
    """

    fidelity_name: str
    values: tuple[float, ...]
    integer: bool = False

    @classmethod
    def from_space(cls, space: FidelitySpace, eta: int) -> RungSchedule:
        name = space.fidelity_name
        if name is None:
            raise OptimizerError(
                "Multi-fidelity optimizers need a fidelity parameter: mark one Integer or "
                "Float with is_fidelity=True, or choose a single-fidelity optimizer "
                "such as 'random_search' or 'bayesian_optimization'."
            )
        fid = space.fidelity
        lower, upper = float(fid.lower), float(fid.upper)
        if not 0 < lower < upper:
            raise OptimizerError(
                f"Fidelity {name!r} must have 0 < lower < upper to build rungs "
                f"(got lower={fid.lower}, upper={fid.upper}); shift its range to start above 0."
            )
        # The epsilon keeps e.g. log_3(81) == 4 from becoming 3.9999.
        max_rung = math.floor(math.log(upper / lower) / math.log(eta) + 1e-9)
        raw = [upper * float(eta) ** -(max_rung - r) for r in range(max_rung + 1)]
        is_int = isinstance(fid.lower, int) and isinstance(fid.upper, int)
        values = [float(max(lower, min(upper, round(v)))) if is_int else v for v in raw]
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise OptimizerError(f"Fidelity {name!r} is too narrow for eta={eta}: {values}.")
        return cls(name, tuple(values), is_int)

    @property
    def max_rung(self) -> int:
        return len(self.values) - 1

    def value(self, rung: int) -> int | float:
        """The fidelity of ``rung``, as an int when the space's fidelity is an Integer."""
        v = self.values[rung]
        return int(v) if self.integer else v

    def rung_of(self, fidelity_value: Any) -> int | None:
        try:
            v = float(fidelity_value)
        except (TypeError, ValueError):
            return None
        for r, rv in enumerate(self.values):
            if math.isclose(v, rv, rel_tol=1e-9):
                return r
        return None


def outcome(trial: Trial) -> float | None:
    """The score a trial counts with: its objective, ``WORST`` if it ended badly, or
    ``None`` while it may still run (pending, evaluating, crashed-and-requeued, paused).

    FAILED, INVALID, DUPLICATE and PRUNED-without-result count as finished with the worst
    score, so a rung waiting for them completes. A multi-objective report uses its first
    objective.
    """
    if trial.state in _IN_FLIGHT:
        return None
    report = trial.report
    if trial.state is TrialState.FAILED or report is None or not report.is_usable:
        return WORST
    objs = report.objectives
    return float(objs[0]) if objs else WORST


@dataclass(frozen=True, slots=True)
class Entry:
    """One trial as the rung bookkeeping sees it."""

    trial: Trial
    root: str
    rung: int
    score: float | None
    order: tuple[int, int, str]  # ``id_order(trial.id)``, kept to sort cheaply

    @property
    def done(self) -> bool:
        return self.score is not None


def id_order(trial_id: str) -> tuple[int, int, str]:
    """Sort key giving creation order for repository ids (``"2" < "10" < "10_1"``)."""
    head, _, tail = trial_id.partition("_")
    if head.isdigit():
        return (0, int(head), tail.zfill(8))
    return (1, 0, trial_id)


def rank(entries: Iterable[Entry]) -> list[Entry]:
    """Finished entries with a finite score, best first; ties broken by creation order."""
    usable = [e for e in entries if e.score is not None and math.isfinite(e.score)]
    return sorted(usable, key=lambda e: (e.score, e.order))


@dataclass(slots=True)
class History:
    """Where every trial of a study stands, rebuilt from the records on each call."""

    by_rung: dict[int, list[Entry]] = field(default_factory=dict)
    at: dict[tuple[str, int], Entry] = field(default_factory=dict)
    roots: list[Entry] = field(default_factory=list)  # lineage starts, creation order
    promoted: set[str] = field(default_factory=set)
    keys: set[Hashable] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        trials: Mapping[str, Trial],
        schedule: RungSchedule,
        key: Callable[[Trial], Hashable],
        memo: Memo | None = None,
    ) -> History:
        """Read ``trials``. ``memo`` (optional, owned by the caller) remembers what was
        read from each trial *object*; records are frozen, so a trial that is the very
        same object as last time reads the same and the memo never changes a result."""
        hist = cls()
        memo = {} if memo is None else memo
        for tid, trial in trials.items():
            hit = memo.get(tid)
            if hit is not None and hit[0] is trial:
                _, k, entry = hit
            else:
                k, entry = key(trial), _entry(trial, trials, schedule)
                memo[tid] = (trial, k, entry)
            hist.keys.add(k)
            prev = trial.metadata.previous_trial_id
            if prev is not None:
                hist.promoted.add(prev)
            if entry is None:
                continue
            hist.by_rung.setdefault(entry.rung, []).append(entry)
            hist.at.setdefault((entry.root, entry.rung), entry)
            if prev is None:
                hist.roots.append(entry)
        hist.roots.sort(key=lambda e: e.order)
        return hist

    def rung(self, r: int) -> list[Entry]:
        return self.by_rung.get(r, [])

    def incumbent(self) -> Entry | None:
        """The best finished trial at the highest rung that has a finite score."""
        for r in sorted(self.by_rung, reverse=True):
            ranked = rank(self.by_rung[r])
            if ranked:
                return ranked[0]
        return None


Memo = dict[str, tuple[Trial, Hashable, "Entry | None"]]


def _entry(trial: Trial, trials: Mapping[str, Trial], schedule: RungSchedule) -> Entry | None:
    """The trial's place in the rungs, or None when it sits at no rung's fidelity."""
    rung = trial.metadata.rung
    if rung is None:
        rung = schedule.rung_of(trial.config.get(schedule.fidelity_name))
    if rung is None or not 0 <= rung <= schedule.max_rung:
        return None
    return Entry(trial, _root_of(trial, trials), rung, outcome(trial), id_order(trial.id))


def _root_of(trial: Trial, trials: Mapping[str, Trial]) -> str:
    """The first id of a trial's lineage, following ``previous_trial_id`` links."""
    seen: set[str] = set()
    cur = trial
    while cur.metadata.previous_trial_id is not None and cur.id not in seen:
        seen.add(cur.id)
        prev = trials.get(cur.metadata.previous_trial_id)
        if prev is None:  # parent not given to us: the id still names the lineage
            return cur.metadata.previous_trial_id.partition("_")[0]
        cur = prev
    return cur.id


def promotion(parent: Entry, schedule: RungSchedule) -> SampledConfig:
    """Continue ``parent`` one rung up: same config, next fidelity, linked to its trial."""
    name = schedule.fidelity_name
    config = dict(parent.trial.config)
    config[name] = schedule.value(parent.rung + 1)
    return SampledConfig(config, previous_trial_id=parent.trial.id, rung=parent.rung + 1)


def with_proposal(trials: Mapping[str, Trial], sampled: SampledConfig) -> dict[str, Trial]:
    """``trials`` plus ``sampled`` as a PENDING trial with the id the repository would give.

    Used to propose several configs in one call: each later proposal sees the earlier
    ones in flight, exactly as if they had been committed one by one.
    """
    prev = sampled.previous_trial_id
    if prev is None:
        heads = [int(t.partition("_")[0]) for t in trials if t.partition("_")[0].isdigit()]
        new_id = str(max(heads, default=0) + 1)
    else:
        new_id = f"{prev.partition('_')[0]}_{sampled.rung}"
    meta = MetaData(
        time_sampled=0.0, sampling_worker_id="proposal", previous_trial_id=prev, rung=sampled.rung
    )
    out = dict(trials)
    out[new_id] = Trial(new_id, dict(sampled.config), TrialState.PENDING, meta)
    return out
