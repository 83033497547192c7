from __future__ import annotations

from pathlib import Path

import neps_like as neps


def test_ask_tell_loop_with_budget_and_failures(tmp_path: Path) -> None:
    study = neps.AskTell(
        tmp_path / "r",
        {"x": neps.Float(0.0, 1.0), "g": {"n": neps.Integer(1, 3)}},
        optimizer="random_search",
        evaluations_to_spend=5,
        seed=1,
    )
    told = 0
    while (trial := study.ask()) is not None:
        cfg = study.config(trial)
        result = RuntimeError("bad") if told == 2 else cfg["x"] + cfg["g"]["n"]
        study.tell(trial, result)
        told += 1
    assert told == 5
    assert neps.load(tmp_path / "r").counts() == {"success": 4, "failed": 1}
    again = neps.AskTell(tmp_path / "r", optimizer="random_search", evaluations_to_spend=6)
    trial = again.ask()
    assert trial is not None and trial.id == "6"
