"""Checking and normalising ``run()``'s values before anything reaches the disk.

Every value that ends up in a study file (the seed in ``neps_like.yaml``) or in a journal
record (the objective and cost recorded for a failed trial, the worker id) is checked
here, once, before the study directory is created or opened: a bad value is an
``ArgumentError`` naming the argument, the value and what was expected, and leaves the
directory as it was. Values are normalised on the way (numpy scalars become Python
ones), so what is written is always plain data that reads back the same.

Called by ``arguments.canonicalise``, so it applies however ``run()`` spells its
arguments.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.state.layout import is_valid_worker_id

# Seeds are recorded in YAML and fed to numpy's generators: a non-negative int of at
# most 64 bits is what both handle everywhere.
MAX_SEED = 2**64 - 1


def _fail(name: str, expected: str, value: Any) -> ArgumentError:
    return ArgumentError(f"run(): {name} must be {expected}, got {value!r}.")


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy's too


def _is_int(value: Any) -> bool:
    """An integer that is not a bool (numpy integers register as ``Integral``)."""
    return not _is_bool(value) and isinstance(value, Integral)


def _is_real(value: Any) -> bool:
    return not _is_bool(value) and isinstance(value, Real)


def positive_int(name: str, value: Any) -> int | None:
    """None, or a positive integer (numpy integers accepted) as a Python int."""
    if value is None:
        return None
    if not _is_int(value) or int(value) <= 0:
        raise _fail(name, "a positive integer or None", value)
    return int(value)


def non_negative_int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or int(value) < 0:
        raise _fail(name, "a non-negative integer or None", value)
    return int(value)


def positive_number(name: str, value: Any) -> float | int | None:
    """None, or a finite positive number (numpy numbers accepted) as a Python number."""
    if value is None:
        return None
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) <= 0:
        raise _fail(name, "a finite positive number or None", value)
    return int(value) if _is_int(value) else float(value)


def finite_number(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if not _is_real(value) or not math.isfinite(float(value)):
        raise _fail(name, "a finite number or None", value)
    return float(value)


def objective_on_error(name: str, value: Any) -> float | list[float] | None:
    """None, a finite number, or a non-empty list of them (one per objective)."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if not value or not all(_is_real(v) and math.isfinite(float(v)) for v in value):
            raise _fail(name, "a finite number, a non-empty list of finite numbers or None", value)
        return [float(v) for v in value]
    if hasattr(value, "tolist") and not _is_real(value):  # a numpy array
        return objective_on_error(name, value.tolist())
    return finite_number(name, value)


def retries(name: str, value: Any) -> int:
    if not _is_int(value) or int(value) < 0:
        raise _fail(name, "a non-negative integer", value)
    return int(value)


def flag(name: str, value: Any) -> bool | None:
    """None, or a bool (numpy's too; 0 and 1 are accepted as the bools they stand for)."""
    if value is None:
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if _is_int(value) and int(value) in (0, 1):
        return bool(value)
    raise _fail(name, "True or False", value)


def seed(name: str, value: Any) -> int | None:
    checked = non_negative_int(name, value)
    if checked is not None and checked > MAX_SEED:
        raise _fail(name, "a non-negative integer below 2**64", value)
    return checked


def worker_id(name: str, value: Any) -> str | None:
    """None, or a name that is safe as one file name on one line (it names a lease file
    and appears in log lines and records)."""
    if value is None:
        return None
    if not isinstance(value, str) or not is_valid_worker_id(value) or value.endswith("\n"):
        raise _fail(
            name,
            "None or a string of 1-128 letters, digits and '._@+-' starting with a letter or digit",
            value,
        )
    return value


def directory(name: str, value: Any) -> Any:
    if value is None:  # the default directory
        return None
    if not isinstance(value, str | os.PathLike) or isinstance(value, bytes):
        raise _fail(name, "a path (str or os.PathLike)", value)
    text = os.fspath(value)
    if not isinstance(text, str) or "\x00" in text:
        raise _fail(name, "a path (str or os.PathLike) without NUL bytes", value)
    return value


def script(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str | os.PathLike) and not isinstance(value, bytes):
        return value
    if (
        isinstance(value, Sequence)
        and value
        and all(isinstance(v, str | os.PathLike) and not isinstance(v, bytes) for v in value)
    ):
        return value
    raise _fail(name, "None, a path or a non-empty list of strings (argv)", value)


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "root_directory": directory,
    "evaluations_to_spend": positive_int,
    "worker_evaluations_to_spend": positive_int,
    "sample_batch_size": positive_int,
    "cost_to_spend": positive_number,
    "fidelities_to_spend": positive_number,
    "worker_cost_to_spend": positive_number,
    "worker_fidelities_to_spend": positive_number,
    "live_plots": flag,
    "max_wallclock_time_seconds": positive_number,
    "lease_grace_seconds": positive_number,
    "heartbeat_seconds": positive_number,
    "script_timeout_seconds": positive_number,
    "max_retries": retries,
    "seed": seed,
    "objective_value_on_error": objective_on_error,
    "cost_value_on_error": finite_number,
    "worker_id": worker_id,
    "continue_until_max_evaluation_completed": flag,
    "overwrite_root_directory": flag,
    "ignore_errors": flag,
    "write_summary_to_disk": flag,
    "delete_checkpoints": flag,
    "script_config_flag": flag,
    "script": script,
}


def check_run_arguments(opts: Mapping[str, Any]) -> dict[str, Any]:
    """``opts`` (canonical names) with every known value checked and normalised.

    Raises:
        ArgumentError: naming the first argument whose value is not accepted, the
            value, and what was expected.
    """
    out = dict(opts)
    for name, value in opts.items():
        check = _CHECKS.get(name)
        if check is not None:
            out[name] = check(name, value)
    return out
