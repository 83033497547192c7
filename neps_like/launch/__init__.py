"""``neps_like.launch``: start N workers of one study and report on them.

Local workers by default; ``neps-like launch --slurm`` submits a SLURM array instead
(``neps_like.launch.slurm``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from neps_like._errors import ArgumentError
from neps_like.launch.local import LaunchSummary, LocalLauncher, python_command
from neps_like.launch.shipping import ship
from neps_like.state.layout import Layout

__all__ = ["LaunchSummary", "launch", "launch_run_args"]


def launch(
    evaluate_pipeline: Callable[..., Any] | str | None = None,
    pipeline_space: Any = None,
    *,
    workers: int,
    log_dir: str | Path | None = None,
    max_restarts: int = 0,
    out: IO[str] | None = None,
    **run_kwargs: Any,
) -> LaunchSummary:
    """Run ``workers`` processes of ``neps_like.run(evaluate_pipeline, pipeline_space,
    **run_kwargs)`` on one study and wait for them.

    The function may be one the workers cannot import (a lambda, a closure, a notebook
    cell): the run arguments are shipped with cloudpickle into ``launch/function.pkl`` in
    the study (mode 0600, checked by every worker before loading). Workers log to
    ``launch/logs/<id>.log`` (or ``log_dir``); a worker killed by a signal is restarted up
    to ``max_restarts`` times. Returns the summary; ``summary.finished`` tells whether the
    budget was spent.

    Raises:
        ArgumentError: an argument ``run()`` does not accept, or ``workers`` < 1.
    """
    from neps_like.api import _ACCEPTED
    from neps_like.runtime import arguments as args_mod

    _check_workers(workers)
    given = dict(run_kwargs, evaluate_pipeline=evaluate_pipeline, pipeline_space=pipeline_space)
    kwargs = args_mod.canonicalise({k: v for k, v in given.items() if v is not None}, _ACCEPTED)
    if "worker_id" in kwargs:
        raise ArgumentError("launch() names its workers itself: do not pass worker_id.")
    root = Path(kwargs.setdefault("root_directory", "neps_results")).absolute()
    kwargs["root_directory"] = str(root)
    if kwargs.pop("overwrite_root_directory", False):
        from neps_like.state.overwrite import overwrite_study

        overwrite_study(Layout.at(root), live_within=float(kwargs.get("lease_grace_seconds", 60.0)))
    root.mkdir(parents=True, exist_ok=True)
    ship(Layout.at(root), kwargs)
    launcher = LocalLauncher(
        root,
        python_command(["--shipped", str(root)]),
        workers,
        log_dir=None if log_dir is None else Path(log_dir),
        max_restarts=max_restarts,
        budget=_budget(kwargs),
        out=out,
    )
    return launcher.run()


def launch_run_args(
    run_args: str | Path,
    *,
    workers: int,
    root: str | Path | None = None,
    log_dir: str | Path | None = None,
    max_restarts: int = 0,
    out: IO[str] | None = None,
) -> LaunchSummary:
    """``launch`` for a run-args YAML file (``neps-like run``'s); nothing is pickled."""
    from neps_like.runtime.run_args import load_run_args

    _check_workers(workers)
    kwargs = load_run_args(run_args)
    if root is not None:
        kwargs["root_directory"] = str(root)
    study = Path(kwargs.get("root_directory", "neps_results")).absolute()
    extra = ["--root", str(study)]
    launcher = LocalLauncher(
        study,
        python_command(["--run-args", str(Path(run_args).absolute()), *extra]),
        workers,
        log_dir=None if log_dir is None else Path(log_dir),
        max_restarts=max_restarts,
        budget=_budget(kwargs),
        out=out,
    )
    return launcher.run()


def _check_workers(workers: object) -> None:
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ArgumentError(f"workers must be a positive integer, got {workers!r}.")


def _budget(kwargs: dict[str, Any]) -> int | None:
    for key in ("evaluations_to_spend", "max_evaluations_total"):
        value = kwargs.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
