"""Independent checks of a finished study, read from the journal and the trial folders."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import neps_like as neps
from neps_like.state.journal import Journal
from neps_like.state.layout import Layout


def journal_records(root: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every record of the study's journal and the damage found (torn tails excluded)."""
    layout = Layout.at(root)
    journal = Journal(layout.journal_file, layout.quarantine_file, sync="none")
    records = journal.read_new()
    return records, [p.describe() for p in journal.problems]


def audit(root: Path, *, successes: int) -> list[str]:
    """What is wrong with the study in ``root`` (empty when nothing is).

    Exactly ``successes`` SUCCESS trials numbered 1..n, nothing else, no trial reported
    successful twice in the journal, no config sampled twice, and a clean journal.
    """
    problems: list[str] = []
    trials = neps.load(root)
    if trials.counts() != {"success": successes}:
        problems.append(f"counts {trials.counts()} != {{'success': {successes}}}")
    if sorted(trials, key=int) != [str(i) for i in range(1, successes + 1)]:
        problems.append(f"trial ids are not 1..{successes}: {sorted(trials, key=int)}")
    configs = Counter(tuple(sorted(t.config.items())) for t in trials.values())
    problems += [f"config sampled {n} times: {c}" for c, n in configs.items() if n > 1]
    records, damage = journal_records(root)
    problems += [f"journal: {d}" for d in damage]
    reported = Counter(
        r["trial"]["id"]
        for r in records
        if r.get("kind") == "trial" and r["trial"]["state"] == "success"
    )
    problems += [f"trial {t} reported SUCCESS {n} times" for t, n in reported.items() if n > 1]
    return problems
