"""The dependency rules of docs/ARCHITECTURE.md, checked on every module's imports.

* The library (convolutions, shootout, benchmarks, inpainting, widgets, ...) never imports the
  checking engine, the grader or the exercise sets: the classroom edition ships it without the
  last two, and a lesson must work without any of them.
* The checking engine imports nothing of the library: it judges answers of any exercise.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "course_utils"
COURSE_SIDE = ("checks", "grading", "exercise_sets")
TOOLS = ("classroom.py", "grade.py")  # build and grading entry points: they may import anything
LIBRARY = ("conv", "shootout", "bench", "inpainting", "widgets", "demos", "viz", "timing")


def _imports(path: Path) -> set[str]:
    """The ``course_utils`` modules ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])  # the importing package
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("course_utils")}


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _modules(where: str) -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    if where == "library":
        return [p for p in files if p.relative_to(PACKAGE).parts[0] not in COURSE_SIDE + TOOLS]
    return [p for p in files if p.relative_to(PACKAGE).parts[0] == where]


@pytest.mark.parametrize("path", _modules("library"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_library_does_not_import_checks_grading_or_exercise_sets(path: Path) -> None:
    wrong = sorted(name for name in _imports(path) if _top(name) in COURSE_SIDE)
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}"


@pytest.mark.parametrize("path", _modules("checks"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_checking_engine_does_not_import_the_library(path: Path) -> None:
    wrong = sorted(name for name in _imports(path) if _top(name) in LIBRARY)
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}"


def test_the_rules_see_imports() -> None:
    assert "course_utils.checks.problems" in _imports(PACKAGE / "checks" / "exercise_set.py")
    assert _imports(PACKAGE / "grade.py")
