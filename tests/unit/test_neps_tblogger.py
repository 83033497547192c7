"""``neps.tblogger``: a trial's TensorBoard writer (``ConfigWriter``) and the incumbent
trajectory (``write_summary_incumbent`` / ``WriteIncumbent``), read back from the event
files TensorBoard would read."""

from __future__ import annotations

import struct
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import neps_like as neps


def _events(logdir: Path) -> list[tuple[str, int, float]]:
    """(tag, step, value) of every scalar in the event files below ``logdir``."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    out = []
    for path in sorted(logdir.rglob("events.out.tfevents.*")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):  # TFRecord framing: length, crc, payload, crc
            (length,) = struct.unpack("<Q", data[pos : pos + 8])
            payload = data[pos + 12 : pos + 12 + length]
            pos += 12 + length + 4
            event = event_pb2.Event.FromString(payload)
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    out.append((value.tag, event.step, value.simple_value))
    return out


def _run(root: Path, fn: Any, optimizer: Any, evaluations: int) -> None:
    neps.run(
        fn,
        {"x": neps.Float(0.0, 1.0), "epochs": neps.IntegerFidelity(1, 8)},
        root_directory=root,
        evaluations_to_spend=evaluations,
        optimizer=optimizer,
    )


class Fixed:
    """Proposes x from a list; each as a new config at one epoch."""

    def __init__(self, xs: list[float]) -> None:
        self.xs = xs

    def __call__(
        self, trials: Mapping[str, Any], budget_info: Any, n: int | None = None
    ) -> neps.SampledConfig:
        return neps.SampledConfig(config={"x": self.xs[len(trials)], "epochs": 1})


class Continuing:
    """Config 1 at one epoch, then continues it at 2 and 4 epochs."""

    def __call__(
        self, trials: Mapping[str, Any], budget_info: Any, n: int | None = None
    ) -> neps.SampledConfig:
        if not trials:
            return neps.SampledConfig(config={"x": 0.5, "epochs": 1})
        last = max(trials.values(), key=lambda t: t.metadata.time_sampled)
        return neps.SampledConfig(
            config={"x": 0.5, "epochs": last.config["epochs"] * 2},
            previous_config_id=last.id,
        )


def _logging_evaluation(x: float, epochs: int) -> float:
    writer = neps.tblogger.ConfigWriter(write_summary_incumbent=True)
    for step in range(epochs):
        writer.add_scalar(tag="loss", scalar_value=x + step, global_step=step)
    writer.add_hparams(hparam_dict={"x": x}, metric_dict={"loss_val": x})
    return x


def test_config_writer_and_incumbent_trajectory(tmp_path: Path) -> None:
    pytest.importorskip("tensorboardX")
    root = tmp_path / "s"
    _run(root, _logging_evaluation, Fixed([0.6, 0.3, 0.4]), 3)
    for tid, x in (("1", 0.6), ("2", 0.3), ("3", 0.4)):
        events = _events(root / "trials" / tid / "tbevents")
        assert ("loss", 0, pytest.approx(x)) in events  # folder made though fn takes none
    incumbent = sorted(e for e in _events(root / "summary_tb") if e[0] == "Summary/Incumbent_graph")
    assert incumbent == [
        ("Summary/Incumbent_graph", 0, pytest.approx(0.6)),
        ("Summary/Incumbent_graph", 1, pytest.approx(0.3)),
        ("Summary/Incumbent_graph", 2, pytest.approx(0.3)),
    ]
    assert neps.load(root)["2"].metadata.location == str(root / "trials" / "2")


def test_continuations_write_to_the_first_trial_of_the_lineage(tmp_path: Path) -> None:
    pytest.importorskip("tensorboardX")
    root = tmp_path / "s"
    _run(root, _logging_evaluation, Continuing(), 3)
    trials = neps.load(root)
    assert len(trials) == 3
    assert all(t.metadata.previous_trial_id for tid, t in trials.items() if tid != "1")
    steps = sorted(
        step for tag, step, _ in _events(root / "trials" / "1" / "tbevents") if tag == "loss"
    )
    assert steps == [0, 0, 0, 1, 1, 2, 3]  # 1 + 2 + 4 epochs, one curve
    assert [p.parent.name for p in (root / "trials").rglob("tbevents")] == ["1"]


def _incumbent_only(x: float, epochs: int) -> float:
    neps.tblogger.WriteIncumbent()
    return x


def test_write_incumbent_alone(tmp_path: Path) -> None:
    pytest.importorskip("tensorboardX")
    root = tmp_path / "s"
    _run(root, _incumbent_only, Fixed([0.2, 0.9]), 2)
    assert not (root / "trials").exists() or not any((root / "trials").rglob("tbevents"))
    values = sorted((step, v) for tag, step, v in _events(root / "summary_tb"))
    assert values == [(0, pytest.approx(0.2)), (1, pytest.approx(0.2))]


def test_outside_an_evaluation(tmp_path: Path) -> None:
    pytest.importorskip("tensorboardX")
    with pytest.raises(neps.ArgumentError, match="root_directory= and pipeline_directory="):
        neps.tblogger.ConfigWriter()
    with pytest.raises(neps.ArgumentError, match="inside an evaluation"):
        neps.tblogger.WriteIncumbent()
    writer = neps.tblogger.ConfigWriter(root_directory=tmp_path, pipeline_directory=tmp_path / "p")
    writer.add_scalar("loss", 1.5, 0)
    writer.close()
    assert _events(tmp_path / "p" / "tbevents") == [("loss", 0, 1.5)]


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # as if not installed
    with pytest.raises(neps.NepsLikeError, match=r"pip install 'neps-like\[tensorboard\]'"):
        neps.tblogger.ConfigWriter(write_summary_incumbent=True)
