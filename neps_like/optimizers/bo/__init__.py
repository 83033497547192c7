"""Bayesian optimisation: a GP on the unit-cube encoding, log-EI, fantasies, πBO.

Imports scipy; the registry loads this subpackage only when BO is asked for, so
``import neps_like`` stays free of scipy.
"""

from __future__ import annotations

from neps_like.optimizers.bo.bayesian_optimization import BayesianOptimization, PiBO

__all__ = ["BayesianOptimization", "PiBO"]
