"""NePS's ``neps.plot(root_directory, ...)``: the incumbent trajectory as an image file.

Draws ``neps_like.analysis.plots.plot_incumbent`` and writes it to
``<root_directory>/<filename>.<extension>``, as NePS does (needs the ``plot`` extra).
NePS's ``scientific_mode`` (a tree of benchmark/algorithm/seed studies) and
``key_to_extract`` values other than ``"cost"`` are refused with an error saying what
to use instead.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

from neps_like._errors import ArgumentError
from neps_like.analysis.results import load
from neps_like.state._fs import atomic_write_bytes
from neps_like.state.layout import Layout

logger = logging.getLogger(__name__)


def plot(
    root_directory: str | os.PathLike[str],
    *,
    scientific_mode: bool = False,
    key_to_extract: str | None = None,
    benchmarks: list[str] | None = None,
    algorithms: list[str] | None = None,
    consider_continuations: bool = False,
    n_workers: int = 1,
    x_range: tuple[float, float] | None = None,
    log_x: bool = False,
    log_y: bool = True,
    filename: str = "incumbent_trajectory",
    extension: str = "png",
    dpi: int = 100,
) -> Path:
    """Plot the best objective so far against evaluations (or cumulative ``"cost"``).

    Returns:
        The file written.
    """
    if scientific_mode or benchmarks or algorithms:
        raise ArgumentError(
            "neps.plot: scientific_mode / benchmarks / algorithms are not supported; pass "
            "several studies to neps_like.analysis.plots.plot_incumbent instead."
        )
    if key_to_extract not in (None, "cost"):
        raise ArgumentError(
            f"neps.plot: key_to_extract={key_to_extract!r} is not supported; use None "
            "(evaluations) or 'cost'."
        )
    if consider_continuations or n_workers != 1:
        logger.info("neps.plot: consider_continuations and n_workers are not used.")
    if "/" in filename or "\\" in filename or filename.startswith("."):
        raise ArgumentError(f"neps.plot: filename must be a plain name, got {filename!r}")
    from neps_like.analysis.plots import plot_incumbent

    layout = Layout.at(Path(root_directory))
    fig: Any = plot_incumbent(
        load(layout.root), x="cost" if key_to_extract == "cost" else "evaluations", log_y=log_y
    )
    ax = fig.axes[0]
    if log_x:
        ax.set_xscale("log")
    if x_range is not None:
        ax.set_xlim(*x_range)
    buf = io.BytesIO()
    fig.savefig(buf, format=extension, dpi=dpi)
    path = layout.root / f"{filename}.{extension}"
    atomic_write_bytes(path, buf.getvalue(), sync="none", root=layout.root)
    logger.info("Saved to %s", path)
    return path
