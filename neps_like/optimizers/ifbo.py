"""``ifbo``: in-context freeze-thaw BO (Rakotoarison et al. 2024) needs a pretrained model.

ifBO predicts learning curves with FT-PFN, a transformer shipped as weights by the
``ifbo`` package (which needs torch) and downloaded on first use. Neither the weights
nor torch can be assumed here, so asking for ``ifbo`` checks what is present and says
exactly what is missing, naming the alternatives that need nothing extra; the settings
NePS documents are accepted and checked first, so a typo is still reported as such.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from neps_like._errors import OptimizerError
from neps_like.space import SearchSpace

__all__ = ["IfBO", "missing_requirements"]

_ALTERNATIVES = (
    "Without them, use optimizer='mf_bo' (model-based multi-fidelity, no extra packages), "
    "'hyperband' or 'priorband'."
)


def missing_requirements(surrogate_path: str | Path | None) -> list[str]:
    """What ifBO needs and is not installed or not on disk (empty when all is there)."""
    missing = [
        f"the {pkg!r} package (pip install {pkg})"
        for pkg in ("torch", "ifbo")
        if importlib.util.find_spec(pkg) is None
    ]
    folder = Path(surrogate_path) if surrogate_path is not None else Path.cwd() / ".model"
    if not folder.is_dir() or not any(p.suffix == ".pt" for p in folder.iterdir()):
        missing.append(
            f"the FT-PFN weights (a .pt file) in {str(folder)!r}; ifbo downloads them on "
            "first use, which needs network access: fetch them elsewhere and pass "
            "surrogate_path=<that folder>"
        )
    return missing


class IfBO:
    """Stands for NePS's ``ifbo``; raises ``OptimizerError`` saying what is missing."""

    compute_outside_lock = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int,
        step_size: int | float = 1,
        use_priors: bool = False,
        sample_prior_first: bool = False,
        initial_design_size: int | str = "ndim",
        device: Any = None,
        surrogate_path: str | Path | None = None,
        surrogate_version: str = "0.0.1",
    ) -> None:
        if space.fidelity_name is None:
            raise OptimizerError("ifbo needs a fidelity parameter (e.g. epochs, is_fidelity=True).")
        if not isinstance(step_size, int | float) or step_size <= 0:
            raise OptimizerError(f"ifbo: step_size must be a positive number, got {step_size!r}.")
        if initial_design_size != "ndim" and (
            not isinstance(initial_design_size, int) or initial_design_size < 1
        ):
            raise OptimizerError(
                f"ifbo: initial_design_size must be 'ndim' or a positive integer, got "
                f"{initial_design_size!r}."
            )
        missing = missing_requirements(surrogate_path)
        if missing:
            raise OptimizerError(
                "optimizer 'ifbo' needs " + "; ".join(missing) + ". " + _ALTERNATIVES
            )
        raise OptimizerError(
            "optimizer 'ifbo': torch, the ifbo package and FT-PFN weights were found, but "
            "this version of neps_like does not drive the FT-PFN surrogate yet. " + _ALTERNATIVES
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never built
        raise OptimizerError("ifbo cannot propose: see the error raised when it was built.")
