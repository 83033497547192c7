"""The public entry points: ``run`` (one worker), ``load`` and ``status``.

``run`` is NePS's ``neps.run``: call it from as many processes as you have workers, all
with the same ``root_directory``. Running it again continues the same study.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from neps_like._errors import ArgumentError, NepsLikeError
from neps_like.analysis.neps_status import status
from neps_like.analysis.results import Results, load, write_summary
from neps_like.compat.optimizer_settings import PriorFirst, translate
from neps_like.compat.structured_eval import structured_evaluation
from neps_like.optimizers.registry import OptimizerSpec, resolve_optimizer, stored_request
from neps_like.runtime import arguments as args_mod
from neps_like.runtime.evaluation import FunctionEvaluator, load_callable
from neps_like.runtime.recovery import BackgroundRecovery
from neps_like.runtime.script import ScriptEvaluator
from neps_like.runtime.signals import handle_stop_signals
from neps_like.runtime.worker import Worker, WorkerSettings, WorkerSummary
from neps_like.space import SearchSpace
from neps_like.state.layout import Layout
from neps_like.state.leases import Heartbeat, live_workers, remove_lease
from neps_like.state.neps_state import LeasePolicy, NePSState
from neps_like.state.optimizer_info import OptimizationState, OptimizerInfo
from neps_like.state.overwrite import overwrite_study
from neps_like.state.records import BudgetInfo
from neps_like.state.trial_repo import check_trial_folders

logger = logging.getLogger(__name__)

__all__ = ["Results", "load", "requested_optimizer", "run", "status"]

def _accepted() -> set[str]:
    """The canonical argument names: ``run()``'s own parameters."""
    return {n for n in inspect.signature(run).parameters if n != "legacy"}


def run(
    evaluate_pipeline: Callable[..., Any] | str | None = None,
    pipeline_space: Any = None,
    *,
    root_directory: str | os.PathLike[str] = "neps_results",
    optimizer: Any = None,
    evaluations_to_spend: int | None = None,
    cost_to_spend: float | None = None,
    fidelities_to_spend: float | None = None,
    worker_evaluations_to_spend: int | None = None,
    worker_cost_to_spend: float | None = None,
    worker_fidelities_to_spend: float | None = None,
    continue_until_max_evaluation_completed: bool = False,
    overwrite_root_directory: bool = False,
    ignore_errors: bool | None = None,
    on_error: Literal["raise", "ignore", "retry"] | None = None,
    max_retries: int = 2,
    objective_value_on_error: float | list[float] | None = None,
    cost_value_on_error: float | None = None,
    sample_batch_size: int = 1,
    seed: int | None = None,
    worker_id: str | None = None,
    max_wallclock_time_seconds: float | None = None,
    write_summary_to_disk: bool = True,
    lease_grace_seconds: float = 60.0,
    heartbeat_seconds: float = 5.0,
    script: str | os.PathLike[str] | list[str] | None = None,
    script_config_as: Literal["json", "args"] = "json",
    script_config_flag: bool = False,
    script_timeout_seconds: float | None = None,
    delete_checkpoints: bool = False,
    trial_folders: Literal["auto", "always"] = "auto",
    live_plots: bool = False,
    **legacy: Any,
) -> WorkerSummary:
    """Run one worker on the study in ``root_directory`` until a stopping rule holds.

    Every argument after ``pipeline_space`` is keyword-only. Older NePS spellings
    (``max_evaluations_total``, ``max_cost_total``, ``max_evaluations_per_run``,
    ``working_directory``, ``run_pipeline``, ``searcher``, ...; the full map is
    ``neps_like.runtime.arguments.ALIASES``) are accepted through ``**legacy`` and mapped
    onto these names; a misspelt name is an error naming the nearest valid one.

    Args:
        evaluate_pipeline: the function to minimise, or ``"path/file.py:function"``. It
            receives the config as keyword arguments, plus ``pipeline_directory``,
            ``previous_pipeline_directory`` and ``pipeline_id`` (the trial id) when its
            signature names them, and returns a
            number, a list of numbers (several objectives) or a dict with
            ``objective_to_minimize``, ``cost``, ``learning_curve``, ``extra``.
        pipeline_space: a dict of parameters (nested dicts allowed), a ``PipelineSpace``,
            a ``SearchSpace`` or a YAML file. Optional when resuming.
        root_directory: the study directory shared by all workers (default "neps_results").
        optimizer: a name (``"auto"``, ``"random_search"``, ``"grid_search"``, ...), a
            ``(name, settings)`` pair, a dict with ``name``, or your own ask callable.
            Omitted on resume: the optimizer the study was started with.
        evaluations_to_spend: global number of evaluations, over all workers and restarts;
            never exceeded.
        cost_to_spend: stop sampling once the reported costs sum to this.
        fidelities_to_spend: stop sampling once the fidelity values sum to this.
        worker_evaluations_to_spend: evaluations of this process only.
        worker_cost_to_spend / worker_fidelities_to_spend: this process stops sampling once
            the costs it reported (the fidelity values it evaluated) sum to this.
        continue_until_max_evaluation_completed: when the budget is handed out, wait for
            the other workers' trials to finish (taking over any that are re-queued)
            instead of exiting.
        overwrite_root_directory: delete the study first and start a new one. Only a
            neps_like study (or an empty directory) is emptied, and not while workers
            hold live leases on it: anything else raises ``NePSError`` naming it.
        ignore_errors / on_error: ``"raise"`` (default; the trial is recorded FAILED and
            this worker re-raises), ``"ignore"`` (recorded, continue) or ``"retry"``
            (re-queued up to ``max_retries`` times, then FAILED).
        objective_value_on_error / cost_value_on_error: values recorded for a failed
            trial; setting either also stops errors from being raised.
        sample_batch_size: sample this many trials per lock hold (default 1).
        seed: the study's seed; a random one is recorded when omitted.
        worker_id: this worker's name (default: host-pid-random).
        max_wallclock_time_seconds: this worker stops sampling after so many seconds.
        write_summary_to_disk: write ``summary/`` when the worker stops and no other
            worker is running (default True; ``neps-like status`` writes it too).
        script: instead of ``evaluate_pipeline``, a program run once per trial in its
            trial directory (``"train.py"`` runs with this Python, or an argv list); it
            reads its config with ``neps_like.load_config()`` and reports with
            ``neps_like.report(...)``. ``script_config_as="args"`` passes the config as
            ``--name=value`` arguments too, ``script_config_flag=True`` adds
            ``--config PATH``; ``script_timeout_seconds`` bounds each trial.
        trial_folders: which trials get a readable folder ``trials/<id>/`` (config.yaml,
            metadata.json, report.yaml, and the evaluation's own files): ``"auto"``
            (default) when the evaluation needs one (the function asks for
            ``pipeline_directory`` or ``previous_pipeline_directory``, or a script runs),
            ``"always"`` for every trial. Every trial is in the journal either way
            (``neps_like.load``, ``neps-like status``, ``summary/trials.csv``); a folder
            costs several file creations, the largest cost of a fast trial.
        delete_checkpoints: after a trial finishes, delete what the evaluation wrote in its
            directory (records and logs stay). Not with multi-fidelity continuations,
            which start from the previous trial's directory.
        lease_grace_seconds: a worker silent for this long (SIGKILLed, node lost) has its
            trial re-queued by another worker (default 60).
        heartbeat_seconds: how often a live worker renews its lease (default 5).
        live_plots: NePS 0.17 draws plots while running; neps_like does not, and says so
            in a warning (``neps-like status ROOT --watch`` or ``neps-like dashboard ROOT``
            follow a study live; ``neps_like.analysis.plots`` draws its figures).
        max_retries: attempts after the first for a crashed (or, with ``on_error="retry"``,
            failed) trial before it is FAILED (default 2).

    SIGTERM, SIGINT and SIGUSR1 make the worker re-queue its trial (its directory kept
    for the next attempt) and return; a second signal exits at once.

    Returns:
        What this worker did: evaluations, failures and why it stopped.
    """
    explicit = {k: v for k, v in locals().items() if k in _PARAMETERS}
    opts = args_mod.canonicalise(_given(explicit, legacy), _accepted())
    if opts.get("live_plots"):
        logger.warning(
            "live_plots=True: neps_like draws no plots while running; follow the study with "
            "`neps-like status ROOT --watch` or `neps-like dashboard ROOT`."
        )
    evaluator = _evaluator(opts)
    settings = _worker_settings(opts)
    layout = Layout.at(opts.get("root_directory", "neps_results"))
    if opts.get("overwrite_root_directory"):
        # Only a study or an empty directory, never with live workers, never via links.
        grace = args_mod.positive("lease_grace_seconds", opts.get("lease_grace_seconds"))
        overwrite_study(layout, live_within=grace or 60.0)
    state, optimizer, space = _open_study(layout, opts, settings.limits)
    if settings.delete_checkpoints and space is not None and space.fidelity_name is not None:
        raise ArgumentError(
            "delete_checkpoints=True would delete the checkpoints that multi-fidelity "
            f"promotions continue from (the space has the fidelity {space.fidelity_name!r})."
        )
    p = args_mod.positive
    heartbeat = p("heartbeat_seconds", opts.get("heartbeat_seconds")) or 5.0
    grace = p("lease_grace_seconds", opts.get("lease_grace_seconds")) or 60.0
    if grace <= heartbeat:
        raise ArgumentError(
            f"lease_grace_seconds={grace} must exceed heartbeat_seconds={heartbeat}, "
            "or live workers would lose their trials."
        )
    policy = LeasePolicy(
        grace=grace,
        check_interval=min(grace / 2, 10.0),
        max_retries=settings.max_retries,
        heartbeat=heartbeat,
    )
    state.enable_lease_recovery(policy)
    env = args_mod.environment_settings()
    with handle_stop_signals() as stop:
        worker_id = state.lock_and_set_new_worker_id(opts.get("worker_id"))
        beat = Heartbeat(layout.worker_file(worker_id), heartbeat)
        beat.start()
        rescuer = BackgroundRecovery(
            layout.root, worker_id, policy, sync=env["sync"], lock_kind=env["lock_kind"]
        )
        rescuer.start()
        worker = Worker(
            state, optimizer, evaluator, settings, worker_id=worker_id, space=space, stop=stop
        )
        try:
            return worker.run()
        finally:
            rescuer.stop()
            beat.stop()
            remove_lease(layout, worker_id)
            state.close()
            # The last worker out writes the summary: each removes its lease first, so of
            # workers stopping together at least the last one finds no other live lease.
            replaced = worker.summary.study_replaced  # its view is of the old study
            if (
                opts.get("write_summary_to_disk", True)
                and not replaced
                and not live_workers(layout, grace)
            ):
                try:
                    write_summary(state)
                except (OSError, NepsLikeError) as exc:  # a side dish: never fail the run
                    logger.warning("Could not update %s: %s", layout.summary_dir, exc)


_PARAMETERS = {
    n: p.default for n, p in inspect.signature(run).parameters.items() if n != "legacy"
}
# The canonical argument names (``launch`` checks its pass-through arguments against them).
_ACCEPTED = set(_PARAMETERS)


def _given(explicit: Mapping[str, Any], legacy: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the caller set: parameters left at their default are omitted, so an
    older spelling in ``legacy`` can stand in for them (both set and different: an error)."""
    given = {k: v for k, v in explicit.items() if not _is_default(v, _PARAMETERS[k])}
    given.update(legacy)
    return given


def _is_default(value: Any, default: Any) -> bool:
    if value is default:
        return True
    return type(value) is type(default) and isinstance(value, (str, bool, int, float)) and (
        value == default
    )


def requested_optimizer(layout: Layout, given: Any) -> Any:
    """``given``, or when omitted on resume the optimizer the study was started with."""
    if given is not None:
        return given
    if layout.optimizer_info_file.exists():
        info = NePSState.create_or_load(layout.root, load_only=True).lock_and_get_optimizer_info()
        if info is not None:
            request = stored_request(info.to_dict())
            if request is None:
                raise ArgumentError(
                    f"The study in {layout.root} was started with optimizer {info.name!r}, "
                    "which cannot be rebuilt from its record: pass the same optimizer= again."
                )
            return request
    return "auto"


def _evaluator(opts: Mapping[str, Any]) -> FunctionEvaluator | ScriptEvaluator:
    fn, script = opts.get("evaluate_pipeline"), opts.get("script")
    if (fn is None) == (script is None):
        raise ArgumentError(
            "run() needs exactly one of evaluate_pipeline (a callable or 'file.py:function') "
            "and script (a program run once per trial)."
        )
    if script is None:
        function = load_callable(cast("str | Callable[..., Any]", fn))
        resolving = structured_evaluation(function, opts.get("pipeline_space"))
        return FunctionEvaluator(function if resolving is None else resolving)
    return ScriptEvaluator(
        script,
        config_as=opts.get("script_config_as", "json"),
        config_flag=bool(opts.get("script_config_flag", False)),
        timeout=args_mod.positive("script_timeout_seconds", opts.get("script_timeout_seconds")),
    )


def _worker_settings(opts: Mapping[str, Any]) -> WorkerSettings:
    p = args_mod.positive
    batch = p("sample_batch_size", opts.get("sample_batch_size"), integer=True) or 1
    return WorkerSettings(
        limits=BudgetInfo(
            max_evaluations=p(
                "evaluations_to_spend", opts.get("evaluations_to_spend"), integer=True
            ),
            max_cost_total=p("cost_to_spend", opts.get("cost_to_spend")),
            max_fidelity_total=p("fidelities_to_spend", opts.get("fidelities_to_spend")),
        ),
        max_evaluations_per_run=p(
            "worker_evaluations_to_spend", opts.get("worker_evaluations_to_spend"), integer=True
        ),
        max_cost_per_run=p("worker_cost_to_spend", opts.get("worker_cost_to_spend")),
        max_fidelity_per_run=p(
            "worker_fidelities_to_spend", opts.get("worker_fidelities_to_spend")
        ),
        max_wallclock_time_seconds=p(
            "max_wallclock_time_seconds", opts.get("max_wallclock_time_seconds")
        ),
        continue_until_max_evaluation_completed=bool(
            opts.get("continue_until_max_evaluation_completed", False)
        ),
        on_error=args_mod.resolve_on_error(opts.get("on_error"), opts.get("ignore_errors")),  # type: ignore[arg-type]
        max_retries=int(opts.get("max_retries", 2)),
        objective_value_on_error=opts.get("objective_value_on_error"),
        cost_value_on_error=opts.get("cost_value_on_error"),
        batch_size=batch,
        delete_checkpoints=bool(opts.get("delete_checkpoints", False)),
        trial_folders=check_trial_folders(opts.get("trial_folders", "auto")),
    )


def _open_study(
    layout: Layout, opts: Mapping[str, Any], limits: BudgetInfo
) -> tuple[NePSState, Any, SearchSpace | None]:
    """Create or load the study and build the optimizer every worker rebuilds identically."""
    env = args_mod.environment_settings()
    raw_space = opts.get("pipeline_space")
    space = SearchSpace.from_user(raw_space) if raw_space is not None else None
    if space is None:
        if not layout.study_file.exists():
            raise ArgumentError(
                f"run() needs pipeline_space to start a new study in {layout.root}."
            )
        space = NePSState.create_or_load(layout.root, load_only=True).lock_and_get_search_space()
        if space is None:
            raise ArgumentError(f"The study in {layout.root} has no stored search space; pass one.")
    neps_request = translate(requested_optimizer(layout, opts.get("optimizer")), space)
    build, spec = resolve_optimizer(neps_request.request, neps_request.space)
    if neps_request.recorded:
        spec = OptimizerSpec(spec.name, {**spec.settings, **neps_request.recorded})
    state = NePSState.create_or_load(
        layout.root,
        optimizer_info=OptimizerInfo(spec.name, spec.settings),
        optimizer_state=OptimizationState(budget=limits),
        pipeline_space=space,
        seed=opts.get("seed"),
        sync=env["sync"],
        lock_stats_path=env["lock_stats_path"],
        lock_kind=env["lock_kind"],
    )
    optimizer = build(state.seed)  # the seed on disk: every worker builds the same optimizer
    if neps_request.sample_prior_first:
        optimizer = PriorFirst(optimizer, space)
    return state, optimizer, space
