"""``import_trials`` with NePS's signature and rules, ``UserResultDict`` and
``neps.utils.load_trials_from_pickle``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import neps_like as neps
import neps_like.utils


def _space() -> dict[str, object]:
    return {
        "lr": neps.Float(1e-4, 1e-1, log=True),
        "act": neps.Categorical(["relu", "tanh", "gelu"]),
        "epochs": neps.IntegerFidelity(1, 9),
    }


def test_neps_argument_order_and_names(tmp_path: Path) -> None:
    root = tmp_path / "study"
    ids = neps.import_trials(
        evaluated_trials=[
            (
                {"lr": 0.01, "act": "tanh", "epochs": 3},
                neps.UserResultDict(objective_to_minimize=0.4),
            ),
        ],
        root_directory=str(root),
        pipeline_space=_space(),
        overwrite_root_directory=False,
        optimizer="hyperband",
    )
    assert len(ids) == 1
    trial = neps.load(root)[ids[0]]
    assert trial.config == {"lr": 0.01, "act": "tanh", "epochs": 3}
    assert trial.report is not None and trial.report.objective_to_minimize == 0.4


def test_positional_neps_order(tmp_path: Path) -> None:
    pairs = [({"lr": 0.001, "act": "relu", "epochs": 9}, {"objective_to_minimize": 1.0})]
    assert len(neps.import_trials(pairs, tmp_path / "s", _space())) == 1


def test_missing_fidelity_is_its_upper_bound(tmp_path: Path) -> None:
    root = tmp_path / "study"
    (tid,) = neps.import_trials(
        [({"lr": 0.02, "act": "gelu"}, {"objective_to_minimize": 0.1})], root, _space()
    )
    assert neps.load(root)[tid].config["epochs"] == 9


def test_unknown_keys_are_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "study"
    with caplog.at_level(logging.WARNING):
        (tid,) = neps.import_trials(
            [({"lr": 0.02, "act": "gelu", "epochs": 1, "momentum": 0.9}, 0.3)], root, _space()
        )
    assert "momentum" in caplog.text and "discarding" in caplog.text
    assert "momentum" not in neps.load(root)[tid].config


def test_neps_pipeline_space_keys_are_read(tmp_path: Path) -> None:
    """Configs saved by NePS's PipelineSpace runs carry prefixed keys, categoricals as index."""
    root = tmp_path / "study"
    config = {
        "ENVIRONMENT__epochs": 4,
        "SAMPLING__Resolvable.act::categorical__3": 2,
        "SAMPLING__Resolvable.lr::float__0.0001_0.1_True": 0.05,
    }
    (tid,) = neps.import_trials([(config, {"objective_to_minimize": 0.2})], root, _space())
    assert neps.load(root)[tid].config == {"epochs": 4, "act": "gelu", "lr": 0.05}


def test_space_loaded_from_the_study_and_overwrite(tmp_path: Path) -> None:
    root = tmp_path / "study"
    first = [({"lr": 0.01, "act": "relu", "epochs": 2}, 0.5)]
    neps.import_trials(first, root, _space())
    second = [({"lr": 0.02, "act": "relu", "epochs": 2}, 0.6)]
    neps.import_trials(second, root)  # no space: the stored one
    assert len(neps.load(root)) == 2
    neps.import_trials(second, root, _space(), overwrite_root_directory=True)
    assert len(neps.load(root)) == 1


def test_no_space_for_a_new_study_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(neps.ArgumentError, match="pass pipeline_space"):
        neps.import_trials([({"lr": 0.01}, 1.0)], tmp_path / "new")


def test_unknown_optimizer_fails_before_writing(tmp_path: Path) -> None:
    root = tmp_path / "study"
    with pytest.raises(neps.OptimizerError, match="no_such_optimizer"):
        neps.import_trials(
            [({"lr": 0.01, "act": "relu", "epochs": 2}, 0.5)],
            root,
            _space(),
            optimizer="no_such_optimizer",
        )
    assert not (root / "neps_like.yaml").exists()


def test_round_trip_through_load_trials_from_pickle(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"

    def evaluate(lr: float, act: str, epochs: int) -> dict[str, object]:
        return {"objective_to_minimize": lr * epochs, "cost": 2.0, "extra": {"act": act}}

    neps.run(
        evaluate, _space(), root_directory=source, evaluations_to_spend=4, optimizer="random_search"
    )
    pairs = neps_like.utils.load_trials_from_pickle(root_dir=source)
    assert len(pairs) == 4
    config, result = pairs[0]
    assert set(config) == {"lr", "act", "epochs"}
    assert result["cost"] == 2.0 and result["extra"] == {"act": config["act"]}
    ids = neps.import_trials(pairs, target, _space())
    imported = sorted(
        t.report.objective_to_minimize
        for t in neps.load(target).values()  # type: ignore[union-attr]
        if t.id in ids
    )
    assert imported == sorted(r["objective_to_minimize"] for _, r in pairs)  # type: ignore[type-var]
    assert neps.import_trials(pairs, target) == []  # already there: nothing added
