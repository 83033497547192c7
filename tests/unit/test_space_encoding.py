"""The unit-cube encoding, the fidelity scale, and property tests over random spaces."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neps_like._errors import ConfigError, SpaceError
from neps_like.space import (
    Categorical,
    Constant,
    Float,
    FloatFidelity,
    Integer,
    IntegerFidelity,
    Parameter,
    SearchSpace,
)
from neps_like.space._build import dump_yaml_text


def make_space() -> SearchSpace:
    return SearchSpace(
        {
            "lr": Float(1e-4, 1.0, log=True),
            "n": Integer(0, 4),
            "seed": Constant(7),
            "act": Categorical(["relu", "gelu", "tanh", "silu"]),
            "epochs": IntegerFidelity(1, 81, log=True),
            "x": Float(-1.0, 1.0),
        }
    )


def test_layout() -> None:
    space = make_space()
    assert space.n_dims == 4
    assert space.encoded_kinds == ["float", "int", "cat", "float"]
    assert space.n_choices == [0, 0, 4, 0]


def test_encode_values() -> None:
    space = make_space()
    config = {"lr": 1e-2, "n": 2, "seed": 7, "act": "tanh", "epochs": 3, "x": 0.5}
    x = space.encode([config, {**config, "n": 0, "act": "relu", "lr": 1.0}])
    assert x.shape == (2, 4) and x.dtype == np.float64
    np.testing.assert_allclose(x[0], [0.5, 2.5 / 5, 2.5 / 4, 0.75])
    np.testing.assert_allclose(x[1], [1.0, 0.5 / 5, 0.5 / 4, 0.75])
    assert space.encode([]).shape == (0, 4)


def test_decode_fills_constants_and_fidelity() -> None:
    space = make_space()
    configs = space.decode(np.array([[0.5, 0.5, 0.9, 0.0], [-3.0, 7.0, 0.0, 2.0]]))
    assert configs[0] == {
        "lr": pytest.approx(1e-2),
        "n": 2,
        "seed": 7,
        "act": "silu",
        "epochs": 81,
        "x": -1.0,
    }
    assert configs[1] == {"lr": 1e-4, "n": 4, "seed": 7, "act": "relu", "epochs": 81, "x": 1.0}
    assert list(configs[0]) == list(space.parameters)


def test_decode_rejects_bad_arrays() -> None:
    space = make_space()
    with pytest.raises(ConfigError, match=r"shape \(4,\); expected \(n, 4\)"):
        space.decode(np.zeros(4))
    with pytest.raises(ConfigError, match=r"shape \(1, 3\); expected \(n, 4\)"):
        space.decode(np.zeros((1, 3)))
    with pytest.raises(ConfigError, match="NaN"):
        space.decode(np.array([[0.5, np.nan, 0.5, 0.5]]))


def test_encode_errors_name_config_and_parameter() -> None:
    space = make_space()
    good = {"lr": 1e-2, "n": 2, "seed": 7, "act": "tanh", "epochs": 3, "x": 0.5}
    with pytest.raises(ConfigError, match=r"config 1 is missing parameter 'act'"):
        space.encode([good, {k: v for k, v in good.items() if k != "act"}])
    with pytest.raises(ConfigError, match=r"config 0, parameter 'n': value 9 is outside \[0, 4\]"):
        space.encode([{**good, "n": 9}])
    with pytest.raises(ConfigError, match=r"config 0, parameter 'act': value 'elu' is not one"):
        space.encode([{**good, "act": "elu"}])


def test_space_without_searchables() -> None:
    space = SearchSpace({"a": 1, "f": FloatFidelity(0.1, 1.0)})
    assert space.n_dims == 0
    assert space.encode([{"a": 1, "f": 0.5}]).shape == (1, 0)
    assert space.decode(np.zeros((2, 0))) == [{"a": 1, "f": 1.0}] * 2


def test_fidelity_scale() -> None:
    log_int = make_space()
    assert log_int.fidelity_to_unit(1) == 0.0 and log_int.fidelity_to_unit(81) == 1.0
    assert log_int.fidelity_to_unit(9) == pytest.approx(0.5)
    assert log_int.unit_to_fidelity(0.5) == 9 and log_int.unit_to_fidelity(0.75) == 27
    assert type(log_int.unit_to_fidelity(0.3)) is int
    linear = SearchSpace({"f": FloatFidelity(0.0, 2.0)})
    assert linear.fidelity_to_unit(0.5) == 0.25 and linear.unit_to_fidelity(0.75) == 1.5
    assert linear.unit_to_fidelity(5.0) == 2.0
    with pytest.raises(ConfigError, match=r"parameter 'f': value 3\.0 is outside"):
        linear.fidelity_to_unit(3.0)
    with pytest.raises(ConfigError, match=r"fidelity 'f': unit value must not be NaN"):
        linear.unit_to_fidelity(float("nan"))
    with pytest.raises(SpaceError, match="no fidelity"):
        SearchSpace({"x": Float(0, 1)}).unit_to_fidelity(0.5)


# --- property tests over random spaces -------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
scalars = st.one_of(st.text(max_size=8), st.integers(-1000, 1000), finite, st.booleans())


def _choice_key(value: Any) -> tuple[bool, bool, Any]:
    return (isinstance(value, bool), isinstance(value, str), value)


def _itself(value: Any) -> Any:
    return value


@st.composite
def floats_params(draw: st.DrawFn) -> Parameter:
    log = draw(st.booleans())
    if log:
        lower = draw(st.floats(min_value=1e-8, max_value=1e3))
        upper = lower * draw(st.floats(min_value=1.001, max_value=1e6))
    else:
        lower = draw(finite)
        upper = lower + draw(st.floats(min_value=1e-3, max_value=1e6))
    base = Float(lower, upper, log=log)
    if draw(st.booleans()):
        prior = base.from_unit(draw(st.floats(0.0, 1.0)))
        confidence = draw(
            st.one_of(
                st.sampled_from(["low", "medium", "high"]), st.floats(min_value=0.01, max_value=1.0)
            )
        )
        return Float(lower, upper, log=log, prior=prior, prior_confidence=confidence)
    return base


@st.composite
def integer_params(draw: st.DrawFn) -> Parameter:
    log = draw(st.booleans())
    lower = draw(st.integers(1, 100) if log else st.integers(-100, 100))
    upper = lower + draw(st.integers(1, 1000))
    prior = draw(st.one_of(st.none(), st.integers(lower, upper)))
    return Integer(lower, upper, log=log, prior=prior)


@st.composite
def categorical_params(draw: st.DrawFn) -> Parameter:
    # Unique by kind and value, and by Python's equality (1 == True is refused).
    choices = draw(st.lists(scalars, min_size=1, max_size=6, unique_by=(_choice_key, _itself)))
    prior = draw(st.one_of(st.none(), st.sampled_from(choices)))
    return Categorical.with_prior_value(choices, prior=prior, prior_confidence="high")


parameters = st.one_of(
    floats_params(),
    integer_params(),
    categorical_params(),
    st.builds(Constant, st.one_of(st.none(), scalars)),
)


@st.composite
def spaces(draw: st.DrawFn) -> SearchSpace:
    params = draw(st.lists(parameters, min_size=1, max_size=6))
    named: dict[str, Parameter] = {f"group.p{i}": p for i, p in enumerate(params)}
    if draw(st.booleans()):
        named["budget"] = draw(st.sampled_from([IntegerFidelity(1, 50), FloatFidelity(0.1, 1.0)]))
    return SearchSpace(named)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


_SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(space=spaces(), seed=st.integers(0, 2**32 - 1), use_priors=st.booleans())
def test_encode_decode_round_trip(space: SearchSpace, seed: int, use_priors: bool) -> None:
    rng = np.random.default_rng(seed)
    configs = [space.sample(rng, use_priors=use_priors) for _ in range(3)]
    for config in configs:
        assert space.validate_config(config) == config
    x = space.encode(configs)
    assert x.shape == (3, space.n_dims)
    assert np.all((x >= 0.0) & (x <= 1.0))
    decoded = space.decode(x)
    for original, back in zip(configs, decoded, strict=True):
        assert list(back) == list(original)
        assert all(_same(original[k], back[k]) for k in original), (original, back)
        assert space.config_key(original) == space.config_key(back)


@_SETTINGS
@given(space=spaces())
def test_dict_and_yaml_round_trip(space: SearchSpace) -> None:
    data = space.to_dict()
    assert SearchSpace.from_dict(data) == space
    assert space.to_dict() == data
    through_yaml = yaml.safe_load(dump_yaml_text(data))  # exactly what to_yaml writes
    assert SearchSpace.from_dict(through_yaml) == space
    assert space.describe_difference(SearchSpace.from_dict(through_yaml)) == "no differences"


@_SETTINGS
@given(
    param=st.one_of(floats_params(), integer_params(), categorical_params()), u=st.floats(0.0, 1.0)
)
def test_from_unit_is_valid_and_stable(param: Parameter, u: float) -> None:
    value = param.from_unit(u)
    assert param.check_value(value) == value
    # decoding is idempotent: re-encoding a decoded value decodes to the same value
    assert _same(param.from_unit(param.to_unit(value)), value)
