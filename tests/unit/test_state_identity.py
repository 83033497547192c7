"""Whether the study on disk is still the one a process opened: a worker stops with
``StudyReplacedError`` after a rewind or a new study; a read-only view reloads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from neps_like._errors import StorageError, StudyReplacedError
from neps_like.state.identity import same_study_info
from neps_like.state.layout import Layout
from neps_like.state.rewind import rewind
from neps_like.state.study_files import read_study_info
from tests.helpers.studies import build_study, open_study


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    open_study(tmp_path / "study")
    return Layout.at(tmp_path / "study")


def test_the_same_study_passes_strict_and_lax(layout: Layout) -> None:
    info = read_study_info(layout)
    assert same_study_info(layout, info, strict=True) == info
    assert same_study_info(layout, info, strict=False) == info


@pytest.mark.parametrize(
    "change", [{"journal_id": "0123456789abcdef" * 2}, {"created": 1.0}], ids=["rewound", "new"]
)
def test_a_replaced_study_stops_a_worker(layout: Layout, change: dict[str, object]) -> None:
    info = read_study_info(layout)
    old = dataclasses.replace(info, **change)  # type: ignore[arg-type]
    with pytest.raises(StudyReplacedError) as error:
        same_study_info(layout, old, strict=True)
    assert error.value.root == str(layout.root)
    assert str(error.value).startswith(
        f"The study in {layout.root} was rewound or created anew while this worker ran "
        f"(journal id {old.journal_id[:8]} is now {info.journal_id[:8]}); stopping"
    )
    assert same_study_info(layout, old, strict=False) == info  # a view just reloads


def test_a_deleted_study_stops_a_worker_and_fails_a_view(layout: Layout) -> None:
    info = read_study_info(layout)
    layout.study_file.unlink()
    with pytest.raises(StudyReplacedError, match="was deleted while this worker ran"):
        same_study_info(layout, info, strict=True)
    with pytest.raises(StorageError):
        same_study_info(layout, info, strict=False)


def test_a_registered_worker_stops_after_a_rewind_and_a_view_reloads(tmp_path: Path) -> None:
    root = tmp_path / "study"
    worker, _ = build_study(root, done=3)  # registered: stops on replacement
    view = open_study(root)
    assert len(view.lock_and_read_trials()) == 3
    rewind(root, 1, force=True)
    with pytest.raises(StudyReplacedError, match="rewound or created anew"):
        worker.lock_and_read_trials()
    assert sorted(view.lock_and_read_trials()) == ["1"]
