"""Bayesian optimisation with a GP, log-EI, fantasies for pending trials, and πBO.

Owns the ask logic: initial design (scrambled Sobol, or the prior and prior samples),
then per proposal: fit the GP on the encoded history, maximise log-EI (weighted by the
prior for πBO) and return the best candidate that is not a duplicate. Pending trials
(other workers' running trials, earlier configs of the same batch) enter the GP at its
posterior mean (kriging believer); in spaces without categorical parameters proposals
then alternate between the believer's log-EI in a trust region around the incumbent and
the minimiser of the posterior mean away from them (``_pending``). Several objectives
are scalarised with random ParEGO weights per proposal.

Pure: no I/O, no globals, the trials are not mutated. Randomness comes only from
``np.random.default_rng([seed, len(trials), purpose, ...])``; the Sobol scramble uses
``[seed, 0, purpose]`` so the initial design is one sequence shared by all workers.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np
from scipy.stats import qmc

from neps_like._errors import OptimizerError, SamplingExhausted
from neps_like.optimizers.bo import _acquisition, _candidates, _data, _gp, _pending, _subset
from neps_like.optimizers.bo._blas import limit_blas_threads
from neps_like.optimizers.bo._space_info import SpaceInfo
from neps_like.state.records import BudgetInfo, SampledConfig, Trial

# Purposes mixed into the seed of each random generator.
_SOBOL, _DESIGN, _FIT, _CANDIDATES, _PAREGO, _FALLBACK, _SUBSET = range(7)
_MAX_RESAMPLES = 200
# Rows the hyperparameters are fitted on once the history exceeds max_gp_points.
_FIT_POINTS = 128
# With n rows the hyperparameters are those fitted on the first n - n % (n // _REFIT_EVERY)
# rows: every proposal refits them up to 2 * _REFIT_EVERY rows, past that one in
# n // _REFIT_EVERY does (the others find the fit in a one-entry cache), so their lag
# stays under 4 % of the data. The posterior always conditions on every row.
_REFIT_EVERY = 25
_DECODE_CHUNK = 16
_MAX_DECODED = 20 * _DECODE_CHUNK  # candidates tried before random sampling


class BayesianOptimization:
    """GP-based Bayesian optimisation (``"bayesian_optimization"``; ``"pibo"`` with priors).

    Args:
        space: the search space.
        seed: seed of every random choice.
        initial_design_size: configs proposed before the model is used (default
            ``max(5, min(2 * d, 20))`` for ``d`` encoded dimensions).
        use_priors: weight the acquisition by the user's prior (πBO) and start from it.
        output_transform: ``"power"`` (standardise, then a Yeo-Johnson power transform
            fitted to the data, which tames the long tails of real tuning targets),
            ``"standardize"``, ``"log"`` or ``"auto"`` (log when positive and skewed).
        pibo_beta: πBO strength; the prior enters with the exponent ``beta / n``.
        n_candidates: uniform candidates drawn per proposal before local refinement.
        fit_restarts: L-BFGS-B restarts of the hyperparameter fit.
        blas_threads: BLAS threads of the calling thread during a proposal (None leaves
            the process setting alone); one is fastest for matrices this small.
        max_gp_points: past this many observations the GP is fitted on a subset of this
            size (the best, the incumbent's neighbours and a random spread), which bounds
            the cost of a proposal however long the study runs.
    """

    compute_outside_lock: ClassVar[bool] = True

    def __init__(
        self,
        space: Any,
        *,
        seed: int,
        initial_design_size: int | None = None,
        use_priors: bool = False,
        output_transform: str = "power",
        pibo_beta: float = 10.0,
        n_candidates: int = 1024,
        fit_restarts: int = 2,
        blas_threads: int | None = 1,
        max_gp_points: int = 200,
    ) -> None:
        if output_transform not in ("power", "standardize", "log", "auto"):
            raise OptimizerError(
                "output_transform must be 'power', 'standardize', 'log' or 'auto', "
                f"got {output_transform!r}."
            )
        if use_priors and not space.has_priors:
            raise OptimizerError(
                "pibo needs priors: give some parameters a prior=..., or use "
                "optimizer='bayesian_optimization'."
            )
        self.space = space
        self.seed = int(seed)
        self.info = SpaceInfo.from_space(space)
        d = self.info.dim
        self.initial_design_size = (
            max(5, min(2 * d, 20)) if initial_design_size is None else int(initial_design_size)
        )
        if self.initial_design_size < 1:
            raise OptimizerError(f"initial_design_size must be >= 1, got {initial_design_size}.")
        self.use_priors = use_priors
        self.output_transform = output_transform
        self.pibo_beta = float(pibo_beta)
        self.n_candidates = int(n_candidates)
        self.fit_restarts = int(fit_restarts)
        self.blas_threads = blas_threads
        if int(max_gp_points) < 10:
            raise OptimizerError(f"max_gp_points must be >= 10, got {max_gp_points}.")
        self.max_gp_points = int(max_gp_points)
        self._fit_cache: tuple[bytes, _gp.GPParams] | None = None
        self._encodings = _data.EncodingCache()

    def __call__(
        self,
        trials: Mapping[str, Trial],
        budget_info: BudgetInfo | None,
        n: int | None = None,
    ) -> SampledConfig | list[SampledConfig]:
        """Propose one config (``n`` None) or a list of ``n`` distinct configs."""
        with limit_blas_threads(self.blas_threads):
            out = self._propose(trials, 1 if n is None else int(n))
        return out[0] if n is None else out

    def _propose(self, trials: Mapping[str, Trial], count: int) -> list[SampledConfig]:
        history = _data.split_trials(trials)
        seen = {self.space.recorded_key(t.config) for t in trials.values()}
        base = len(trials)
        model: _data.FittedModel | None = None
        extra: list[Mapping[str, Any]] = []
        out: list[SampledConfig] = []
        for i in range(count):
            position = base + i
            if position < self.initial_design_size or len(history.observed) < 2:
                config = self._design_point(position, base, i, seen)
            else:
                if model is None:
                    model = self._fit(history, base)
                config = self._bo_point(model, [*history.pending, *extra], base, i, seen)
            seen.add(self.space.config_key(config))
            extra.append(config)
            out.append(SampledConfig(config=config))
        return out

    # -- initial design -------------------------------------------------------------

    def _design_point(self, position: int, base: int, i: int, seen: set[Any]) -> Mapping[str, Any]:
        if self.use_priors:
            if position == 0:
                prior = dict(self.space.prior_config())
                if self.space.config_key(prior) not in seen:
                    return prior
            rng = np.random.default_rng([self.seed, base, _DESIGN, i])
            return self._sample_new(rng, seen, use_priors=True)
        if self.info.dim > 0:
            m = max(1, int(np.ceil(np.log2(position + 1))))
            sobol = qmc.Sobol(
                self.info.dim, scramble=True, seed=np.random.default_rng([self.seed, 0, _SOBOL])
            )
            x = self.info.snap(sobol.random_base2(m)[position : position + 1])
            config = self.space.decode(x)[0]
            if self.space.config_key(config) not in seen:
                return dict(config)
        rng = np.random.default_rng([self.seed, base, _DESIGN, i])
        return self._sample_new(rng, seen, use_priors=False)

    def _sample_new(
        self, rng: np.random.Generator, seen: set[Any], *, use_priors: bool
    ) -> Mapping[str, Any]:
        for _ in range(_MAX_RESAMPLES):
            config = dict(self.space.sample(rng, use_priors=use_priors))
            if self.space.config_key(config) not in seen:
                return config
        raise SamplingExhausted(
            f"No new configuration found after {_MAX_RESAMPLES} draws: {len(seen)} distinct "
            "configs are already known and the search space looks exhausted. Stop the run "
            "or widen the space."
        )

    # -- model ------------------------------------------------------------------------

    def _fit(self, history: _data.History, base: int) -> _data.FittedModel:
        x_obs = self._encodings.encode(self.space, history.observed)
        y_raw = np.asarray(history.objectives, dtype=np.float64)
        mode = self.output_transform
        if y_raw.shape[1] > 1:
            weights = np.random.default_rng([self.seed, base, _PAREGO]).dirichlet(
                np.ones(y_raw.shape[1])
            )
            y = _data.parego_scalarize(y_raw, weights)
            mode = "standardize"
        else:
            y = y_raw[:, 0]
        if history.failed:
            x_obs = np.vstack([x_obs, self.space.encode(history.failed)])
            y = np.concatenate([y, np.full(len(history.failed), y.max())])
        y_std = _data.transform_outputs(y, mode)
        y_history = y_std[: len(history.observed)]
        if y_std.size > self.max_gp_points:
            # Subset of data: the GP conditions on max_gp_points rows, and its
            # hyperparameters are fitted on a smaller subset of those (the fit costs
            # tens of Cholesky factorisations, the posterior one).
            sub_rng = np.random.default_rng([self.seed, base, _SUBSET])
            keep = _subset.select_subset(x_obs, y_std, self.max_gp_points, sub_rng)
            x_obs, y_std = x_obs[keep], y_std[keep]
            fit_keep = _subset.select_subset(x_obs, y_std, _FIT_POINTS, sub_rng)
            params = self._fit_params(x_obs[fit_keep], y_std[fit_keep], [self.seed, base, _FIT])
        else:
            rows = y.size - y.size % max(1, y.size // _REFIT_EVERY)
            x_fit, y_fit = x_obs[:rows], y_std
            if rows < y.size:
                y_fit = _data.transform_outputs(y[:rows], mode)
            params = self._fit_params(x_fit, y_fit, [self.seed, rows, _FIT])
        gp = _gp.GaussianProcess(x_obs, y_std, self.info.is_cat, params)
        return _data.FittedModel(gp, x_obs, y_std, len(history.observed), y_history)

    def _fit_params(self, x: _gp.FloatArray, y: _gp.FloatArray, entropy: list[int]) -> _gp.GPParams:
        """Fitted hyperparameters, from the cache when the last fit had the same input.

        The fit is a function of its input, so the cache changes no result: a worker
        that never saw the earlier fit computes the same hyperparameters.
        """
        digest = hashlib.blake2b(repr((entropy, self.fit_restarts)).encode(), digest_size=16)
        digest.update(np.ascontiguousarray(x).data)
        digest.update(np.ascontiguousarray(y).data)
        key = digest.digest()
        if self._fit_cache is not None and self._fit_cache[0] == key:
            return self._fit_cache[1]
        rng = np.random.default_rng(entropy)
        params = _gp.fit_hyperparameters(x, y, self.info.is_cat, rng, n_restarts=self.fit_restarts)
        self._fit_cache = (key, params)
        return params

    def _bo_point(
        self,
        model: _data.FittedModel,
        pending: list[Mapping[str, Any]],
        base: int,
        i: int,
        seen: set[Any],
    ) -> Mapping[str, Any]:
        """The first new config of the best candidates; random when all were seen."""
        for cands in self._candidate_lists(model, pending, base, i):
            config = self._first_new(cands, seen)
            if config is not None:
                return config
        rng = np.random.default_rng([self.seed, base, _FALLBACK, i])
        return self._sample_new(rng, seen, use_priors=self.use_priors)

    def _candidate_lists(
        self, model: _data.FittedModel, pending: list[Mapping[str, Any]], base: int, i: int
    ) -> Iterator[_gp.FloatArray]:
        """Candidates, best first, in lists to try in turn: with pending trials in a
        space without categoricals those of ``_pending``, else the maximisers of log-EI
        (of the kriging believer when trials are pending)."""
        rng = np.random.default_rng([self.seed, base, _CANDIDATES, i])
        anchors = _pending.anchors_of(model.x, model.y)
        gp = model.gp
        if pending:
            x_pend = self.space.encode(pending)
            if _pending.suits(self.info.is_cat):
                yield from _pending.candidate_lists(
                    model,
                    x_pend,
                    anchors,
                    self.info.snapper,
                    rng,
                    functools.partial(self._log_ei, model),
                    base + i,
                    n_initial=self.initial_design_size,
                    n_raw=self.n_candidates,
                )
                return
            gp = gp.condition_on(x_pend, gp.predict(x_pend)[0])  # kriging believer only
        cands, _ = _candidates.maximize(
            self._log_ei(model, gp),
            self.info.snapper,
            rng,
            anchors,
            prior_center=None if not self.use_priors else self.info.prior_center,
            n_raw=self.n_candidates,
        )
        yield cands

    def _log_ei(self, model: _data.FittedModel, gp: _gp.GaussianProcess) -> _candidates.ScoreFn:
        """Log-EI of ``gp`` below the best observation, weighted by the prior for πBO."""
        best = float(model.y.min())
        prior = self.info.prior if self.use_priors else None

        def score(x: _gp.FloatArray) -> _gp.FloatArray:
            mean, std = gp.predict(x)
            value = _acquisition.log_expected_improvement(mean, std, best)
            if prior is not None:
                value = _acquisition.log_pibo(
                    value, prior.log_pdf(x), model.n_observed, self.pibo_beta
                )
            return value

        return score

    def _first_new(self, cands: _gp.FloatArray, seen: set[Any]) -> Mapping[str, Any] | None:
        """The first of the best candidates that decodes to a config not seen yet."""
        for start in range(0, min(len(cands), _MAX_DECODED), _DECODE_CHUNK):
            for config in self.space.decode(cands[start : start + _DECODE_CHUNK]):
                if self.space.config_key(config) not in seen:
                    return dict(config)
        return None


class PiBO(BayesianOptimization):
    """πBO: Bayesian optimisation whose acquisition is weighted by the user's prior."""

    def __init__(self, space: Any, *, seed: int, **settings: Any) -> None:
        settings.setdefault("use_priors", True)
        super().__init__(space, seed=seed, **settings)
