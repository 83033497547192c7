"""Multi-fidelity optimizers: successive halving, Hyperband, ASHA and PriorBand.

Each is a pure function of the trials it is given (see ``_brackets`` for how rungs,
lineages and promotions are read back from the trial records) and proposes either a
new config at a low fidelity or a *promotion*: the same config at the next rung's
fidelity, linked to its parent by ``previous_trial_id`` so the evaluation can resume
from the parent's checkpoint (``previous_pipeline_directory``).
"""

from __future__ import annotations

from neps_like.optimizers.multifidelity.asha import ASHA
from neps_like.optimizers.multifidelity.hyperband import Hyperband
from neps_like.optimizers.multifidelity.priorband import PriorBand
from neps_like.optimizers.multifidelity.successive_halving import SuccessiveHalving

__all__ = ["ASHA", "Hyperband", "PriorBand", "SuccessiveHalving"]
