"""``run()``'s argument names across NePS releases, resolved to one canonical set.

NePS renamed its arguments several times; a script written for any release should run.
Each canonical name lists its older spellings. Giving two spellings of the same
argument with different values is an error naming both; an unknown name is an error
listing the accepted ones. Environment variables are read here, once, when settings are
built — never at import.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.runtime import argument_checks

ALIASES: dict[str, tuple[str, ...]] = {
    "evaluate_pipeline": ("run_pipeline", "evaluation_fn"),
    "root_directory": ("working_directory",),
    "evaluations_to_spend": ("total_evaluations_to_spend", "max_evaluations_total"),
    "cost_to_spend": ("total_cost_to_spend", "max_cost_total"),
    "fidelities_to_spend": ("total_fidelities_to_spend", "max_fidelities_total"),
    "worker_evaluations_to_spend": ("max_evaluations_per_run",),
    "overwrite_root_directory": ("overwrite_working_directory",),
    "optimizer": ("searcher",),
    "objective_value_on_error": ("loss_value_on_error",),
    "write_summary_to_disk": ("post_run_summary",),
    "max_wallclock_time_seconds": ("max_wallclock_time",),
}
_TO_CANONICAL = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


def canonicalise(given: Mapping[str, Any], accepted: set[str]) -> dict[str, Any]:
    """Map every given keyword to its canonical name, and check and normalise every
    value (``argument_checks``) before anything is written.

    Raises:
        ArgumentError: two spellings disagree, a name is unknown or a value is not
            accepted (the message names the argument and what was expected).
    """
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in given.items():
        name = _TO_CANONICAL.get(key, key)
        if name not in accepted:
            near = difflib.get_close_matches(key, [*accepted, *_TO_CANONICAL], n=1, cutoff=0.6)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ArgumentError(
                f"run() got an unknown argument {key!r}.{hint} Accepted: "
                f"{', '.join(sorted(accepted))} "
                f"(older NePS spellings: {', '.join(sorted(_TO_CANONICAL))})."
            )
        if name in out and out[name] != value:
            raise ArgumentError(
                f"run() got both {spelled[name]!r}={out[name]!r} and {key!r}={value!r}, which "
                f"are spellings of the same argument; pass only {name!r}."
            )
        out[name] = value
        spelled[name] = key
    return argument_checks.check_run_arguments(out)


def resolve_on_error(on_error: str | None, ignore_errors: bool | None) -> str:
    """Combine NePS's ``ignore_errors`` flag with our ``on_error`` policy."""
    if on_error is not None and on_error not in ("raise", "ignore", "retry"):
        raise ArgumentError(f"on_error must be 'raise', 'ignore' or 'retry', got {on_error!r}.")
    if ignore_errors is None:
        return on_error or "raise"
    implied = "ignore" if ignore_errors else "raise"
    if on_error is not None and on_error != implied and not (ignore_errors and on_error == "retry"):
        raise ArgumentError(
            f"ignore_errors={ignore_errors} conflicts with on_error={on_error!r}; pass one of them."
        )
    return on_error or implied


def positive(name: str, value: Any, *, integer: bool = False) -> Any:
    """Validate an optional positive budget (finite; numpy numbers accepted)."""
    if integer:
        return argument_checks.positive_int(name, value)
    return argument_checks.positive_number(name, value)


def environment_settings() -> dict[str, Any]:
    """Settings taken from the environment (documented in docs/parallel.md).

    ``NEPS_LIKE_SYNC``: ``fdatasync`` (default), ``fsync`` or ``none`` for journal appends.
    ``NEPS_LIKE_LOCK_STATS``: a file to which each lock hold time is appended (benchmarks).
    ``NEPS_LIKE_LOCK``: ``posix`` or ``lease`` to force the kind of state lock.
    """
    sync = os.environ.get("NEPS_LIKE_SYNC", "fdatasync")
    if sync not in ("fdatasync", "fsync", "none"):
        raise ArgumentError(f"NEPS_LIKE_SYNC must be fdatasync, fsync or none, got {sync!r}.")
    stats = os.environ.get("NEPS_LIKE_LOCK_STATS")
    lock = os.environ.get("NEPS_LIKE_LOCK") or None
    if lock not in (None, "posix", "lease"):
        raise ArgumentError(f"NEPS_LIKE_LOCK must be posix or lease, got {lock!r}.")
    return {"sync": sync, "lock_stats_path": Path(stats) if stats else None, "lock_kind": lock}
