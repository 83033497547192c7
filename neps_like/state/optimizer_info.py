"""What is persisted about the optimizer: its identity (checked on resume) and its state.

``OptimizerInfo`` is written once to ``optimizer_info.yaml``. ``OptimizationState`` holds
the budget the study was started with and any shared state an optimizer keeps; its
changes are journal records and ``optimizer_state.json`` is its latest snapshot.
Randomness needs no persisted state: proposals derive their generator from
``(seed, proposal number)``, and the seed lives in ``neps_like.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from neps_like._errors import CorruptRecordError
from neps_like.state.records import BudgetInfo


@dataclass(frozen=True, slots=True)
class OptimizerInfo:
    """The optimizer's name and settings."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "settings": dict(self.settings)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OptimizerInfo:
        return cls(name=str(data["name"]), settings=dict(data.get("settings") or {}))

    def describe_difference(self, other: OptimizerInfo) -> str:
        """Human-readable list of what differs between two infos."""
        parts = []
        if self.name != other.name:
            parts.append(f"name: {self.name!r} on disk, {other.name!r} given")
        keys = sorted(set(self.settings) | set(other.settings))
        for key in keys:
            mine, theirs = self.settings.get(key, "<unset>"), other.settings.get(key, "<unset>")
            if mine != theirs:
                parts.append(f"setting {key!r}: {mine!r} on disk, {theirs!r} given")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class OptimizationState:
    """Shared optimizer state: the budget in force and the optimizer's own data."""

    budget: BudgetInfo | None = None
    shared_state: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        budget = None
        if self.budget is not None:
            b = self.budget
            budget = {
                "max_evaluations": b.max_evaluations,
                "max_cost_total": b.max_cost_total,
                "max_fidelity_total": b.max_fidelity_total,
            }
        return {"budget": budget, "shared_state": dict(self.shared_state)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OptimizationState:
        """Rebuild from ``to_dict`` output, checking types (it is read from the journal).

        Raises:
            CorruptRecordError: a field has the wrong type.
        """
        raw = data.get("budget")
        shared = data.get("shared_state")
        if not isinstance(raw, dict | None) or not isinstance(shared, dict | None):
            raise CorruptRecordError("optimizer state: budget or shared_state is not an object")
        budget = None
        if raw is not None:
            for name in _BUDGET_FIELDS:
                value = raw.get(name)
                if not isinstance(value, int | float | None) or isinstance(value, bool):
                    raise CorruptRecordError(f"optimizer state: budget {name} is {value!r}")
            budget = BudgetInfo(
                max_evaluations=raw.get("max_evaluations"),
                max_cost_total=raw.get("max_cost_total"),
                max_fidelity_total=raw.get("max_fidelity_total"),
            )
        return cls(budget=budget, shared_state=dict(shared or {}))


_BUDGET_FIELDS = ("max_evaluations", "max_cost_total", "max_fidelity_total")
