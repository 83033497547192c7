"""run() names every argument (help(), completion, type checkers) and still takes the
older NePS spellings, mapped onto the current names in one place."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import neps_like
from neps_like._errors import ArgumentError
from neps_like.runtime.arguments import ALIASES


def _square(x: float) -> float:
    return x * x


SPACE = {"x": neps_like.Float(0.0, 1.0)}


def test_every_current_argument_is_a_visible_keyword_with_its_default() -> None:
    params = inspect.signature(neps_like.run).parameters
    for name in ALIASES:
        assert name in params, name
    assert params["root_directory"].default == "neps_results"
    assert params["max_retries"].default == 2
    assert params["write_summary_to_disk"].default is True
    assert params["evaluations_to_spend"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "root_directory" in (neps_like.run.__doc__ or "")


def test_only_the_function_and_the_space_are_positional(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        neps_like.run(_square, SPACE, str(tmp_path))  # type: ignore[misc]


def test_older_spellings_run_a_study(tmp_path: Path) -> None:
    root = tmp_path / "study"
    summary = neps_like.run(
        run_pipeline=_square,
        pipeline_space=SPACE,
        working_directory=str(root),
        max_evaluations_total=3,
        searcher="random_search",
    )
    assert summary.evaluated == 3
    assert len(neps_like.load(root)) == 3


def test_an_older_spelling_disagreeing_with_the_current_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="max_evaluations_total"):
        neps_like.run(
            _square,
            SPACE,
            root_directory=str(tmp_path),
            evaluations_to_spend=3,
            max_evaluations_total=4,
        )
    assert not (tmp_path / "study.json").exists()


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("evaluation_to_spend", "evaluations_to_spend"), ("root_dir", "root_directory")],
)
def test_a_typo_names_the_nearest_valid_argument(tmp_path: Path, typo: str, meant: str) -> None:
    with pytest.raises(ArgumentError, match=f"Did you mean '{meant}'"):
        neps_like.run(_square, SPACE, **{typo: 3, "root_directory": str(tmp_path / "s")})
    assert not (tmp_path / "s").exists()
