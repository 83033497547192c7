"""``status``: where a study stands, as text for a terminal."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from neps_like._errors import NepsLikeError
from neps_like.analysis._terminal import one_line
from neps_like.analysis.results import Results, load, results_of, write_summary
from neps_like.state import leases
from neps_like.state.layout import Layout
from neps_like.state.neps_state import NePSState
from neps_like.state.records import TrialState

logger = logging.getLogger(__name__)


def status(
    root: str | Path, *, n_errors: int = 5, n_running: int = 10, refresh_summary: bool = False
) -> str:
    """Counts per state, the best trial and its config, running trials and recent errors.

    ``refresh_summary``: also regenerate ``summary/`` when it is behind the journal and the
    directory is writable (``neps-like status`` does).
    """
    if not refresh_summary:
        return render_status(load(root), n_errors=n_errors, n_running=n_running)
    state = NePSState.create_or_load(root, load_only=True)
    text = render_status(results_of(state), n_errors=n_errors, n_running=n_running)
    if os.access(state.path, os.W_OK):
        try:
            write_summary(state)
        except (OSError, NepsLikeError) as exc:  # a status must not fail for its side dish
            logger.warning("Could not update %s: %s", state.layout.summary_dir, exc)
    return text


def live_workers(root: Path, grace: float = 60.0) -> list[str]:
    """Workers whose lease was renewed within ``grace`` seconds (file-server clock)."""
    return leases.live_workers(Layout.at(root), grace)


def render_status(results: Results, *, n_errors: int = 5, n_running: int = 10) -> str:
    lines = [f"Study: {results.root}", f"Trials: {len(results)}"]
    for state, count in results.counts().items():
        lines.append(f"  {state:<11} {count}")
    best = results.best()
    if best is None:
        lines.append("Best: none yet")
    else:
        objective = None if best.report is None else best.report.objective_to_minimize
        lines.append(f"Best: trial {best.id}, objective_to_minimize = {objective!r}")
        for name, value in best.config.items():
            lines.append(f"  {name}: {value!r}")
    running = [t for t in results.values() if t.state is TrialState.EVALUATING]
    if running:
        lines.append(f"Evaluating now ({len(running)}):")
        now = time.time()
        for trial in running[:n_running]:
            since = now - (trial.metadata.time_started or now)
            lines.append(
                f"  trial {trial.id} on {trial.metadata.evaluating_worker_id} for {since:.0f} s"
            )
    live = live_workers(results.root)
    shown = ", ".join(sorted(live)[:8]) + (" ..." if len(live) > 8 else "")
    lines.append(
        f"Live workers: {len(live)} (of {len(results.workers)} seen)"
        + (f": {shown}" if live else "")
    )
    errors = results.errors.latest(n_errors)
    if errors:
        lines.append(f"Recent errors ({len(results.errors)} in all):")
        for err in errors:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(err.time))
            lines.append(
                f"  {when} trial {err.trial_id} ({err.worker_id}): {err.err_type}: {err.err}"
            )
    # Ids, configs and messages come from the study: no escape sequence reaches the terminal.
    return "\n".join(one_line(line) for line in lines)
