"""How ``optimizer=`` builds user classes and callables, and what ``"auto"`` falls back to."""

from __future__ import annotations

from typing import Any

import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers import registry
from neps_like.optimizers.registry import choose_auto, resolve_optimizer
from neps_like.space import Float, SearchSpace


def _space() -> SearchSpace:
    return SearchSpace({"x": Float(0.0, 1.0)})


class TakesSpaceAndSeed:
    def __init__(self, space: SearchSpace, seed: int) -> None:
        self.space, self.seed = space, seed

    def __call__(self, trials: Any, budget_info: Any, n: int | None = None) -> Any:
        raise NotImplementedError


class TakesSeedOnly:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def __call__(self, trials: Any, budget_info: Any, n: int | None = None) -> Any:
        raise NotImplementedError


class TakesNothing:
    def __call__(self, trials: Any, budget_info: Any, n: int | None = None) -> Any:
        raise NotImplementedError


def my_ask(trials: Any, budget_info: Any, n: int | None = None) -> Any:
    raise NotImplementedError


def test_a_user_class_gets_the_space_and_the_study_seed() -> None:
    space = _space()
    build, spec = resolve_optimizer(TakesSpaceAndSeed, space)
    opt = build(7)
    assert isinstance(opt, TakesSpaceAndSeed)
    assert opt.space is space and opt.seed == 7
    assert spec.name.endswith(".TakesSpaceAndSeed")


def test_a_class_taking_only_a_seed_gets_the_seed_and_no_space() -> None:
    build, _ = resolve_optimizer(TakesSeedOnly, _space())
    opt = build(11)
    assert isinstance(opt, TakesSeedOnly) and opt.seed == 11
    assert isinstance(build(3), TakesSeedOnly)


def test_a_class_taking_nothing_is_built_without_arguments() -> None:
    build, _ = resolve_optimizer(TakesNothing, _space())
    assert isinstance(build(5), TakesNothing)


def test_a_callable_is_used_as_is_and_recorded_by_its_own_name() -> None:
    build, spec = resolve_optimizer(my_ask, _space())
    assert build(0) is my_ask
    assert spec.name == f"custom:{__name__}.my_ask"


def test_an_object_that_is_not_callable_is_refused_by_type_name() -> None:
    with pytest.raises(OptimizerError) as info:
        resolve_optimizer(42, _space())
    message = str(info.value)
    assert message.startswith("optimizer must be a name, a (name, settings) pair")
    assert "got int" in message


def test_auto_falls_back_to_random_search(monkeypatch: pytest.MonkeyPatch) -> None:
    only_random = {"random_search": registry.OPTIMIZERS["random_search"]}
    monkeypatch.setattr(registry, "OPTIMIZERS", only_random)
    assert choose_auto(_space()) == "random_search"
    monkeypatch.setattr(registry, "OPTIMIZERS", {})
    assert choose_auto(_space()) == "random_search"
