"""A categorical prior means what NePS means in each way of writing a space.

Class form ``Categorical(choices, prior=i)``: an int is the index of the prior choice.
``HPOCategorical``, the dict form and the YAML form: the prior is the choice itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps
from neps_like import SpaceError
from neps_like.space import SearchSpace


@pytest.mark.parametrize(
    ("choices", "prior", "expected"),
    [
        ([1, 2, 3], 1, 2),  # ambiguous: 1 is also a choice; the index wins
        ([0.1, 0.5, 1.0], 1, 0.5),  # 1 == 1.0 is a choice too; still the index
        ((16, 32, 64), 0, 16),  # 0 is not a choice: only an index makes sense
        (["sgd", "adam"], 1, "adam"),
        ([True, False], 1, False),
    ],
)
def test_class_form_int_prior_is_an_index(
    choices: list[object], prior: int, expected: object
) -> None:
    param = neps.Categorical(choices, prior=prior, prior_confidence="high")
    assert param.prior == expected
    assert type(param.prior) is type(expected)


def test_class_form_in_a_pipeline_space_uses_the_index() -> None:
    class Space(neps.PipelineSpace):
        width = neps.Categorical((16, 32, 64), prior=2, prior_confidence="low")
        lr = neps.Float(1e-4, 1e-1, log=True)

    assert SearchSpace.from_user(Space())["width"].prior == 64


@pytest.mark.parametrize(
    ("choices", "prior", "expected"),
    [
        (["sgd", "adam"], "adam", "adam"),  # a string cannot be an index
        ([0.1, 0.5, 1.0], 0.5, 0.5),  # nor can a float
        ([True, False], False, False),  # nor a bool
    ],
)
def test_class_form_non_int_prior_is_the_choice(
    choices: list[object], prior: object, expected: object
) -> None:
    assert neps.Categorical(choices, prior=prior).prior == expected


def test_class_form_index_out_of_range_names_the_index_of_the_value() -> None:
    with pytest.raises(SpaceError, match=r"prior=32 is an index.*give its index prior=1"):
        neps.Categorical((16, 32, 64), prior=32)
    with pytest.raises(SpaceError, match=r"prior=-1 is an index into the choices"):
        neps.Categorical(["a", "b"], prior=-1)


def test_classic_default_spelling_is_the_value() -> None:
    assert neps.Categorical([1, 2, 3], default=1).prior == 1
    with pytest.raises(SpaceError, match="either prior= or its classic alias default="):
        neps.Categorical([1, 2, 3], prior=0, default=1)


@pytest.mark.parametrize(("prior", "expected"), [(1, 1), (3, 3), (2.0, 2)])
def test_hpo_categorical_prior_is_the_value(prior: object, expected: int) -> None:
    assert neps.HPOCategorical([1, 2, 3], prior=prior).prior == expected


def test_hpo_categorical_rejects_a_prior_that_is_not_a_choice() -> None:
    with pytest.raises(SpaceError, match=r"prior=0 is not one of the choices \[1, 2, 3\]"):
        neps.HPOCategorical([1, 2, 3], prior=0)


def test_dict_form_prior_is_the_value() -> None:
    space = SearchSpace({"c": {"type": "categorical", "choices": [1, 2, 3], "prior": 1}})
    assert space["c"].prior == 1


def test_yaml_form_prior_is_the_value(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(
        "c:\n  choices: [0.1, 0.5, 1.0]\n  prior: 1.0\nn:\n  choices: [4, 8]\n  prior: 8\n"
    )
    space = SearchSpace.from_user(str(path))
    assert space["c"].prior == 1.0
    assert space["n"].prior == 8


def test_stored_space_keeps_the_chosen_value() -> None:
    space = SearchSpace({"c": neps.Categorical([1, 2, 3], prior=0)})
    again = SearchSpace.from_dict(space.to_dict())
    assert again["c"].prior == 1
    assert again == space


def test_hpo_aliases_are_the_parameter_classes() -> None:
    assert neps.HPOFloat is neps.Float
    assert neps.HPOInteger is neps.Integer
    assert neps.HPOConstant is neps.Constant
    assert isinstance(neps.HPOCategorical(["a"]), neps.Categorical)
