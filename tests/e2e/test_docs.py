"""Every example in ``docs/*.md`` runs as written.

Conventions for fenced blocks in the docs (fences start at the beginning of a line):

* ```` ```python ````: run in a fresh interpreter. The blocks of one page run in order, in
  one temporary directory that is their working directory, so a later block can load the
  study an earlier one made. A block whose first line is ``# not run`` is skipped, and one
  starting ``# needs: MODULE`` only runs when that optional package is installed.
* ```` ```LANG file=NAME ````: not run; its text is written to ``NAME`` in that directory
  at that point of the page (a script, YAML or JSON file a later block uses).
* ```` ```bash ````: run when every command line starts with ``neps-like `` (each line on
  its own, without a shell, with this environment's ``neps-like``). A trailing comment
  starting ``# exit code N`` gives the expected exit code (default 0). Blocks with other
  commands are illustrations and are not run.

A page whose commands need an optional extra that is not installed (``neps-like plot``
needs matplotlib, a ``.parquet`` export pyarrow) is skipped, saying which, as the other
tests of optional extras are.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
BIN = Path(sys.executable).parent
_SCRIPT = BIN / "neps-like"
NEPS_LIKE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "neps_like"]
TIMEOUT = 60
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
EXIT_CODE = re.compile(r"#\s*exit code (\d+)")
# Commands that need an optional extra: (subcommand, word in the line or None) -> module.
COMMAND_NEEDS = {("plot", None): "matplotlib", ("export", ".parquet"): "pyarrow"}
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    file: str | None
    code: str

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"

    @property
    def skipped(self) -> bool:
        """``# not run`` first, or ``# needs: MODULE`` for an optional extra not installed."""
        first = self.code.lstrip().split("\n", 1)[0].strip()
        if first.startswith("# needs:"):
            module = first.removeprefix("# needs:").strip()
            return importlib.util.find_spec(module) is None
        return first.startswith("# not run")

    @property
    def commands(self) -> list[str] | None:
        """The ``neps-like`` lines of a bash block, or None when it has anything else."""
        lines = [ln.strip() for ln in self.code.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if not lines or not all(ln.startswith("neps-like ") for ln in lines):
            return None
        return lines

    @property
    def missing_extras(self) -> list[str]:
        """Optional modules this block's commands need that are not installed."""
        missing = []
        for line in self.commands or [] if self.lang == "bash" else []:
            words = shlex.split(line, comments=True)
            for (command, marker), module in COMMAND_NEEDS.items():
                needed = len(words) > 1 and words[1] == command
                if (
                    needed
                    and (marker is None or marker in line)
                    and importlib.util.find_spec(module) is None
                ):
                    missing.append(f"`neps-like {command}` needs {module}")
        return missing

    @property
    def runnable(self) -> bool:
        if self.file is not None:
            return True
        if self.skipped:
            return False
        return self.lang == "python" or (self.lang == "bash" and self.commands is not None)


def parse(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        info = match.group(1).split()
        file = next((w.removeprefix("file=") for w in info[1:] if w.startswith("file=")), None)
        line = text.count("\n", 0, match.start()) + 1
        blocks.append(Block(page.name, line, info[0] if info else "", file, match.group(2)))
    return blocks


def _pages() -> list[Path]:
    return [p for p in sorted(DOCS.glob("*.md")) if any(b.runnable for b in parse(p))]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEPS_LIKE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    return env


def _check(block: Block, cmd: list[str], work: Path, expected: int = 0) -> None:
    try:
        out = subprocess.run(
            cmd,
            cwd=work,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{block.where}: {shlex.join(cmd)} ran longer than {TIMEOUT} s")
    assert out.returncode == expected, (
        f"{block.where}: {shlex.join(cmd)} exited {out.returncode}, expected {expected}\n"
        f"--- stdout\n{out.stdout}\n--- stderr\n{out.stderr}"
    )


def _run(block: Block, work: Path, scripts: Path) -> None:
    if block.file is not None:
        target = work / block.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code, encoding="utf-8")
    elif block.lang == "python":
        script = scripts / f"{Path(block.page).stem}_{block.line}.py"
        script.write_text(block.code, encoding="utf-8")
        _check(block, [sys.executable, str(script)], work)
    else:
        for line in block.commands or []:
            match = EXIT_CODE.search(line)
            args = shlex.split(line, comments=True)
            _check(block, NEPS_LIKE + args[1:], work, int(match.group(1)) if match else 0)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    missing = [m for block in parse(page) if block.runnable for m in block.missing_extras]
    if missing:
        pytest.skip(f"docs/{page.name}: {'; '.join(sorted(set(missing)))} (an optional extra)")
    work, scripts = tmp_path / "work", tmp_path / "blocks"
    work.mkdir()
    scripts.mkdir()
    for block in parse(page):
        if block.runnable:
            _run(block, work, scripts)


def test_index_links_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(LINK.findall(index))
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if p.name != "index.md"]
    assert [name for name in missing if name not in linked] == []


def test_links_between_pages_resolve() -> None:
    broken = [
        f"{page.name} -> {target}"
        for page in sorted(DOCS.glob("*.md"))
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).resolve().exists()
    ]
    assert broken == []


def test_blocks_are_well_formed() -> None:
    """A fence left open would silently swallow the rest of a page."""
    for page in sorted(DOCS.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        fences = [ln for ln in lines if ln.startswith("```")]
        assert len(fences) % 2 == 0, f"docs/{page.name} has an unclosed code fence"
