"""Run a proposal with one BLAS thread in the calling thread, then restore.

The GP's matrices are small (a few hundred rows), where OpenBLAS's threads bring no
speed-up but spin-wait badly on a loaded machine (measured: 0.15 s single-threaded
against 1.5-2.7 s with two threads for one proposal at 200 trials in 6-D on two
busy cores). OpenBLAS >= 0.3.27 has ``openblas_set_num_threads_local``, which changes
the count for the calling thread only and returns the previous value, so other threads
of the process are not affected. The libraries numpy and scipy wheels already loaded are
looked up without loading anything new; on other platforms or BLAS builds this is a
no-op.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=1)
def _setters() -> tuple[Any, ...]:
    """The ``openblas_set_num_threads_local`` functions of loaded OpenBLAS libraries."""
    if not sys.platform.startswith("linux"):
        return ()
    import numpy
    import scipy

    found = []
    for package in (numpy, scipy):
        libs = Path(package.__file__ or "").parent.parent / f"{package.__name__}.libs"
        for path in sorted(libs.glob("lib*openblas*.so*")):
            try:
                lib = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD)
                setter = lib.openblas_set_num_threads_local
            except (OSError, AttributeError):
                continue
            setter.argtypes = [ctypes.c_int]
            setter.restype = ctypes.c_int
            found.append(setter)
    return tuple(found)


@contextmanager
def limit_blas_threads(n_threads: int | None) -> Iterator[None]:
    """Limit BLAS to ``n_threads`` in this thread while the block runs (None: no change)."""
    if n_threads is None:
        yield
        return
    setters = _setters()
    previous = [setter(int(n_threads)) for setter in setters]
    try:
        yield
    finally:
        for setter, old in zip(setters, previous, strict=True):
            setter(old)
