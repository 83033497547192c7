"""NePS's import path for ask-and-tell: ``from neps.optimizers.ask_and_tell import AskAndTell``.

The class lives in ``neps_like.compat.ask_and_tell`` (it parses results as the runtime
does, a layer above the optimizers). This module only gives scripts written against NePS
the path they import; it is the one module of ``optimizers/`` allowed to import from
above (``tests/unit/test_layering.py``, ``NEPS_IMPORT_PATHS``).
"""

from __future__ import annotations

from neps_like.compat.ask_and_tell import AskAndTell

__all__ = ["AskAndTell"]
