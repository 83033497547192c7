"""NePS's readers: ``load_config(config_path=..., pipeline_space=...)``,
``load_pipeline_space``, ``load_optimizer_info`` and ``create_config``."""

from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps


def _space() -> dict[str, object]:
    return {
        "lr": neps.Float(1e-4, 1e-1, log=True, prior=1e-2),
        "opt": neps.Categorical(["sgd", "adam"]),
        "model": {"depth": neps.Integer(1, 8)},
    }


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    neps.run(
        lambda lr, opt, model: lr * model["depth"],
        _space(),
        root_directory=root,
        evaluations_to_spend=3,
        optimizer=("random_search", {"use_priors": True}),
    )
    return root


def test_load_config_by_trial_folder_file_or_id(study: Path) -> None:
    expected = dict(neps.load(study)["2"].config)
    as_nested = {
        "lr": expected["lr"],
        "opt": expected["opt"],
        "model": {"depth": expected["model.depth"]},
    }
    assert neps.load_config(config_path=study / "trials" / "2") == as_nested
    assert neps.load_config(config_path=study / "trials" / "2" / "config.yaml") == as_nested
    assert neps.load_config(config_path=study / "configs" / "config_2") == as_nested
    assert neps.load_config(config_path=study, config_id="2") == as_nested
    assert (
        neps.load_config(config_path=str(study), config_id="2", pipeline_space=_space())
        == as_nested
    )


def test_load_config_checks_the_space_and_the_id(study: Path) -> None:
    with pytest.raises(neps.StudyMismatchError, match="differs"):
        neps.load_config(config_path=study, config_id="1", pipeline_space={"lr": neps.Float(0, 1)})
    with pytest.raises(neps.TrialNotFoundError, match="'9'"):
        neps.load_config(config_path=study, config_id="9")
    with pytest.raises(neps.ArgumentError, match="config_id"):
        neps.load_config(config_path=study)
    with pytest.raises(neps.ArgumentError, match="no neps_like study"):
        neps.load_config(config_path=study.parent / "elsewhere")


def test_load_config_returns_a_given_config(study: Path) -> None:
    assert neps.load_config(_space(), config={"lr": 0.1}) == {"lr": 0.1}


def test_load_pipeline_space_and_optimizer_info(study: Path) -> None:
    space = neps.load_pipeline_space(study)
    assert space == neps.SearchSpace.from_user(_space())
    info = neps.load_optimizer_info(study)
    assert info == {"name": "random_search", "info": {"use_priors": True}}
    # the loaded space continues the study
    neps.run(lambda lr, opt, model: lr, space, root_directory=study, evaluations_to_spend=4)
    assert len(neps.load(study)) == 4


def test_create_config_asks_for_each_value() -> None:
    answers = iter(["", "adam", "12", "5"])  # lr: its prior; depth 12 is refused, then 5
    config, pipeline = neps.create_config(_space(), ask=lambda prompt: next(answers))
    assert config == {"lr": 1e-2, "opt": "adam", "model.depth": 5}
    assert pipeline == config
