"""Every setting NePS 0.17 documents for its newer optimizer names, at NePS's default
value, is accepted (never a "Bad settings" error)."""

from __future__ import annotations

from typing import Any

import pytest

import neps_like as neps
from neps_like.optimizers.registry import resolve_optimizer

PARAMS = {
    "lr": neps.Float(1e-4, 1e-1, log=True, prior=1e-3),
    "act": neps.Categorical(["a", "b"], prior="a"),
}
FIDELITY = neps.SearchSpace.from_user({**PARAMS, "epochs": neps.Integer(1, 27, is_fidelity=True)})
FLAT = neps.SearchSpace.from_user(PARAMS)

# The keyword arguments of NePS's optimizer functions with their defaults (required
# ones given a value).
NEPS_DEFAULTS: dict[str, dict[str, Any]] = {
    "neps_hyperband": {"eta": 3, "sampler": "uniform", "sample_prior_first": False},
    "mo_hyperband": {
        "eta": 3,
        "sampler": "uniform",
        "sample_prior_first": False,
        "mo_selector": "epsnet",
    },
    "moasha": {
        "eta": 3,
        "early_stopping_rate": 0,
        "sampler": "uniform",
        "sample_prior_first": False,
        "mo_selector": "epsnet",
    },
    "async_hb": {"eta": 3, "sampler": "uniform", "sample_prior_first": False},
    "primo": {
        "sampler": "uniform",
        "sample_prior_first": False,
        "eta": 3,
        "epsilon": 0.25,
        "prior_centers": {},
        "mo_selector": "epsnet",
        "prior_confidences": None,
        "initial_design_size": "ndim",
        "cost_aware": False,
        "device": None,
        "bo_scalar_weights": None,
    },
    "complex_random_search": {"ignore_fidelity": False},
    "neps_random_search": {"use_priors": False, "ignore_fidelity": False},
    "neps_priorband": {
        "inc_ratio": 0.9,
        "eta": 3,
        "sample_prior_first": False,
        "base": "hyperband",
    },
    "neps_regularized_evolution": {
        "population_size": 20,
        "tournament_size": 5,
        "use_priors": True,
        "mutation_type": 0.5,
        "n_mutations": "random",
        "n_forgets": None,
        "ignore_fidelity": False,
    },
    "neps_local_and_incumbent": {
        "local_prior": {"lr": 1e-2, "act": "b"},
        "inc_takeover_mode": 0,
        "random_ratio": 0.0,
        "eta": 3,
        "base": "hyperband",
    },
}


@pytest.mark.parametrize("name", sorted(NEPS_DEFAULTS))
def test_neps_defaults_are_accepted(name: str) -> None:
    settings = NEPS_DEFAULTS[name]
    space = FLAT if "ignore_fidelity" in settings else FIDELITY
    build, spec = resolve_optimizer((name, settings), space)
    assert spec.name == name
    out = build(1)({}, None, 2)
    assert isinstance(out, list) and len(out) == 2
