"""What a script trial calls from inside: read its config, report its result.

Used by scripts that ``neps_like.run(script=...)`` or ``neps-like run`` starts; they find
their trial through the ``NEPS_LIKE_*`` environment variables the worker sets. The
result is written atomically to ``result.json`` in the trial directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from neps_like._errors import NepsLikeError
from neps_like.state._fs import atomic_write_json
from neps_like.state.layout import TrialFiles
from neps_like.state.safe_paths import check_single_link


def _env_path(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        raise NepsLikeError(
            f"{name} is not set: this function works inside a script trial started by "
            "neps_like.run(script=...) or `neps-like run`."
        )
    return Path(value)


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The trial's config (nested dicts for dotted names), from ``path`` or the
    ``NEPS_LIKE_CONFIG`` file."""
    if path is not None:
        return dict(json.loads(Path(path).read_text(encoding="utf-8")))
    source = _env_path("NEPS_LIKE_CONFIG")
    # O_NOFOLLOW: the trial folder's config.json is read only if it is the file the worker
    # wrote, never through a link planted in its place.
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        data: dict[str, Any] = json.loads(fh.read().decode("utf-8"))
    return data


def trial_directory() -> Path:
    """This trial's directory (for checkpoints); also the script's working directory."""
    return _env_path("NEPS_LIKE_TRIAL_DIR")


def previous_trial_directory() -> Path | None:
    """The directory to continue from (a promotion's parent, or this trial's own on a
    resumed attempt), or None."""
    value = os.environ.get("NEPS_LIKE_PREVIOUS_TRIAL_DIR")
    return Path(value) if value else None


def report(
    objective_to_minimize: float | list[float] | None = None,
    *,
    cost: float | None = None,
    learning_curve: list[float] | None = None,
    extra: dict[str, Any] | None = None,
    **more: Any,
) -> None:
    """Record this trial's result (the same keys as an evaluation function returns)."""
    if objective_to_minimize is None:
        raise NepsLikeError("report() needs objective_to_minimize.")
    result: dict[str, Any] = {"objective_to_minimize": objective_to_minimize, **more}
    if cost is not None:
        result["cost"] = cost
    if learning_curve is not None:
        result["learning_curve"] = list(learning_curve)
    if extra is not None:
        result["extra"] = extra
    atomic_write_json(_env_path("NEPS_LIKE_RESULT"), result)


def report_intermediate(value: float, *, step: int | None = None) -> None:
    """Append one point of the learning curve (kept even if the script is stopped)."""
    path = trial_directory() / TrialFiles.LEARNING_CURVE
    # O_NOFOLLOW: never append through a link planted under the name.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    check_single_link(fd, path)  # nor through a hard link
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"step": step, "value": float(value)}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
