"""A synthetic class to try the exports on, and to picture the report without real students.

:func:`demo_class` makes twelve students' notebooks for three of the course's exercise sets,
with the sets' real exercise labels and the typical-mistake messages their checks really give,
plus the situations a teacher meets: a notebook that was not handed in, one that ran out of
time, a student who handed in a set twice, exercises not attempted, code that raised. It is
seeded: every call gives the same class.

Run ``python -m course_utils.grading.demo OUT_DIR`` to write every output for it into
``OUT_DIR`` (gradebook, Gradescope results, feedback files, report).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

from course_utils.grading.results import (
    CORRECT,
    ERROR,
    NOT_ATTEMPTED,
    NOT_YET,
    ExerciseGrade,
    NotebookGrade,
)
from course_utils.lessons import lesson

__all__ = ["DEMO_SETS", "demo_class", "main"]

DEMO_SETS = tuple(lesson(number).exercise_set for number in ("01", "03", "05"))
_STUDENTS = {  # student -> skill (chance of a correct answer on an average exercise)
    "amara.okafor": 0.95,
    "ben.fischer": 0.85,
    "chen.wei": 0.9,
    "dara.nolan": 0.55,
    "elif.yilmaz": 0.75,
    "felix.moreau": 0.4,
    "grace.kim": 0.8,
    "hugo.santos": 0.65,
    "ines.duarte": 0.7,
    "jonas.berg": 0.5,
    "kofi.mensah": 0.85,
    "lena.vogel": 0.6,
}
_MISSING = ("felix.moreau", DEMO_SETS[2])
_TIMED_OUT = ("jonas.berg", DEMO_SETS[1])
_TWICE = ("dara.nolan", DEMO_SETS[0])
_TIMEOUT = "grading stopped after 120 s (an endless loop or a very slow answer?)"
_ERRORS = (
    "IndexError: index 6 is out of bounds for axis 1 with size 6",
    "ValueError: operands could not be broadcast together with shapes (3,3) (2,3)",
    "TypeError: 'float' object cannot be interpreted as an integer",
)


def _problems(set_name: str) -> list:
    return list(import_module(f"course_utils.exercise_sets.{set_name}").EXERCISES.problems)


def _cell_line(problem) -> str:
    if hasattr(problem, "reference"):
        return f"def {problem.name}(...):"
    return f"{problem.name} = ..."


def _wrong(rng: random.Random, problem) -> tuple[str, str, tuple[str, ...]]:
    mistakes = list(getattr(problem, "mistakes", ()))
    roll = rng.random()
    if roll < 0.12:
        return ERROR, rng.choice(_ERRORS), (f"raised on case {rng.randint(1, 6)} of 9",)
    if mistakes and roll < 0.8:  # the first mistakes are the common ones
        weights = [1 / (i + 1) ** 1.3 for i in range(len(mistakes))]
        mistake = rng.choices(mistakes, weights)[0]
        message = f"This looks like a typical mistake: {mistake.message}"
        details = ()
        if hasattr(problem, "reference"):
            h, w = rng.randint(4, 9), rng.randint(4, 9)
            details = (f"failing case 2 of 9: x {(h, w)}", "your result: ndarray shape=(9, 16)")
        return NOT_YET, message, details
    h, w = rng.randint(3, 8), rng.randint(3, 8)
    return NOT_YET, f"shape ({h}, {w}), expected shape ({h - 1}, {w - 1}).", ()


def _exercise(rng: random.Random, problem, skill: float, position: int) -> ExerciseGrade:
    cell = 4 + 3 * position
    common = {"label": problem.label, "cell": cell, "cell_line": _cell_line(problem)}
    if rng.random() < (0.04 + 0.05 * position) * (1.2 - skill):
        message = f"`{problem.name}` still raises NotImplementedError: write your code."
        return ExerciseGrade(outcome=NOT_ATTEMPTED, message=message, **common)
    if rng.random() < skill * (1.05 - 0.06 * position):
        return ExerciseGrade(
            outcome=CORRECT, message=f"`{problem.name}` is right.", score=1.0, **common
        )
    outcome, message, details = _wrong(rng, problem)
    return ExerciseGrade(outcome=outcome, message=message, details=details, **common)


def _notebook(rng: random.Random, student: str, set_name: str, skill: float) -> NotebookGrade:
    path = Path("submissions") / student / f"{set_name[2:]}.ipynb"
    problems = _problems(set_name)
    if (student, set_name) == _TIMED_OUT:
        exercises = [
            ExerciseGrade(p.label, ERROR, _TIMEOUT, cell=4 + 3 * i, cell_line=_cell_line(p))
            for i, p in enumerate(problems)
        ]
        return NotebookGrade(path, student, set_name, exercises, error=_TIMEOUT)
    exercises = [_exercise(rng, p, skill, i) for i, p in enumerate(problems)]
    return NotebookGrade(path, student, set_name, exercises)


def demo_class(seed: int = 14) -> list[NotebookGrade]:
    """Twelve students' grades on :data:`DEMO_SETS` (see the module docstring)."""
    rng = random.Random(seed)
    grades: list[NotebookGrade] = []
    for student, skill in _STUDENTS.items():
        for set_name in DEMO_SETS:
            if (student, set_name) == _MISSING:
                continue
            grades.append(_notebook(rng, student, set_name, skill))
            if (student, set_name) == _TWICE:
                first_try = _notebook(rng, student, set_name, skill * 0.5)
                first_try.path = first_try.path.with_name(f"{set_name[2:]} (copy).ipynb")
                first_try.notes.append("`plot_kernel(w)` raised NameError: name 'w' is not defined")
                grades.append(first_try)
    return grades


def main(argv: Sequence[str] | None = None) -> int:
    """Write every output of the demo class into the folder given as the only argument."""
    from course_utils.grading.feedback import write_feedback
    from course_utils.grading.gradebook import write_gradebook
    from course_utils.grading.gradescope import write_gradescope
    from course_utils.grading.report import write_report

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m course_utils.grading.demo OUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    grades = demo_class()
    write_gradebook(grades, out / "gradebook.csv")
    write_gradescope(grades, out / "gradescope")
    write_feedback(grades, out / "feedback")
    write_report(grades, out / "report.html", title="Fast convolutions: exercise results")
    print(f"wrote {out}/gradebook.csv, gradescope/, feedback/ and report.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
