"""Use an Optuna sampler as the optimizer (optional dependency: ``pip install optuna``).

Each proposal rebuilds an in-memory Optuna study from the trials (finished ones with their
values, running ones as RUNNING so samplers that handle them can) and asks the sampler
for one trial per config wanted. The study is thrown away afterwards: everything still
comes from the trials on disk, so any worker gives the same answer. A sampler given by
name is seeded from ``(seed, number of trials)``; a sampler instance you pass keeps its
own randomness, so proposals are then not reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from neps_like._errors import OptimizerError
from neps_like.space import Categorical, Constant, Float, Integer, SearchSpace
from neps_like.state.records import BudgetInfo, SampledConfig, Trial, TrialState

_MAX_REDRAWS = 20  # asks per proposal before a repeat is left to the sampler's check

_SAMPLERS = {
    "tpe": "TPESampler",
    "random": "RandomSampler",
    "cmaes": "CmaEsSampler",
    "gp": "GPSampler",
    "qmc": "QMCSampler",
    "nsgaii": "NSGAIISampler",
}


def _optuna() -> Any:
    try:
        import optuna
    except ImportError as exc:
        raise OptimizerError("optimizer='optuna' needs optuna: pip install optuna") from exc
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class OptunaSampler:
    """``optimizer=("optuna", {"sampler": "tpe"})`` or ``{"sampler": TPESampler(...)}``."""

    compute_outside_lock = True

    def __init__(self, space: SearchSpace, *, seed: int, sampler: Any = "tpe") -> None:
        self.space = space
        self.seed = seed
        self.sampler = sampler
        optuna = _optuna()
        if isinstance(sampler, str) and sampler not in _SAMPLERS:
            raise OptimizerError(
                f"Unknown Optuna sampler {sampler!r}; use one of {sorted(_SAMPLERS)}."
            )
        self._dists = {name: _distribution(optuna, p) for name, p in space.searchables.items()}

    def _make_sampler(self, n_trials: int) -> Any:
        if not isinstance(self.sampler, str):
            return self.sampler
        cls = getattr(_optuna().samplers, _SAMPLERS[self.sampler])
        return cls(seed=(self.seed * 1_000_003 + n_trials) % 2**32)

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: BudgetInfo | None, n: int | None = None
    ) -> SampledConfig | list[SampledConfig]:
        optuna = _optuna()
        n_obj = max(
            (
                len(t.report.objectives or [0])
                for t in trials.values()
                if t.report is not None and t.report.is_usable
            ),
            default=1,
        )
        study = optuna.create_study(
            sampler=self._make_sampler(len(trials)), directions=["minimize"] * n_obj
        )
        for trial in trials.values():
            frozen = self._frozen(optuna, trial, n_obj)
            if frozen is not None:
                study.add_trial(frozen)
        out: list[SampledConfig] = []
        seen = {self.space.config_key(t.config) for t in trials.values()}
        for i in range(n or 1):
            config = self._ask_new(
                optuna, study, seen, random.Random(f"{self.seed}:{len(trials)}:{i}")
            )
            seen.add(self.space.config_key(config))
            out.append(SampledConfig(config))
        return out if n is not None else out[0]

    def _ask_new(
        self, optuna: Any, study: Any, seen: set[Any], rng: random.Random
    ) -> dict[str, Any]:
        """A config not in ``seen`` from the sampler, else from uniform draws (in a small
        space a model-based sampler keeps returning its favourites); the last draw when
        neither finds one (the state's duplicate check then records it)."""
        for _ in range(_MAX_REDRAWS):
            asked = study.ask(self._dists)
            config = self.space.validate_config({**self.space.prior_config(), **asked.params})
            if self.space.config_key(config) not in seen:
                return config
            # A repeat: tell the sampler it failed (samplers ignore failed trials), ask again.
            study.tell(asked, state=optuna.trial.TrialState.FAIL)
        for _ in range(_MAX_REDRAWS * 5):
            drawn = dict(self.space.sample(rng))
            if self.space.config_key(drawn) not in seen:
                return drawn
        return config

    def _frozen(self, optuna: Any, trial: Trial, n_obj: int) -> Any:
        params = {k: trial.config[k] for k in self._dists if k in trial.config}
        if len(params) != len(self._dists):
            return None
        state = optuna.trial.TrialState
        report = trial.report
        if trial.state is TrialState.SUCCESS and report is not None and report.is_usable:
            values = report.objectives or []
            if len(values) != n_obj:
                return None
            return optuna.trial.create_trial(
                params=params, distributions=self._dists, values=values, state=state.COMPLETE
            )
        if trial.state in (TrialState.PENDING, TrialState.EVALUATING):
            return optuna.trial.create_trial(
                params=params, distributions=self._dists, state=state.RUNNING
            )
        return None


def _distribution(optuna: Any, p: Any) -> Any:
    d = optuna.distributions
    if isinstance(p, Categorical):
        return d.CategoricalDistribution(list(p.choices))
    if isinstance(p, Integer):
        return d.IntDistribution(p.lower, p.upper, log=p.log)
    if isinstance(p, Float):
        return d.FloatDistribution(p.lower, p.upper, log=p.log)
    if isinstance(p, Constant):
        return d.CategoricalDistribution([p.value])
    raise OptimizerError(f"No Optuna distribution for parameter type {type(p).__name__}.")
