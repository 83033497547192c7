"""The ``plot``, ``export`` and ``dashboard`` sub-commands, on a parser of their own.

(``neps_like.cli`` wires the same ``add_parsers`` functions into ``neps-like``.)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import neps_like as neps
from neps_like.analysis import cli as analysis_cli
from neps_like.dashboard import cli as dashboard_cli


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neps-like")
    sub = p.add_subparsers(dest="command", required=True)
    analysis_cli.add_parsers(sub)
    dashboard_cli.add_parsers(sub)
    return p


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "a study"
    neps.run(lambda x: x, {"x": neps.Float(0.0, 1.0)}, root_directory=root, evaluations_to_spend=4)
    return root


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


def test_export(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.json"
    assert run(["export", str(study), "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())) == 4 and "Wrote 4 rows" in capsys.readouterr().out
    assert run(["export", str(study), "-o", str(tmp_path / "i.csv"), "--table", "incumbent"]) == 0


def test_plot(study: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "cmp.png"
    assert run(["plot", f"rs={study}", f"rs={study}", str(study), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert run(["plot", str(study), "--kind", "parallel", "-o", str(out)]) == 0
    with pytest.raises(neps.ArgumentError, match="one study"):
        run(["plot", str(study), str(study), "--kind", "curves", "-o", str(out)])


def test_labels_group_roots(study: Path) -> None:
    groups = analysis_cli._labelled([f"a={study}", f"a={study}", str(study), "b=x/y"])
    assert groups == {"a": [str(study)] * 2, str(study): [str(study)], "b": ["x/y"]}


def test_dashboard_arguments() -> None:
    args = parser().parse_args(["dashboard", "r", "--port", "8050", "--host", "0.0.0.0"])
    assert (args.root, args.port, args.host, args.interval, args.open) == (
        "r",
        8050,
        "0.0.0.0",
        1.5,
        False,
    )
    assert args.func is dashboard_cli.cmd_dashboard
    with pytest.raises(SystemExit):
        parser().parse_args(["plot", "r"])  # -o is required
