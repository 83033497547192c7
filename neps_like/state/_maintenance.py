"""Operations that maintain a study rather than run it: importing evaluated trials,
enqueueing configs, and re-queueing trials of workers whose lease expired."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from neps_like._errors import ConfigError, NePSError
from neps_like.state import safe_paths
from neps_like.state._attempts import AttemptOps
from neps_like.state.err_dump import ErrorRecord
from neps_like.state.leases import LeasePolicy, file_age, lease_age, server_now
from neps_like.state.locker import retry_if_lock_lost
from neps_like.state.records import (
    BudgetInfo,
    MetaData,
    Report,
    Trial,
    TrialState,
)
from neps_like.state.requests import ACTIONS, write_request
from neps_like.state.sampling import NextTrial, Sampler

logger = logging.getLogger(__name__)


class MaintenanceOps(AttemptOps):
    """Import, enqueue and lease recovery, on top of ``StateCore``."""

    # -- import and enqueue --------------------------------------------------------------
    @retry_if_lock_lost
    def lock_and_import_trials(
        self, evaluated: Sequence[tuple[Mapping[str, Any], Report]], *, worker_id: str
    ) -> list[Trial]:
        """Add trials evaluated elsewhere (SUCCESS, or FAILED when the report is unusable).

        Configs already in the study are skipped, so importing the same data twice adds
        nothing. Imported trials inform the optimizer but spend none of the budget.

        Raises:
            ConfigError: a config does not fit the space; nothing is added then.
        """
        configs = self._validated([c for c, _ in evaluated])
        now = time.time()
        with self._locked():
            added = []
            for config, (_, report) in zip(configs, evaluated, strict=True):
                if self._repo.is_duplicate(config):
                    continue
                state = TrialState.SUCCESS if report.is_usable else TrialState.FAILED
                meta = MetaData(
                    time_sampled=now,
                    sampling_worker_id=worker_id,
                    origin="imported",
                    time_ended=now,
                )
                trial = Trial(str(self._repo.next_config_number), config, state, meta, report)
                self._commit([trial], mirrors=("config", "metadata", "report"))
                added.append(trial)
        return added

    @retry_if_lock_lost
    def lock_and_enqueue(
        self, configs: Sequence[Mapping[str, Any]], *, worker_id: str
    ) -> list[Trial]:
        """Add configs to evaluate next, as PENDING trials (duplicates are skipped).

        Raises:
            ConfigError: a config does not fit the space; nothing is added then.
        """
        valid = self._validated(configs)
        now = time.time()
        with self._locked():
            added = []
            for config in valid:
                if self._repo.is_duplicate(config):
                    continue
                meta = MetaData(time_sampled=now, sampling_worker_id=worker_id, origin="enqueued")
                trial = Trial(str(self._repo.next_config_number), config, TrialState.PENDING, meta)
                self._commit([trial], mirrors=("config", "metadata"))
                added.append(trial)
        return added

    # -- stop, pause, resume -------------------------------------------------------------
    @retry_if_lock_lost
    def lock_and_request(self, trial_id: str, action: str) -> str:
        """Stop or pause a trial. A pending or paused one changes state at once; for an
        evaluating one a request is left for its worker, which ends the evaluation.

        Returns:
            ``"stopped"``, ``"paused"`` or ``"requested"``.

        Raises:
            NePSError: the action is unknown or the trial is already finished.
        """
        if action not in ACTIONS:
            raise NePSError(f"Unknown action {action!r}; use one of {ACTIONS}.")
        with self._locked():
            trial = self._repo.get(trial_id)
            if trial.state is TrialState.EVALUATING:
                if safe_paths.kind_of(self.path, self.layout.trial_dir(trial_id)) is None:
                    self._repo.update_trial(trial, hints=("config", "metadata"))
                write_request(self.layout.trial_control_file(trial_id), action, root=self.path)
                return "requested"
            target = TrialState.PRUNED if action == "stop" else TrialState.PAUSED
            if trial.state is target or not trial.state.can_become(target):
                raise NePSError(
                    f"Trial {trial_id} is {trial.state.value}: it cannot be "
                    f"{'stopped' if action == 'stop' else 'paused'} now."
                )
            self._commit([trial.transition(target)], mirrors=("metadata",))
            return "stopped" if action == "stop" else "paused"

    @retry_if_lock_lost
    def lock_and_resume_trial(self, trial_id: str) -> Trial:
        """Queue a paused trial again; the worker that takes it finds its checkpoints in
        its directory (also passed as ``previous_pipeline_directory``).

        Raises:
            NePSError: the trial is not paused.
        """
        with self._locked():
            trial = self._repo.get(trial_id)
            if trial.state is not TrialState.PAUSED:
                raise NePSError(f"Trial {trial_id} is {trial.state.value}, not paused.")
            resumed = trial.transition(TrialState.PENDING)
            self._commit([resumed], mirrors=("metadata",))
        return resumed

    def _validated(self, configs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        if self._space is None:
            return [dict(c) for c in configs]
        out = []
        for i, config in enumerate(configs):
            try:
                out.append(self._space.validate_config(config))
            except ConfigError as exc:
                raise ConfigError(f"Config #{i} {config!r}: {exc}") from exc
        return out

    # -- trial folders -------------------------------------------------------------------
    def check_trial_folder(self, trial_id: str) -> Path:
        """``trials/<id>/`` if it is a real folder or missing (never a link); no lock.

        Raises:
            UnsafePathError: the id is invalid, or the folder (or ``trials/``) is a link.
        """
        folder = self.layout.trial_dir(trial_id)
        with contextlib.suppress(FileNotFoundError), safe_paths.directory(self.path, folder):
            pass
        return folder

    def remove_checkpoints(self, trial_id: str, *, keep: Collection[str]) -> None:
        """Delete what the evaluation left in ``trials/<id>/`` (names not in ``keep``),
        below the study only and never through a link: a planted link is removed as the
        link it is, and a folder that is itself a link is left alone, with a warning."""
        folder = self.layout.trial_dir(trial_id)
        try:
            safe_paths.remove_all_but(self.path, folder, keep)
        except FileNotFoundError:
            pass
        except OSError as exc:  # UnsafePathError included: nothing was removed through it
            logger.warning("Checkpoints of trial %s not deleted: %s", trial_id, exc)

    # -- leases and recovery -----------------------------------------------------------
    def enable_lease_recovery(self, policy: LeasePolicy) -> None:
        """Re-queue trials of workers whose lease expired, checked every
        ``policy.check_interval`` seconds whenever this process takes the next trial."""
        self._lease_policy = policy
        self._first_seen: dict[tuple[str, int], float] = {}

    def _recover_if_due(self, worker_id: str) -> list[Trial]:
        policy = self._lease_policy
        if policy is None or time.monotonic() < self._next_recovery:
            return []
        self._next_recovery = time.monotonic() + policy.check_interval
        self._apply_deferred()  # a trial that finished is not one to recover
        return self._recover_expired(worker_id, policy)

    @retry_if_lock_lost
    def lock_and_recover_expired(self, worker_id: str, policy: LeasePolicy) -> list[Trial]:
        """Re-queue (or fail, past ``max_retries``) every trial whose owner's lease expired."""
        with self._locked():
            return self._recover_expired(worker_id, policy)

    def _check_budget(
        self, sampler: Sampler, limits: BudgetInfo, wait_for_running: bool
    ) -> NextTrial | None:
        """``sampler.check_budget``, and when the budget is handed out, wait instead of
        stopping while some unfinished trial belongs to a worker that stopped renewing
        its lease: once the lease expires the trial is re-queued and this worker takes it
        over. Without that, workers that finish together leave a dead worker's trial
        unfinished for good, since nobody is left to notice. Trials of live workers are
        waited for only with ``wait_for_running``."""
        result = sampler.check_budget(limits, wait_for_running)
        policy = self._lease_policy
        if result is None or result.should_wait or policy is None:
            return result
        self._apply_deferred()  # an outcome waiting to be applied is not an orphan
        unproven = self._trials_without_proof_of_life(sampler.worker_id, policy)
        if not unproven:
            return sampler.check_budget(limits, wait_for_running)
        return replace(result, should_wait=True, orphans=tuple(t.id for t in unproven))

    def _trials_without_proof_of_life(self, worker_id: str, policy: LeasePolicy) -> list[Trial]:
        """Other workers' running trials whose worker has not renewed its lease since this
        worker first looked. A silent lease (missed heartbeats) may be a dead worker's;
        a fresh-looking one may belong to a worker killed a moment ago, so it counts as
        live only once renewed again (at most one heartbeat of waiting)."""
        running = [
            t for t in self._repo.evaluating() if t.metadata.evaluating_worker_id != worker_id
        ]
        if not running:
            return []
        now = server_now(self.layout)
        unproven = []
        for trial in running:
            age = self._owner_silence(trial, now)
            first_seen = self._first_seen.setdefault((trial.id, trial.metadata.attempt), now)
            renewed_since = age is not None and age < now - first_seen
            if age is None or age > policy.silent_after or not renewed_since:
                unproven.append(trial)
        return unproven

    def _owner_silence(self, trial: Trial, now: float) -> float | None:
        """Seconds since the trial's worker last renewed its lease; without a lease, the
        age of the file the claim wrote (None when neither exists)."""
        owner = trial.metadata.evaluating_worker_id or ""
        age = lease_age(self.layout, owner, now)
        if age is None:
            age = file_age(self.layout.trial_config_file(trial.id), now)
        return age

    def _recover_expired(self, worker_id: str, policy: LeasePolicy) -> list[Trial]:
        running = self._repo.evaluating()
        if not running:
            return []
        now = server_now(self.layout)
        recovered = []
        for trial in running:
            owner = trial.metadata.evaluating_worker_id or ""
            age = self._owner_silence(trial, now)
            if age is not None and age <= policy.grace:
                continue
            reason = (
                f"worker {owner} stopped renewing its lease "
                f"({'no lease' if age is None else f'{age:.0f} s ago'}; grace {policy.grace:g} s)"
            )
            outcome = self._requeue(trial, reason=reason, max_retries=policy.max_retries)
            recovered.append(outcome)
            self._record_error(ErrorRecord(time.time(), worker_id, trial.id, "WorkerLost", reason))
            logger.warning("Trial %s is now %s: %s", trial.id, outcome.state.value, reason)
        return recovered
