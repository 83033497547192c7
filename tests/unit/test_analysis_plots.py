"""Plots: every kind draws and saves a PNG; groups of seeds; a clear error without matplotlib."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neps_like as neps
from neps_like.analysis import plots
from neps_like.analysis.results import Results
from neps_like.state.err_dump import ErrDump
from neps_like.state.records import MetaData, Report, Trial, TrialState

PNG = b"\x89PNG\r\n\x1a\n"
SPACE = {"x": neps.Float(0.0, 1.0), "lr": neps.Float(1e-5, 1e-1, log=True)}


def curve_fn(x: float, lr: float) -> dict[str, Any]:
    return {"objective_to_minimize": (x - 0.3) ** 2, "cost": 1 + x, "learning_curve": [1, x]}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    pytest.importorskip("matplotlib")  # before spending time on studies
    base = tmp_path_factory.mktemp("plots")
    roots = []
    for seed in range(3):
        root = base / f"seed{seed}"
        neps.run(curve_fn, SPACE, root_directory=root, evaluations_to_spend=5 + seed, seed=seed)
        roots.append(root)
    return roots


def test_without_matplotlib_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes an import fail, even when another test imported it.
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(neps.NepsLikeError, match=r"neps-like\[plot\]"):
        plots.new_figure()


def test_incumbent_single_several_and_groups(seeds: list[Path], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    fig = plots.plot_incumbent(seeds[0], path=tmp_path / "one.png")
    assert (tmp_path / "one.png").read_bytes().startswith(PNG)
    assert len(fig.axes[0].lines) == 1
    fig = plots.plot_incumbent(seeds, x="cost")  # one line each
    assert len(fig.axes[0].lines) == 3
    fig = plots.plot_incumbent({"rs": seeds, "first": seeds[0]}, x="time", log_y=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["rs (n=3)", "first"]
    assert len(ax.collections) == 1  # the quartile band of the group


def test_group_median_over_seeds(seeds: list[Path]) -> None:
    pytest.importorskip("matplotlib")
    fig = plots.plot_incumbent({"rs": seeds})
    median = fig.axes[0].lines[0].get_ydata()
    traces = [neps.load(r) for r in seeds]
    from neps_like.analysis.trace import incumbent_trace

    finals = sorted(incumbent_trace(r).incumbent[-1] for r in traces)
    assert len(median) == 7  # the longest study
    assert median[-1] == pytest.approx(finals[1])  # every seed holds its last value


def test_curves_parallel_and_pareto(seeds: list[Path], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    fig = plots.plot_learning_curves(seeds[2], path=tmp_path / "c.png")
    assert len(fig.axes[0].lines) == 7
    fig = plots.plot_parallel_coordinates(seeds[2], path=tmp_path / "p.png")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["lr", "x", "objective"]
    with pytest.raises(neps.ArgumentError, match="two objectives"):
        plots.plot_pareto(seeds[0])
    for name in ("c.png", "p.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG)


def test_pareto_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    root = tmp_path / "mo"
    neps.run(lambda x, lr: [x, 1 - x**0.5], SPACE, root_directory=root, evaluations_to_spend=6)
    fig = plots.plot_pareto(root, names=("error", "latency"), path=tmp_path / "f.png")
    assert fig.axes[0].get_xlabel() == "error" and "6 of 6" in fig.axes[0].get_title()
    assert plots.figure_png(fig).startswith(PNG)


def test_multi_fidelity_lineages_without_curves(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    meta = MetaData(time_sampled=0.0, sampling_worker_id="w", time_ended=1.0)
    trials = {}
    for base in ("1", "2"):
        for rung, epochs in enumerate((1, 3, 9)):
            tid = base if rung == 0 else f"{base}_{rung}"
            cfg = {"x": float(base), "epochs": epochs}
            m = meta if rung == 0 else MetaData(0.0, "w", previous_trial_id=base, rung=rung)
            trials[tid] = Trial(tid, cfg, TrialState.SUCCESS, m, Report(1.0 / epochs))
    fig = plots.plot_learning_curves(Results(tmp_path, trials, ErrDump(), {}))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epochs" and len(ax.lines) == 2
    assert list(ax.lines[0].get_xdata()) == [1, 3, 9]


def test_step_values() -> None:
    grid = np.array([0.0, 1.0, 1.5, 3.0])
    vals = plots._step_values([1.0, 2.0], [5.0, 4.0], grid)
    assert np.isnan(vals[0]) and list(vals[1:]) == [5.0, 5.0, 4.0]
