"""The variation operators shared by the evolutionary and local-search optimizers."""

from __future__ import annotations

import numpy as np
import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers import _variation as var
from neps_like.space import Categorical, Float, SearchSpace


def _space(d: int) -> SearchSpace:
    return SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(d)})


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "all", None])
def test_a_bad_change_count_is_refused_naming_setting_and_value(bad: object) -> None:
    with pytest.raises(OptimizerError) as info:
        var.check_change_count("n_mutations", bad, allow_none=False)
    message = str(info.value)
    assert "n_mutations" in message and repr(bad) in message


@pytest.mark.parametrize("good", [1, 4, "random", "half"])
def test_good_change_counts_are_accepted(good: object) -> None:
    var.check_change_count("n_mutations", good)


@pytest.mark.parametrize(("n_params", "half"), [(1, 1), (2, 1), (3, 1), (4, 2), (7, 3)])
def test_half_of_the_parameters(n_params: int, half: int) -> None:
    rng = np.random.default_rng(0)
    assert var.how_many("half", n_params, rng) == half
    draws = {var.how_many("random", n_params, rng) for _ in range(50)}
    assert draws == set(range(1, half + 1))


def test_how_many_clamps_an_integer_to_the_parameter_count() -> None:
    rng = np.random.default_rng(0)
    assert var.how_many(10, 3, rng) == 3
    assert var.how_many(2, 3, rng) == 2


@pytest.mark.parametrize("seed", range(10))
def test_mutate_moves_exactly_n_distinct_parameters(seed: int) -> None:
    space = SearchSpace(
        {**{f"x{i}": Float(0.0, 1.0) for i in range(5)}, "c": Categorical(["a", "b"])}
    )
    config = {**{f"x{i}": 0.5 for i in range(5)}, "c": "a"}
    rng = np.random.default_rng(seed)
    for n in (1, 3, 6):
        out = var.mutate(space, config, n, rng)
        changed = [k for k in config if out[k] != config[k]]
        assert len(changed) == n
        assert all(0.0 <= out[f"x{i}"] <= 1.0 for i in range(5))


@pytest.mark.parametrize("seed", range(5))
def test_forget_redraws_exactly_n_distinct_parameters(seed: int) -> None:
    space, rng = _space(6), np.random.default_rng(seed)
    config = {f"x{i}": 0.5 for i in range(6)}
    out = var.forget(space, config, 4, rng)
    assert sum(out[k] != config[k] for k in config) == 4
