from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from neps_like.state.mirror_writer import MirrorWriter
from neps_like.state.records import Trial
from tests.helpers.workers import write_worker_script


@pytest.fixture
def worker_script(tmp_path: Path) -> Path:
    return write_worker_script(tmp_path)


@pytest.fixture(autouse=True)
def _away_from_mutants_under_mutation(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Under mutmut, run each test in a scratch folder of its own, without mirror threads.

    A mutant can turn a path into a relative one (a study root of ``""``, a trial folder
    of ``"."``); its writes and removals then land in the working directory, which is
    mutmut's ``mutants/`` folder with its results. The scratch folder links mutmut's
    configuration, which the command-line tests' subprocesses read from their working
    directory. Outside mutation runs nothing changes.
    """
    if os.environ.get("MUTANT_UNDER_TEST"):
        scratch = tmp_path_factory.mktemp("cwd")
        (scratch / "pyproject.toml").symlink_to(Path.cwd() / "pyproject.toml")
        monkeypatch.chdir(scratch)
        # mutmut 3.8 records which test calls which function with a context variable
        # and a shared set, which is not thread-safe: trial folders written on the
        # background thread crashed its coverage run (a segfault in ContextVar.set).
        # Under mutmut they are written at once, on the calling thread.
        monkeypatch.setattr(MirrorWriter, "submit", _submit_at_once)
    yield


def _submit_at_once(
    self: MirrorWriter, trial: Trial, hints: Iterable[str], *, create: bool = True
) -> None:
    self._write_one(trial, tuple(sorted(hints)), create)
