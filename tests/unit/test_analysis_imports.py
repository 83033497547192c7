"""Optional dependencies stay optional: ``import neps_like`` loads no plotting or web code."""

from __future__ import annotations

import subprocess
import sys


def test_import_neps_like_loads_no_optional_module() -> None:
    code = (
        "import sys, neps_like, neps_like.analysis.trace, neps_like.analysis.pareto, "
        "neps_like.analysis.importance, neps_like.analysis.export; "
        "bad = [m for m in ('matplotlib', 'pandas', 'pyarrow', 'neps_like.dashboard', "
        "'http.server') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_plots_module_imports_without_loading_matplotlib() -> None:
    code = (
        "import sys, neps_like.analysis.plots, neps_like.dashboard, neps_like.analysis.cli, "
        "neps_like.dashboard.cli; sys.exit('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
