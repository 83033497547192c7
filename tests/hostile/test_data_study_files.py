"""Defect 6: damaged ``neps_like.yaml``, ``optimizer_info.yaml`` or ``search_space.yaml``
gave raw PyYAML tracebacks from every command while verify and repair said OK. Each is
now our error naming file and field, a problem for verify, and left to the user (with a
clear message) by repair, since nothing else holds what a source file says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import neps_like as neps
from neps_like._errors import CorruptRecordError
from neps_like.state.verify import repair, verify
from tests.hostile.data_support import make_study, objective

DAMAGE = [
    ("search_space.yaml", "x: {type: float, lower: 0.0\n", "not valid YAML"),
    ("search_space.yaml", "", "it is empty"),
    ("search_space.yaml", "- x\n- y\n", "holds a list, not a mapping"),
    ("search_space.yaml", "x: {type: float, lower: 2.0, upper: 1.0}\n", "parameter 'x'"),
    ("search_space.yaml", "x: {type: quantum, lower: 0, upper: 1}\n", "type='quantum'"),
    ("search_space.yaml", "{}\n", "empty"),
    ("optimizer_info.yaml", "name: [random_search\n", "not valid YAML"),
    ("optimizer_info.yaml", "settings: {}\n", "field 'name'"),
    ("optimizer_info.yaml", "name: random_search\nsettings: [1, 2]\n", "field 'settings'"),
    ("neps_like.yaml", "\x00\x01garbage: [", "not valid YAML"),
    ("neps_like.yaml", "format_version: 1\ncreated: 1.0\nseed: abc\njournal_id: x\n", "'seed'"),
    ("neps_like.yaml", "format_version: 1\ncreated: 1.0\nseed: 1\n", "'journal_id'"),
    ("neps_like.yaml", "- 1\n", "holds a list"),
]


@pytest.mark.parametrize(("name", "text", "detail"), DAMAGE)
def test_damaged_source_file(tmp_path: Path, name: str, text: str, detail: str) -> None:
    """Attack: a study YAML file broken by hand, a bad disk or a half-finished copy."""
    root = make_study(tmp_path / "study")
    (root / name).write_text(text)
    for command in (neps.status, neps.load):
        with pytest.raises(CorruptRecordError) as caught:
            command(root)
        assert not isinstance(caught.value.__cause__, yaml.YAMLError)
        assert name in str(caught.value) and detail in str(caught.value)
    with pytest.raises(CorruptRecordError, match=name):
        neps.run(objective, root_directory=root, evaluations_to_spend=6)
    report = verify(root)
    assert not report.ok
    assert any(name in p and detail in p for p in report.problems), report.render()
    _, after = repair(root)
    problem = next(p for p in after.problems if name in p)
    assert "source file" in problem and "restore it" in problem
    assert (root / name).read_text() == text, "repair never invents a source file"
    backups = list((root / "backups").glob(f"repair-*/{name}"))
    assert backups and backups[0].read_text() == text


def test_derived_files_are_rebuilt_by_repair(tmp_path: Path) -> None:
    """Variation: damaged derived files (optimizer_state.json, a trial's config.yaml,
    errors.jsonl lines) are reported by verify and rebuilt from the journal by repair."""
    root = make_study(tmp_path / "study", trial_folders="always")
    (root / "optimizer_state.json").write_text("{not json")
    (root / "trials" / "2" / "config.yaml").write_text("x: 12345.0\n")
    with (root / "errors.jsonl").open("a") as fh:
        fh.write("[" * 100_000 + "\n")
    report = verify(root)
    text = report.render()
    assert "optimizer_state.json" in text and "config.yaml" in text and "errors.jsonl" in text
    _, after = repair(root)
    assert after.ok, after.render()
    assert "12345" not in (root / "trials" / "2" / "config.yaml").read_text()
    neps.status(root)
