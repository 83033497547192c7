"""ConfigSpace spaces and Optuna samplers, when those optional packages are installed."""

from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps


def test_configspace_space_runs(tmp_path: Path) -> None:
    cs_mod = pytest.importorskip("ConfigSpace")
    cs = cs_mod.ConfigurationSpace({"lr": (1e-4, 1e-1), "layers": (1, 4), "act": ["relu", "tanh"]})
    cs.add(cs_mod.UniformFloatHyperparameter("wd", 1e-6, 1e-2, log=True))
    space = neps.SearchSpace.from_user(cs)
    assert set(space.parameters) == {"lr", "layers", "act", "wd"}
    assert space.parameters["wd"] == neps.Float(1e-6, 1e-2, log=True)
    neps.run(
        lambda lr, layers, act, wd: lr,
        cs,
        root_directory=tmp_path / "r",
        optimizer="random_search",
        evaluations_to_spend=3,
    )
    assert neps.load(tmp_path / "r").counts() == {"success": 3}


def test_configspace_conditions_are_refused() -> None:
    cs_mod = pytest.importorskip("ConfigSpace")
    cs = cs_mod.ConfigurationSpace({"opt": ["sgd", "adam"], "momentum": (0.0, 1.0)})
    cs.add(cs_mod.EqualsCondition(cs["momentum"], cs["opt"], "sgd"))
    with pytest.raises(neps.SpaceError, match="conditions"):
        neps.SearchSpace.from_user(cs)


def test_optuna_tpe_as_the_optimizer(tmp_path: Path) -> None:
    pytest.importorskip("optuna")
    space = {"x": neps.Float(-2.0, 2.0), "k": neps.Integer(1, 5), "c": neps.Categorical(["a", "b"])}
    root = tmp_path / "r"
    neps.run(
        lambda x, k, c: x * x + k,
        space,
        root_directory=root,
        optimizer=("optuna", {"sampler": "tpe"}),
        evaluations_to_spend=15,
        seed=2,
    )
    trials = neps.load(root)
    assert trials.counts() == {"success": 15}
    assert (root / "optimizer_info.yaml").read_text().count("optuna") == 1
    with pytest.raises(neps.OptimizerError, match="Unknown Optuna sampler"):
        neps.run(
            lambda x, k, c: x,
            space,
            root_directory=tmp_path / "bad",
            optimizer=("optuna", {"sampler": "nope"}),
            evaluations_to_spend=1,
        )


def test_optuna_sampler_object_is_recorded_by_type(tmp_path: Path) -> None:
    optuna = pytest.importorskip("optuna")
    space = {"x": neps.Float(-2.0, 2.0)}
    root = tmp_path / "r"
    opt = ("optuna", {"sampler": optuna.samplers.RandomSampler(seed=1)})
    neps.run(lambda x: x, space, root_directory=root, optimizer=opt, evaluations_to_spend=2)
    assert "RandomSampler" in (root / "optimizer_info.yaml").read_text()
    neps.run(lambda x: x, space, root_directory=root, optimizer=opt, evaluations_to_spend=3)
    assert len(neps.load(root)) == 3
    with pytest.raises(neps.ArgumentError, match="pass the same optimizer"):
        neps.run(lambda x: x, root_directory=root, evaluations_to_spend=4)
