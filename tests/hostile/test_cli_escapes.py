"""Terminal escape sequences stored in a study are shown escaped, never sent raw.

An evaluation's error message (and a categorical choice) holds ESC sequences that would
clear the screen, set the window title or recolour text, a carriage return that would hide
what came before, and C1 controls (CSI, U+009B). ``errors`` and ``status`` must print them
as visible escapes; the real CLI runs in a subprocess on a real study.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import neps_like as neps
from neps_like.analysis._terminal import one_line, printable

HOSTILE = "boom\x1b]0;owned\x07\x1b[2J\x1b[31mred\rhidden\x9b1mcsi\x00nul\x7fdel"
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _fail(x: str) -> float:
    raise ValueError(HOSTILE)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("esc") / "study"
    neps.run(
        evaluate_pipeline=_fail,
        pipeline_space={"x": neps.Categorical(["plain\x1b[2Jclear"])},
        root_directory=root,
        evaluations_to_spend=1,
        ignore_errors=True,
    )
    return root


def _cli(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "neps_like", *args], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert not _RAW.search(out.stderr), repr(out.stderr)
    return out.stdout


def test_errors_escapes_control_characters(study: Path) -> None:
    """``errors --traceback`` shows the message escaped; no raw control byte reaches stdout."""
    text = _cli("errors", str(study), "--traceback")
    assert not _RAW.search(text), repr(text)
    assert "boom\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mred\\rhidden\\x9b1mcsi\\x00nul\\x7fdel" in text


def test_status_escapes_control_characters(study: Path) -> None:
    """``status`` shows the recent error escaped, on its own line."""
    text = _cli("status", str(study))
    assert not _RAW.search(text), repr(text)
    assert "\\x1b[31mred\\rhidden" in text


def test_helpers() -> None:
    assert printable("a\nb\x1bc\u2028") == "a\nb\\x1bc\\u2028"
    assert one_line("a\nb\tc\x85") == "a\\nb\\tc\\x85"
