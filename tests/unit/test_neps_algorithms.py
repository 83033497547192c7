"""``neps.algorithms.<name>`` factories and NePS's in-memory ``neps.AskAndTell``."""

from __future__ import annotations

from pathlib import Path

import pytest

import neps_like as neps
from neps_like.optimizers.registry import available_optimizers


class Space(neps.PipelineSpace):
    epochs = neps.IntegerFidelity(1, 9)
    lr = neps.Float(1e-4, 1e-1, log=True, prior=1e-2)


def test_every_registered_name_has_a_factory() -> None:
    assert set(dir(neps.algorithms)) == set(available_optimizers())
    with pytest.raises(AttributeError, match="no optimizer 'nope'"):
        neps.algorithms.nope  # noqa: B018


def test_ask_and_tell_runs_hyperband_in_memory() -> None:
    ask_tell = neps.AskAndTell(neps.algorithms.hyperband(Space(), eta=3, seed=1))
    for _ in range(12):
        trial = ask_tell.ask()
        assert trial.state is neps.TrialState.EVALUATING
        done = ask_tell.tell(trial, {"objective_to_minimize": abs(trial.config["lr"] - 0.01)})
        assert done.state is neps.TrialState.SUCCESS
    ids = list(ask_tell.trials)
    assert ids[:9] == [str(i) for i in range(1, 10)]  # the first bracket's base rung
    promoted = [i for i in ids if "_" in i]
    assert promoted, "hyperband promoted some configs"
    for trial_id in promoted:
        base = trial_id.split("_")[0]
        trial = ask_tell.trials[trial_id]
        assert trial.metadata.previous_trial_id is not None
        assert trial.metadata.previous_trial_id.split("_")[0] == base
        assert trial.config["lr"] == ask_tell.trials[base].config["lr"]
        assert trial.config["epochs"] > ask_tell.trials[base].config["epochs"]


def test_ask_a_batch_and_tell_a_failure() -> None:
    ask_tell = neps.AskAndTell(neps.algorithms.random_search({"x": neps.Float(0.0, 1.0)}))
    batch = ask_tell.ask(n=3)
    assert [t.id for t in batch] == ["1", "2", "3"]
    failed = ask_tell.tell(batch[0], RuntimeError("out of memory"))
    assert failed.state is neps.TrialState.FAILED
    assert failed.report is not None and "out of memory" in str(failed.report.err)


def test_tell_custom_warm_starts() -> None:
    ask_tell = neps.AskAndTell(neps.algorithms.random_search({"x": neps.Float(0.0, 1.0)}))
    ask_tell.tell_custom(config_id="old", config={"x": 0.5}, result=0.25)
    assert ask_tell.trials["old"].report.objective_to_minimize == 0.25  # type: ignore[union-attr]
    with pytest.raises(neps.ArgumentError, match="already exists"):
        ask_tell.tell_custom(config_id="old", config={"x": 0.1}, result=0.0)


def test_factory_settings_use_neps_meaning() -> None:
    optimizer = neps.algorithms.pibo(Space(), sample_prior_first=True, ignore_fidelity=False)
    first = optimizer({}, None, None)
    assert first.config["lr"] == pytest.approx(1e-2)
    assert first.config["epochs"] == 9


@pytest.mark.parametrize("as_tuple", [False, True])
def test_run_accepts_the_factory_as_optimizer(tmp_path: Path, as_tuple: bool) -> None:
    factory = neps.algorithms.random_search
    optimizer = (factory, {"use_priors": True}) if as_tuple else factory
    neps.run(
        lambda lr, epochs: lr,
        Space(),
        root_directory=tmp_path / "s",
        evaluations_to_spend=2,
        optimizer=optimizer,
    )
    info = (tmp_path / "s" / "optimizer_info.yaml").read_text()
    assert "random_search" in info


def test_nepss_import_path_for_ask_and_tell_in_a_fresh_interpreter() -> None:
    """``from neps.optimizers.ask_and_tell import AskAndTell`` (NePS's path) works as the
    first import of a script, with nothing else of neps_like imported before."""
    import subprocess
    import sys

    code = (
        "from neps_like.optimizers.ask_and_tell import AskAndTell\n"
        "import neps_like\n"
        "assert AskAndTell is neps_like.AskAndTell\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
