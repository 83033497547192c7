"""Reading a study's results: ``load(root)`` and the summary files.

``load`` takes the state lock once, reads the journal (from the snapshot on), and
returns the trials; it never modifies the study. ``write_summary`` regenerates
``summary/best_config.yaml`` and ``summary/trials.csv``, and NePS's summary files
(``neps_tables``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from neps_like._errors import NepsLikeError, UnsafePathError
from neps_like.state import safe_paths
from neps_like.state._fs import atomic_write_text, atomic_write_yaml, make_dirs
from neps_like.state.err_dump import ErrDump
from neps_like.state.layout import Layout
from neps_like.state.neps_state import NePSState
from neps_like.state.records import Trial, TrialState

logger = logging.getLogger(__name__)


class Results(Mapping[str, Trial]):
    """The trials of a study by id, with helpers for analysis."""

    def __init__(
        self, root: Path, trials: Mapping[str, Trial], errors: ErrDump, workers: Mapping[str, Any]
    ) -> None:
        self.root = root
        self._trials = dict(trials)
        self.errors = errors
        self.workers = dict(workers)

    def __getitem__(self, trial_id: str) -> Trial:
        return self._trials[trial_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._trials)

    def __len__(self) -> int:
        return len(self._trials)

    def counts(self) -> dict[str, int]:
        """Number of trials per state, in the order of ``TrialState``."""
        out = {s.value: 0 for s in TrialState}
        for trial in self._trials.values():
            out[trial.state.value] += 1
        return {k: v for k, v in out.items() if v}

    def best(self) -> Trial | None:
        """The successful trial with the lowest objective (single-objective studies)."""
        best: Trial | None = None
        best_value = math.inf
        for trial in self._trials.values():
            value = _single_objective(trial)
            if value is not None and value < best_value:
                best, best_value = trial, value
        return best

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per trial: id, state, objective, cost, timings, config."""
        rows = []
        for trial in self._trials.values():
            meta, report = trial.metadata, trial.report
            row: dict[str, Any] = {
                "id": trial.id,
                "state": trial.state.value,
                "objective_to_minimize": None if report is None else report.objective_to_minimize,
                "cost": None if report is None else report.cost,
                "time_sampled": meta.time_sampled,
                "time_started": meta.time_started,
                "time_ended": meta.time_ended,
                "worker_id": meta.evaluating_worker_id,
                "attempt": meta.attempt,
                "previous_trial_id": meta.previous_trial_id,
                "err": None if report is None else report.err,
            }
            row.update({f"config.{k}": v for k, v in trial.config.items()})
            rows.append(row)
        return rows

    def stdout(self, trial_id: str) -> str:
        """What a script trial printed to stdout (all attempts), or "" when nothing."""
        layout = Layout.at(self.root)
        return _read_log(layout.root, layout.trial_stdout_file(trial_id))

    def stderr(self, trial_id: str) -> str:
        """What a script trial printed to stderr (all attempts), or "" when nothing."""
        layout = Layout.at(self.root)
        return _read_log(layout.root, layout.trial_stderr_file(trial_id))

    def running(self) -> dict[str, str]:
        """Which worker evaluates which trial right now (trial id -> worker id)."""
        return {
            t.id: t.metadata.evaluating_worker_id or "?"
            for t in self._trials.values()
            if t.state is TrialState.EVALUATING
        }

    def to_dataframe(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise NepsLikeError(
                "to_dataframe() needs pandas: pip install 'neps-like[pandas]'"
            ) from exc
        return pd.DataFrame(self.rows()).set_index("id")


def _read_log(root: Path, path: Path) -> str:
    try:
        # Never through a link: a log planted as ``-> ~/.ssh/id_rsa`` is not shown.
        return safe_paths.read_bytes(root, path).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    except UnsafePathError as exc:
        logger.warning("%s", exc)
        return ""


def _single_objective(trial: Trial) -> float | None:
    report = trial.report
    if trial.state is not TrialState.SUCCESS or report is None or not report.is_usable:
        return None
    objs = report.objectives
    return objs[0] if objs is not None and len(objs) == 1 else None


def load(root: str | Path) -> Results:
    """Load the trials of the study in ``root`` (read only).

    Raises:
        NePSError: there is no study in ``root``.
    """
    return results_of(NePSState.create_or_load(root, load_only=True))


def results_of(state: NePSState) -> Results:
    """The trials, errors and workers of an open study."""
    return Results(
        state.path,
        state.lock_and_read_trials(),
        state.lock_and_get_errors(),
        state.lock_and_get_workers(),
    )


def write_summary(state: NePSState) -> None:
    """Regenerate ``summary/best_config.yaml``, ``summary/trials.csv`` and NePS's files.

    Skipped when they were already written from the same journal position: when many
    workers stop together, one writes the summary and the others find it current.
    """
    trials = state.lock_and_read_trials()
    layout = state.layout
    position = state.journal_position
    with contextlib.suppress(OSError):
        if (
            layout.trials_csv_file.exists()
            and (layout.summary_dir / "full.csv").exists()  # neps_tables.FULL_CSV
            and layout.summary_position_file.read_text(encoding="utf-8") == position
        ):
            return
    results = Results(state.path, trials, ErrDump(), {})
    make_dirs(layout.summary_dir, root=layout.root)  # never into a ``summary`` link
    best = results.best()
    if best is not None and best.report is not None:
        atomic_write_yaml(
            layout.best_config_file,
            {
                "trial_id": best.id,
                "objective_to_minimize": best.report.objective_to_minimize,
                "config": dict(best.config),
            },
            sync="none",
            root=layout.root,
        )
    rows = results.rows()
    if rows:
        fields: dict[str, None] = {}
        for row in rows:
            fields.update(dict.fromkeys(row))
        buf = io.StringIO()
        writer = csv.writer(buf)  # rows as lists: DictWriter takes twice as long
        writer.writerow(fields)
        writer.writerows([[row.get(name) for name in fields] for row in rows])
        atomic_write_text(layout.trials_csv_file, buf.getvalue(), sync="none", root=layout.root)
    from neps_like.analysis.neps_tables import write_neps_files  # it builds on Results

    space = state.lock_and_get_search_space()
    write_neps_files(results, layout, None if space is None else space.fidelity_name)
    if rows:
        atomic_write_text(layout.summary_position_file, position, sync="none", root=layout.root)
