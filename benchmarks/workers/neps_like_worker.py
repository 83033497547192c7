"""Benchmark worker for neps_like (runs under our own venv). See ``_common`` for the protocol.

Lock-hold times come from the library itself: the driver sets ``NEPS_LIKE_LOCK_STATS`` to a
per-worker file and neps_like appends one ``<seconds>`` line per lock hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from _common import Recorder, parse_args, print_count, run_worker

import neps_like

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable


def make_objective(recorder: Recorder, backend: str) -> Callable[..., float]:
    # The trial id comes as ``pipeline_id``, as in the NePS worker. A function that takes
    # no directory gets no trial folder: like Optuna's objective, it is config in, number
    # out. ``--backend folders`` also asks for ``pipeline_directory``: a folder and three
    # files per trial, as NePS always writes them.
    def evaluate_pipeline(x: float, pipeline_id: str) -> float:
        recorder.record(pipeline_id)
        return x**2

    def with_folder(x: float, pipeline_id: str, pipeline_directory: Path) -> float:
        recorder.record(pipeline_id)
        return x**2

    return with_folder if backend == "folders" else evaluate_pipeline


def run(args: argparse.Namespace) -> None:
    def body(recorder: Recorder) -> None:
        neps_like.run(
            evaluate_pipeline=make_objective(recorder, args.backend),
            pipeline_space={"x": neps_like.Float(0.0, 1.0)},
            root_directory=args.root,
            optimizer="random_search",
            max_evaluations_total=args.trials,
            seed=None,
        )

    run_worker(args, body)


def count(args: argparse.Namespace) -> None:
    trials = neps_like.load(args.root)
    states: dict[str, int] = {}
    for trial in trials.values():
        states[trial.state.value] = states.get(trial.state.value, 0) + 1
    success = [str(i) for i, t in trials.items() if t.state.value == "success"]
    print_count(len(trials), success, states)


def main() -> None:
    args = parse_args()
    if args.mode == "run":
        run(args)
    else:
        count(args)


if __name__ == "__main__":
    main()
