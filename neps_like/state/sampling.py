"""Turning optimizer proposals into trials, within the global budget, under the lock.

Owns: claiming the oldest pending trial, the budget check, calling the optimizer,
rejecting invalid and duplicate proposals (recorded as ``INVALID`` / ``DUPLICATE``
trials, a bounded number of times before sampling counts as exhausted) and assigning
trial ids. Every method here runs while ``NePSState`` holds the state lock, except
``propose``, which may run outside it on a consistent view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neps_like._errors import ConfigError, OptimizerError, SamplingExhausted
from neps_like.space import SearchSpace
from neps_like.state.layout import check_trial_id
from neps_like.state.records import BudgetInfo, MetaData, Report, SampledConfig, Trial, TrialState
from neps_like.state.space_fit import SpaceFit
from neps_like.state.trial_repo import TrialRepo, TrialWriteHint

# Consecutive rejected proposals (invalid or duplicate) before sampling counts as exhausted.
MAX_REJECTS = 20


@dataclass(frozen=True, slots=True)
class NextTrial:
    """What a worker gets: a claimed trial, or why there is none and whether to wait."""

    trial: Trial | None = None
    stop_reason: str | None = None
    should_wait: bool = False
    # Unfinished trials whose worker stopped renewing its lease: waiting may take them over.
    orphans: tuple[str, ...] = ()


CommitFn = Callable[..., None]


class Sampler:
    """One lock hold's worth of sampling decisions for one worker."""

    def __init__(
        self,
        repo: TrialRepo,
        space: SearchSpace | None,
        *,
        worker_id: str,
        commit: CommitFn,
        fit: SpaceFit | None = None,
    ) -> None:
        self._repo = repo
        self._space = space
        self._fit = fit or SpaceFit(space)
        self._worker_id = worker_id
        self._commit = commit

    # -- pending and budget ----------------------------------------------------------------
    def claim_pending(self) -> NextTrial | None:
        trial = self._repo.first_pending()
        if trial is None:
            return None
        claimed = trial.transition(TrialState.EVALUATING).with_metadata(
            evaluating_worker_id=self._worker_id,
            time_started=time.time(),
            attempt=trial.metadata.attempt + 1,
        )
        # Creating and claiming write the folder and config.yaml; metadata.json and
        # report.yaml follow with the outcome (fewer file creations per trial: they are a
        # large share of a fast trial's cost on a busy file system).
        mirrors: tuple[TrialWriteHint, ...] = ("config",)
        self._commit([claimed], mirrors=mirrors)
        return NextTrial(trial=claimed)

    def budget_info(self, limits: BudgetInfo) -> BudgetInfo:
        repo = self._repo
        return BudgetInfo(
            max_evaluations=limits.max_evaluations,
            used_evaluations=repo.budgeted_trials,
            max_cost_total=limits.max_cost_total,
            used_cost_budget=repo.used_cost,
            max_fidelity_total=limits.max_fidelity_total,
            used_fidelity_budget=repo.used_fidelity,
        )

    def exhausted_budget(self, limits: BudgetInfo) -> str | None:
        """Why no new trial may be sampled, or None when the budget allows one."""
        repo = self._repo
        if limits.max_evaluations is not None and repo.budgeted_trials >= limits.max_evaluations:
            return f"max_evaluations_total={limits.max_evaluations} reached"
        if limits.max_cost_total is not None and repo.used_cost >= limits.max_cost_total:
            return f"max_cost_total={limits.max_cost_total} reached ({repo.used_cost:g} used)"
        if (
            limits.max_fidelity_total is not None
            and repo.used_fidelity >= limits.max_fidelity_total
        ):
            return f"fidelities_to_spend={limits.max_fidelity_total} reached"
        return None

    @property
    def worker_id(self) -> str:
        return self._worker_id

    def check_budget(self, limits: BudgetInfo, wait_for_running: bool) -> NextTrial | None:
        reason = self.exhausted_budget(limits)
        if reason is None:
            return None
        return NextTrial(stop_reason=reason, should_wait=wait_for_running and self._running())

    def _running(self) -> bool:
        return bool(self._repo.count(TrialState.EVALUATING))

    # -- proposing -------------------------------------------------------------------------
    def trials_for_optimizer(self) -> Mapping[str, Trial]:
        """Every trial but those whose config the space rejects (``space_fit``)."""
        return self._fit.view(self._repo)

    @staticmethod
    def propose(
        optimizer: Any, trials: Mapping[str, Trial], budget: BudgetInfo, n: int
    ) -> list[SampledConfig]:
        """Call the optimizer and normalise what it returns to a list of proposals."""
        try:
            out = optimizer(trials, budget) if n == 1 else optimizer(trials, budget, n)
        except StopIteration as exc:
            raise SamplingExhausted(
                str(exc) or "the optimizer has nothing left to propose"
            ) from exc
        items = out if isinstance(out, list) else [out]
        proposals = []
        for item in items:
            if isinstance(item, SampledConfig):
                proposals.append(item)
            elif isinstance(item, Mapping):
                proposals.append(SampledConfig(dict(item)))
            else:
                raise OptimizerError(
                    f"The optimizer returned {type(item).__name__}; expected a SampledConfig, "
                    "a config dict, or a list of them."
                )
        if not proposals:
            raise SamplingExhausted("the optimizer returned no proposal")
        return proposals

    def sample_within(self, optimizer: Any, limits: BudgetInfo, batch_size: int) -> NextTrial:
        n = batch_size
        if limits.max_evaluations is not None:
            n = min(n, limits.max_evaluations - self._repo.budgeted_trials)
        try:
            trials = self.sample(optimizer, max(n, 1), limits)
        except SamplingExhausted as exc:
            return NextTrial(stop_reason=f"sampling exhausted: {exc}")
        return NextTrial(trial=trials[0])

    def sample(self, optimizer: Any, n: int, limits: BudgetInfo) -> list[Trial]:
        """Sample ``n`` accepted trials; the first is claimed by this worker."""
        accepted: list[Trial] = []
        rejects = 0
        while len(accepted) < n:
            proposals = self.propose(
                optimizer, self.trials_for_optimizer(), self.budget_info(limits), n - len(accepted)
            )
            good, bad = self._vet_and_commit(proposals[: n - len(accepted)], claim=not accepted)
            accepted += good
            rejects = 0 if good else rejects + len(bad)
            if rejects >= MAX_REJECTS:
                raise SamplingExhausted(
                    f"{rejects} proposals in a row were invalid or duplicates; the space may "
                    "be exhausted"
                )
        return accepted

    def collides(self, proposal: SampledConfig) -> bool:
        try:
            config = self._normalise(proposal.config)
        except ConfigError:
            return False
        return self._repo.is_duplicate(config)

    def commit_proposals(
        self, proposals: Sequence[SampledConfig], limits: BudgetInfo, optimizer: Any
    ) -> NextTrial:
        """Commit proposals computed outside the lock; sample afresh if none survive."""
        room = len(proposals)
        if limits.max_evaluations is not None:
            room = min(room, limits.max_evaluations - self._repo.budgeted_trials)
        good, _ = self._vet_and_commit(list(proposals)[: max(room, 1)], claim=True)
        if good:
            return NextTrial(trial=good[0])
        return self.sample_within(optimizer, limits, len(proposals))

    # -- vetting and ids ---------------------------------------------------------------------
    def _normalise(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return self._space.validate_config(config) if self._space is not None else dict(config)

    def _vet_and_commit(
        self, proposals: Sequence[SampledConfig], *, claim: bool
    ) -> tuple[list[Trial], list[Trial]]:
        now = time.time()
        next_number = self._repo.next_config_number
        seen: set[Hashable] = set()
        good: list[Trial] = []
        bad: list[Trial] = []
        keys: dict[str, str] = {}  # of the good ones: judged once, stored with the record
        for proposal in proposals:
            state, config, err, key = self._judge(proposal, seen)
            trial_id = self._continuation_id(proposal) if state is TrialState.PENDING else None
            if trial_id is None:
                trial_id, next_number = str(next_number), next_number + 1
            claimed = state is TrialState.PENDING and claim and not good
            meta = MetaData(
                time_sampled=now,
                sampling_worker_id=self._worker_id,
                previous_trial_id=proposal.previous_trial_id,
                rung=proposal.rung,
                # Sampled and claimed at once: PENDING -> EVALUATING, its first attempt.
                evaluating_worker_id=self._worker_id if claimed else None,
                time_started=now if claimed else None,
                attempt=1 if claimed else 0,
            )
            report = None if err is None else Report(objective_to_minimize=None, err=err)
            trial = Trial(
                trial_id, config, TrialState.EVALUATING if claimed else state, meta, report
            )
            (good if state is TrialState.PENDING else bad).append(trial)
            if state is TrialState.PENDING and key is not None:
                keys[trial_id] = key
        self._commit([*good, *bad], mirrors=("config",), keys=keys)
        return good, bad

    def _judge(
        self, proposal: SampledConfig, seen: set[Hashable]
    ) -> tuple[TrialState, dict[str, Any], str | None, str | None]:
        """The proposal's state, normalised config, why it was rejected, and its key."""
        try:
            config = self._normalise(proposal.config)
        except ConfigError as exc:
            return TrialState.INVALID, dict(proposal.config), str(exc), None
        prev = proposal.previous_trial_id
        if prev is not None and prev not in self._repo:
            return TrialState.INVALID, config, f"previous_trial_id {prev!r} does not exist", None
        key = self._repo.key(config)
        if key in seen or self._repo.has_key(key):
            return TrialState.DUPLICATE, config, "the same config was already sampled", key
        seen.add(key)
        return TrialState.PENDING, config, None, key

    def _continuation_id(self, proposal: SampledConfig) -> str | None:
        prev = proposal.previous_trial_id
        if prev is None:
            return None
        base = prev.split("_", 1)[0]
        rung = proposal.rung
        if rung is None:
            prev_rung = self._repo.get(prev).metadata.rung
            rung = (prev_rung or 0) + 1
        candidate = f"{base}_{rung}"
        # Checked on write as on read: an optimizer's previous_trial_id is not trusted.
        return None if candidate in self._repo else check_trial_id(candidate)
