"""SearchSpace: input forms, identity, dict/YAML form, configs, sampling and grids."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from neps_like._errors import ConfigError, SpaceError
from neps_like.space import (
    Categorical,
    Constant,
    Fidelity,
    Float,
    FloatFidelity,
    Integer,
    IntegerFidelity,
    PipelineSpace,
    SearchSpace,
)


def make_space() -> SearchSpace:
    return SearchSpace.from_user(
        {
            "lr": Float(1e-5, 1e-1, log=True, prior=1e-3),
            "layers": Integer(1, 8),
            "act": Categorical(["relu", "gelu", "tanh"], prior="gelu", prior_confidence="high"),
            "epochs": IntegerFidelity(1, 27),
            "opt": {"momentum": Float(0.0, 0.99), "name": "sgd"},
        }
    )


# --- input forms -----------------------------------------------------------------------


def test_dict_form_flattens_and_keeps_order() -> None:
    space = make_space()
    assert list(space.parameters) == ["lr", "layers", "act", "epochs", "opt.momentum", "opt.name"]
    assert space["opt.name"] == Constant("sgd")
    assert len(space) == 6 and "lr" in space and list(space) == list(space.parameters)


def test_from_user_returns_a_space_as_is() -> None:
    space = make_space()
    assert SearchSpace.from_user(space) is space


def test_plain_values_become_parameters() -> None:
    space = SearchSpace.from_user(
        {
            "a": 1,
            "b": 0.5,
            "c": "x",
            "d": True,
            "e": None,
            "f": ["u", "v"],
            "g": (0, 10),
            "h": (0.0, 1.0),
            "i": np.int64(3),
        }
    )
    p = space.parameters
    assert [p[k] for k in "abcde"] == [
        Constant(1),
        Constant(0.5),
        Constant("x"),
        Constant(True),
        Constant(None),
    ]
    assert p["f"] == Categorical(["u", "v"])
    assert p["g"] == Integer(0, 10) and p["h"] == Float(0.0, 1.0)
    assert p["i"] == Constant(3)


def test_dotted_and_nested_keys_may_mix_but_not_collide() -> None:
    space = SearchSpace.from_user({"a.b": Float(0, 1), "a": {"c": Float(0, 1)}})
    assert list(space.parameters) == ["a.b", "a.c"]
    with pytest.raises(SpaceError, match=r"parameter 'a\.b' is given twice"):
        SearchSpace.from_user({"a.b": Float(0, 1), "a": {"b": Float(0, 1)}})


@pytest.mark.parametrize(
    ("space", "match"),
    [
        ({"": 1}, r"invalid parameter name '' at the top level"),
        ({".a": 1}, r"invalid parameter name '\.a'"),
        ({"a.": 1}, r"invalid parameter name 'a\.'"),
        ({"g": {"a..b": 1}}, r"invalid parameter name 'a\.\.b' under 'g'"),
        ({3: 1}, r"parameter names must be strings; got 3 \(int\) at the top level"),
        ({"a": 1, "a.b": 2}, r"parameter 'a' clashes with 'a\.b'"),
        ({"g": {}}, r"parameter group 'g' is empty"),
        ({"g": {"x": {1, 2}}}, r"parameter 'g\.x': cannot make a parameter from \{1, 2\} \(set\)"),
        ({"x": object}, r"parameter 'x': cannot make a parameter from"),
        (
            {"x": Float(0, 1, is_fidelity=True), "y": Integer(1, 2, is_fidelity=True)},
            r"at most one fidelity parameter, got \['x', 'y'\]",
        ),
        (
            {"lr": {"lower": 1.0, "upper": 0.5}},
            r"parameter 'lr': Float: lower=1\.0 must be smaller",
        ),
    ],
)
def test_bad_spaces_name_the_key(space: dict[Any, Any], match: str) -> None:
    with pytest.raises(SpaceError, match=match):
        SearchSpace.from_user(space)


@pytest.mark.parametrize("obj", [42, ["a"], "space.json", None])
def test_unsupported_objects(obj: object) -> None:
    with pytest.raises(SpaceError, match=r"search space|cannot build"):
        SearchSpace.from_user(obj)


def test_constructor_requires_a_mapping() -> None:
    with pytest.raises(SpaceError, match=r"SearchSpace expects a dict of parameters, got list"):
        SearchSpace([1])  # type: ignore[arg-type]


# --- NePS dict / YAML shorthand --------------------------------------------------------


def test_shorthand_specs() -> None:
    space = SearchSpace.from_user(
        {
            "lr": {"lower": "1e-5", "upper": 1e-1, "log": True, "default": "1e-3"},
            "layers": {"lower": 1, "upper": 8},
            "width": {"type": "int", "lower": 16.0, "upper": 256.0, "log": True},
            "drop": {"type": "float", "lower": 0, "upper": 1},
            "act": {"choices": ["relu", "gelu"], "prior": "relu", "prior_confidence": "low"},
            "opt": {"type": "CAT", "choices": ["adam"]},
            "seed": {"value": 42},
            "tag": {"type": "const", "value": "x"},
            "epochs": {"lower": 1, "upper": 9, "is_fidelity": True},
        }
    )
    p = space.parameters
    assert p["lr"] == Float(1e-5, 1e-1, log=True, prior=1e-3)
    assert p["layers"] == Integer(1, 8)
    assert p["width"] == Integer(16, 256, log=True)
    assert p["drop"] == Float(0.0, 1.0)
    assert p["act"] == Categorical(["relu", "gelu"], prior="relu", prior_confidence="low")
    assert p["opt"] == Categorical(["adam"])
    assert p["seed"] == Constant(42) and p["tag"] == Constant("x")
    assert p["epochs"] == IntegerFidelity(1, 9)


def test_group_with_parameter_values_is_not_a_spec() -> None:
    space = SearchSpace.from_user({"g": {"value": Float(0, 1), "lower": Integer(0, 2)}})
    assert list(space.parameters) == ["g.value", "g.lower"]


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"type": "complex", "lower": 0}, r"parameter 'x': type='complex' is not known"),
        ({"lower": 0, "upper": 1, "choices": [1]}, r"unknown key\(s\) \['lower', 'upper'\]"),
        ({"lower": 0.0, "upper": 1.0, "step": 2}, r"unknown key\(s\) \['step'\] for a float"),
        ({"lower": 0.0}, r"parameter 'x': a float parameter needs the key 'upper'"),
        ({"type": "categorical"}, r"a categorical parameter needs the key 'choices'"),
        ({"lower": "abc", "upper": 1.0}, r"parameter 'x': lower='abc' is not a number"),
        ({"value": 1, "note": "n"}, r"unknown key\(s\) \['note'\] for a constant"),
        ({"lower": 1, "upper": 5, "prior": 2.5}, r"Integer: prior must be an integer, got 2\.5"),
    ],
)
def test_bad_specs(spec: dict[str, Any], match: str) -> None:
    with pytest.raises(SpaceError, match=match):
        SearchSpace.from_user({"x": spec})


# --- PipelineSpace ---------------------------------------------------------------------


class HPOSpace(PipelineSpace):
    lr = Float(1e-5, 1e-1, log=True, prior=1e-3, prior_confidence="medium")
    layers = Integer(1, 8)
    act = Categorical(("A", "B"), prior=0)
    epochs = IntegerFidelity(lower=1, upper=10)
    _hidden = Integer(1, 2)  # NePS convention: private attributes are not parameters

    def helper(self) -> int:
        return 1

    @property
    def prop(self) -> int:
        return 2


class BiggerSpace(HPOSpace):
    batch = Categorical([32, 64])
    layers = Integer(1, 16)  # overrides keep their first position


def test_pipeline_space_class_and_instance() -> None:
    from_class = SearchSpace.from_user(HPOSpace)
    from_instance = SearchSpace.from_user(HPOSpace())
    assert from_class == from_instance
    assert list(from_class.parameters) == ["lr", "layers", "act", "epochs"]
    assert from_class["act"].prior == "A"  # type: ignore[attr-defined]
    assert from_class.fidelity_name == "epochs"


def test_pipeline_space_inheritance_and_instance_attributes() -> None:
    space = SearchSpace.from_user(BiggerSpace)
    assert list(space.parameters) == ["lr", "layers", "act", "epochs", "batch"]
    assert space["layers"] == Integer(1, 16)
    instance = HPOSpace()
    instance.extra = Float(0, 1)  # type: ignore[attr-defined]
    assert "extra" in SearchSpace.from_user(instance)


def test_pipeline_space_add_and_remove() -> None:
    base = HPOSpace()
    larger = base.add(Float(0.0, 1.0), name="drop")
    smaller = larger.remove("act")
    assert list(SearchSpace.from_user(base).parameters) == ["lr", "layers", "act", "epochs"]
    assert list(SearchSpace.from_user(smaller).parameters) == ["lr", "layers", "epochs", "drop"]
    with pytest.raises(SpaceError, match=r"PipelineSpace\.add: 'lr' is already declared"):
        base.add(Float(0, 1), name="lr")
    with pytest.raises(SpaceError, match=r"PipelineSpace\.remove: 'nope' is not declared"):
        base.remove("nope")
    with pytest.raises(SpaceError, match=r"must be a public identifier"):
        base.add(Float(0, 1), name="_x")


def test_pipeline_space_bad_attribute_is_named() -> None:
    class Bad(PipelineSpace):
        lr = Float(0, 1)
        weird = {1, 2}

    with pytest.raises(SpaceError, match=r"parameter 'weird': cannot make a parameter"):
        SearchSpace.from_user(Bad)


# --- identity, dict and YAML form ------------------------------------------------------


def test_round_trip_dict_and_equality() -> None:
    space = make_space()
    data = space.to_dict()
    assert SearchSpace.from_dict(data) == space
    assert hash(SearchSpace.from_dict(data)) == hash(space)
    assert yaml.safe_load(yaml.safe_dump(data)) == data  # plain and YAML-safe
    assert space.to_dict() == data  # deterministic


def test_from_dict_rejects_non_specs() -> None:
    with pytest.raises(SpaceError, match=r"parameter 'lr': expected a parameter dict"):
        SearchSpace.from_dict({"lr": 0.1})
    with pytest.raises(SpaceError, match=r"expected a dict of parameter dicts, got list"):
        SearchSpace.from_dict([1])  # type: ignore[arg-type]


def test_yaml_round_trip(tmp_path: Path) -> None:
    space = make_space()
    path = tmp_path / "dir with space" / "space.yaml"
    path.parent.mkdir()
    space.to_yaml(path)
    assert SearchSpace.from_yaml(path) == space
    assert SearchSpace.from_user(path) == space
    assert SearchSpace.from_user(str(path)) == space


def test_hand_written_neps_yaml(tmp_path: Path) -> None:
    path = tmp_path / "space.yml"
    path.write_text(
        "learning_rate:\n  lower: 1e-5\n  upper: 1e-1\n  log: true\n"
        "epochs:\n  lower: 1\n  upper: 10\n  is_fidelity: true\n"
        "optimizer:\n  choices: [adam, sgd]\n  default: adam\n"
        "dropout: 0.5\n",
        encoding="utf-8",
    )
    space = SearchSpace.from_user(path)
    assert space["learning_rate"] == Float(1e-5, 1e-1, log=True)
    assert space["epochs"] == IntegerFidelity(1, 10)
    assert space["optimizer"] == Categorical(["adam", "sgd"], prior="adam")
    assert space["dropout"] == Constant(0.5)


def test_yaml_errors(tmp_path: Path) -> None:
    with pytest.raises(SpaceError, match=r"space\.yaml does not exist"):
        SearchSpace.from_user(tmp_path / "space.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(SpaceError, match=r"bad\.yaml is not valid YAML"):
        SearchSpace.from_yaml(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(SpaceError, match=r"list\.yaml must hold a non-empty mapping.*got list"):
        SearchSpace.from_yaml(listing)
    with pytest.raises(SpaceError, match=r"must be a \.yaml/\.yml file"):
        SearchSpace.from_user(tmp_path / "space.json")


def test_equality_is_by_content_and_order() -> None:
    a = SearchSpace({"x": Float(0, 1), "y": Integer(0, 3)})
    assert a == SearchSpace({"x": Float(0.0, 1.0), "y": Integer(0, 3)})
    assert a != SearchSpace({"y": Integer(0, 3), "x": Float(0, 1)})
    assert a != SearchSpace({"x": Float(0, 2), "y": Integer(0, 3)})
    assert a != {"x": Float(0, 1), "y": Integer(0, 3)}
    assert len({a, SearchSpace({"x": Float(0, 1), "y": Integer(0, 3)})}) == 1


def test_space_is_immutable_and_picklable() -> None:
    space = make_space()
    with pytest.raises(AttributeError, match="immutable"):
        space.parameters = {}  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(space)) == space


def test_describe_difference() -> None:
    old = SearchSpace({"lr": Float(1e-5, 1e-1, log=True), "act": Categorical(["a", "b"]), "k": 1})
    new = SearchSpace(
        {
            "lr": Float(1e-4, 1e-1, log=True, prior=1e-3),
            "act": Categorical(["a"]),
            "n": Integer(1, 3),
        }
    )
    text = old.describe_difference(new)
    assert "- parameter 'k' removed (was {'type': 'constant', 'value': 1})" in text
    assert "+ parameter 'n' added: {'type': 'integer'" in text
    assert "~ parameter 'lr' changed: lower 1e-05 -> 0.0001; prior '<unset>' -> 0.001" in text
    assert "~ parameter 'act' changed: choices ['a', 'b'] -> ['a']" in text
    assert old.describe_difference(old) == "no differences"
    swapped = SearchSpace(
        {"act": Categorical(["a", "b"]), "lr": Float(1e-5, 1e-1, log=True), "k": 1}
    )
    assert "parameter order changed: ['lr', 'act', 'k'] -> ['act', 'lr', 'k']" in (
        old.describe_difference(swapped)
    )
    kind = SearchSpace({"x": Float(1, 3)}).describe_difference(SearchSpace({"x": Integer(1, 3)}))
    assert "type 'float' -> 'integer'" in kind and "lower 1.0 -> 1" in kind


# --- views -----------------------------------------------------------------------------


def test_views() -> None:
    space = make_space()
    assert space.fidelity_name == "epochs" and space.fidelity == IntegerFidelity(1, 27)
    assert space.has_priors
    assert list(space.searchables) == ["lr", "layers", "act", "opt.momentum"]
    assert space.constants == {"opt.name": Constant("sgd")}
    assert space.prior_config() == {
        "lr": 1e-3,
        "layers": 5,
        "act": "gelu",
        "epochs": 27,
        "opt.momentum": pytest.approx(0.495),
        "opt.name": "sgd",
    }
    plain = SearchSpace({"x": Float(0, 1)})
    assert plain.fidelity is None and plain.fidelity_name is None and not plain.has_priors


# --- configs ---------------------------------------------------------------------------


def good_config() -> dict[str, Any]:
    return {
        "lr": 1e-3,
        "layers": 3,
        "act": "relu",
        "epochs": 5,
        "opt.momentum": 0.9,
        "opt.name": "sgd",
    }


def test_validate_config_normalises() -> None:
    space = make_space()
    raw = {
        "lr": np.float32(1e-3),
        "layers": 3.0,
        "act": np.str_("relu"),
        "epochs": np.int64(5),
        "opt": {"momentum": 0.9},
    }
    out = space.validate_config(raw)
    assert out == {**good_config(), "lr": pytest.approx(1e-3)}
    assert list(out) == list(space.parameters)
    assert [type(v) for v in out.values()] == [float, int, str, int, float, str]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"lr": 0.5}, r"parameter 'lr': value 0\.5 is outside \[1e-05, 0\.1\]"),
        ({"layers": 2.5}, r"parameter 'layers': value 2\.5 must be an integer"),
        ({"layers": True}, r"parameter 'layers': value True must be a number"),
        ({"act": "selu"}, r"parameter 'act': value 'selu' is not one of the choices"),
        ({"epochs": 0}, r"parameter 'epochs': value 0 is outside \[1, 27\]"),
        ({"opt.name": "adam"}, r"parameter 'opt\.name': value 'adam' differs from the constant"),
        ({"extra": 1}, r"config has unknown parameter\(s\) \['extra'\]"),
    ],
)
def test_validate_config_rejects(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        make_space().validate_config({**good_config(), **change})


def test_validate_config_missing() -> None:
    space = make_space()
    config = good_config()
    del config["layers"]
    with pytest.raises(
        ConfigError, match=r"config is missing parameter 'layers' \(expected integer"
    ):
        space.validate_config(config)
    del config["opt.name"]  # a missing constant alone is filled in
    config["layers"] = 2
    assert space.validate_config(config)["opt.name"] == "sgd"
    with pytest.raises(ConfigError, match=r"a config must be a mapping, got list"):
        space.validate_config([1])  # type: ignore[arg-type]


def test_unflatten() -> None:
    assert SearchSpace.unflatten({"a.b.c": 1, "a.b.d": 2, "a.e": 3, "f": 4}) == {
        "a": {"b": {"c": 1, "d": 2}, "e": 3},
        "f": 4,
    }
    with pytest.raises(ConfigError, match=r"cannot unflatten 'a\.b': 'a' is already a value"):
        SearchSpace.unflatten({"a": 1, "a.b": 2})
    with pytest.raises(ConfigError, match=r"cannot unflatten 'a': it is also a group"):
        SearchSpace.unflatten({"a.b": 2, "a": 1})
    user_value = {"x": 1}
    with pytest.raises(ConfigError, match="already a value"):
        SearchSpace.unflatten({"a": user_value, "a.b": 2})
    assert user_value == {"x": 1}


def test_config_key() -> None:
    space = make_space()
    a = {**good_config(), "opt.momentum": 0.1 + 0.2}
    b = {**good_config(), "opt.momentum": 0.3, "lr": np.float64(1e-3), "layers": np.int64(3)}
    assert space.config_key(a) == space.config_key(b)
    assert hash(space.config_key(a)) == hash(space.config_key(b))
    assert space.config_key(a) != space.config_key({**a, "opt.momentum": 0.3001})
    assert space.config_key(a) != space.config_key({**a, "epochs": 6})
    assert space.config_key(a, include_fidelity=False) == space.config_key(
        {**a, "epochs": 6}, include_fidelity=False
    )
    assert [name for name, _ in space.config_key(a)] == [
        "lr",
        "layers",
        "act",
        "epochs",
        "opt.momentum",
    ]
    with pytest.raises(ConfigError, match=r"config is missing parameter 'act'"):
        space.config_key({"lr": 1e-3, "layers": 3})


# --- sampling --------------------------------------------------------------------------


def test_sample_is_reproducible_and_valid() -> None:
    space = make_space()
    first = [space.sample(np.random.default_rng([7, k])) for k in range(50)]
    again = [space.sample(np.random.default_rng([7, k])) for k in range(50)]
    assert first == again
    for config in first:
        assert space.validate_config(config) == config
        assert config["epochs"] == 27 and config["opt.name"] == "sgd"
    assert len({space.config_key(c) for c in first}) == 50


def test_sample_fidelity_options() -> None:
    space = make_space()
    rng = np.random.default_rng(0)
    assert space.sample(rng, fidelity="min")["epochs"] == 1
    assert space.sample(rng, fidelity=np.int64(9))["epochs"] == 9
    with pytest.raises(ConfigError, match=r"parameter 'epochs': value 99 is outside"):
        space.sample(rng, fidelity=99)
    with pytest.raises(ConfigError, match=r"fidelity='top' must be 'max', 'min' or a value"):
        space.sample(rng, fidelity="top")


def test_uniform_sampling_is_log_uniform_for_log_params() -> None:
    space = SearchSpace({"lr": Float(1e-6, 1.0, log=True), "n": Integer(1, 4)})
    rng = np.random.default_rng(1)
    samples = [space.sample(rng) for _ in range(4000)]
    logs = np.log10([s["lr"] for s in samples])
    assert abs(np.median(logs) + 3.0) < 0.15
    counts = np.bincount([s["n"] for s in samples], minlength=5)[1:]
    assert counts.min() > 900  # each of 4 integers ~1000 times


def test_prior_sampling_concentrates_by_confidence() -> None:
    def spread(confidence: str) -> float:
        space = SearchSpace({"x": Float(0.0, 1.0, prior=0.3, prior_confidence=confidence)})
        rng = np.random.default_rng(2)
        xs = np.array([space.sample(rng, use_priors=True)["x"] for _ in range(3000)])
        assert xs.min() >= 0.0 and xs.max() <= 1.0
        assert abs(np.median(xs) - 0.3) < 0.05
        return float(np.std(xs))

    low, medium, high = spread("low"), spread("medium"), spread("high")
    assert high < medium < low
    assert high == pytest.approx(0.05, rel=0.1)


def test_prior_sampling_categorical_and_certain_prior() -> None:
    space = SearchSpace(
        {
            "c": Categorical(["a", "b", "c", "d"], prior="b", prior_confidence=0.6),
            "x": Integer(1, 100, prior=42, prior_confidence=1.0),
        }
    )
    rng = np.random.default_rng(3)
    samples = [space.sample(rng, use_priors=True) for _ in range(4000)]
    share = np.mean([s["c"] == "b" for s in samples])
    assert share == pytest.approx(0.6 + 0.4 / 4, abs=0.03)
    assert {s["x"] for s in samples} == {42}
    uniform = [space.sample(rng)["x"] for _ in range(200)]
    assert len(set(uniform)) > 50  # use_priors=False ignores the prior


# --- grid ------------------------------------------------------------------------------


def test_grid() -> None:
    space = SearchSpace(
        {
            "x": Float(0.0, 1.0),
            "n": Integer(1, 3),
            "c": Categorical(["a", "b"]),
            "k": "K",
            "f": FloatFidelity(0.1, 1.0),
        }
    )
    grid = space.grid(size=5)
    assert len(grid) == 5 * 3 * 2
    assert grid == space.grid(size=5)
    assert grid[0] == {"x": 0.0, "n": 1, "c": "a", "k": "K", "f": 1.0}
    assert grid[1] == {"x": 0.0, "n": 1, "c": "b", "k": "K", "f": 1.0}
    assert sorted({g["x"] for g in grid}) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert sorted({g["n"] for g in grid}) == [1, 2, 3]
    assert len({space.config_key(g) for g in grid}) == len(grid)


def test_grid_log_and_sizes() -> None:
    space = SearchSpace({"lr": Float(1e-4, 1.0, log=True), "n": Integer(1, 1000, log=True)})
    lrs = sorted({g["lr"] for g in space.grid(size=5)})
    assert lrs == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    ns = sorted({g["n"] for g in space.grid(size=4)})
    assert ns == [1, 10, 100, 1000]
    assert space.grid(size=1) == [{"lr": pytest.approx(1e-2), "n": 32}]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(SpaceError, match=r"grid size must be a positive integer"):
            space.grid(size=bad)  # type: ignore[arg-type]


def test_fidelity_helpers_require_a_fidelity() -> None:
    with pytest.raises(SpaceError, match="no fidelity parameter"):
        SearchSpace({"x": Float(0, 1)}).fidelity_to_unit(1)
    assert Fidelity(Integer(1, 3)).is_fidelity


def test_yaml_round_trip_of_awkward_strings(tmp_path: Path) -> None:
    # U+0085 is a YAML line break: written raw (allow_unicode) it would come back as a space.
    space = SearchSpace({"c": Categorical(["é", "a\x85b", "true", "1e-5", " x "]), "k": "null"})
    path = tmp_path / "s.yaml"
    space.to_yaml(path)
    assert SearchSpace.from_yaml(path) == space


def test_recorded_key_equals_config_key_for_validated_configs() -> None:
    import numpy as np

    import neps_like as neps

    space = neps.SearchSpace.from_user(
        {
            "lr": neps.Float(1e-5, 1.0, log=True),
            "layers": neps.Integer(1, 8),
            "act": neps.Categorical(["relu", "gelu", 3, 0.5]),
            "opt": {"momentum": neps.Float(0.0, 1.0), "name": neps.Constant("sgd")},
            "epochs": neps.Integer(1, 9, is_fidelity=True),
        }
    )
    rng = np.random.default_rng(0)
    for _ in range(200):
        config = space.validate_config(space.sample(rng))
        assert space.recorded_key(config) == space.config_key(config)
    with pytest.raises(neps.ConfigError, match="missing parameter 'layers'"):
        space.recorded_key({"lr": 0.1})
