"""``neps.status``: NePS's ``(full_df, short_series)`` pair, and our status text.

``status(root)`` returns a ``StudyStatus``. Unpacked or indexed, it is NePS's pair —
``full, short = neps.status(root)`` — built with pandas on first use (the ``pandas``
extra; a clear error without it). Printed, it is neps_like's status text, which needs
no pandas: ``print(neps.status(root))``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from neps_like._errors import NepsLikeError
from neps_like.analysis.neps_tables import full_rows, short_rows
from neps_like.analysis.results import Results
from neps_like.analysis.status import render_status
from neps_like.analysis.status import status as status_text


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:
        raise NepsLikeError(
            "neps.status(...) returns pandas tables (NePS's (full_df, short_series)); "
            "install the extra: pip install 'neps-like[pandas]'. print(neps.status(root)) "
            "and `neps-like status ROOT` show the status without pandas."
        ) from exc
    return pd


def full_frame(results: Results) -> Any:
    """NePS's full table: one row per trial, indexed by trial id."""
    pd = _pandas()
    rows = full_rows(results)
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame.from_records(rows).set_index("id")


def short_series(results: Results) -> Any:
    """NePS's short summary: a Series named ``value`` with index ``summary``."""
    pd = _pandas()
    pairs = short_rows(results)
    if not pairs:
        return pd.Series(dtype=object)
    series = pd.Series(
        [value for _, value in pairs], index=[name for name, _ in pairs], dtype=object
    )
    series.name = "value"
    series.index.name = "summary"
    return series


class StudyStatus:
    """NePS's ``(full_df, short_series)`` when unpacked; the status text when printed."""

    def __init__(self, results: Results, text: str) -> None:
        self.results = results
        self.text = text
        self._pair: tuple[Any, Any] | None = None

    def _frames(self) -> tuple[Any, Any]:
        if self._pair is None:
            self._pair = (full_frame(self.results), short_series(self.results))
        return self._pair

    def __iter__(self) -> Iterator[Any]:
        return iter(self._frames())

    def __getitem__(self, index: int) -> Any:
        return self._frames()[index]

    def __len__(self) -> int:
        return 2

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def status(
    root_directory: str | Path,
    *,
    print_summary: bool = False,
    n_errors: int = 5,
    n_running: int = 10,
    refresh_summary: bool = False,
) -> StudyStatus:
    """Where the study in ``root_directory`` stands.

    Args:
        root_directory: the study directory.
        print_summary: also print the status text (NePS's argument).
        n_errors / n_running: how many recent errors and running trials the text lists.
        refresh_summary: also regenerate ``summary/`` when it is behind the journal.

    Returns:
        A ``StudyStatus``: ``full, short = status(root)`` gives NePS's pandas pair
        (needs the ``pandas`` extra), ``str(status(root))`` the text.
    """
    from neps_like.analysis.results import load

    if refresh_summary:
        text = status_text(
            root_directory, n_errors=n_errors, n_running=n_running, refresh_summary=True
        )
        results = load(root_directory)
    else:
        results = load(root_directory)
        text = render_status(results, n_errors=n_errors, n_running=n_running)
    if print_summary:
        print(text)
    return StudyStatus(results, text)
