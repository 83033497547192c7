"""Benchmark worker for Optuna (run under the competitor venv), journal-file or sqlite storage.

``--backend journal`` uses ``JournalStorage(JournalFileBackend(root/journal.log))``;
``--backend sqlite`` uses ``sqlite:///root/study.db``. The driver creates the study once with
``setup`` before launching workers, as Optuna's parallelisation guide does with
``optuna create-study``: N processes creating a fresh sqlite storage at once crash with
``IntegrityError: UNIQUE constraint failed: alembic_version.version_num`` (Optuna 5.0). After
the start barrier each worker loads the study (as neps_like and NePS workers attach to
their directory after it) and optimizes with a ``RandomSampler`` until
``MaxTrialsCallback(T, states=None)`` sees T trials in any state.
Optuna's per-trial INFO log line is turned off; our library does not log per trial either.
See ``_common`` for the protocol with the driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import optuna
from _common import Recorder, parse_args, print_count, run_worker
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.study import MaxTrialsCallback

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path

STUDY = "overhead"


def make_storage(root: Path, backend: str) -> str | JournalStorage:
    backend = backend.removesuffix("+log")
    root.mkdir(parents=True, exist_ok=True)
    if backend == "journal":
        return JournalStorage(JournalFileBackend(str(root / "journal.log")))
    if backend == "sqlite":
        return f"sqlite:///{root / 'study.db'}"
    raise SystemExit(f"unknown --backend {backend!r}; expected 'journal' or 'sqlite'")


def make_objective(recorder: Recorder) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        recorder.record(trial.number)
        return x**2

    return objective


def open_study(args: argparse.Namespace) -> optuna.Study:
    if not args.backend.endswith("+log"):  # "+log": keep Optuna's default INFO line per trial
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        study_name=STUDY,
        storage=make_storage(args.root, args.backend),
        sampler=optuna.samplers.RandomSampler(),
        direction="minimize",
        load_if_exists=True,
    )


def run(args: argparse.Namespace) -> None:
    def body(recorder: Recorder) -> None:
        # Attaching to the storage is part of a worker's work, as ``neps_like.run`` and
        # ``neps.run`` do it after the barrier too.
        study = open_study(args)
        study.optimize(
            make_objective(recorder),
            callbacks=[MaxTrialsCallback(args.trials, states=None)],
        )

    run_worker(args, body)


def count(args: argparse.Namespace) -> None:
    study = optuna.load_study(study_name=STUDY, storage=make_storage(args.root, args.backend))
    trials = study.get_trials(deepcopy=False)
    states: dict[str, int] = {}
    for trial in trials:
        states[trial.state.name.lower()] = states.get(trial.state.name.lower(), 0) + 1
    success = [str(t.number) for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    print_count(len(trials), success, states)


def main() -> None:
    args = parse_args()
    if args.mode == "run":
        run(args)
    elif args.mode == "setup":
        open_study(args)
    else:
        count(args)


if __name__ == "__main__":
    main()
