"""NePS's ways in and out of a study's trials: ``UserResultDict``, ``import_trials`` with
NePS's signature, and ``load_trials_from_pickle``.

``import_trials(evaluated_trials, root_directory, pipeline_space=None,
overwrite_root_directory=False, optimizer="auto")`` does what NePS's does: a config
without the fidelity gets the fidelity's upper bound, keys the space does not know are
dropped with a warning, and the keys NePS writes for its ``PipelineSpace`` runs
(``ENVIRONMENT__<name>``, ``SAMPLING__Resolvable.<name>::<kind>__...`` with a categorical
given by index) are read as the parameter they name. neps_like's own order,
``import_trials(root, evaluated, pipeline_space=...)``, is accepted as well.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

from neps_like import trials_api
from neps_like._errors import ArgumentError
from neps_like.analysis.results import load
from neps_like.space import Categorical, SearchSpace
from neps_like.state.layout import Layout
from neps_like.state.neps_state import NePSState
from neps_like.state.overwrite import overwrite_study

logger = logging.getLogger(__name__)

_ENVIRONMENT = "ENVIRONMENT__"
_SAMPLING = "SAMPLING__Resolvable."
# What NePS's report holds besides the result itself: bookkeeping, not part of a result.
_REPORT_BOOKKEEPING = ("err", "tb", "reported_as", "evaluation_duration", "exception")


class UserResultDict(TypedDict, total=False):
    """What an evaluation may return as a dict (every key optional), as NePS names it."""

    objective_to_minimize: float | Sequence[float] | None
    cost: float | None
    learning_curve: Sequence[float] | None
    extra: Mapping[str, Any]
    info_dict: Mapping[str, Any]
    exception: Exception | None


def _plain_name(key: str) -> str:
    """The parameter a NePS ``PipelineSpace`` config key names (``key`` if none)."""
    if key.startswith(_ENVIRONMENT):
        return key[len(_ENVIRONMENT) :]
    if key.startswith(_SAMPLING):
        return key[len(_SAMPLING) :].split("::", 1)[0]
    return key


def _choice_at(key: str, param: Categorical, value: Any) -> Any:
    """NePS stores a sampled categorical under its prefixed key as the choice's index."""
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    if not 0 <= value < len(param.choices):
        raise ArgumentError(
            f"Imported config key {key!r}: index {value} is outside the "
            f"{len(param.choices)} choices {list(param.choices)}."
        )
    return param.choices[value]


def normalize_config(space: SearchSpace, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config as the space names it: NePS's prefixed keys read, the missing fidelity
    set to its upper bound, unknown keys dropped (logged as a warning)."""
    out: dict[str, Any] = {}
    unknown = []
    for key, value in config.items():
        name = _plain_name(str(key))
        if name not in space:
            unknown.append(key)
            continue
        param = space[name]
        if str(key).startswith(_SAMPLING) and isinstance(param, Categorical):
            value = _choice_at(str(key), param, value)
        out[name] = value
    fidelity = space.fidelity
    if fidelity is not None and space.fidelity_name not in out:
        out[str(space.fidelity_name)] = fidelity.upper
    for name, constant in space.constants.items():
        out.setdefault(name, constant.value)
    if unknown:
        logger.warning(
            "Unknown parameters in imported config: %s; discarding them (the space has %s).",
            sorted(map(str, unknown)),
            sorted(space),
        )
    return out


def _result_of(result: Any) -> Any:
    if isinstance(result, Mapping):
        return {k: v for k, v in result.items() if k not in _REPORT_BOOKKEEPING}
    return result


def _is_path(value: Any) -> bool:
    return isinstance(value, str | os.PathLike)


def import_trials(
    evaluated_trials: Iterable[tuple[Mapping[str, Any], Any]] | str | os.PathLike[str],
    root_directory: str | os.PathLike[str] | Iterable[Any],
    pipeline_space: Any = None,
    overwrite_root_directory: bool = False,
    optimizer: Any = "auto",
    *,
    worker_id: str = "import",
) -> list[str]:
    """Add trials evaluated elsewhere to the study in ``root_directory``.

    Args:
        evaluated_trials: ``(config, result)`` pairs (also ``{"config": ..., "result":
            ...}`` dicts); ``result`` is a ``UserResultDict`` or anything an evaluation
            may return.
        root_directory: the study; created when ``pipeline_space`` is given.
        pipeline_space: the space; optional when the study exists (then it must match).
        overwrite_root_directory: start a new study first (as ``run`` does).
        optimizer: the optimizer the study will be run with: checked to exist, recorded
            by the first ``run``.
        worker_id: recorded as the trials' sampling worker.

    Returns:
        The ids of the trials added (configs already in the study are skipped).
    """
    if _is_path(evaluated_trials) and not _is_path(root_directory):
        evaluated_trials, root_directory = root_directory, evaluated_trials  # neps_like order
    if not _is_path(root_directory):
        raise ArgumentError(
            f"import_trials: root_directory must be a path, got {type(root_directory).__name__}"
        )
    layout = Layout.at(os.fspath(root_directory))  # type: ignore[arg-type]
    if overwrite_root_directory:
        overwrite_study(layout, live_within=60.0)
    space = _space(layout, pipeline_space)
    if optimizer is not None and optimizer != "auto":
        from neps_like.compat.optimizer_settings import translate
        from neps_like.optimizers.registry import resolve_optimizer

        neps_request = translate(optimizer, space)
        resolve_optimizer(neps_request.request, neps_request.space)  # fails before writing
    pairs = []
    items: Iterable[Any] = evaluated_trials  # type: ignore[assignment]
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and "config" in item and "result" in item:
            config, result = item["config"], item["result"]
        elif isinstance(item, list | tuple) and len(item) == 2:
            config, result = item
        else:
            raise ArgumentError(
                f"Imported item #{i} is {item!r:.80}; expected a (config, result) pair."
            )
        if not isinstance(config, Mapping):
            raise ArgumentError(f"Imported item #{i}: the config is not a dict: {config!r:.80}")
        pairs.append((normalize_config(space, config), _result_of(result)))
    return trials_api.import_trials(
        layout.root, pairs, pipeline_space=space, worker_id=worker_id
    )


def _space(layout: Layout, given: Any) -> SearchSpace:
    if given is not None:
        return SearchSpace.from_user(given)
    if layout.study_file.exists():
        stored = NePSState.create_or_load(layout.root, load_only=True).lock_and_get_search_space()
        if stored is not None:
            return stored
    raise ArgumentError(
        f"No study with a stored space in {layout.root}: pass pipeline_space to create one "
        "(import_trials needs it to import into a new study)."
    )


def load_trials_from_pickle(
    root_dir: str | os.PathLike[str],
) -> list[tuple[dict[str, Any], UserResultDict]]:
    """The trials of a study that have an objective, as ``(config, result)`` pairs ready
    for ``import_trials``. (NePS reads its pickled trial files; neps_like reads its
    journal, so nothing is unpickled.)"""
    out: list[tuple[dict[str, Any], UserResultDict]] = []
    for trial in load(Path(root_dir)).values():
        report = trial.report
        if report is None or report.objective_to_minimize is None:
            continue
        result = UserResultDict(
            objective_to_minimize=report.objective_to_minimize,
            cost=report.cost,
            learning_curve=report.learning_curve,
            extra=dict(report.extra),
        )
        out.append((dict(trial.config), result))
    return out
