"""Rung schedules, synchronous brackets and ASHA promotions on hand-built histories."""

from __future__ import annotations

import copy

import pytest

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.optimizers.multifidelity import ASHA, Hyperband, PriorBand, SuccessiveHalving
from neps_like.optimizers.multifidelity._brackets import RungSchedule
from neps_like.optimizers.multifidelity.hyperband import hyperband_brackets
from neps_like.optimizers.protocol import AskFunction
from neps_like.space import Float, Integer
from neps_like.state.records import SampledConfig, TrialState
from tests.unit.test_mf_helpers import Study, make_space, small_space


def ask(opt, study: Study) -> tuple[str, SampledConfig]:
    s = opt(study.trials, None)
    assert isinstance(s, SampledConfig)
    return study.commit(s), s


def fill(opt, study: Study, k: int) -> list[str]:
    return [ask(opt, study)[0] for _ in range(k)]


@pytest.mark.parametrize(
    ("fidelity", "eta", "values"),
    [
        (Integer(1, 81, is_fidelity=True), 3, (1, 3, 9, 27, 81)),
        (Integer(1, 10, is_fidelity=True), 3, (1, 3, 10)),
        (Integer(2, 100, is_fidelity=True), 4, (6, 25, 100)),  # 100/4**3 < 2
        (Integer(1, 2, is_fidelity=True), 3, (2,)),
    ],
)
def test_rung_schedule_is_geometric_and_rounded(fidelity, eta, values):
    schedule = RungSchedule.from_space(make_space({"x": Float(0, 1), "f": fidelity}), eta)
    assert schedule.values == tuple(float(v) for v in values)
    assert all(isinstance(schedule.value(r), int) for r in range(len(values)))


def test_float_fidelity_keeps_floats():
    space = make_space({"x": Float(0, 1), "f": Float(0.1, 1.0, is_fidelity=True)})
    schedule = RungSchedule.from_space(space, 3)
    assert schedule.values == pytest.approx((1 / 9, 1 / 3, 1.0))


def test_hyperband_bracket_shapes_match_li_et_al():
    shapes = [(b.base_rung, b.sizes) for b in hyperband_brackets(4, 0, 3)]
    assert shapes == [
        (0, (81, 27, 9, 3, 1)),
        (1, (34, 11, 3, 1)),
        (2, (15, 5, 1)),
        (3, (8, 2)),
        (4, (5,)),
    ]


@pytest.mark.parametrize("cls", [SuccessiveHalving, Hyperband, ASHA])
def test_settings_are_checked(cls):
    with pytest.raises(OptimizerError, match="fidelity"):
        cls(make_space({"x": Float(0, 1)}), seed=0)
    with pytest.raises(OptimizerError, match="eta"):
        cls(small_space(), seed=0, eta=1)
    with pytest.raises(OptimizerError, match="early_stopping_rate"):
        cls(small_space(), seed=0, early_stopping_rate=5)
    with pytest.raises(OptimizerError, match="prior"):
        cls(small_space(), seed=0, sampler="prior")
    with pytest.raises(OptimizerError, match="lower"):
        cls(make_space({"x": Float(0, 1), "f": Float(0, 1, is_fidelity=True)}), seed=0)


def test_priorband_needs_priors():
    with pytest.raises(OptimizerError, match="priors"):
        PriorBand(small_space(), seed=0)


def test_successive_halving_promotes_top_third_of_a_complete_rung():
    opt, study = SuccessiveHalving(small_space(upper=9), seed=1), Study()
    ids = fill(opt, study, 9)
    assert [study.trials[t].config["epochs"] for t in ids] == [1] * 9
    scores = [5, 3, 8, 1, 9, 2, 7, 4, 6]
    for tid, v in zip(ids, scores, strict=True):
        study.finish(tid, v)
    promoted = [ask(opt, study) for _ in range(3)]
    assert [s.previous_trial_id for _, s in promoted] == ["4", "6", "2"]
    assert [tid for tid, _ in promoted] == ["4_1", "6_1", "2_1"]
    for tid, s in promoted:
        parent = study.trials[s.previous_trial_id]
        assert s.rung == 1 and s.config["epochs"] == 3
        assert {**s.config, "epochs": 1} == dict(parent.config)
        assert study.trials[tid].metadata.previous_trial_id == parent.id
    # The rung above is running: the next ask starts the next bracket instead of waiting.
    tid, s = ask(opt, study)
    assert s.previous_trial_id is None and s.rung == 0 and tid == "10"
    for tid, v in zip(["4_1", "6_1", "2_1"], [3.0, 1.0, 2.0], strict=True):
        study.finish(tid, v)
    tid, s = ask(opt, study)
    assert (tid, s.previous_trial_id, s.config["epochs"]) == ("6_2", "6_1", 9)


def test_successive_halving_waits_for_the_whole_rung():
    opt, study = SuccessiveHalving(small_space(upper=9), seed=1), Study()
    ids = fill(opt, study, 9)
    for tid in ids[:8]:
        study.finish(tid, 1.0)
    study.set(ids[8], TrialState.CRASHED)  # crashed is re-queued: still in flight
    _, s = ask(opt, study)
    assert s.previous_trial_id is None


def test_failures_finish_a_rung_with_the_worst_score_and_are_never_promoted():
    opt, study = SuccessiveHalving(small_space(upper=9), seed=1), Study()
    ids = fill(opt, study, 9)
    for tid in ids[:7]:
        study.set(tid, TrialState.FAILED)
    study.finish(ids[7], 2.0)
    study.finish(ids[8], 1.0)
    first, second, third = (ask(opt, study) for _ in range(3))
    assert [first[1].previous_trial_id, second[1].previous_trial_id] == [ids[8], ids[7]]
    assert third[1].previous_trial_id is None  # only two usable configs to promote
    study.finish(first[0], 5.0)
    study.finish(second[0], 4.0)
    _, s = ask(opt, study)  # the rung above holds 2 (not 3) and is complete
    assert s.previous_trial_id == second[0] and s.rung == 2


def test_hyperband_cycles_brackets_most_aggressive_first():
    opt, study = Hyperband(small_space(upper=9), seed=0), Study()
    fids = [study.trials[t].config["epochs"] for t in fill(opt, study, 9 + 5 + 3 + 2)]
    assert fids == [1] * 9 + [3] * 5 + [9] * 3 + [1] * 2


def test_asha_promotes_from_the_top_third_of_finished_results_only():
    opt, study = ASHA(small_space(upper=9), seed=0), Study()
    ids = fill(opt, study, 6)
    study.finish(ids[0], 3.0)
    study.finish(ids[1], 1.0)
    assert ask(opt, study)[1].previous_trial_id is None  # 2 finished: top third is empty
    study.finish(ids[2], 2.0)  # ids[3:] are still running
    tid, s = ask(opt, study)
    assert (tid, s.previous_trial_id, s.rung) == (f"{ids[1]}_1", ids[1], 1)
    assert ask(opt, study)[1].previous_trial_id is None  # already promoted, never twice
    for tid, v in zip(ids[3:], [0.5, 9.0, 9.0], strict=True):
        study.finish(tid, v)
    assert ask(opt, study)[1].previous_trial_id == ids[3]


def test_asha_promotes_the_highest_rung_first():
    opt, study = ASHA(small_space(upper=9), seed=0), Study()
    ids = fill(opt, study, 9)
    for i, tid in enumerate(ids):
        study.finish(tid, float(i))
    ups = [ask(opt, study)[0] for _ in range(3)]
    for i, tid in enumerate(ups):
        study.finish(tid, float(i))
    tid, s = ask(opt, study)
    assert s.rung == 2 and s.previous_trial_id == ups[0]


def test_asha_never_idles_while_everything_runs():
    opt, study = ASHA(small_space(upper=9), seed=0), Study()
    for _ in range(20):
        _, s = ask(opt, study)
        assert s.previous_trial_id is None and s.rung == 0


def test_batch_proposals_see_each_other():
    opt, study = ASHA(small_space(upper=9), seed=0), Study()
    ids = fill(opt, study, 6)
    for i, tid in enumerate(ids):
        study.finish(tid, float(i))
    batch = opt(study.trials, None, n=4)
    assert isinstance(batch, list) and len(batch) == 4
    assert [s.previous_trial_id for s in batch] == [ids[0], ids[1], None, None]
    assert batch[2].config != batch[3].config
    assert opt(study.trials, None, n=0) == []


@pytest.mark.parametrize("cls", [SuccessiveHalving, Hyperband, ASHA])
def test_same_seed_and_trials_give_the_same_proposals(cls):
    study = Study()
    a = cls(small_space(upper=9), seed=7)
    for i, tid in enumerate(fill(a, study, 12)):
        study.finish(tid, float((i * 7) % 5))
    b = cls(small_space(upper=9), seed=7)
    assert a(study.trials, None, n=5) == b(study.trials, None, n=5)
    other = cls(small_space(upper=9), seed=8)(Study().trials, None)
    assert other != cls(small_space(upper=9), seed=7)(Study().trials, None)


def test_duplicates_are_rejected_until_the_space_is_exhausted():
    opt, study = ASHA(small_space(upper=9, choices=2), seed=0), Study()
    configs = [study.trials[t].config["c"] for t in fill(opt, study, 2)]
    assert sorted(configs) == ["c0", "c1"]
    with pytest.raises(SamplingExhausted, match="exhausted"):
        opt(study.trials, None)


def test_trials_without_a_rung_are_placed_by_their_fidelity():
    opt, study = ASHA(small_space(upper=9), seed=0), Study()
    for x in (0.1, 0.2, 0.3):  # e.g. imported trials: no rung in their metadata
        tid = study.commit(SampledConfig({"x": x, "epochs": 1}))
        study.finish(tid, x)
    _, s = ask(opt, study)
    assert s.previous_trial_id == "1" and s.rung == 1


@pytest.mark.parametrize("cls", [SuccessiveHalving, Hyperband, ASHA])
def test_follows_the_ask_protocol_and_leaves_inputs_alone(cls):
    opt, study = cls(small_space(upper=9), seed=0), Study()
    assert isinstance(opt, AskFunction) and opt.compute_outside_lock is False
    for i, tid in enumerate(fill(opt, study, 9)):
        study.finish(tid, float(i))
    before = copy.deepcopy(study.trials)
    assert isinstance(opt(study.trials, None), SampledConfig)
    opt(study.trials, None, n=3)
    assert study.trials == before
