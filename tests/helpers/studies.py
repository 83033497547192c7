"""Small real studies built in-process (no worker processes): a few finished trials,
optionally some still evaluating, each with its readable folder, in about 0.1 s."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import neps_like as neps
from neps_like.optimizers.random_search import RandomSearch
from neps_like.state.journal import decode_line, encode_record
from neps_like.state.neps_state import NePSState
from neps_like.state.optimizer_info import OptimizerInfo
from neps_like.state.records import Report, Trial

SPACE = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)})
WORKER = "w1"


def open_study(root: Path) -> NePSState:
    """The study in ``root`` (created when missing), every trial with a folder."""
    state = NePSState.create_or_load(
        root,
        optimizer_info=OptimizerInfo("random_search", {}),
        pipeline_space=SPACE,
        seed=1,
        sync="none",
    )
    state.use_trial_folders("always")
    return state


def build_study(
    root: Path, *, done: int = 3, running: int = 0, worker_id: str = WORKER
) -> tuple[NePSState, list[Trial]]:
    """``done`` finished trials (objective = trial number), then ``running`` trials
    claimed by ``worker_id`` and never reported; the worker is registered (journal
    record, lease file)."""
    state = open_study(root)
    state.lock_and_set_new_worker_id(worker_id)  # its journal record and lease
    optimizer = RandomSearch(SPACE, seed=1)
    trials = []
    for number in range(1, done + running + 1):
        trial = state.lock_and_sample_trial(optimizer, worker_id=worker_id)
        if number <= done:
            trial = state.lock_and_report_trial_evaluation(
                trial, Report(float(number)), worker_id=worker_id
            )
        trials.append(trial)
    state.flush_mirrors()
    return state, trials


def journal_records(root: Path) -> list[tuple[int, dict[str, Any]]]:
    """The journal's (seq, record) pairs, every line decoded (a damaged one raises)."""
    data = (root / "journal" / "events.log").read_bytes()
    return [decode_line(line) for line in data.split(b"\n") if line]


def append_records(root: Path, *records: dict[str, Any]) -> None:
    """Append ``records`` with the next sequence numbers and valid checksums, as a
    worker (or a tool with write access) would."""
    seq = journal_records(root)[-1][0]
    with (root / "journal" / "events.log").open("ab") as fh:
        for record in records:
            seq += 1
            fh.write(encode_record(seq, record))


def continuation(trial: Trial, rung: int = 1) -> dict[str, Any]:
    """A journal record of the multi-fidelity continuation ``<id>_<rung>`` of ``trial``."""
    child = dataclasses.replace(
        trial,
        id=f"{trial.id}_{rung}",
        metadata=dataclasses.replace(trial.metadata, previous_trial_id=trial.id, rung=rung),
    )
    return {"kind": "trial", "trial": child.to_record()}
