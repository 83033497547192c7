"""Text and nesting checks of ``untrusted``: lone surrogates replaced, depth bounded."""

from __future__ import annotations

from neps_like.state.untrusted import clean_text, nesting_depth


def test_clean_text_replaces_lone_surrogates_only() -> None:
    assert clean_text("name b'\udce9'.txt") == "name b'\ufffd'.txt"
    assert clean_text("\ud800x\udfff") == "\ufffdx\ufffd"
    assert clean_text("plain é ✓") == "plain é ✓"


def test_nesting_depth_counts_containers() -> None:
    assert nesting_depth(3, 10) == 0
    assert nesting_depth([], 10) == 1
    assert nesting_depth({"a": [1, {"b": (2,)}]}, 10) == 4


def test_nesting_depth_gives_up_one_past_the_limit() -> None:
    deep: object = 1
    for _ in range(50):
        deep = [deep]
    assert nesting_depth(deep, 2) == 3
    assert nesting_depth(deep, 5) == 6
    assert nesting_depth(deep, 0) == 1
