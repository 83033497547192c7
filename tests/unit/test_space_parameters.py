"""Parameters on their own: validation, aliases, encoding of single values, dict form."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pytest

import neps_like.space as space_mod
from neps_like._errors import ConfigError, SpaceError
from neps_like.space import (
    Categorical,
    CategoricalParameter,
    ConfidenceLevel,
    Constant,
    ConstantParameter,
    Fidelity,
    Float,
    FloatFidelity,
    FloatParameter,
    Integer,
    IntegerFidelity,
    IntegerParameter,
    Parameter,
)


def test_exported_names() -> None:
    assert sorted(space_mod.__all__) == sorted(
        [
            "Float",
            "Integer",
            "Categorical",
            "Constant",
            "IntegerFidelity",
            "FloatFidelity",
            "Fidelity",
            "PipelineSpace",
            "SearchSpace",
            "Parameter",
            "ConfidenceLevel",
            "FloatParameter",
            "IntegerParameter",
            "CategoricalParameter",
            "ConstantParameter",
            "HPOFloat",
            "HPOInteger",
            "HPOCategorical",
            "HPOConstant",
            "Operation",
            "Resample",
            "ByName",
        ]
    )
    for name in space_mod.__all__:
        assert getattr(space_mod, name) is not None


def test_classic_aliases_are_the_same_classes() -> None:
    assert FloatParameter is Float
    assert IntegerParameter is Integer
    assert CategoricalParameter is Categorical
    assert ConstantParameter is Constant


_ISOLATED_IMPORT = """
import importlib.util, sys, types
# Load neps_like.space without running neps_like/__init__.py (which imports every layer),
# so that only the space layer's own imports are observed.
spec = importlib.util.find_spec("neps_like")
package = types.ModuleType("neps_like")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["neps_like"] = package
import neps_like.space
bad = [m for m in sys.modules if m.split(".")[0] in ("scipy", "yaml")]
bad += [m for m in sys.modules if m.startswith("neps_like.")
        and not m.startswith(("neps_like.space", "neps_like._errors"))]
print(bad)
sys.exit(1 if bad else 0)
"""


def test_space_imports_only_numpy_and_lower_layers() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _ISOLATED_IMPORT],
        check=False,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"unexpected imports: {result.stdout} {result.stderr}"


# --- Float -----------------------------------------------------------------------------


def test_float_basic_fields() -> None:
    p = Float(1e-5, 1e-1, log=True, prior=1e-3, prior_confidence="high")
    assert (p.lower, p.upper, p.log, p.prior, p.prior_confidence) == (
        1e-5,
        1e-1,
        True,
        1e-3,
        "high",
    )
    assert isinstance(p, Parameter)
    assert p.is_numerical and p.type_name == "float" and p.has_prior and not p.is_fidelity


def test_float_int_bounds_are_stored_as_floats() -> None:
    p = Float(0, 1)
    assert isinstance(p.lower, float) and isinstance(p.upper, float)
    assert p == Float(0.0, 1.0)


def test_float_log_base_implies_log_and_is_kept() -> None:
    p = Float(1.0, 1024.0, log_base=2)
    assert p.log is True and p.log_base == 2.0
    assert p != Float(1.0, 1024.0, log=True)
    assert p.to_dict()["log_base"] == 2.0


@pytest.mark.parametrize(
    ("confidence", "stored", "value"),
    [
        ("low", "low", 0.5),
        ("MEDIUM", "medium", 0.7),
        (ConfidenceLevel.HIGH, "high", 0.9),
        (0.3, 0.3, 0.3),
        (1, 1.0, 1.0),
    ],
)
def test_confidence_forms(confidence: object, stored: object, value: float) -> None:
    p = Float(0.0, 1.0, prior=0.5, prior_confidence=confidence)  # type: ignore[arg-type]
    assert p.prior_confidence == stored
    assert type(p.prior_confidence) is type(stored)  # plain str, never the enum
    assert p.prior_confidence_value == value


def test_classic_default_aliases() -> None:
    p = Float(0.0, 1.0, default=0.2, default_confidence="low")
    assert p == Float(0.0, 1.0, prior=0.2, prior_confidence="low")
    q = Integer(0, 10, default=3)
    assert q.prior == 3


def test_confidence_without_prior_is_reset() -> None:
    assert Float(0.0, 1.0, prior_confidence="high") == Float(0.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lower": 2.0, "upper": 1.0}, r"Float: lower=2\.0 must be smaller than upper=1\.0"),
        ({"lower": 1.0, "upper": 1.0}, r"lower=1\.0 must be smaller"),
        ({"lower": float("nan"), "upper": 1.0}, r"Float: lower must be finite"),
        ({"lower": 0.0, "upper": float("inf")}, r"Float: upper must be finite"),
        ({"lower": True, "upper": 2.0}, r"Float: lower must be a number, got True"),
        ({"lower": "0", "upper": 2.0}, r"Float: lower must be a number, got '0'"),
        ({"lower": 0.0, "upper": 1.0, "log": True}, r"log scaling needs lower > 0, got lower=0\.0"),
        ({"lower": -1.0, "upper": 1.0, "log_base": 10}, r"log scaling needs lower > 0"),
        ({"lower": 1.0, "upper": 2.0, "log_base": 1}, r"log_base=1 must be positive and not 1"),
        ({"lower": 1.0, "upper": 2.0, "log": "yes"}, r"Float: log must be True or False"),
        (
            {"lower": 0.0, "upper": 1.0, "prior": 2.0},
            r"Float: prior=2\.0 is outside \[0\.0, 1\.0\]",
        ),
        ({"lower": 0.0, "upper": 1.0, "prior": "x"}, r"Float: prior must be a number"),
        (
            {"lower": 0.0, "upper": 1.0, "prior": 0.5, "prior_confidence": "huge"},
            r"prior_confidence='huge' is not a known level",
        ),
        (
            {"lower": 0.0, "upper": 1.0, "prior": 0.5, "prior_confidence": 0.0},
            r"prior_confidence=0\.0 must be in \(0, 1\]",
        ),
        (
            {"lower": 0.0, "upper": 1.0, "prior": 0.5, "prior_confidence": 1.5},
            r"prior_confidence=1\.5 must be in \(0, 1\]",
        ),
        (
            {"lower": 0.0, "upper": 1.0, "prior": 0.5, "default": 0.4},
            r"either prior= or its classic alias default=",
        ),
        (
            {
                "lower": 0.0,
                "upper": 1.0,
                "prior": 0.5,
                "prior_confidence": "low",
                "default_confidence": "high",
            },
            r"either prior_confidence= or its classic alias default_confidence=",
        ),
        (
            {"lower": 0.0, "upper": 1.0, "prior": 0.5, "is_fidelity": True},
            r"Float: a fidelity parameter cannot have a prior",
        ),
        ({"lower": 0.0, "upper": 1.0, "is_fidelity": 1}, r"is_fidelity must be True or False"),
    ],
)
def test_float_rejects(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SpaceError, match=match):
        Float(**kwargs)  # type: ignore[arg-type]


def test_float_unit_encoding_linear_and_log() -> None:
    lin = Float(-2.0, 2.0)
    assert lin.to_unit(-2.0) == 0.0 and lin.to_unit(2.0) == 1.0 and lin.to_unit(0.0) == 0.5
    assert lin.from_unit(0.25) == -1.0
    log = Float(1e-4, 1.0, log=True)
    assert log.to_unit(1e-2) == pytest.approx(0.5)
    assert log.from_unit(0.5) == pytest.approx(1e-2)
    assert log.from_unit(-3.0) == 1e-4 and log.from_unit(7.0) == 1.0
    assert log.prior_unit is None
    assert Float(1e-4, 1.0, log=True, prior=1e-3).prior_unit == pytest.approx(0.25)


def test_float_check_value() -> None:
    p = Float(0.0, 1.0)
    assert p.check_value(np.float32(0.5)) == 0.5
    assert type(p.check_value(np.float64(0.5))) is float
    assert p.check_value(1.0 + 1e-12) == 1.0  # round-off clipped onto the bound
    with pytest.raises(ConfigError, match=r"value 1\.5 is outside \[0\.0, 1\.0\]"):
        p.check_value(1.5)
    with pytest.raises(ConfigError, match=r"must be a number"):
        p.check_value("0.5")
    with pytest.raises(ConfigError, match=r"must be a number"):
        p.check_value(True)
    with pytest.raises(ConfigError, match=r"must be finite"):
        p.to_unit(float("nan"))


def test_from_unit_rejects_nan() -> None:
    with pytest.raises(ConfigError, match="NaN"):
        Float(0.0, 1.0).from_unit(float("nan"))


def test_reference_value_is_prior_or_centre() -> None:
    assert Float(0.0, 10.0).reference_value == 5.0
    assert Float(1.0, 100.0, log=True).reference_value == pytest.approx(10.0)
    assert Float(0.0, 10.0, prior=2.0).reference_value == 2.0
    assert Integer(1, 9).reference_value == 5
    assert Categorical(["a", "b"]).reference_value == "a"
    assert Categorical(["a", "b"], prior="b").reference_value == "b"


# --- Integer ---------------------------------------------------------------------------


def test_integer_fields_and_integral_floats() -> None:
    p = Integer(1.0, 8, prior=np.int64(3))  # type: ignore[arg-type]
    assert (p.lower, p.upper, p.prior) == (1, 8, 3)
    assert all(type(v) is int for v in (p.lower, p.upper, p.prior))
    assert p.type_name == "integer"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lower": 1.5, "upper": 3}, r"Integer: lower must be an integer, got 1\.5"),
        ({"lower": 1, "upper": 3.2}, r"Integer: upper must be an integer, got 3\.2"),
        ({"lower": 3, "upper": 3}, r"Integer: lower=3 must be smaller than upper=3"),
        ({"lower": 0, "upper": 3, "log": True}, r"Integer: log scaling needs lower > 0"),
        ({"lower": 0, "upper": 3, "prior": 1.5}, r"Integer: prior must be an integer, got 1\.5"),
        ({"lower": 0, "upper": 3, "prior": 4}, r"Integer: prior=4 is outside \[0, 3\]"),
        ({"lower": False, "upper": 3}, r"Integer: lower must be a number, got False"),
    ],
)
def test_integer_rejects(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SpaceError, match=match):
        Integer(**kwargs)  # type: ignore[arg-type]


def test_integer_bins_linear() -> None:
    p = Integer(3, 7)
    for v in range(3, 8):
        assert p.to_unit(v) == pytest.approx((v - 3 + 0.5) / 5)
        assert p.from_unit(p.to_unit(v)) == v
    assert p.from_unit(0.0) == 3 and p.from_unit(1.0) == 7
    assert p.from_unit(0.199) == 3 and p.from_unit(0.201) == 4
    assert type(p.from_unit(0.5)) is int


def test_integer_bins_log_round_trip() -> None:
    p = Integer(1, 1000, log=True)
    for v in [1, 2, 3, 10, 99, 500, 999, 1000]:
        assert p.from_unit(p.to_unit(v)) == v
    assert p.to_unit(1) < p.to_unit(2) < p.to_unit(1000) <= 1.0


def test_integer_check_value() -> None:
    p = Integer(0, 5)
    assert p.check_value(3.0) == 3 and type(p.check_value(np.int32(2))) is int
    with pytest.raises(ConfigError, match=r"value 2\.5 must be an integer"):
        p.check_value(2.5)
    with pytest.raises(ConfigError, match=r"value 6 is outside \[0, 5\]"):
        p.check_value(6)
    with pytest.raises(ConfigError, match=r"must be a number, got True"):
        p.check_value(True)


# --- Categorical and Constant ----------------------------------------------------------


def test_categorical_basics() -> None:
    p = Categorical(("a", "b", "c"), prior="b", prior_confidence="low")
    assert p.choices == ("a", "b", "c") and p.prior == "b"
    assert p.to_unit("a") == pytest.approx(1 / 6) and p.to_unit("c") == pytest.approx(5 / 6)
    assert p.prior_unit == pytest.approx(0.5)
    assert [p.from_unit(u) for u in (0.0, 0.33, 0.34, 0.99, 1.0)] == ["a", "a", "b", "c", "c"]
    assert not p.is_numerical and p.type_name == "categorical"


def test_categorical_numpy_choices_become_python() -> None:
    p = Categorical(np.array([1, 2, 3]))
    assert p.choices == (1, 2, 3) and all(type(c) is int for c in p.choices)


def test_categorical_matches_by_value_and_kind() -> None:
    p = Categorical([1, "True", "1"])
    assert p.index(1.0) == 0 and p.index("True") == 1 and p.index("1") == 2
    assert p.check_value(np.int64(1)) == 1
    with pytest.raises(ConfigError, match=r"value True is not one of the choices"):
        p.index(True)
    with pytest.raises(ConfigError, match=r"value 2 is not one of the choices \[1, 'True', '1'\]"):
        p.index(2)


def test_categorical_prior_int_is_an_index() -> None:
    assert Categorical(["A", "B", "C"], prior=2).prior == "C"
    with pytest.raises(SpaceError, match=r"prior=2 is an index into the choices"):
        Categorical([0, 1], prior=2)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([],), {}, r"Categorical: choices must not be empty"),
        (("abc",), {}, r"Categorical: choices must be a list or tuple of values, got 'abc'"),
        ((5,), {}, r"choices must be a list or tuple"),
        ((["a", "a"],), {}, r"Categorical: choice 'a' appears more than once"),
        (([1, 1.0],), {}, r"choice 1\.0 appears more than once"),
        ((["a", None],), {}, r"Categorical: choice 1 \(None\) must be a YAML scalar"),
        (([0.5, float("nan")],), {}, r"choice 1 \(nan\) must be finite"),
        ((["a", "b"],), {"prior": "z"}, r"Categorical: prior='z' is not one of the choices"),
        ((["a", "b"],), {"prior": "a", "default": "b"}, r"either prior= or its classic alias"),
        ((["a", "b"],), {"prior": "a", "prior_confidence": 2}, r"prior_confidence=2 must be in"),
    ],
)
def test_categorical_rejects(
    args: tuple[object, ...], kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(SpaceError, match=match):
        Categorical(*args, **kwargs)  # type: ignore[arg-type]


def test_constant() -> None:
    c = Constant(np.float64(0.5))
    assert c.value == 0.5 and type(c.value) is float
    assert Constant(None).value is None
    assert c.check_value(0.5) == 0.5 and c.to_unit(0.5) == 0.5 and c.from_unit(0.9) == 0.5
    assert c.to_dict() == {"type": "constant", "value": 0.5}
    assert not c.has_prior and c.prior_unit is None
    with pytest.raises(ConfigError, match=r"value 0\.6 differs from the constant 0\.5"):
        c.check_value(0.6)
    with pytest.raises(ConfigError, match=r"differs from the constant True"):
        Constant(True).check_value(1)
    with pytest.raises(SpaceError, match=r"Constant: value must be a YAML scalar"):
        Constant([1, 2])  # type: ignore[arg-type]
    with pytest.raises(SpaceError, match=r"Constant: value must be finite"):
        Constant(float("inf"))


# --- fidelity forms --------------------------------------------------------------------


def test_fidelity_forms_are_equal() -> None:
    a = IntegerFidelity(1, 27)
    assert a == Integer(1, 27, is_fidelity=True) == Fidelity(Integer(1, 27))
    assert a.is_fidelity and isinstance(a, Integer)
    f = FloatFidelity(0.1, 1.0, log=True)
    assert f == Float(0.1, 1.0, log=True, is_fidelity=True) == Fidelity(Float(0.1, 1.0, log=True))


def test_fidelity_rejects() -> None:
    with pytest.raises(SpaceError, match=r"Fidelity: the domain cannot have a prior \(got 3\)"):
        Fidelity(Integer(1, 10, prior=3))
    with pytest.raises(SpaceError, match=r"Fidelity: expected a Float or Integer, got"):
        Fidelity(Categorical(["a"]))  # type: ignore[type-var]
    with pytest.raises(SpaceError, match=r"IntegerFidelity|Integer: lower=5 must be smaller"):
        IntegerFidelity(5, 1)


# --- identity and dict form ------------------------------------------------------------


def test_parameters_are_frozen_and_hashable() -> None:
    p = Float(0.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.lower = 3.0  # type: ignore[misc]
    assert len({Float(0.0, 1.0), Float(0, 1), Integer(0, 1), Categorical(["a"])}) == 3
    assert dataclasses.replace(p, upper=2.0) == Float(0.0, 2.0)


def test_to_dict_is_plain_and_minimal() -> None:
    assert Float(0.0, 1.0).to_dict() == {"type": "float", "lower": 0.0, "upper": 1.0, "log": False}
    assert Integer(1, 9, prior=3, prior_confidence=ConfidenceLevel.LOW).to_dict() == {
        "type": "integer",
        "lower": 1,
        "upper": 9,
        "log": False,
        "prior": 3,
        "prior_confidence": "low",
    }
    assert IntegerFidelity(1, 9).to_dict()["is_fidelity"] is True
    assert Categorical(["a", 1]).to_dict() == {"type": "categorical", "choices": ["a", 1]}
    conf = Categorical(["a", "b"], prior="a", prior_confidence=0.8).to_dict()
    assert conf["prior"] == "a" and conf["prior_confidence"] == 0.8
    assert type(conf["prior_confidence"]) is float


def test_confidence_values_are_ordered() -> None:
    values = [
        Float(0, 1, prior=0.5, prior_confidence=c).prior_confidence_value
        for c in ("low", "medium", "high")
    ]
    assert values == sorted(values) and all(0 < v <= 1 for v in values)
    assert math.isclose(values[1], 0.7)
