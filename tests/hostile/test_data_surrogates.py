"""Defect 4: strings with lone surrogates (what ``surrogateescape`` makes of non-UTF-8
file names) crashed the worker under the lock (``UnicodeEncodeError`` while encoding the
record): the trial stayed EVALUATING and the error was lost. They are now replaced by
U+FFFD before anything is written. In a space (a choice, a name) they are refused, so no
``search_space.yaml`` that cannot be read back is ever written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps
from neps_like._errors import SpaceError
from neps_like.state.verify import verify
from tests.hostile.data_support import records

BAD_NAME = b"data-\xff.csv".decode("utf-8", "surrogateescape")  # "data-\udcff.csv"


def _last_trial(root: Path) -> dict[str, Any]:
    return [r for _, r in records(root) if r.get("kind") == "trial"][-1]["trial"]


def test_surrogate_in_error_message(tmp_path: Path) -> None:
    """Attack: the evaluation raises with an undecodable file name in its message."""

    def evaluate(x: float) -> float:
        raise FileNotFoundError(f"cannot open {BAD_NAME}")

    root = tmp_path / "study"
    neps.run(
        evaluate,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        optimizer="random_search",
        evaluations_to_spend=2,
        on_error="ignore",
    )
    trial = _last_trial(root)
    assert trial["state"] == "failed"
    assert "data-\ufffd.csv" in trial["report"]["err"]
    errors = [json.loads(line) for line in (root / "errors.jsonl").read_text().splitlines()]
    assert len(errors) == 2 and "data-\ufffd.csv" in errors[0]["err"]
    assert verify(root).ok
    assert neps.status(root) is not None


def test_surrogate_in_extra(tmp_path: Path) -> None:
    """Attack: the result's ``extra`` holds the name, as key and as value."""

    def evaluate(x: float) -> dict[str, Any]:
        return {"objective_to_minimize": x, "extra": {BAD_NAME: [BAD_NAME]}, "top" + BAD_NAME: 1}

    root = tmp_path / "study"
    neps.run(
        evaluate,
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        optimizer="random_search",
        evaluations_to_spend=2,
        trial_folders="always",
    )
    trial = _last_trial(root)
    assert trial["state"] == "success"
    assert trial["report"]["extra"] == {
        "data-\ufffd.csv": ["data-\ufffd.csv"],
        "topdata-\ufffd.csv": 1,
    }
    assert verify(root).ok
    assert len(neps.load(root)) == 2


@pytest.mark.parametrize(
    "space",
    [
        lambda: {"c": neps.Categorical(["a", BAD_NAME])},
        lambda: {BAD_NAME: neps.Float(0.0, 1.0)},
        lambda: {"group": {BAD_NAME: neps.Integer(0, 3)}},
        lambda: {"x": neps.Float(0.0, 1.0), "k": neps.Constant(BAD_NAME)},
    ],
)
def test_surrogate_in_space_is_refused(tmp_path: Path, space: Any) -> None:
    """Attack: the name in a categorical choice, a parameter name or a constant used to
    write a search_space.yaml that could never be read again."""
    root = tmp_path / "study"
    with pytest.raises(SpaceError, match="not valid Unicode"):
        neps.run(lambda **kw: 0.0, space(), root_directory=root, evaluations_to_spend=1)
    assert not root.exists()
