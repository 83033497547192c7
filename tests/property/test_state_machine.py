"""The file-backed state agrees with a plain in-memory model after every step, and a
fresh process reading the directory (snapshot + journal) sees the same thing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import neps_like as neps
from neps_like.optimizers.random_search import RandomSearch
from neps_like.state import snapshot as snapshot_mod
from neps_like.state.neps_state import NePSState
from neps_like.state.optimizer_info import OptimizerInfo
from neps_like.state.records import BudgetInfo, Report, Trial, TrialState

SPACE = neps.SearchSpace.from_user({"x": neps.Float(0.0, 1.0)})


class StudyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.state = self._open()
        self.model: dict[str, str] = {}  # trial id -> state value
        self.opt = RandomSearch(SPACE, seed=0)

    def _open(self) -> NePSState:
        return NePSState.create_or_load(
            self.dir,
            optimizer_info=OptimizerInfo("r", {}),
            pipeline_space=SPACE,
            seed=0,
            sync="none",
        )

    def _running(self) -> list[str]:
        return sorted(i for i, s in self.model.items() if s == "evaluating")

    @rule(batch=st.integers(1, 3))
    def next_trial(self, batch: int) -> None:
        pending = sorted((i for i, s in self.model.items() if s == "pending"), key=int)
        nxt = self.state.lock_and_next_trial(
            self.opt, worker_id="w", limits=BudgetInfo(), batch_size=batch
        )
        assert nxt.trial is not None
        if pending:
            assert nxt.trial.id == pending[0], "the oldest pending trial comes first"
        else:
            for extra in range(1, batch):
                self.model[str(int(nxt.trial.id) + extra)] = "pending"
        self.model[nxt.trial.id] = "evaluating"

    @precondition(lambda self: bool(self._running()))
    @rule(data=st.data(), value=st.floats(0, 10))
    def report(self, data: st.DataObject, value: float) -> None:
        tid = data.draw(st.sampled_from(self._running()))
        trial = self.state.lock_and_get_trial_by_id(tid)
        self.state.lock_and_report_trial_evaluation(trial, Report(value), worker_id="w")
        self.model[tid] = "success"

    @precondition(lambda self: bool(self._running()))
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(self._running()))
        trial = self.state.lock_and_get_trial_by_id(tid)
        self.state.lock_and_requeue_trial(trial, worker_id="w", reason="crash", max_retries=None)
        self.model[tid] = "pending"

    @rule()
    def reopen(self) -> None:
        self.state = self._open()  # a new process: snapshot (if any) + journal tail

    @invariant()
    def agrees(self) -> None:
        seen = {i: t.state.value for i, t in self.state.lock_and_read_trials().items()}
        assert seen == self.model
        fresh = {i: t.state.value for i, t in self._open().lock_and_read_trials().items()}
        assert fresh == self.model
        assert all(TrialState(v) for v in seen.values())

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def test_state_machine(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(snapshot_mod, "MIN_SNAPSHOT_INTERVAL", 7)  # exercise snapshots often
    StudyMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=30, deadline=None
    )
    StudyMachine.TestCase().runTest()


class TwoWorkers(RuleBasedStateMachine):
    """Two workers on one directory, taking the fast path (report and next trial in one
    hold) while the other appends: claims counted unread, outcomes decoded after the
    release. Every record is read under the lock (no read-ahead), so every step of one
    worker finds the other's records waiting. Budget, ids and states stay exact."""

    BUDGET = 10

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.states = {w: self._open() for w in "ab"}
        self.model: dict[str, str] = {}  # trial id -> state value
        self.held: dict[str, dict[str, Trial]] = {"a": {}, "b": {}}  # what each evaluates
        self.opt = RandomSearch(SPACE, seed=0)
        self.limits = BudgetInfo(max_evaluations=self.BUDGET)

    def _open(self) -> NePSState:
        state = NePSState.create_or_load(
            self.dir,
            optimizer_info=OptimizerInfo("r", {}),
            pipeline_space=SPACE,
            seed=0,
            sync="none",
        )
        state._read_ahead = False
        return state

    def _take(self, worker: str, trial: Trial | None) -> None:
        pending = sorted((i for i, s in self.model.items() if s == "pending"), key=int)
        if pending:
            assert trial is not None and trial.id == pending[0], "the oldest pending first"
        elif len(self.model) >= self.BUDGET:
            assert trial is None, "the budget is spent"
        else:
            assert trial is not None and trial.id == str(len(self.model) + 1), "next id"
        if trial is not None:
            assert trial.state is TrialState.EVALUATING and trial.config
            self.model[trial.id] = "evaluating"
            self.held[worker][trial.id] = trial

    @rule(worker=st.sampled_from("ab"))
    def next_trial(self, worker: str) -> None:
        nxt = self.states[worker].lock_and_next_trial(
            self.opt, worker_id=worker, limits=self.limits
        )
        self._take(worker, nxt.trial)

    @rule(data=st.data(), worker=st.sampled_from("ab"), value=st.floats(0, 10))
    def report_and_next(self, data: st.DataObject, worker: str, value: float) -> None:
        if not self.held[worker]:
            return
        tid = data.draw(st.sampled_from(sorted(self.held[worker], key=int)))
        trial = self.held[worker].pop(tid)
        done, nxt = self.states[worker].lock_and_report_and_next(
            trial, Report(value), worker_id=worker, optimizer=self.opt, limits=self.limits
        )
        assert done.state is TrialState.SUCCESS
        self.model[tid] = "success"
        assert nxt is not None
        self._take(worker, nxt.trial)

    @rule(data=st.data(), worker=st.sampled_from("ab"))
    def crash(self, data: st.DataObject, worker: str) -> None:
        if not self.held[worker]:
            return
        tid = data.draw(st.sampled_from(sorted(self.held[worker], key=int)))
        trial = self.held[worker].pop(tid)
        self.states[worker].lock_and_requeue_trial(
            trial, worker_id=worker, reason="crash", max_retries=None
        )
        self.model[tid] = "pending"

    @rule(worker=st.sampled_from("ab"))
    def read_all(self, worker: str) -> None:
        fresh = self._open().lock_and_read_trials()
        assert self.states[worker].lock_and_read_trials() == fresh

    @invariant()
    def agrees(self) -> None:
        fresh = {i: t.state.value for i, t in self._open().lock_and_read_trials().items()}
        assert fresh == self.model
        for state in self.states.values():
            assert not state._deferral.unread_claims and not state._deferral, "all applied"
            latest = state._repo.latest()
            assert all(t.config for t in latest.values()), "no placeholder left"
            assert state._repo.budgeted_trials == len(latest)

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def test_two_workers_on_the_fast_path(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(snapshot_mod, "MIN_SNAPSHOT_INTERVAL", 7)
    TwoWorkers.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
    TwoWorkers.TestCase().runTest()
