"""Figures of a study (needs the ``plot`` extra: matplotlib).

Every function builds a standalone ``matplotlib.figure.Figure`` on the Agg canvas (no
pyplot, no global state, safe in threads and on machines without a display), returns
it, and writes a PNG when given ``path``. matplotlib is imported on first use, so
``import neps_like`` never pays for it; without it the functions raise ``NepsLikeError``
naming the extra.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from neps_like._errors import ArgumentError, NepsLikeError
from neps_like.analysis.pareto import non_dominated_mask, pareto
from neps_like.analysis.results import Results
from neps_like.analysis.trace import StudyLike, as_results, incumbent_trace, objective_of
from neps_like.state.records import Trial

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: One study, several (one line each), or label -> study or group of seeds (median band).
Studies = StudyLike | Sequence[StudyLike] | Mapping[str, StudyLike | Sequence[StudyLike]]
_GRID = 200


def new_figure(width: float = 7.0, height: float = 4.5) -> Figure:
    """A figure attached to the Agg canvas.

    Raises:
        NepsLikeError: matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise NepsLikeError("Plotting needs matplotlib: pip install 'neps-like[plot]'.") from exc
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for a web page)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _finish(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    if path is not None:
        fig.savefig(Path(path), dpi=120)
    return fig


def _groups(studies: Studies) -> list[tuple[str, list[Results]]]:
    """Normalise ``studies`` to (label, [results of each seed]) pairs."""
    items: list[tuple[str, StudyLike | Sequence[StudyLike]]]
    if isinstance(studies, (Results, str, os.PathLike)):
        items = [("", studies)]
    elif isinstance(studies, Mapping):
        items = list(cast(Mapping[str, Any], studies).items())
    else:
        items = [("", s) for s in studies]
    out = []
    for label, member in items:
        seeds = [member] if isinstance(member, (Results, str, os.PathLike)) else list(member)
        loaded = [as_results(s) for s in seeds]
        if not loaded:
            raise ArgumentError(f"The group {label!r} holds no study.")
        out.append((label or loaded[0].root.name, loaded))
    return out


def _step_values(xs: Sequence[float], ys: Sequence[float], grid: npt.NDArray[np.float64]) -> Any:
    """The step function through (xs, ys) at ``grid``: NaN before the first point."""
    idx = np.searchsorted(np.asarray(xs), grid, side="right") - 1
    vals = np.asarray(ys, dtype=np.float64)[np.clip(idx, 0, None)]
    vals[idx < 0] = np.nan
    vals[~np.isfinite(vals)] = np.nan
    return vals


def plot_incumbent(
    studies: Studies,
    *,
    x: str = "evaluations",
    objective: int | None = None,
    log_y: bool = False,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Best objective so far against evaluations, cumulative cost or wall time.

    Args:
        studies: a study, a list of studies (one line each), or a mapping from a label
            to a study or to a list of studies run with different seeds; a list draws
            the median with the 25-75 % band.
        x: "evaluations", "cost" or "time".
        objective: the objective to trace in multi-objective studies.
        log_y: logarithmic objective axis.
        title: the figure's title.
        path: write a PNG here as well.
    """
    fig = new_figure()
    ax = fig.add_subplot()
    for label, seeds in _groups(studies):
        traces = [incumbent_trace(r, objective=objective) for r in seeds]
        traces = [t for t in traces if len(t)]
        if not traces:
            continue
        lo = min(t.x(x)[0] for t in traces)
        hi = max(t.x(x)[-1] for t in traces)
        grid = (
            np.arange(1.0, hi + 1.0)
            if x == "evaluations"
            else np.linspace(lo, hi if hi > lo else lo + 1.0, _GRID)
        )
        curves = np.array([_step_values(t.x(x), t.incumbent, grid) for t in traces])
        _draw_band(ax, grid, curves, label if len(traces) == 1 else f"{label} (n={len(traces)})")
    ax.set_xlabel({"evaluations": "evaluations", "cost": "cumulative cost"}.get(x, "wall time [s]"))
    ax.set_ylabel("best objective so far")
    if log_y:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(loc="upper right")
    ax.set_title(title or "Incumbent trajectory")
    return _finish(fig, path)


def _draw_band(ax: Axes, grid: Any, curves: Any, label: str) -> None:
    seen = np.any(np.isfinite(curves), axis=0)  # columns where some seed has a value
    if len(curves) == 1:
        ax.step(grid, curves[0], where="post", label=label)
        return
    q = np.full((3, len(grid)), np.nan)
    q[:, seen] = np.nanpercentile(curves[:, seen], [25, 50, 75], axis=0)
    (line,) = ax.step(grid, q[1], where="post", label=label)
    ax.fill_between(grid, q[0], q[2], step="post", alpha=0.25, color=line.get_color())


def plot_pareto(
    study: StudyLike,
    *,
    objectives: tuple[int, int] = (0, 1),
    names: tuple[str, str] | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Two objectives of every successful trial, the non-dominated ones highlighted.

    With more than two objectives the front shown is that of the two chosen ones.
    """
    res = pareto(study)
    if res.points.shape[1] < 2:
        raise ArgumentError("A Pareto plot needs a study with at least two objectives.")
    pts = res.points[:, list(objectives)]
    front = non_dominated_mask(pts)
    order = np.argsort(pts[front, 0], kind="stable")
    fig = new_figure(6.0, 5.0)
    ax = fig.add_subplot()
    ax.scatter(pts[~front, 0], pts[~front, 1], s=14, color="0.65", label="dominated")
    ax.step(pts[front][order, 0], pts[front][order, 1], where="post", color="C3", alpha=0.6)
    ax.scatter(pts[front, 0], pts[front, 1], s=28, color="C3", label="Pareto front")
    xlabel, ylabel = names or (f"objective {objectives[0]}", f"objective {objectives[1]}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(f"Pareto front ({int(front.sum())} of {len(pts)} trials)")
    return _finish(fig, path)


def plot_learning_curves(
    study: StudyLike,
    *,
    max_lineages: int = 30,
    objective: int | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Learning curves of the trials, one colour per lineage ("7", "7_1", "7_2", ...).

    Trials that report a ``learning_curve`` draw it against its step; when none does,
    each lineage's objective is drawn against the one parameter that changes along
    lineages (the fidelity), or against the rung.

    Raises:
        ArgumentError: no successful trial to draw.
    """
    results = as_results(study)
    lineages: dict[str, list[tuple[Trial, float]]] = {}
    for trial in results.values():
        value = objective_of(trial, objective)
        if value is not None:
            lineages.setdefault(trial.id.split("_")[0], []).append((trial, value))
    if not lineages:
        raise ArgumentError(f"No successful trial to draw in {results.root}.")
    ranked = sorted(lineages.values(), key=lambda pairs: min(v for _, v in pairs))
    ranked = ranked[:max_lineages]
    with_curves = any(t.report and t.report.learning_curve for ps in ranked for t, _ in ps)
    fidelity = _varying_key(ranked)
    fig = new_figure()
    ax = fig.add_subplot()
    for i, pairs in enumerate(ranked):
        color = f"C{i % 10}"
        pairs = sorted(pairs, key=lambda p: p[0].metadata.rung or 0)
        if with_curves:
            for t, _ in pairs:
                curve = (t.report.learning_curve if t.report else None) or []
                ax.plot(range(1, len(curve) + 1), curve, color=color, alpha=0.8, lw=1)
            continue
        xs = [t.config[fidelity] if fidelity else (t.metadata.rung or 0) for t, _ in pairs]
        ax.plot(xs, [v for _, v in pairs], "o-", color=color, alpha=0.8, ms=4, lw=1)
    ax.set_xlabel("step" if with_curves else (fidelity or "rung"))
    ax.set_ylabel("learning curve" if with_curves else "objective")
    ax.grid(alpha=0.3)
    ax.set_title(f"Learning curves (best {len(ranked)} of {len(lineages)} configurations)")
    return _finish(fig, path)


def _varying_key(lineages: list[list[tuple[Trial, float]]]) -> str | None:
    """The single config key that differs within lineages (the fidelity), if any."""
    keys: set[str] = set()
    for pairs in lineages:
        for name in pairs[0][0].config:
            if len({repr(t.config.get(name)) for t, _ in pairs}) > 1:
                keys.add(name)
    return keys.pop() if len(keys) == 1 else None


def plot_parallel_coordinates(
    study: StudyLike,
    *,
    params: Sequence[str] | None = None,
    objective: int | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """One line per successful trial across an axis per parameter and the objective.

    Numbers are scaled to [0, 1] (log scale when positive, over two decades and bunched
    at the bottom),
    categories spread evenly; colour is the objective (dark = better).
    """
    from matplotlib.collections import LineCollection

    results = as_results(study)
    trials = [t for t in results.values() if objective_of(t, objective) is not None]
    if not trials:
        raise ArgumentError(f"No successful trial to draw in {results.root}.")
    names = list(params) if params is not None else sorted({k for t in trials for k in t.config})
    ys = np.array([objective_of(t, objective) for t in trials], dtype=np.float64)
    axes = [_axis([t.config.get(n) for t in trials]) for n in names] + [_axis(list(ys))]
    matrix = np.column_stack([a[0] for a in axes])
    fig = new_figure(max(6.0, 1.3 * len(axes)), 4.5)
    ax = fig.add_subplot()
    segments = [np.column_stack([np.arange(len(axes)), row]) for row in matrix]
    order = np.argsort(-ys)  # best drawn last, on top
    lines = LineCollection([segments[i] for i in order], cmap="viridis", lw=1, alpha=0.7)
    lines.set_array(ys[order])
    ax.add_collection(lines)
    fig.colorbar(lines, ax=ax, label="objective")
    for i, (_, low, high) in enumerate(axes):
        ax.axvline(i, color="0.3", lw=0.8)
        ax.annotate(high, (i, 1.0), xytext=(0, 4), textcoords="offset points", ha="center")
        ax.annotate(low, (i, 0.0), xytext=(0, -12), textcoords="offset points", ha="center")
    ax.set_xticks(range(len(axes)), [*names, "objective"], rotation=20)
    ax.set_xlim(-0.3, len(axes) - 0.7)
    ax.set_ylim(-0.12, 1.12)
    ax.set_yticks([])
    ax.set_title(f"Parallel coordinates ({len(trials)} trials)")
    return _finish(fig, path)


def _axis(values: list[Any]) -> tuple[Any, str, str]:
    """Positions in [0, 1] of one axis, with the labels of its bottom and top."""
    present = [v for v in values if v is not None]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)
    if numeric and present:
        arr = np.array([math.nan if v is None else float(v) for v in values])
        low, high = float(np.nanmin(arr)), float(np.nanmax(arr))
        # Log scale for positive values bunched at the bottom over decades (a log-uniform lr).
        log = low > 0 and high / low > 100 and float(np.nanmedian(arr)) - low < 0.1 * (high - low)
        t, lo, hi = (np.log10(arr), math.log10(low), math.log10(high)) if log else (arr, low, high)
        pos = (t - lo) / (hi - lo) if hi > lo else np.full(len(arr), 0.5)
        return np.nan_to_num(pos, nan=-0.08), f"{low:.3g}", f"{high:.3g}" + (" (log)" * log)
    cats = sorted({repr(v) for v in present})
    spread = {c: (i / (len(cats) - 1) if len(cats) > 1 else 0.5) for i, c in enumerate(cats)}
    pos = np.array([-0.08 if v is None else spread[repr(v)] for v in values])
    text = {repr(v): str(v) for v in present}
    return pos, text[cats[0]] if cats else "", text[cats[-1]] if cats else ""
