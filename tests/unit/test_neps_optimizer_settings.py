"""NePS's optimizer settings are accepted by the optimizers neps_like has: with NePS's
meaning where neps_like can give it, else ignored with a warning naming the setting."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps


def _flat() -> dict[str, Any]:
    return {
        "x": neps.Float(0.0, 1.0, prior=0.25),
        "n": neps.Integer(1, 9, prior=7),
        "act": neps.Categorical(["relu", "tanh"], prior=1),
    }


def _run(root: Path, optimizer: Any, space: dict[str, Any], n: int = 3) -> Any:
    return neps.run(
        lambda **c: float(c.get("x", 0.5)),
        space,
        root_directory=root,
        evaluations_to_spend=n,
        optimizer=optimizer,
    )


@pytest.mark.parametrize("name", ["random_search", "bayesian_optimization", "pibo"])
def test_sample_prior_first_makes_the_prior_the_first_config(tmp_path: Path, name: str) -> None:
    root = tmp_path / name
    _run(root, (name, {"sample_prior_first": True}), _flat())
    first = neps.load(root)["1"].config
    assert first == {"x": 0.25, "n": 7, "act": "tanh"}
    assert neps.load(root)["2"].config != first


def test_sample_prior_first_in_brackets_keeps_the_rung_fidelity(tmp_path: Path) -> None:
    root = tmp_path / "hb"
    space = {**_flat(), "epochs": neps.IntegerFidelity(1, 9)}
    _run(root, ("hyperband", {"sample_prior_first": True, "eta": 3}), space)
    first = neps.load(root)["1"].config
    assert {k: first[k] for k in ("x", "n", "act")} == {"x": 0.25, "n": 7, "act": "tanh"}
    assert first["epochs"] == 1  # the lowest rung of the first bracket, as hyperband chose


def test_sample_prior_first_is_recorded_and_resume_keeps_it(tmp_path: Path) -> None:
    root = tmp_path / "s"
    _run(root, ("random_search", {"sample_prior_first": True}), _flat(), n=2)
    _run(root, None, _flat(), n=4)  # resumed with the stored optimizer
    assert len(neps.load(root)) == 4
    with pytest.raises(neps.StudyMismatchError, match="sample_prior_first"):
        _run(root, "random_search", _flat(), n=5)


def test_ignore_fidelity_true_searches_the_fidelity(tmp_path: Path) -> None:
    root = tmp_path / "s"
    space = {"x": neps.Float(0.0, 1.0), "epochs": neps.IntegerFidelity(1, 50)}
    _run(root, ("random_search", {"ignore_fidelity": True}), space, n=8)
    epochs = {t.config["epochs"] for t in neps.load(root).values()}
    assert len(epochs) > 1 and epochs != {50}


@pytest.mark.parametrize("value", [False, "highest_fidelity"])
def test_ignore_fidelity_otherwise_runs_at_the_highest_fidelity(tmp_path: Path, value: Any) -> None:
    root = tmp_path / "s"
    space = {"x": neps.Float(0.0, 1.0), "epochs": neps.IntegerFidelity(1, 50)}
    _run(root, ("random_search", {"ignore_fidelity": value}), space)
    assert {t.config["epochs"] for t in neps.load(root).values()} == {50}


def test_ignore_fidelity_bad_value(tmp_path: Path) -> None:
    with pytest.raises(neps.OptimizerError, match="ignore_fidelity must be"):
        _run(tmp_path / "s", ("random_search", {"ignore_fidelity": "lowest"}), _flat())


def test_size_per_numerical_dimension_is_the_grid_size(tmp_path: Path) -> None:
    root = tmp_path / "s"
    _run(
        root,
        ("grid_search", {"size_per_numerical_dimension": 2}),
        {"x": neps.Float(0.0, 1.0), "c": neps.Categorical(["a", "b"])},
        n=10,
    )
    assert len(neps.load(root)) == 4  # 2 values of x times 2 choices


@pytest.mark.parametrize(
    ("name", "settings", "warned"),
    [
        ("bayesian_optimization", {"cost_aware": True}, "cost_aware=True"),
        ("pibo", {"device": "cuda"}, "device='cuda'"),
        ("hyperband", {"bayesian_optimization_kick_in_point": 5}, "kick_in_point=5"),
        ("priorband", {"base": "asha"}, "base='asha'"),
        ("bayesian_optimization", {"reference_point": [1.0, 1.0]}, "reference_point"),
    ],
)
def test_unimplemented_settings_are_ignored_with_a_warning(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    settings: dict[str, Any],
    warned: str,
) -> None:
    space = (
        {**_flat(), "epochs": neps.IntegerFidelity(1, 9)}
        if name
        in (
            "hyperband",
            "priorband",
        )
        else _flat()
    )
    with caplog.at_level(logging.WARNING):
        summary = _run(tmp_path / "s", (name, settings), space, n=2)
    assert summary.evaluated == 2
    assert warned in caplog.text and "ignored" in caplog.text


def test_settings_at_their_defaults_are_accepted_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = {"cost_aware": False, "device": "cpu", "sample_prior_first": False}
    with caplog.at_level(logging.WARNING):
        _run(tmp_path / "s", ("bayesian_optimization", settings), _flat(), n=2)
    assert "ignored" not in caplog.text


def test_pibo_without_priors_warns_and_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        _run(tmp_path / "s", "pibo", {"x": neps.Float(0.0, 1.0)}, n=2)
    assert "no parameter has a prior" in caplog.text
    assert len(neps.load(tmp_path / "s")) == 2


def test_priorband_without_priors_warns_and_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    space = {"x": neps.Float(0.0, 1.0), "epochs": neps.IntegerFidelity(1, 9)}
    with caplog.at_level(logging.WARNING):
        _run(tmp_path / "s", ("priorband", {"sample_prior_first": True}), space, n=2)
    assert "no parameter has a prior" in caplog.text
    assert len(neps.load(tmp_path / "s")) == 2
