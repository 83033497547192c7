"""Human-readable differences between two spaces, for the resume-mismatch error.

Owns the wording. Works on the spaces' ``to_dict`` forms so it reports exactly the
fields that decide equality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

_UNSET = "<unset>"


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*old, *new]))
    return [
        f"{key} {old.get(key, _UNSET)!r} -> {new.get(key, _UNSET)!r}"
        for key in keys
        if old.get(key, _UNSET) != new.get(key, _UNSET)
        or type(old.get(key)) is not type(new.get(key))
    ]


def describe_difference(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> str:
    """One line per parameter removed, added or changed (field by field), plus a line
    if only the order differs; "no differences" when the spaces are equal."""
    lines = [
        f"- parameter {name!r} removed (was {spec})"
        for name, spec in old.items()
        if name not in new
    ]
    lines += [
        f"+ parameter {name!r} added: {spec}" for name, spec in new.items() if name not in old
    ]
    for name, spec in old.items():
        if name in new:
            changes = _field_changes(spec, new[name])
            if changes:
                lines.append(f"~ parameter {name!r} changed: " + "; ".join(changes))
    if not lines and list(old) != list(new):
        lines.append(f"~ parameter order changed: {list(old)} -> {list(new)}")
    return "\n".join(lines) if lines else "no differences"
