"""``Layout.is_own_name``: what neps_like makes in a study's root, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from neps_like.state.layout import Layout

LAYOUT = Layout.at(Path("/study"))


@pytest.mark.parametrize(
    "name",
    [
        "neps_like.yaml",
        "journal",
        "trials",
        ".lock",
        ".lock.uses-lease",
        "summary_tb",
        "launch",
        ".neps_like.yaml.4242.0123456789ab.tmp",  # an unfinished atomic write
    ],
)
def test_own_names(name: str) -> None:
    assert LAYOUT.is_own_name(name)


@pytest.mark.parametrize(
    "name",
    ["notes.txt", "data", ".bashrc", "journal2", ".x.12.0123456789ab.tmp.bak", ".x.1.xyz.tmp"],
)
def test_other_names(name: str) -> None:
    assert not LAYOUT.is_own_name(name)
