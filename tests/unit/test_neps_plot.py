"""``neps.plot(root_directory, ...)`` writes the incumbent trajectory into the study."""

from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps

pytest.importorskip("matplotlib")


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    neps.run(
        lambda x: {"objective_to_minimize": x + 0.1, "cost": 2.0},
        {"x": neps.Float(0.0, 1.0)},
        root_directory=root,
        evaluations_to_spend=4,
    )
    return root


def test_plot_writes_the_image_into_the_study(study: Path) -> None:
    path = neps.plot(study)
    assert path == study / "incumbent_trajectory.png"
    assert path.read_bytes().startswith(b"\x89PNG")


def test_plot_options(study: Path) -> None:
    path = neps.plot(
        study,
        key_to_extract="cost",
        log_x=True,
        x_range=(1, 10),
        filename="by_cost",
        extension="pdf",
        dpi=50,
    )
    assert path.name == "by_cost.pdf" and path.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scientific_mode": True}, "scientific_mode"),
        ({"key_to_extract": "fidelity"}, "key_to_extract='fidelity'"),
        ({"filename": "../outside"}, "plain name"),
    ],
)
def test_unsupported_options_are_refused(
    study: Path, kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(neps.ArgumentError, match=match):
        neps.plot(study, **kwargs)  # type: ignore[arg-type]
    assert not (study.parent / "outside.png").exists()
