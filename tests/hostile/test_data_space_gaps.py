"""Defect 12 (space and result gaps): inputs that were accepted and then silently did
something else are refused with a message naming what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like._errors import SpaceError
from tests.hostile.data_support import records


def _run(tmp_path: Path, space: Any, fn: Any = None, **kwargs: Any) -> Path:
    root = tmp_path / "study"
    neps.run(
        fn or (lambda **kw: 0.0),
        space,
        root_directory=root,
        optimizer="random_search",
        evaluations_to_spend=kwargs.pop("evaluations_to_spend", 1),
        **kwargs,
    )
    return root


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({}, "search space is empty"),
        ({"pipeline_directory": neps.Float(0.0, 1.0)}, "'pipeline_directory' is reserved"),
        ({"previous_pipeline_directory": neps.Integer(0, 3)}, "reserved"),
        ({"x": {"Lower": 1, "Upper": 5}}, "key 'Lower' is not known"),
        ({"x": {"choices": {"a": 1}}}, "'choices' is a mapping"),
    ],
)
def test_space_gap_is_refused(tmp_path: Path, space: Any, message: str) -> None:
    """Attack: an empty space, a reserved name (silently replaced by the directory), or
    a mis-cased/mapping spec key (silently a constant) given to run()."""
    with pytest.raises(SpaceError, match=message):
        _run(tmp_path, space)
    assert not (tmp_path / "study").exists()


def test_categorical_with_equal_choices_is_refused() -> None:
    """Attack: Categorical([1, True]) was accepted and True never evaluated (1 == True)."""
    with pytest.raises(SpaceError, match=r"choices 1 and True are equal"):
        neps.Categorical([1, True])
    with pytest.raises(SpaceError, match=r"equal"):
        neps.Categorical([0.0, False, "x"])


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("x:\n  Lower: 1\n  Upper: 5\n", "key 'Lower' is not known"),
        ("x:\n  choices: {a: 1}\n", "'choices' is a mapping"),
        ("x:\n  Choices: [a, b]\n", "key 'Choices' is not known"),
    ],
)
def test_yaml_space_gap_is_refused(tmp_path: Path, yaml_text: str, message: str) -> None:
    """Attack: a hand-written YAML space whose keys would silently become constants."""
    path = tmp_path / "space.yaml"
    path.write_text(yaml_text)
    with pytest.raises(SpaceError, match=message):
        _run(tmp_path, path)


def test_extra_that_is_not_a_mapping_fails_the_trial(tmp_path: Path) -> None:
    """Attack: a list given as ``extra`` was silently dropped; the trial now fails with
    the reason, recorded in the journal and the error dump."""

    def evaluate(x: float) -> dict[str, Any]:
        return {"objective_to_minimize": x, "extra": [1, 2, 3]}

    root = _run(tmp_path, {"x": neps.Float(0.0, 1.0)}, evaluate, on_error="ignore")
    trial = [r for _, r in records(root) if r.get("kind") == "trial"][-1]["trial"]
    assert trial["state"] == "failed"
    assert "result['extra'] must be a dict" in trial["report"]["err"]


def test_extra_deeper_than_readers_accept_fails_the_trial(tmp_path: Path) -> None:
    """Variation: an ``extra`` nested deeper than journal readers accept would be
    written and then skipped by every reader (the trial lost); it fails clearly instead."""

    def evaluate(x: float) -> dict[str, Any]:
        deep: Any = 1
        for _ in range(40):
            deep = {"d": deep}
        return {"objective_to_minimize": x, "extra": deep}

    root = _run(tmp_path, {"x": neps.Float(0.0, 1.0)}, evaluate, on_error="ignore")
    trial = [r for _, r in records(root) if r.get("kind") == "trial"][-1]["trial"]
    assert trial["state"] == "failed" and "nested more than" in trial["report"]["err"]
