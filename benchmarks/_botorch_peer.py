"""BoTorch's textbook GP-BO as an outside anchor for ``bo_parallel.py --optimizer botorch``.

``SingleTaskGP`` (BoTorch's default priors, standardised targets) fitted by
``fit_gpytorch_mll``, then ``qLogNoisyExpectedImprovement`` with the trials other
workers are evaluating as ``X_pending``, maximised by ``optimize_acqf`` (q = 1,
8 restarts from 512 raw samples). The initial design is a scrambled Sobol sequence of
our BO's default size, ``max(5, min(2 d, 20))``. Only for spaces of floats (Branin,
Hartmann-6). Needs ``botorch`` (it brings torch); it is not a dependency of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neps_like.state.records import SampledConfig, Trial, TrialState


class BoTorchPeer:
    """An optimizer callable ``(trials, budget_info, n) -> SampledConfig`` over BoTorch."""

    def __init__(self, space: Any, seed: int) -> None:
        try:
            import torch
            from torch.quasirandom import SobolEngine
        except ImportError as exc:
            raise SystemExit(
                "--optimizer botorch needs BoTorch: pip install botorch (it brings torch)."
            ) from exc
        kinds = list(space.encoded_kinds)
        if any(kind != "float" for kind in kinds):
            raise SystemExit(f"--optimizer botorch runs on spaces of floats only, got {kinds}.")
        torch.set_num_threads(1)
        self.space = space
        self.seed = int(seed)
        self.dim = len(kinds)
        self.n_initial = max(5, min(2 * self.dim, 20))
        self.design = SobolEngine(self.dim, scramble=True, seed=self.seed).draw(64).numpy()

    def __call__(
        self, trials: Mapping[str, Trial], budget_info: Any = None, n: int | None = None
    ) -> SampledConfig:
        import torch
        from botorch.acquisition.logei import qLogNoisyExpectedImprovement
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms.outcome import Standardize
        from botorch.optim import optimize_acqf
        from gpytorch.mlls import ExactMarginalLogLikelihood

        done = [
            t for t in trials.values() if t.state == TrialState.SUCCESS and t.report is not None
        ]
        pending = [t for t in trials.values() if t.state == TrialState.EVALUATING]
        position = len(trials)
        if position < self.n_initial or len(done) < 2:
            x = self.design[position % len(self.design)][None, :]
            return SampledConfig(config=dict(self.space.decode(x)[0]))
        torch.manual_seed(self.seed * 100_003 + position)
        dtype = torch.float64
        x_done = torch.tensor(self.space.encode([t.config for t in done]), dtype=dtype)
        # BoTorch maximises: the negated objective.
        y_done = -torch.tensor(
            [[float(t.report.objective_to_minimize)] for t in done],  # type: ignore[union-attr]
            dtype=dtype,
        )
        x_pending = None
        if pending:
            x_pending = torch.tensor(self.space.encode([t.config for t in pending]), dtype=dtype)
        model = SingleTaskGP(x_done, y_done, outcome_transform=Standardize(m=1))
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        acquisition = qLogNoisyExpectedImprovement(
            model, X_baseline=x_done, X_pending=x_pending, prune_baseline=True
        )
        bounds = torch.stack(
            [torch.zeros(self.dim, dtype=dtype), torch.ones(self.dim, dtype=dtype)]
        )
        best, _ = optimize_acqf(acquisition, bounds=bounds, q=1, num_restarts=8, raw_samples=512)
        x = np.clip(best.detach().numpy(), 0.0, 1.0)
        return SampledConfig(config=dict(self.space.decode(x)[0]))
