"""Calling the user's evaluation function and understanding what it returns.

Owns: loading ``"path/file.py:function"``, passing ``pipeline_directory``,
``previous_pipeline_directory`` and ``pipeline_id`` (the trial id, as NePS 0.17 does) when
the signature asks, and turning the result (a number, a sequence of numbers, or a dict
with NePS's keys) into a ``Report``. A result
that cannot be understood becomes a failed evaluation with the reason, never a crash of
the worker's bookkeeping.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError, EvaluationError
from neps_like.state.records import Report
from neps_like.state.untrusted import (
    EXTRA_MAX_DEPTH,
    MAX_RECORD_BYTES,
    clean_text,
    cut_text,
    nesting_depth,
)

# Keys of a result dict that neps_like interprets; anything else goes to `extra`.
_OBJECTIVE_KEYS = ("objective_to_minimize", "loss")  # "loss": NePS before 0.13
_EXTRA_KEYS = ("extra", "info_dict")  # "info_dict": NePS before 0.13


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one evaluation produced: a report, and the exception if it failed.

    ``awaiting``: the function returned None, having handed the work elsewhere; the
    result comes later through ``neps_like.save_pipeline_results`` (NePS's async
    evaluation), so the trial stays EVALUATING and nothing is reported now.
    """

    report: Report
    exception: BaseException | None = None
    awaiting: bool = False


def load_callable(spec: str | Callable[..., Any]) -> Callable[..., Any]:
    """Return ``spec`` itself, or load ``"path/to/file.py:function"`` / ``"module:function"``.

    Raises:
        ArgumentError: the file, module or function does not exist.
    """
    if callable(spec):
        return spec
    if not isinstance(spec, str) or ":" not in spec:
        raise ArgumentError(
            f"evaluate_pipeline must be a callable or 'path/file.py:function'; got {spec!r}."
        )
    location, _, name = spec.rpartition(":")
    if location.endswith(".py"):
        path = Path(location).expanduser().absolute()
        if not path.is_file():
            raise ArgumentError(f"evaluate_pipeline file {path} does not exist.")
        module_name = f"_neps_like_user_{path.stem}"
        mod_spec = importlib.util.spec_from_file_location(module_name, path)
        if mod_spec is None or mod_spec.loader is None:
            raise ArgumentError(f"Cannot import {path} as a Python module.")
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[module_name] = module
        mod_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise ArgumentError(
                f"evaluate_pipeline {spec!r}: cannot import module {location!r} ({exc})."
            ) from exc
    try:
        fn = getattr(module, name)
    except AttributeError:
        raise ArgumentError(f"{location} has no function {name!r}.") from None
    if not callable(fn):
        raise ArgumentError(f"{spec} is not callable.")
    return fn  # type: ignore[no-any-return]


class FunctionEvaluator:
    """Runs an in-process Python function on one config."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            params = {}  # type: ignore[assignment]
        self._wants_dir = "pipeline_directory" in params
        self._wants_prev = "previous_pipeline_directory" in params
        self._wants_id = "pipeline_id" in params
        # Trials get a folder only if the function works with files (TrialFolders).
        self.needs_directory = self._wants_dir or self._wants_prev

    def __call__(
        self,
        config: Mapping[str, Any],
        *,
        pipeline_directory: Path,
        previous_pipeline_directory: Path | None,
        pipeline_id: str | None = None,
        objective_value_on_error: float | None = None,
        cost_value_on_error: float | None = None,
    ) -> Outcome:
        kwargs = dict(config)
        if self._wants_dir:
            kwargs["pipeline_directory"] = pipeline_directory
        if self._wants_prev:
            kwargs["previous_pipeline_directory"] = previous_pipeline_directory
        if self._wants_id:
            kwargs["pipeline_id"] = pipeline_directory.name if pipeline_id is None else pipeline_id
        start = time.perf_counter()
        try:
            result = self.fn(**kwargs)
            if result is None:
                return Outcome(Report(objective_to_minimize=None), awaiting=True)
            report = parse_result(result)
        except Exception as exc:  # the user's code: anything may come out of it
            return Outcome(
                Report(
                    objective_to_minimize=objective_value_on_error,
                    cost=cost_value_on_error,
                    err=cut_text(f"{type(exc).__name__}: {exc}"),
                    tb=cut_text(traceback.format_exc()),
                    evaluation_duration=time.perf_counter() - start,
                ),
                exc,
            )
        return Outcome(_with_duration(report, time.perf_counter() - start))


def _with_duration(report: Report, seconds: float) -> Report:
    return Report(
        objective_to_minimize=report.objective_to_minimize,
        cost=report.cost,
        learning_curve=report.learning_curve,
        extra=report.extra,
        evaluation_duration=seconds,
    )


def parse_result(result: Any) -> Report:
    """Turn what an evaluation returned into a ``Report``.

    Raises:
        EvaluationError: the result has the wrong type or a non-finite objective.
    """
    if isinstance(result, Mapping):
        return _parse_mapping(result)
    return Report(objective_to_minimize=_objective(result, "the returned value"))


def _parse_mapping(result: Mapping[str, Any]) -> Report:
    present = [k for k in _OBJECTIVE_KEYS if k in result]
    if not present:
        raise EvaluationError(
            f"The result dict has no 'objective_to_minimize' key (keys: {sorted(result)})."
        )
    if len(present) > 1:
        raise EvaluationError("The result dict has both 'objective_to_minimize' and 'loss'.")
    objective = _objective(result[present[0]], f"result[{present[0]!r}]")
    cost = result.get("cost")
    if cost is not None:
        cost = _number(cost, "result['cost']")
    curve = result.get("learning_curve")
    if curve is not None:
        if not isinstance(curve, Sequence) or isinstance(curve, (str, bytes)):
            raise EvaluationError(
                f"result['learning_curve'] must be a list of numbers, got {type(curve).__name__}."
            )
        curve = [_number(v, "result['learning_curve'] item", finite=False) for v in curve]
    extra: dict[str, Any] = {}
    for key in _EXTRA_KEYS:
        value = result.get(key)
        if isinstance(value, Mapping):
            extra.update(value)
        elif value is not None:
            raise EvaluationError(
                f"result[{key!r}] must be a dict (it is stored under its keys), got "
                f"{type(value).__name__}; wrap it, e.g. {{{key!r}: {{'values': ...}}}}."
            )
    interpreted = {*_OBJECTIVE_KEYS, *_EXTRA_KEYS, "cost", "learning_curve"}
    extra.update({k: v for k, v in result.items() if k not in interpreted})
    return _checked(
        Report(
            objective_to_minimize=objective, cost=cost, learning_curve=curve, extra=_jsonable(extra)
        )
    )


def _checked(report: Report) -> Report:
    """Refuse a report that readers of the journal would refuse (see ``untrusted``):
    checked here, before the lock, so that nothing fails while the report is written."""
    if report.extra and nesting_depth(report.extra, EXTRA_MAX_DEPTH) > EXTRA_MAX_DEPTH:
        raise EvaluationError(
            f"result['extra'] is nested more than {EXTRA_MAX_DEPTH} levels deep; flatten it."
        )
    if report.extra or (report.learning_curve and len(report.learning_curve) > 10_000):
        size = len(json.dumps(report.to_record(), ensure_ascii=False, allow_nan=True))
        if size > MAX_RECORD_BYTES // 2:
            raise EvaluationError(
                f"the result takes {size} bytes as JSON, more than the "
                f"{MAX_RECORD_BYTES // 2} a trial's record may hold; store large data in "
                "pipeline_directory and report its path instead."
            )
    return report


def _objective(value: Any, what: str) -> float | list[float]:
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if not value:
            raise EvaluationError(
                f"{what} is an empty sequence; expected one number per objective."
            )
        return [_number(v, f"{what} item") for v in value]
    if hasattr(value, "tolist") and not isinstance(value, Real):  # numpy arrays
        return _objective(value.tolist(), what)
    return _number(value, what)


def _number(value: Any, what: str, *, finite: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise EvaluationError(f"{what} must be a number, got {type(value).__name__} {value!r}.")
    number = float(value)
    if finite and not math.isfinite(number):
        raise EvaluationError(f"{what} is {number}; expected a finite number.")
    return number


def _jsonable(value: Any) -> Any:
    """Keep what JSON can hold; turn numpy scalars into Python ones, the rest into text."""
    if isinstance(value, Mapping):
        return {clean_text(str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, str):
        return clean_text(value)  # lone surrogates (undecodable file names) become U+FFFD
    if value is None:
        return value
    # Exact builtins: numpy's float64 subclasses float but YAML cannot write it.
    for kind in (bool, int, float):
        if isinstance(value, kind):
            return kind(value)
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    return clean_text(repr(value))
