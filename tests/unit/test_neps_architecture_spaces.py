"""NePS's architecture spaces: ``Operation``, ``.resample()``, ``Resample``, ``ByName``
and categoricals over functions or objects. They are compiled to scalar parameters (what
optimizers search and the journal stores) and resolved for the evaluation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like.space import SearchSpace


def block(*layers: Any, width: int = 1) -> dict[str, Any]:
    return {"layers": list(layers), "width": width}


class Arch(neps.PipelineSpace):
    lr = neps.Float(1e-4, 1e-1, log=True)
    _width = neps.Integer(1, 8)
    _act = neps.Categorical(choices=(abs, math.floor, math.ceil))
    _block = neps.Operation(operator=block, args=(_act.resample(),), kwargs={"width": _width})
    model = neps.Operation(operator=tuple, args=([_block.resample(), _block.resample()],))


def test_compiled_to_scalar_parameters_at_readable_paths() -> None:
    space = SearchSpace.from_user(Arch())
    assert set(space) == {
        "lr",
        "_width",  # used without resample(): one value shared by both blocks
        "model.args.0.0.args.0.choice",
        "model.args.0.1.args.0.choice",
    }
    assert space["model.args.0.0.args.0.choice"].choices == ("abs", "floor", "ceil")
    assert SearchSpace.from_user(Arch) == space  # the class and an instance alike


def test_run_passes_resolved_objects(tmp_path: Path) -> None:
    seen: list[Any] = []

    def evaluate(lr: float, model: tuple[dict[str, Any], ...], pipeline_id: str) -> float:
        seen.append((pipeline_id, model))
        return lr

    root = tmp_path / "s"
    neps.run(evaluate, Arch(), root_directory=root, evaluations_to_spend=4)
    assert len(seen) == 4
    for pipeline_id, model in seen:
        config = neps.load(root)[pipeline_id].config
        assert len(model) == 2
        assert model[0]["width"] == model[1]["width"] == config["_width"]
        for i in (0, 1):
            chosen = config[f"model.args.0.{i}.args.0.choice"]
            assert model[i]["layers"][0].__name__ == chosen


def test_nested_operation_choices_and_shared_parameters() -> None:
    class Space(neps.PipelineSpace):
        scale = neps.Float(0.0, 1.0)
        pick = neps.Categorical(
            [
                "plain",
                scale,
                neps.Operation(operator="named", args=(neps.Integer(1, 3).resample(),)),
            ]
        )

    space = SearchSpace.from_user(Space())
    assert set(space) == {"scale", "pick.choice", "pick.2.args.0"}
    assert space["pick.choice"].choices == ("plain", "scale", "named")
    from neps_like.space._structured import Resolver

    resolver = Resolver(Space.with_private())
    flat = {"scale": 0.5, "pick.choice": "scale", "pick.2.args.0": 2}
    assert resolver.resolve(flat) == {"scale": 0.5, "pick": 0.5}  # shared with scale
    named = resolver.resolve({**flat, "pick.choice": "named"})["pick"]
    assert (named.name, named.args) == ("named", (2,))


def test_categorical_prior_index_over_objects() -> None:
    class Space(neps.PipelineSpace):
        f = neps.Categorical((abs, round), prior=1, prior_confidence="high")

    space = SearchSpace.from_user(Space())
    assert space["f.choice"].prior == "round"


def test_by_name_reference_and_recursion_refused() -> None:
    class Space(neps.PipelineSpace):
        depth = neps.Integer(1, 4)
        net = neps.Operation(operator=list, args=((neps.ByName("depth"), neps.ByName("depth")),))

    assert set(SearchSpace.from_user(Space())) == {"depth"}

    class Loop(neps.PipelineSpace):
        tree = neps.Categorical(choices=("leaf", (neps.ByName("tree").resample(),)))

    with pytest.raises(neps.SpaceError, match="recursive spaces are not supported"):
        SearchSpace.from_user(Loop())


def test_every_optimizer_family_searches_it(tmp_path: Path) -> None:
    for optimizer in ("random_search", "bayesian_optimization"):
        root = tmp_path / optimizer
        neps.run(
            lambda lr, model: lr,
            Arch(),
            root_directory=root,
            evaluations_to_spend=3,
            optimizer=optimizer,
        )
        assert len(neps.load(root)) == 3


def test_building_blocks_outside_a_pipeline_space_are_refused() -> None:
    with pytest.raises(neps.SpaceError, match="architecture building block"):
        SearchSpace({"c": neps.Categorical(["a", [1]])})
    with pytest.raises(neps.SpaceError, match=r"declare it in a neps\.PipelineSpace"):
        SearchSpace({"op": neps.Operation(operator=abs, args=(neps.Float(0, 1),))})
