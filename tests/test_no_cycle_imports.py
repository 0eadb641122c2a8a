"""No import inside a function only to dodge an import cycle.

An import of one of our own modules inside a function hides a cycle from the
reader and from the layer contract (`.importlinter`): the modules then depend
on each other while looking as if they did not. Such an import is allowed only
when it is lazy on purpose, to keep start-up fast (SQLAlchemy, numpy, rich, the
knowledge base, FastAPI are loaded by the commands and pages that need them),
and then it says so: `# lazy: <why>` at the end of its line, or on a comment
line right above a group of imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nosetwitch"

# Modules allowed, for now, to dodge a cycle inside a function, by module and import (None:
# every import of the module). Empty: no cycle is dodged anywhere. A test fails once an
# entry has nothing left to excuse, so the list can only shrink.
NOT_YET_CLEAN: dict[str, set[str] | None] = {}


def _bodies(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists directly inside a node (a function's body, an if's branches, ...)."""
    lists = [getattr(node, name) for name in ("body", "orelse", "finalbody") if isinstance(getattr(node, name, None), list)]
    lists += [handler.body for handler in getattr(node, "handlers", [])]
    lists += [case.body for case in getattr(node, "cases", [])]
    return [body for body in lists if body and isinstance(body[0], ast.stmt)]


def _is_ours(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "nosetwitch"
    return any(alias.name.split(".")[0] == "nosetwitch" for alias in node.names)


def _marked(line: str) -> bool:
    _, found, why = line.partition("# lazy:")
    return bool(found and why.strip())


def unmarked_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """`file:line: import` for each function-level import of a nosetwitch module without `# lazy:`."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []

    def visit(body: list[ast.stmt], in_function: bool) -> None:
        first_of_run = None  # the first import of the run of imports the statement belongs to
        for statement in body:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                first_of_run = first_of_run or statement
                if in_function and _is_ours(statement):
                    # the comment line right above the group, and comment lines within it up to here
                    comments = lines[max(first_of_run.lineno - 2, 0) : statement.lineno - 1]
                    group_marked = any(line.lstrip().startswith("#") and _marked(line) for line in comments)
                    if not _marked(lines[statement.lineno - 1]) and not group_marked:
                        name = path.relative_to(root).as_posix()
                        found.append(f"{name}:{statement.lineno}: {lines[statement.lineno - 1].strip()}")
                continue
            first_of_run = None
            inner = in_function or isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef)
            for nested in _bodies(statement):
                visit(nested, inner)

    visit(ast.parse(source).body, False)
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_found():
    assert len(_modules()) > 50 and (PACKAGE / "interfaces" / "cli" / "main.py").is_file()


def _excused(found: str) -> bool:
    name, _, statement = found.partition(":")
    excused = NOT_YET_CLEAN.get(name, set())
    return excused is None or statement.partition(": ")[2] in excused


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_import_inside_a_function_is_lazy_on_purpose(path):
    assert [found for found in unmarked_imports(path) if not _excused(found)] == [], (
        "import a module of the package at the top of the file; if it must load late for start-up time, "
        "say why with '# lazy: ...' on its line or on a comment line above the group"
    )


def test_every_excuse_is_still_needed():
    found = [f for name in NOT_YET_CLEAN if (PACKAGE / name).is_file() for f in unmarked_imports(PACKAGE / name)]
    needed = {(f.partition(":")[0], f.partition(": ")[2]) for f in found}
    stale = sorted(
        (name, statement)
        for name, excused in NOT_YET_CLEAN.items()
        for statement in (excused if excused is not None else {"*"})
        if (name, statement) not in needed and not (statement == "*" and any(n == name for n, _ in needed))
    )
    assert stale == [], f"remove these from NOT_YET_CLEAN, nothing needs them any more: {stale}"


# What the lazy imports are for: the command line registers every command without these.
HEAVY = (
    "sqlalchemy", "alembic", "psycopg", "numpy", "scipy", "pandas", "statsmodels", "matplotlib", "fpdf",
    "fastapi", "starlette", "uvicorn", "jinja2", "rich", "argon2", "fhir", "icalendar", "segno", "statistics",
    "nosetwitch.knowledge", "nosetwitch.services.diary", "nosetwitch.insights", "nosetwitch.triage",
)


def test_the_command_line_starts_without_the_heavy_libraries():
    probe = "import sys, nosetwitch.interfaces.cli.main; print(' '.join(sys.modules))"
    loaded = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split())
    assert sorted(name for name in HEAVY if name in loaded) == []


def test_the_check_sees_a_cycle_dodge_and_accepts_a_marked_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "import json\n"
        "def dodge():\n"
        "    from nosetwitch.interfaces.cli.main import run\n"
        "    if True:\n"
        "        from . import sibling\n"
        "def marked():\n"
        "    from nosetwitch.services.diary import DiaryService  # lazy: SQLAlchemy\n"
        "    # lazy: rich and numpy (start-up time)\n"
        "    import rich\n"
        "    from nosetwitch.insights import compute_insights\n"
        "def bare_marker():\n"
        "    from nosetwitch.triage import triage  # lazy:\n"
        "def third_party():\n"
        "    import numpy\n",
        encoding="utf-8",
    )
    assert unmarked_imports(module, tmp_path) == [
        "example.py:3: from nosetwitch.interfaces.cli.main import run",
        "example.py:5: from . import sibling",
        "example.py:12: from nosetwitch.triage import triage  # lazy:",
    ]
