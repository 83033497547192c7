"""Rung bookkeeping details: lineage roots, the incumbent's rung, proposal ids, the
schedule's error, and how a mixin is put on a schedule."""

from __future__ import annotations

import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._bases import on_base
from neps_like.optimizers.multifidelity._brackets import History, RungSchedule, with_proposal
from neps_like.optimizers.multifidelity.neps_priorband import NePSPriorBandDraws
from neps_like.space import Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, SampledConfig, Trial, TrialState

SPACE = SearchSpace({"x": Float(0.0, 1.0), "epochs": Integer(1, 9, is_fidelity=True)})
SCHEDULE = RungSchedule.from_space(SPACE, 3)  # rungs at 1, 3, 9


def _trial(tid: str, rung: int, score: float | None, prev: str | None = None) -> Trial:
    meta = MetaData(time_sampled=0.0, sampling_worker_id="w", previous_trial_id=prev, rung=rung)
    config = {"x": 0.5, "epochs": SCHEDULE.value(rung)}
    if score is None:
        return Trial(tid, config, TrialState.PENDING, meta)
    return Trial(tid, config, TrialState.SUCCESS, meta, Report(objective_to_minimize=score))


def _build(trials: dict[str, Trial]) -> History:
    return History.build(trials, SCHEDULE, lambda t: t.id)


def test_a_lineage_root_follows_previous_trial_links() -> None:
    # Ids that do not encode the lineage (e.g. imported trials): only the links do.
    trials = {
        "a": _trial("a", 0, 1.0),
        "b": _trial("b", 1, 1.0, prev="a"),
        "c": _trial("c", 2, None, prev="b"),
    }
    hist = _build(trials)
    assert {e.trial.id: e.root for e in hist.by_rung[2]} == {"c": "a"}
    assert hist.at[("a", 1)].trial.id == "b"
    assert hist.promoted == {"a", "b"}


def test_a_parent_not_given_still_names_the_lineage_by_its_id() -> None:
    hist = _build({"7_2": _trial("7_2", 2, None, prev="7_1")})
    assert hist.by_rung[2][0].root == "7"


def test_the_incumbent_comes_from_the_highest_rung_with_a_score() -> None:
    trials = {
        "1": _trial("1", 0, 0.1),
        "2": _trial("2", 0, 5.0),
        "2_1": _trial("2_1", 1, 3.0, prev="2"),
        "3": _trial("3", 2, None),
    }
    inc = _build(trials).incumbent()
    assert inc is not None and inc.trial.id == "2_1"
    assert _build({}).incumbent() is None


def test_with_proposal_gives_the_ids_the_repository_would() -> None:
    first = with_proposal({}, SampledConfig({"x": 0.1, "epochs": 1}, rung=0))
    assert list(first) == ["1"] and first["1"].state is TrialState.PENDING
    trials = {"1": _trial("1", 0, 1.0), "4": _trial("4", 0, 2.0), "4_1": _trial("4_1", 1, None)}
    new = with_proposal(trials, SampledConfig({"x": 0.2, "epochs": 1}, rung=0))
    assert set(new) - set(trials) == {"5"}
    promoted = with_proposal(
        trials, SampledConfig({"x": 0.5, "epochs": 9}, previous_trial_id="4_1", rung=2)
    )
    assert set(promoted) - set(trials) == {"4_2"}
    assert promoted["4_2"].metadata.previous_trial_id == "4_1"


def test_a_space_without_fidelity_is_refused_with_a_hint() -> None:
    with pytest.raises(OptimizerError) as info:
        RungSchedule.from_space(SearchSpace({"x": Float(0.0, 1.0)}), 3)
    message = str(info.value)
    assert "mark one Integer or Float with is_fidelity=True, or choose a single-fidelity" in message


def test_one_class_per_mixin_and_schedule() -> None:
    class Draws(NePSPriorBandDraws):  # a mixin no earlier call has put on a schedule
        pass

    cls = on_base(Draws, "asha")
    assert issubclass(cls, Draws) and on_base(Draws, "asha") is cls
    assert on_base(Draws, "hyperband") is not cls
    with pytest.raises(OptimizerError, match="'nope'"):
        on_base(Draws, "nope")
