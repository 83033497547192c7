"""Multi-objective ranking, hypervolume, and the settings MO-ASHA, MO-Hyperband and PriMO
check: exact values on small fronts, and errors naming the optimizer and the value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neps_like._errors import OptimizerError
from neps_like.optimizers.multifidelity._brackets import History
from neps_like.optimizers.multiobjective import primo
from neps_like.optimizers.multiobjective._mixin import check_sampler
from neps_like.optimizers.multiobjective._selection import hypervolume_2d, order
from neps_like.optimizers.multiobjective.mo_hyperband import MOHyperband
from neps_like.optimizers.multiobjective.moasha import MOASHA
from neps_like.space import Float, Integer, SearchSpace
from neps_like.state.records import MetaData, Report, Trial, TrialState

SPACE = SearchSpace({"x": Float(0.0, 1.0), "epochs": Integer(1, 9, is_fidelity=True)})
PRIOR_SPACE = SearchSpace(
    {"x": Float(0.0, 1.0, prior=0.5), "epochs": Integer(1, 9, is_fidelity=True)}
)
# Five points evenly spread on one front (x + y = 4).
FRONT = [[0.0, 4.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [4.0, 0.0]]


def test_hypervolume_of_a_staircase() -> None:
    assert hypervolume_2d([[1, 3], [2, 2], [3, 1]], [4, 4]) == pytest.approx(6.0)
    assert hypervolume_2d([[1, 1]], [4, 4]) == pytest.approx(9.0)
    # A dominated point adds nothing.
    assert hypervolume_2d([[1, 1], [2, 2]], [4, 4]) == pytest.approx(9.0)


def test_hypervolume_without_points_better_than_the_reference_is_zero() -> None:
    assert hypervolume_2d([[5, 1], [1, 5]], [4, 4]) == 0.0
    assert hypervolume_2d(np.empty((0, 2)), [4, 4]) == 0.0


def test_the_default_selector_is_the_epsilon_net() -> None:
    # Farthest point first: the two ends, then the middle, then the rest.
    assert order(FRONT, "epsnet") == [0, 4, 2, 1, 3]
    assert order(FRONT) == order(FRONT, "epsnet")


def test_crowding_distance_takes_the_extremes_first() -> None:
    ranked = order(FRONT, "nsga2")
    assert set(ranked[:2]) == {0, 4}
    assert ranked == [0, 4, 1, 2, 3]  # equal crowding in between: input order


def test_fronts_come_before_dominated_points() -> None:
    y = [[3.0, 3.0], [0.0, 1.0], [1.0, 0.0]]
    assert order(y, "nsga2")[-1] == 0
    assert order(y, "epsnet")[-1] == 0


def test_sampler_prior_without_priors_falls_back_to_uniform() -> None:
    assert check_sampler("prior", SPACE, "moasha") == "uniform"
    assert check_sampler("prior", PRIOR_SPACE, "moasha") == "prior"
    assert check_sampler("uniform", PRIOR_SPACE, "moasha") == "uniform"


def test_moasha_errors_name_the_optimizer() -> None:
    with pytest.raises(OptimizerError, match=r"moasha: sampler must be .*'bad'"):
        MOASHA(SPACE, seed=0, sampler="bad")
    with pytest.raises(OptimizerError, match=r"moasha: mo_selector must be .*'bad'"):
        MOASHA(SPACE, seed=0, mo_selector="bad")


def test_mo_hyperband_errors_name_the_optimizer() -> None:
    with pytest.raises(OptimizerError, match=r"mo_hyperband: mo_selector must be .*'bad'"):
        MOHyperband(SPACE, seed=0, mo_selector="bad")


def _trial(tid: str, objectives: list[float] | None, epochs: int = 1) -> Trial:
    report = None if objectives is None else Report(objective_to_minimize=objectives)
    state = TrialState.PENDING if report is None else TrialState.SUCCESS
    meta = MetaData(time_sampled=0.0, sampling_worker_id="w", rung=0)
    return Trial(tid, {"x": 0.1 * int(tid), "epochs": epochs}, state, meta, report)


def test_a_rung_ranks_only_the_reports_of_the_common_width() -> None:
    opt = MOASHA(SPACE, seed=0)
    trials = {
        "1": _trial("1", [1.0, 0.0]),
        "2": _trial("2", [0.5]),
        "3": _trial("3", [0.0, 1.0]),
        "4": _trial("4", [2.0, 2.0]),
    }
    hist = History.build(trials, opt.schedule, opt._trial_key)
    ranked = [e.trial.id for e in opt.rank_entries(hist.rung(0))]
    assert sorted(ranked[:2]) == ["1", "3"] and ranked[2:] == ["4"]


def test_primo_split_separates_observed_and_pending() -> None:
    failed = Trial(
        "5",
        {"x": 0.5, "epochs": 1},
        TrialState.FAILED,
        MetaData(time_sampled=0.0, sampling_worker_id="w"),
    )
    trials = {
        "1": _trial("1", [1.0, 2.0]),
        "2": _trial("2", None),
        "3": _trial("3", [3.0]),
        "4": _trial("4", [0.5, 0.25]),
        "5": failed,
    }
    observed, objectives, pending = primo._split(trials)
    assert [c["x"] for c in observed] == [0.1, pytest.approx(0.4)]
    assert objectives == [[1.0, 2.0], [0.5, 0.25]]
    assert [c["x"] for c in pending] == [0.2]
    assert primo._split({}) == ([], [], [])


def test_primo_scalar_weights_are_normalised() -> None:
    assert primo._weights([1, 3]) == [0.25, 0.75]
    assert primo._weights({"loss": 2.0, "cost": 2.0}) == [0.5, 0.5]
    assert primo._weights(None) is None


@pytest.mark.parametrize("bad", [[], [0, 0], [-1, 2], [math.inf, 1], ["a"]])
def test_primo_bad_scalar_weights_are_refused(bad: list[object]) -> None:
    with pytest.raises(OptimizerError, match="bo_scalar_weights"):
        primo._weights(bad)


def test_primo_prior_confidence_must_be_above_zero() -> None:
    centers = {"loss": {"x": 0.2}}
    with pytest.raises(OptimizerError, match=r"prior_confidences\['loss'\]\['x'\].*got 0.0"):
        primo.PriMO(SPACE, seed=0, prior_centers=centers, prior_confidences={"loss": {"x": 0.0}})
    primo.PriMO(SPACE, seed=0, prior_centers=centers, prior_confidences={"loss": {"x": 1.0}})
