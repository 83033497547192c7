"""``rewind`` on small real studies built in-process: what is kept, what is backed up
and moved, and what is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from neps_like._errors import NePSError
from neps_like.state.layout import Layout
from neps_like.state.leases import remove_lease
from neps_like.state.rewind import rewind
from tests.helpers.studies import (
    WORKER,
    append_records,
    build_study,
    continuation,
    journal_records,
    open_study,
)


def _journal_id(root: Path) -> str:
    return str(yaml.safe_load((root / "neps_like.yaml").read_text(encoding="utf-8"))["journal_id"])


def _trial_ids(root: Path) -> list[str]:
    return sorted({r["trial"]["id"] for _, r in journal_records(root) if r["kind"] == "trial"})


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """Four finished trials, ``2_1`` continuing trial 2, an optimizer-state record and
    derived files; its worker has stopped (no lease)."""
    root = tmp_path / "study"
    state, trials = build_study(root, done=4)
    append_records(
        root,
        continuation(trials[1]),
        {"kind": "optimizer_state", "state": {"budget": None, "shared_state": {"a": 1}}},
    )
    (root / "snapshot.json").write_text("{}", encoding="utf-8")
    (root / "optimizer_state.json").write_text("{}", encoding="utf-8")
    (root / "errors.jsonl").write_text('{"time": 1, "worker_id": "w", "err": "e"}\n', "utf-8")
    remove_lease(state.layout, WORKER)
    return root


def test_rewind_keeps_trials_up_to_n_with_their_continuations(study: Path) -> None:
    old_journal = (study / "journal" / "events.log").read_bytes()
    old_id = _journal_id(study)

    backup = rewind(study, 2)

    assert _trial_ids(study) == ["1", "2", "2_1"]
    records = journal_records(study)
    assert [seq for seq, _ in records] == list(range(1, len(records) + 1))
    # Worker records stay; the optimizer state (of the discarded history) does not.
    assert {r["kind"] for _, r in records} == {"worker", "trial"}
    assert any(r["kind"] == "worker" and r["worker_id"] == WORKER for _, r in records)
    new_id = _journal_id(study)
    assert new_id != old_id and len(new_id) == 32
    assert not (study / "snapshot.json").exists()
    assert not (study / "optimizer_state.json").exists()
    # The discarded trials' folders were moved into the backup, with the state files.
    assert sorted(p.name for p in (study / "trials").iterdir()) == ["1", "2"]
    assert backup.parent == study / "backups" and backup.name.startswith("rewind-")
    assert sorted(p.name for p in (backup / "trials").iterdir()) == ["3", "4"]
    assert (backup / "trials" / "3" / "config.yaml").is_file()
    assert (backup / "events.log").read_bytes() == old_journal
    assert _journal_id_in(backup) == old_id
    for name in ("snapshot.json", "optimizer_state.json", "errors.jsonl"):
        assert (backup / name).read_bytes() == (
            b"{}" if name != "errors.jsonl" else b'{"time": 1, "worker_id": "w", "err": "e"}\n'
        )


def _journal_id_in(backup: Path) -> str:
    return str(yaml.safe_load((backup / "neps_like.yaml").read_text("utf-8"))["journal_id"])


def test_rewound_study_loads_with_the_kept_trials(study: Path) -> None:
    rewind(study, 1)
    state = open_study(study)
    assert sorted(state.lock_and_read_trials()) == ["1"]
    assert sorted(p.name for p in (study / "trials").iterdir()) == ["1"]


def test_rewind_to_zero_keeps_no_trial(study: Path) -> None:
    backup = rewind(study, 0)
    assert _trial_ids(study) == []
    assert sorted(p.name for p in (backup / "trials").iterdir()) == ["1", "2", "3", "4"]


def test_rewind_without_backed_up_files_backs_up_what_exists(tmp_path: Path) -> None:
    root = tmp_path / "study"
    state, _ = build_study(root, done=2)
    remove_lease(state.layout, WORKER)
    backup = rewind(root, 1)
    assert sorted(p.name for p in backup.iterdir()) == ["events.log", "neps_like.yaml", "trials"]


@pytest.mark.parametrize("to", [-1, 5, 99])
def test_rewind_out_of_range_changes_nothing(study: Path, to: int) -> None:
    before = (study / "journal" / "events.log").read_bytes()
    with pytest.raises(NePSError, match=str(to)):
        rewind(study, to)
    assert (study / "journal" / "events.log").read_bytes() == before
    assert not (study / "backups").exists()


def test_rewind_refuses_while_a_worker_is_live_unless_forced(tmp_path: Path) -> None:
    root = tmp_path / "study"
    build_study(root, done=3)  # its worker's lease was just renewed
    before = (root / "journal" / "events.log").read_bytes()
    with pytest.raises(NePSError, match=rf"running on .*\({WORKER}\).*force"):
        rewind(root, 1)
    assert (root / "journal" / "events.log").read_bytes() == before
    rewind(root, 1, force=True)
    assert _trial_ids(root) == ["1"]


def test_a_stale_lease_does_not_count_as_live(tmp_path: Path) -> None:
    root = tmp_path / "study"
    build_study(root, done=2)
    rewind(root, 1, live_within=0.0)  # no lease renewed "within 0 s"
    assert _trial_ids(root) == ["1"]


def test_rewind_drops_a_record_with_a_hostile_trial_id(
    study: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record = journal_records(study)[-3][1]  # a trial record
    record["trial"]["id"] = "../../victim"
    append_records(study, record)
    with caplog.at_level(logging.WARNING, logger="neps_like.state.rewind"):
        rewind(study, 4)
    assert _trial_ids(study) == ["1", "2", "2_1", "3", "4"]
    assert "'../../victim'" in caplog.text


def test_rewind_of_a_study_without_journal_refuses_every_trial(tmp_path: Path) -> None:
    root = tmp_path / "study"
    state = open_study(root)
    assert not Layout.at(root).journal_file.exists()  # nothing recorded yet
    with pytest.raises(NePSError, match="no trial 1"):
        rewind(root, 1)
    assert rewind(root, 0).is_dir()
    assert state.layout.journal_file.read_bytes() == b""
