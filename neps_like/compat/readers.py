"""NePS's readers of a finished study: ``load_config``, ``load_pipeline_space``,
``load_optimizer_info``, and the interactive ``create_config``.

``load_config`` serves two callers. A script trial calls ``load_config()`` (or with the
path of its config file) for its own config, as neps_like always had it. NePS's form,
``load_config(config_path=..., pipeline_space=..., config=..., config_id=...)``, reads any
trial of a study: ``config_path`` is the study, a trial folder (``trials/<id>``, or
NePS's ``configs/config_<id>``) or a file inside one. Configs come from the journal, so
trials without a folder are found too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from neps_like import script_helpers
from neps_like._errors import ArgumentError, ConfigError, StudyMismatchError, TrialNotFoundError
from neps_like.space import PipelineSpace, SearchSpace
from neps_like.state.layout import Layout
from neps_like.state.neps_state import NePSState


def _study_and_trial(path: Path, config_id: str | None) -> tuple[Path, str]:
    """The study root above ``path`` and the trial id ``path`` (or ``config_id``) names."""
    trial_id = config_id
    for candidate in [path, *path.parents]:
        if Layout.at(candidate).study_file.exists():
            rest = path.relative_to(candidate).parts
            if trial_id is None and len(rest) >= 2 and rest[0] in ("trials", "configs"):
                trial_id = rest[1].removeprefix("config_")
            if trial_id is None:
                raise ArgumentError(
                    f"load_config: {path} is the study {candidate}; say which trial with "
                    "config_id=..."
                )
            return candidate, trial_id
    raise ArgumentError(f"load_config: no neps_like study at or above {path}")


def _is_space(value: Any) -> bool:
    is_class = isinstance(value, type) and issubclass(value, PipelineSpace)
    return isinstance(value, SearchSpace | PipelineSpace) or is_class


def load_config(
    path: str | os.PathLike[str] | Any = None,
    *,
    pipeline_space: Any = None,
    config: Mapping[str, Any] | None = None,
    config_path: str | os.PathLike[str] | None = None,
    config_id: str | None = None,
) -> dict[str, Any]:
    """A trial's config: in a script trial its own, else the one ``config_path`` names.

    Raises:
        ArgumentError: no study or trial can be found from the arguments.
        StudyMismatchError: ``pipeline_space`` differs from the study's.
    """
    if _is_space(path):  # NePS's first positional argument is the space
        pipeline_space, path = path, None
    if config is not None:
        return dict(config)
    if config_path is None:
        return script_helpers.load_config(None if path is None else Path(path))
    root, trial_id = _study_and_trial(Path(config_path).absolute(), config_id)
    state = NePSState.create_or_load(root, load_only=True)
    stored = state.lock_and_get_search_space()
    if pipeline_space is not None and stored is not None:
        given = SearchSpace.from_user(pipeline_space)
        if given != stored:
            raise StudyMismatchError(
                f"load_config: the pipeline_space differs from the one stored in {root}: "
                f"{stored.describe_difference(given)}"
            )
    trials = state.lock_and_read_trials()
    if trial_id not in trials:
        raise TrialNotFoundError(f"load_config: the study {root} has no trial {trial_id!r}")
    return SearchSpace.unflatten(trials[trial_id].config)


def load_pipeline_space(root_directory: str | os.PathLike[str]) -> SearchSpace:
    """The search space stored with the study (accepted wherever a space is)."""
    state = NePSState.create_or_load(Path(root_directory), load_only=True)
    space = state.lock_and_get_search_space()
    if space is None:
        raise ArgumentError(f"The study in {root_directory} stores no search space.")
    return space


def load_optimizer_info(root_directory: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"name": ..., "info": {settings}}`` of the optimizer the study was run with."""
    state = NePSState.create_or_load(Path(root_directory), load_only=True)
    info = state.lock_and_get_optimizer_info()
    if info is None:
        raise ArgumentError(f"The study in {root_directory} has not recorded an optimizer yet.")
    return {"name": info.name, "info": dict(info.settings)}


def create_config(
    pipeline_space: Any = None,
    root_directory: str | os.PathLike[str] | None = None,
    *,
    ask: Callable[[str], str] = input,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build a config by asking for each parameter's value (``ask``: ``input`` by default).

    An empty answer takes the prior (or the centre of the range, the first choice, the
    fidelity's upper bound). Returns ``(config, config)``: NePS returns the config and
    the resolved pipeline, which for neps_like's spaces are the same values.
    """
    if pipeline_space is None:
        if root_directory is None:
            raise ArgumentError("create_config needs pipeline_space or root_directory.")
        space = load_pipeline_space(root_directory)
    else:
        space = SearchSpace.from_user(pipeline_space)
    defaults = space.prior_config()
    config: dict[str, Any] = {}
    for name, param in space.parameters.items():
        while True:
            answer = ask(f"{name} {param!r} [{defaults[name]!r}]: ").strip()
            value: Any = defaults[name] if not answer else _parse_answer(answer)
            try:
                config[name] = param.check_value(value)
                break
            except ConfigError as exc:
                print(f"  {exc}")
    checked = space.validate_config(config)
    return checked, dict(checked)


def _parse_answer(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text
