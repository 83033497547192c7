"""NePS's names for the fields of neps_like's records, read-only.

Custom optimizers and analysis code written against NePS read ``trial.metadata.id``,
``trial.metadata.state``, ``trial.metadata.location``, ``trial.metadata.time_end``,
``trial.report.reported_as`` and ``budget.cost_to_spend``. neps_like keeps the trial's id
and state on the trial and knows a folder's path only through the study directory, so
these are properties over hidden slots: ``Trial`` fills in its id and state when it is
built, the study's trial index (``TrialRepo``) the study directory. The slots are not
dataclass fields: they are neither compared nor serialised, so the journal is unchanged.

A record shared by two trials (``Trial.transition`` keeps the metadata object) is copied
before it is bound to the newer one, so an older trial keeps reporting its own state.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from neps_like.state.records import BudgetInfo, Trial, TrialState

ReportedAs = Literal["success", "failed", "crashed"]


class MetaDataNames:
    """NePS's ``MetaData`` names (a base of ``MetaData``)."""

    __slots__ = ("_neps_owner", "_neps_root")

    @property
    def id(self) -> str | None:
        """The trial's id (None for metadata not yet part of a trial)."""
        owner = getattr(self, "_neps_owner", None)
        return None if owner is None else owner[0]

    @property
    def state(self) -> TrialState | None:
        """The trial's state; NePS keeps it in the metadata, neps_like on the trial."""
        owner = getattr(self, "_neps_owner", None)
        return None if owner is None else owner[1]

    @property
    def location(self) -> str | None:
        """The trial's folder, or None when it has none (neps_like makes folders only
        for trials whose evaluation works with files) or the record is not read from a
        study."""
        root: Path | None = getattr(self, "_neps_root", None)
        trial_id = self.id
        if root is None or trial_id is None:
            return None
        from neps_like._errors import UnsafePathError
        from neps_like.state.layout import Layout

        try:
            path = Layout.at(root).trial_dir(trial_id)
        except UnsafePathError:
            return None
        return str(path) if path.is_dir() and not path.is_symlink() else None

    @property
    def time_end(self) -> float | None:
        """NePS's name of ``time_ended``."""
        return self.time_ended  # type: ignore[attr-defined, no-any-return]


class ReportNames:
    """NePS's ``Report.reported_as`` (a base of ``Report``)."""

    __slots__ = ("_neps_state",)

    @property
    def reported_as(self) -> ReportedAs | None:
        """``"success"``, ``"crashed"`` or ``"failed"`` (a pruned trial included) as
        NePS reports them; None for a report not yet part of a trial."""
        state = getattr(self, "_neps_state", None)
        if state is None:
            return None
        if state.value == "success":
            return "success"
        return "crashed" if state.value == "crashed" else "failed"


class BudgetInfoNames:
    """NePS's ``BudgetInfo`` names (a base of ``BudgetInfo``)."""

    __slots__ = ()

    @property
    def cost_to_spend(self) -> float | None:
        """NePS's name of ``max_cost_total``."""
        return self.max_cost_total  # type: ignore[attr-defined, no-any-return]

    @property
    def fidelities_to_spend(self) -> float | None:
        """NePS's name of ``max_fidelity_total``."""
        return self.max_fidelity_total  # type: ignore[attr-defined, no-any-return]

    def clone(self) -> BudgetInfo:
        """A copy, as NePS's ``BudgetInfo.clone()`` (records are frozen: an equal one)."""
        return dataclasses.replace(self)  # type: ignore[type-var, return-value]


def bind_trial(trial: Trial) -> None:
    """Give ``trial``'s metadata and report its id and state (``Trial.__post_init__``)."""
    meta, state = trial.metadata, trial.state
    bound = getattr(meta, "_neps_owner", None)
    if bound is None or bound[1] is not state or bound[0] != trial.id:
        if bound is not None:  # another trial's, or this one's in an older state: copy
            root = getattr(meta, "_neps_root", None)
            meta = dataclasses.replace(meta)
            if root is not None:
                object.__setattr__(meta, "_neps_root", root)
            object.__setattr__(trial, "metadata", meta)
        object.__setattr__(meta, "_neps_owner", (trial.id, state))
    report = trial.report
    if report is not None:
        reported = getattr(report, "_neps_state", None)
        if reported is not state:
            if reported is not None:
                report = dataclasses.replace(report)
                object.__setattr__(trial, "report", report)
            object.__setattr__(report, "_neps_state", state)


def bind_study(trial: Trial, root: Path) -> None:
    """Let ``trial.metadata.location`` find the trial's folder below ``root``."""
    object.__setattr__(trial.metadata, "_neps_root", root)
