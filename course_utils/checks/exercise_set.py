"""An exercise set: the problems of one notebook, bound to that notebook's globals.

The set-up cell of an exercise notebook is::

    from course_utils.exercise_sets import ex00_warmup
    q1, q2, q3 = ex00_warmup.setup(globals())

Binding ``globals()`` explicitly (rather than inspecting stack frames) keeps the checker working
across Python versions. Solutions are read on request from ``solutions/<notebook>.ipynb`` (or the
folder named by ``COURSE_SOLUTIONS_DIR``), so a teacher can withhold them by not handing that
folder out.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from course_utils.checks.outcomes import Outcome
from course_utils.checks.problems import Problem

SOLUTIONS_ENV = "COURSE_SOLUTIONS_DIR"


def solutions_dir() -> Path:
    """Where solution notebooks are looked up: ``COURSE_SOLUTIONS_DIR``, else the course's
    ``solutions/`` folder (next to the package in a clone, or next to the notebook's folder)."""
    configured = os.environ.get(SOLUTIONS_ENV)
    if configured:
        return Path(configured)
    beside_package = Path(__file__).resolve().parents[2] / "solutions"
    if beside_package.is_dir():
        return beside_package
    return Path.cwd().parent / "solutions"


@functools.lru_cache(maxsize=32)
def _solutions_of(path: Path, mtime: float) -> dict[str, str]:
    import nbformat

    from course_utils.solution_regions import solutions_by_check

    notebook = nbformat.read(path, as_version=4)
    cells = [(cell.cell_type, cell.source) for cell in notebook.cells]
    return solutions_by_check(cells, str(path))


def solution_text(notebook: str, label: str) -> str | None:
    """The solution code of exercise ``label`` in ``solutions/<notebook>.ipynb``, if available."""
    path = solutions_dir() / f"{notebook}.ipynb"
    try:
        return _solutions_of(path, path.stat().st_mtime).get(label)
    except (OSError, ValueError):
        return None


class ExerciseSet:
    """The problems of one notebook (``notebook`` is its file stem, e.g. ``"00_warmup"``)."""

    def __init__(self, notebook: str, problems: Sequence[Problem]) -> None:
        labels = [p.label for p in problems]
        if len(set(labels)) != len(labels):
            raise ValueError(f"duplicate exercise labels in {notebook}: {labels}")
        self.notebook = notebook
        self.problems = tuple(problems)
        by_label = {problem.label: problem for problem in self.problems}
        for problem in self.problems:
            problem.solution_text = functools.partial(solution_text, notebook, problem.label)
            problem.siblings = by_label
            unknown = [label for label in problem.uses if label not in by_label]
            if unknown:
                raise ValueError(f"{notebook} {problem.label} uses unknown exercises {unknown}")

    def setup(self, namespace: dict[str, Any]) -> tuple[Problem, ...]:
        """Bind every problem to the notebook's ``globals()``; returns them in order."""
        if not isinstance(namespace, dict):
            raise TypeError("setup() needs the notebook's namespace: call setup(globals())")
        for problem in self.problems:
            problem.bind(namespace)
        labels = ", ".join(p.label for p in self.problems)
        print(
            f"Checks ready for {self.notebook}: {labels}. "
            "Use q1.check(), q1.hint(), q1.hint(2), q1.solution()."
        )
        return self.problems

    def evaluate_all(self) -> dict[str, Outcome]:
        """Every problem's outcome, without displaying anything (for graders and tests)."""
        return {problem.label: problem.evaluate() for problem in self.problems}
