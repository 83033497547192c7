"""Export a study's tables to CSV, JSON or Parquet.

Tables: ``trials`` (one row per trial, config flattened to ``config.<name>``, several
objectives also split into ``objective_<i>``, extras flattened to ``extra.<key>``),
``incumbent`` (the trace of ``trace.py``), ``pareto`` (every successful trial with its
front rank) and ``importance`` (one row per parameter). The format follows the file's
suffix. CSV and JSON need only the standard library; Parquet needs ``pyarrow``.

This module never writes inside a study directory: it writes only the file it is given,
atomically (temp file, then rename).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError, NepsLikeError
from neps_like.analysis.results import Results
from neps_like.analysis.trace import StudyLike, as_results, incumbent_trace, trial_id_key
from neps_like.state._fs import atomic_write_text, translate_os_errors

FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
TABLES = ("trials", "incumbent", "pareto", "importance")


def trial_rows(results: Results) -> list[dict[str, Any]]:
    """``Results.rows()`` in id order, with ``objective_<i>``, learning curve and extras."""
    by_id = {row["id"]: row for row in results.rows()}
    out = []
    for trial_id in sorted(by_id, key=trial_id_key):
        row = dict(by_id[trial_id])
        report = results[trial_id].report
        if report is not None:
            objs = report.objectives
            if objs is not None and len(objs) > 1:
                row.update({f"objective_{i}": v for i, v in enumerate(objs)})
            row["learning_curve"] = report.learning_curve
            row.update({f"extra.{k}": v for k, v in report.extra.items()})
        out.append(row)
    return out


def table_rows(study: StudyLike, table: str = "trials") -> list[dict[str, Any]]:
    """The rows of one of ``TABLES`` for ``study``.

    Raises:
        ArgumentError: an unknown table name.
    """
    results = as_results(study)
    if table == "trials":
        return trial_rows(results)
    if table == "incumbent":
        return incumbent_trace(results, objective=_first_if_multi(results)).rows()
    if table == "pareto":
        from neps_like.analysis.pareto import pareto

        return pareto(results).rows()
    if table == "importance":
        from neps_like.analysis.importance import parameter_importance

        return parameter_importance(results, objective=_first_if_multi(results)).rows()
    raise ArgumentError(f"Unknown table {table!r}: choose one of {', '.join(TABLES)}.")


def export(study: StudyLike, path: str | os.PathLike[str], *, table: str = "trials") -> Path:
    """Write one table of ``study`` to ``path``; the suffix picks CSV, JSON or Parquet.

    Returns:
        The path written.

    Raises:
        ArgumentError: an unknown suffix or table.
        NepsLikeError: Parquet was asked for and ``pyarrow`` is not installed.
        StorageError: the file could not be written.
    """
    out = Path(path)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ArgumentError(
            f"Cannot tell the format of {out}: use a name ending in .csv, .json or .parquet."
        )
    writers: dict[str, Callable[[Sequence[dict[str, Any]], Path], None]] = {
        "csv": write_csv,
        "json": write_json,
        "parquet": write_parquet,
    }
    if fmt == "parquet":
        _require_pyarrow()  # fail before loading anything
    writers[fmt](table_rows(study, table), out)
    return out


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Rows as CSV: the union of their keys as columns; lists and dicts as JSON text."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_columns(rows), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _scalar(v) for k, v in row.items()})
    atomic_write_text(path, buf.getvalue(), sync="none")


def write_json(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Rows as a JSON list of objects; NaN and infinities become null (strict JSON)."""
    text = json.dumps([_finite(row) for row in rows], indent=1, allow_nan=False, default=str)
    atomic_write_text(path, text + "\n", sync="none")


def write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Rows as Parquet, one typed column per key.

    Columns mixing numbers and text (a categorical of ``[1, "a"]``) are stored as text;
    lists and dicts as JSON text.

    Raises:
        NepsLikeError: ``pyarrow`` is not installed.
    """
    pa, pq = _require_pyarrow()
    columns = _columns(rows)
    data = {name: _column([row.get(name) for row in rows]) for name in columns}
    table = pa.table(data) if columns else pa.table({})
    with translate_os_errors("write", path):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            pq.write_table(table, tmp)
            Path(tmp).replace(path)  # readers see the old file or the whole new one
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _require_pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise NepsLikeError(
            "Writing Parquet needs pyarrow: pip install 'neps-like[parquet]' "
            "(or export to .csv / .json)."
        ) from exc
    return pa, pq


def _first_if_multi(results: Results) -> int | None:
    for trial in results.values():
        objs = None if trial.report is None else trial.report.objectives
        if objs is not None and len(objs) > 1:
            return 0
    return None


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str)
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _column(values: list[Any]) -> list[Any]:
    """Make a column Arrow can type: one kind of value, or all text."""
    present = [v for v in values if v is not None]
    kinds = {bool if isinstance(v, bool) else type(v) for v in present}
    if kinds == {int, float}:
        return [None if v is None else float(v) for v in values]
    if kinds == {list} and all(_is_number(x) for v in present for x in v):
        return [None if v is None else [float(x) for x in v] for v in values]
    if len(kinds) <= 1 and not kinds & {list, tuple, dict}:
        return values
    return [None if v is None else v if isinstance(v, str) else _text(v) for v in values]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str)
    return str(value)
