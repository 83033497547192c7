"""Imports point downward only (DESIGN.md §2), and the public names are what we export."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neps_like

PACKAGE = Path(neps_like.__file__).parent
# Which top-level parts of neps_like each part may import.
ALLOWED = {
    "space": {"_errors", "space"},
    "state": {"_errors", "space", "state"},
    "optimizers": {"_errors", "space", "state.records", "optimizers"},
    "runtime": {"_errors", "space", "state", "optimizers", "runtime"},
    "analysis": {"_errors", "space", "state", "analysis"},
}
# Modules that only give NePS scripts the import path they use, re-exporting from above.
NEPS_IMPORT_PATHS = {"optimizers/ask_and_tell.py": {"compat.ask_and_tell"}}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("neps_like"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("neps_like"))
    return found


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_point_downward(part: str) -> None:
    allowed = ALLOWED[part]
    for path in (PACKAGE / part).rglob("*.py"):
        shim = NEPS_IMPORT_PATHS.get(str(path.relative_to(PACKAGE)), set())
        for module in _imports(path):
            inner = module.removeprefix("neps_like.")
            ok = any(inner == a or inner.startswith(a + ".") for a in allowed | shim)
            assert ok, f"{path.relative_to(PACKAGE)} imports {module}"


def test_exported_names_exist_and_are_sorted() -> None:
    names = neps_like.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(neps_like, name), name
    public = {n for n in dir(neps_like) if not n.startswith("_")} - {"annotations"}
    subpackages = {
        "analysis",
        "api",
        "trials_api",
        "ask_tell",
        "cli",
        "optimizers",
        "runtime",
        "script_helpers",
        "space",
        "state",
        "dashboard",
        "compat",
        "utils",
        "algorithms",
    }
    assert public - set(names) - subpackages == set(), "public but not in __all__"
