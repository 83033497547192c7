"""``TrialRepo`` on a real study folder: new trials get their folder with the files they
need, trials are rebuilt from their folders, and errors name the trial and the folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neps_like._errors import (
    CorruptRecordError,
    StorageError,
    TrialAlreadyExistsError,
    TrialNotFoundError,
)
from neps_like.state.records import MetaData, Report, Trial, TrialState
from neps_like.state.trial_repo import TrialRepo


def _trial(trial_id: str = "1", **config: float) -> Trial:
    meta = MetaData(time_sampled=5.0, sampling_worker_id="w1", evaluating_worker_id="w1")
    return Trial(trial_id, config or {"x": 0.25}, TrialState.SUCCESS, meta, Report(0.25))


def test_store_new_trial_indexes_it_and_writes_config_and_metadata(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    trial = _trial()
    repo.store_new_trial(trial)
    assert repo.get("1") == trial and len(repo) == 1
    folder = tmp_path / "trials" / "1"
    assert sorted(p.name for p in folder.iterdir()) == ["config.yaml", "metadata.json"]
    assert (folder / "config.yaml").read_text(encoding="utf-8") == "x: 0.25\n"
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert (meta["id"], meta["state"], meta["sampling_worker_id"]) == ("1", "success", "w1")


def test_store_new_trial_refuses_a_known_id(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    repo.store_new_trial(_trial())
    with pytest.raises(TrialAlreadyExistsError):
        repo.store_new_trial(_trial(x=0.5))
    assert dict(repo.get("1").config) == {"x": 0.25}


def test_config_files_keep_the_order_of_the_config(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    repo.store_new_trial(_trial(z=1.0, a=2.0))
    assert (tmp_path / "trials" / "1" / "config.yaml").read_text() == "z: 1.0\na: 2.0\n"


def test_a_trial_is_rebuilt_from_its_folder(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    trial = _trial()
    repo.store_new_trial(trial)
    repo.update_trial(trial, hints="report")
    assert TrialRepo(tmp_path).load_trial_from_disk("1") == trial


def test_a_trial_without_folder_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(TrialNotFoundError) as info:
        TrialRepo(tmp_path).load_trial_from_disk("4")
    assert (info.value.trial_id, info.value.root) == ("4", str(tmp_path))
    assert str(info.value) == f"No trial with id '4' in {tmp_path}."


def test_a_damaged_folder_is_named(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    repo.store_new_trial(_trial())
    (tmp_path / "trials" / "1" / "metadata.json").write_text('{"state": "bogus"}', "utf-8")
    with pytest.raises(CorruptRecordError) as info:
        repo.load_trial_from_disk("1")
    assert info.value.path == str(tmp_path / "trials" / "1")
    assert str(info.value).startswith(f"Trial folder {tmp_path / 'trials' / '1'} is unreadable:")


def test_a_missing_metadata_file_is_named(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    repo.store_new_trial(_trial())
    meta = tmp_path / "trials" / "1" / "metadata.json"
    meta.unlink()
    with pytest.raises(StorageError, match=f"Could not read {meta}"):
        repo.load_trial_from_disk("1")


def test_clear_keeps_the_fidelity_name(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path, fidelity_name="epochs")
    repo.apply(_trial("1", x=0.5, epochs=3))
    assert repo.used_fidelity == 3.0
    repo.clear()
    assert len(repo) == 0 and repo.used_fidelity == 0.0
    repo.apply(_trial("1", x=0.5, epochs=3))
    assert repo.used_fidelity == 3.0


def test_a_claim_known_only_by_its_key_counts_as_its_first_attempt(tmp_path: Path) -> None:
    repo = TrialRepo(tmp_path)
    repo.register_claim("7_2", "key7")
    placeholder = repo.get("7_2")
    assert placeholder.state is TrialState.EVALUATING and placeholder.metadata.attempt == 1
    assert TrialRepo.is_unread_claim(placeholder)
    assert repo.has_key("key7") and repo.budgeted_trials == 1
    assert repo.next_config_number == 8
