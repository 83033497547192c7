"""Run arguments from a YAML file, so one file can drive every worker (e.g. a SLURM array).

The keys are ``run()``'s own (older NePS spellings included). ``evaluate_pipeline``
(``"file.py:function"``), ``script``, ``pipeline_space`` (inline mapping or a YAML file)
and ``root_directory`` are resolved relative to the file's directory. Example::

    evaluate_pipeline: train.py:evaluate
    pipeline_space:
      lr: {lower: 1.0e-5, upper: 1.0e-1, log: true}
      act: {choices: [relu, gelu]}
    root_directory: results/exp1
    optimizer: random_search
    evaluations_to_spend: 100
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from neps_like._errors import ArgumentError

_PATH_KEYS = ("root_directory", "working_directory", "script")


def load_run_args(path: str | Path) -> dict[str, Any]:
    """Read and resolve a run-args YAML file.

    Raises:
        ArgumentError: the file is missing, not YAML, or not a mapping.
    """
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArgumentError(f"Run-args file {source} does not exist.") from None
    except UnicodeDecodeError as exc:
        raise ArgumentError(f"Run-args file {source} is not UTF-8 text: {exc.reason}.") from None
    except yaml.YAMLError as exc:
        raise ArgumentError(f"Run-args file {source} is not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ArgumentError(f"Run-args file {source} must hold a mapping of run() arguments.")
    base = source.absolute().parent
    out = dict(data)
    for key in _PATH_KEYS:
        if isinstance(out.get(key), str):
            out[key] = str(base / out[key])
    for key in ("evaluate_pipeline", "run_pipeline"):
        value = out.get(key)
        if isinstance(value, str) and ".py:" in value:
            file, _, fn = value.rpartition(":")
            out[key] = f"{base / file}:{fn}"
    space = out.get("pipeline_space")
    if isinstance(space, str) and space.endswith((".yaml", ".yml")):
        out["pipeline_space"] = str(base / space)
    return out
