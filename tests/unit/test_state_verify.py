"""``verify`` and ``repair`` on small real studies built in-process: each problem is
reported naming its file, and ``repair`` backs up, drops, re-queues and rewrites."""

from __future__ import annotations

import json
import threading
import zlib
from pathlib import Path

import pytest

from neps_like._errors import UnsafePathError
from neps_like.state.layout import Layout
from neps_like.state.leases import remove_lease
from neps_like.state.locker import FileLocker
from neps_like.state.records import Trial, TrialState
from neps_like.state.snapshot import proof_record, write_snapshot
from neps_like.state.verify import repair, verify
from tests.helpers.studies import (
    WORKER,
    append_records,
    build_study,
    journal_records,
    open_study,
)

GOOD_ERROR = b'{"time": 1.0, "worker_id": "w1", "err": "boom"}'


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """Three finished trials and trial 4 evaluating, its worker's lease in place."""
    root = tmp_path / "study"
    build_study(root, done=3, running=1)
    return root


def _journal(root: Path) -> Path:
    return root / "journal" / "events.log"


def _append_raw(root: Path, payload: bytes, *, crc_ok: bool = True) -> bytes:
    """Append a line holding ``payload`` with the next seq (and a valid checksum)."""
    seq = int(_journal(root).read_bytes().split(b"\n")[-2].split(b" ")[0]) + 1
    crc = zlib.crc32(f"{seq} ".encode() + payload) ^ (0 if crc_ok else 1)
    line = f"{seq} {crc:08x} ".encode() + payload
    with _journal(root).open("ab") as fh:
        fh.write(line + b"\n")
    return line


def _snapshot(root: Path, trials: list[Trial] | None = None) -> tuple[int, str]:
    """A snapshot of the journal as it is (or claiming ``trials``); (seq, digest)."""
    state = open_study(root)
    seq = journal_records(root)[-1][0]
    digest = write_snapshot(
        state.layout,
        journal_id=state._info.journal_id,
        seq=seq,
        offset=_journal(root).stat().st_size,
        trials=trials if trials is not None else state.lock_and_read_trials().values(),
        workers={},
        optimizer_state={},
    )
    return seq, digest


# -- verify ------------------------------------------------------------------------------


def test_a_sound_study_is_ok(study: Path) -> None:
    report = verify(study)
    assert report.ok and report.problems == []
    assert (report.root, report.records, report.trials) == (study, 8, 4)
    # Trial 4's folder was made at its claim; its metadata is written after.
    assert report.notes == [f"trial folder {study / 'trials' / '4'} has no metadata.json yet"]
    assert report.render().splitlines()[0] == f"Study {study}: 8 journal records, 4 trials."
    assert report.render().endswith("\nOK")


def test_a_damaged_study_file_is_named(study: Path) -> None:
    (study / "neps_like.yaml").write_text("seed: [unclosed\n", encoding="utf-8")
    report = verify(study)
    assert not report.ok
    assert any("neps_like.yaml" in p for p in report.problems)
    assert report.render().endswith("`neps-like repair` fixes what can be fixed.")


def test_a_damaged_optimizer_info_is_named(study: Path) -> None:
    (study / "optimizer_info.yaml").write_text("- not\n- a mapping\n", encoding="utf-8")
    assert any("optimizer_info.yaml" in p for p in verify(study).problems)


def test_malformed_and_damaged_records_are_problems(study: Path) -> None:
    _append_raw(study, b'{"kind":"trial","trial":{"id":"5","config":"x"}}')
    _append_raw(study, b'{"kind":"worker","worker_id":"w9"}', crc_ok=False)
    _append_raw(study, b'{"kind":"worker","worker_id":"w9"}')
    report = verify(study)
    assert report.trials == 4
    assert report.problems[0].startswith(
        f"{study / 'journal' / 'events.log'}: malformed 'trial' record skipped by every reader:"
    )
    # The line whose checksum fails, and the gap it leaves in the sequence.
    assert len(report.problems) == 3
    assert "checksum mismatch" in report.problems[1]
    assert "records 10..10 missing" in report.problems[2]


def test_a_torn_tail_is_a_note(study: Path) -> None:
    with _journal(study).open("ab") as fh:
        fh.write(b"9 0000")
    report = verify(study)
    assert report.ok
    assert any(
        "6 bytes of an unfinished write at the end of the journal" in n for n in report.notes
    )


def test_a_hostile_trial_id_and_a_misfit_config_are_problems(study: Path) -> None:
    record = journal_records(study)[-1][1]
    trial = dict(record["trial"], id="../../victim")
    misfit = dict(record["trial"], id="9", config={"x": 5.0})
    append_records(study, {"kind": "trial", "trial": trial}, {"kind": "trial", "trial": misfit})
    problems = verify(study).problems
    assert any("invalid trial id '../../victim'" in p for p in problems)
    assert any(p.startswith("trial 9: its config does not fit the search space") for p in problems)


def test_planted_links_are_problems(study: Path, tmp_path: Path) -> None:
    (study / "summary").symlink_to(tmp_path)
    problems = verify(study).problems
    assert problems == [
        f"{study / 'summary'} is a symbolic link: neps_like refuses to follow or use it "
        "(someone with write access may have planted it); remove it by hand"
    ]


def test_derived_json_files_are_checked(study: Path) -> None:
    (study / "optimizer_state.json").write_text("[1, 2]", encoding="utf-8")
    lines = [GOOD_ERROR, b"{torn", b"[1]", b'{"time": 1, "worker_id": "w"}', GOOD_ERROR, b""]
    (study / "errors.jsonl").write_bytes(b"\n".join(lines))
    problems = verify(study).problems
    assert problems == [
        f"{study / 'optimizer_state.json'} is unreadable (not a JSON object); `repair` rebuilds it",
        f"{study / 'errors.jsonl'} line 2 is unreadable",
        f"{study / 'errors.jsonl'} line 3 is unreadable",
        f"{study / 'errors.jsonl'} line 4 is unreadable",
    ]


def test_trial_folders_are_compared_with_the_journal(study: Path) -> None:
    meta = study / "trials" / "1" / "metadata.json"
    meta.write_text(json.dumps(dict(json.loads(meta.read_text()), state="failed")), "utf-8")
    (study / "trials" / "2" / "config.yaml").write_text("x: 0.123\n", encoding="utf-8")
    (study / "trials" / "3" / "metadata.json").write_text("{damaged", encoding="utf-8")
    (study / "trials" / "12").mkdir()  # a folder of no trial
    (study / "trials" / "scratch").mkdir()  # not a trial's name: not ours to judge
    report = verify(study)
    assert report.problems[0] == (f"{meta} says failed, the journal says success")
    assert report.problems[1] == (
        f"{study / 'trials' / '2' / 'config.yaml'} differs from the journal's config"
    )
    assert report.problems[2].startswith(f"trial folder {study / 'trials' / '3'}:")
    assert len(report.problems) == 3
    assert f"folder {study / 'trials' / '12'} belongs to no trial in the journal" in report.notes
    assert not any("scratch" in n for n in report.notes)


def test_a_proved_snapshot_is_ok(study: Path) -> None:
    seq, digest = _snapshot(study)
    append_records(study, proof_record(seq, digest))
    report = verify(study)
    assert report.ok and not any("snapshot.json" in n for n in report.notes)


def test_an_unproved_snapshot_is_a_note(study: Path) -> None:
    _snapshot(study)
    report = verify(study)
    assert report.ok
    assert f"{study / 'snapshot.json'} has no proof in the journal; workers ignore it" in (
        report.notes
    )


def test_a_snapshot_other_than_the_proved_one_is_a_problem(study: Path) -> None:
    seq, _ = _snapshot(study)
    append_records(study, proof_record(seq, "0" * 40))
    assert verify(study).problems == [
        f"{study / 'snapshot.json'} differs from the snapshot the journal recorded (edited "
        "or damaged); workers ignore it"
    ]


def test_a_snapshot_that_disagrees_with_the_journal_is_a_problem(study: Path) -> None:
    state = open_study(study)
    trials = list(state.lock_and_read_trials().values())[:2]  # two trials left out
    seq, digest = _snapshot(study, trials)
    append_records(study, proof_record(seq, digest))
    assert verify(study).problems == [f"{study / 'snapshot.json'} disagrees with the journal"]


def test_an_unreadable_snapshot_is_a_problem(study: Path) -> None:
    (study / "snapshot.json").write_text("{}", encoding="utf-8")
    assert verify(study).problems == [
        f"{study / 'snapshot.json'} is unreadable or of another journal"
    ]


# -- repair ------------------------------------------------------------------------------


def test_repair_rebuilds_the_journal_and_keeps_the_damage(study: Path) -> None:
    record = journal_records(study)[-1][1]
    malformed = _append_raw(study, b'{"kind":"trial","trial":{"id":"5","config":"x"}}')
    damaged = _append_raw(study, b'{"kind":"worker","worker_id":"w9"}', crc_ok=False)
    hostile = json.dumps({"kind": "trial", "trial": dict(record["trial"], id="../x")})
    hostile_line = _append_raw(study, hostile.encode())
    (study / "errors.jsonl").write_bytes(GOOD_ERROR + b"\n{torn\n" + GOOD_ERROR + b"\n")
    (study / "snapshot.json").write_text("{}", encoding="utf-8")
    (study / "optimizer_state.json").write_text("damaged", encoding="utf-8")
    (study / "summary").mkdir()
    (study / "summary" / ".position").write_text("x", encoding="utf-8")
    original = {
        name: (study / rel).read_bytes()
        for name, rel in [
            ("events.log", "journal/events.log"),
            ("errors.jsonl", "errors.jsonl"),
            ("neps_like.yaml", "neps_like.yaml"),
            ("optimizer_info.yaml", "optimizer_info.yaml"),
            ("search_space.yaml", "search_space.yaml"),
            ("snapshot.json", "snapshot.json"),
            ("optimizer_state.json", "optimizer_state.json"),
        ]
    }

    backup, after = repair(study)

    assert after.ok, after.problems
    records = journal_records(study)
    assert [seq for seq, _ in records] == list(range(1, 9))
    assert after.records == 8 and after.trials == 4
    quarantine = (study / "journal" / "quarantine.log").read_bytes().split(b"\n")
    assert quarantine[0].startswith(b"# ") and quarantine[0].endswith(b" removed by repair")
    assert quarantine[1:] == [malformed, damaged, hostile_line, b"{torn", b""]
    assert (study / "errors.jsonl").read_bytes() == GOOD_ERROR + b"\n" + GOOD_ERROR + b"\n"
    assert not (study / "snapshot.json").exists()
    assert not (study / "summary" / ".position").exists()
    assert json.loads((study / "optimizer_state.json").read_bytes()) == {
        "seq": 8,
        "budget": None,
        "shared_state": {},
    }
    assert backup.parent == study / "backups" and backup.name.startswith("repair-")
    for name, data in original.items():
        assert (backup / name).read_bytes() == data, name
    readme = json.loads((backup / "README.txt").read_text(encoding="utf-8"))
    assert readme == {"made": backup.name.removeprefix("repair-"), "by": "neps-like repair"}


def test_repair_of_a_sound_study_changes_no_trial(study: Path) -> None:
    before = [r for _, r in journal_records(study)]
    backup, after = repair(study)
    assert after.ok
    assert [r for _, r in journal_records(study)] == before
    assert not (study / "journal" / "quarantine.log").exists()
    assert not (study / "optimizer_state.json").exists()  # none before, none made
    assert sorted(p.name for p in backup.iterdir()) == [
        "README.txt",
        "events.log",
        "neps_like.yaml",
        "optimizer_info.yaml",
        "search_space.yaml",
    ]


def test_repair_keeps_the_last_optimizer_state(study: Path) -> None:
    state = {"budget": {"max_evaluations": 9}, "shared_state": {"a": 1}}
    append_records(study, {"kind": "optimizer_state", "state": state})
    repair(study)
    assert json.loads((study / "optimizer_state.json").read_bytes()) == {
        "seq": 9,
        "budget": {"max_evaluations": 9, "max_cost_total": None, "max_fidelity_total": None},
        "shared_state": {"a": 1},
    }


def test_repair_requeues_trials_of_workers_without_a_lease(study: Path) -> None:
    remove_lease(Layout.at(study), WORKER)
    _, after = repair(study)
    assert after.ok
    records = journal_records(study)
    assert len(records) == 9
    last = records[-1][1]["trial"]
    assert (last["id"], last["state"]) == ("4", "pending")
    assert "report" not in last
    trials = open_study(study).lock_and_read_trials()
    assert trials["4"].state is TrialState.PENDING
    assert [t.state for t in trials.values()].count(TrialState.SUCCESS) == 3
    meta = json.loads((study / "trials" / "4" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["state"] == "pending"


def test_repair_leaves_trials_of_live_workers_evaluating(study: Path) -> None:
    repair(study)
    assert open_study(study).lock_and_read_trials()["4"].state is TrialState.EVALUATING
    meta = json.loads((study / "trials" / "4" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["state"] == "evaluating"


def test_repair_rewrites_every_file_of_existing_folders(study: Path) -> None:
    (study / "trials" / "1" / "config.yaml").unlink()
    (study / "trials" / "2" / "report.yaml").write_text("damaged: [", encoding="utf-8")
    (study / "trials" / "3").rename(study / "elsewhere")
    repair(study)
    assert (study / "trials" / "1" / "config.yaml").is_file()
    assert "objective_to_minimize: 2.0" in (study / "trials" / "2" / "report.yaml").read_text()
    assert not (study / "trials" / "3").exists()  # folders are made only when asked
    repair(study, all_folders=True)
    assert sorted(p.name for p in (study / "trials" / "3").iterdir()) == [
        "config.yaml",
        "metadata.json",
        "report.yaml",
    ]


def test_repair_refuses_a_backups_link(study: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (study / "backups").symlink_to(target)
    before = _journal(study).read_bytes()
    with pytest.raises(UnsafePathError, match="backups"):
        repair(study)
    assert list(target.iterdir()) == []
    assert _journal(study).read_bytes() == before


@pytest.mark.parametrize("kind", ["posix", "lease"])
@pytest.mark.threads
def test_repair_waits_for_the_state_lock(study: Path, kind: str) -> None:
    layout = Layout.at(study)
    if kind == "lease":  # the study's workers use the lease lock: repair must too
        layout.lease_lock_marker.touch()
    holder = FileLocker(layout.lock_file, kind=kind, lease_path=layout.lease_lock_file)
    done = threading.Event()

    def run() -> None:
        repair(study)
        done.set()

    with holder.lock():
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        assert not done.wait(0.5), "repair ran while another process held the lock"
    thread.join(timeout=30)
    assert done.is_set()


def test_repair_makes_no_folder_for_invalid_or_duplicate_trials(study: Path) -> None:
    record = journal_records(study)[-1][1]["trial"]
    invalid = dict(record, id="9", state="invalid", config={"x": 0.9})
    duplicate = dict(record, id="10", state="duplicate", config={"x": 0.95})
    append_records(
        study, {"kind": "trial", "trial": invalid}, {"kind": "trial", "trial": duplicate}
    )
    repair(study, all_folders=True)
    assert sorted(p.name for p in (study / "trials").iterdir()) == ["1", "2", "3", "4"]


def test_repair_appends_to_the_quarantine_file(study: Path) -> None:
    first = _append_raw(study, b'{"kind":"worker","worker_id":"w8"}', crc_ok=False)
    repair(study)
    second = _append_raw(study, b'{"kind":"worker","worker_id":"w9"}', crc_ok=False)
    repair(study)
    kept = (study / "journal" / "quarantine.log").read_bytes().split(b"\n")
    assert [line for line in kept if not line.startswith(b"# ")] == [first, second, b""]


def test_repair_requeues_a_trial_whose_worker_id_is_no_worker_id(study: Path) -> None:
    record = journal_records(study)[-1][1]["trial"]
    assert record["state"] == "evaluating"
    record["metadata"]["evaluating_worker_id"] = "../w1"
    append_records(study, {"kind": "trial", "trial": record})
    _, after = repair(study)
    assert after.ok
    assert open_study(study).lock_and_read_trials()["4"].state is TrialState.PENDING


def test_a_study_made_by_an_import_has_no_optimizer_or_space_files(study: Path) -> None:
    (study / "optimizer_info.yaml").unlink()
    (study / "search_space.yaml").unlink()
    assert verify(study).ok
