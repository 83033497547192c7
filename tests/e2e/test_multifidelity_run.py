from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps

SPACE = {"x": neps.Float(0.0, 1.0), "epochs": neps.Integer(1, 27, is_fidelity=True)}


@pytest.mark.parametrize("optimizer", ["hyperband", "asha", "priorband", "successive_halving"])
def test_promotions_continue_from_the_previous_directory(tmp_path: Path, optimizer: str) -> None:
    root = tmp_path / "r"
    seen: list[tuple[str, str | None, int]] = []

    def fn(
        x: float, epochs: int, pipeline_directory: Path, previous_pipeline_directory: Path | None
    ) -> dict[str, float]:
        start = 0
        if previous_pipeline_directory is not None:
            start = int((previous_pipeline_directory / "epoch.txt").read_text())
        (pipeline_directory / "epoch.txt").write_text(str(epochs))
        prev = None if previous_pipeline_directory is None else previous_pipeline_directory.name
        seen.append((pipeline_directory.name, prev, start))
        return {"objective_to_minimize": (x - 0.3) ** 2 + 1 / epochs, "cost": epochs - start}

    space = dict(SPACE)
    if optimizer == "priorband":
        space["x"] = neps.Float(0.0, 1.0, prior=0.35)
    neps.run(fn, space, root_directory=root, optimizer=optimizer, evaluations_to_spend=30)
    trials = neps.load(root)
    assert len(trials) == 30
    promoted = [t for t in trials.values() if t.metadata.previous_trial_id is not None]
    assert promoted, "some configs were promoted"
    for trial in promoted:
        parent = trials[trial.metadata.previous_trial_id or ""]
        assert {k: v for k, v in trial.config.items() if k != "epochs"} == {
            k: v for k, v in parent.config.items() if k != "epochs"
        }
        assert trial.config["epochs"] > parent.config["epochs"]
        assert trial.id == f"{parent.id.split('_')[0]}_{trial.metadata.rung}"
    continued = [s for s in seen if s[1] is not None]
    assert continued and all(start > 0 for _, _, start in continued)


def test_hyperband_across_processes_promotes_once(tmp_path: Path) -> None:
    script = tmp_path / "mf_worker.py"
    script.write_text(
        "import sys, json, time\n"
        "import neps_like as neps\n"
        "root, n = sys.argv[1], int(sys.argv[2])\n"
        "def f(x, epochs):\n"
        "    time.sleep(0.01)\n"
        "    return (x - 0.3) ** 2 + 1 / epochs\n"
        "space = {'x': neps.Float(0.0, 1.0), 'epochs': neps.Integer(1, 27, is_fidelity=True)}\n"
        "neps.run(f, space,\n"
        "         root_directory=root, optimizer='asha', evaluations_to_spend=n, seed=4)\n"
    )
    import subprocess
    import sys

    root = tmp_path / "r"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(root), "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    trials = neps.load(root)
    assert trials.counts() == {"success": 60}
    parents = [
        t.metadata.previous_trial_id for t in trials.values() if t.metadata.previous_trial_id
    ]
    assert len(parents) == len(set(parents)), "each promotion happens once"


def test_fidelity_budget(tmp_path: Path) -> None:
    root = tmp_path / "r"
    neps.run(
        lambda x, epochs: x,
        SPACE,
        root_directory=root,
        optimizer="hyperband",
        fidelities_to_spend=100,
    )
    used = sum(t.config["epochs"] for t in neps.load(root).values())
    assert 100 <= used < 100 + 27
