"""Gradescope-style results: ``<directory>/<student>/results.json``, one file per student.

The format is that of Gradescope's autograder ``results.json``::

    {
      "score": 3.5,                      # points over all exercises counted
      "output": "3.5 of 10 points. ...", # summary and flags (missing notebook, time limit)
      "visibility": "visible",
      "tests": [
        {"name": "ex03_im2col q1", "number": "3.1", "score": 1, "max_score": 1,
         "status": "passed", "output": "correct\\n<the check's message>\\n...",
         "visibility": "visible"},
        ...
      ],
      "extra_data": {"student": "anna", "max_score": 10}
    }

One test per exercise, with the same teaching message the notebook shows, its details and the
cell it came from. Gradescope takes an assignment's maximum from its own settings, so the total
maximum is only given in ``output`` and ``extra_data``. A Gradescope assignment is usually one
exercise set: pass ``sets=["ex03_im2col"]`` to write that set only (default: every set present
in the grades). Missing and duplicate notebooks follow :mod:`course_utils.grading.roster`;
folder names come from :func:`course_utils.grading.students.student_file_names`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from course_utils.grading.files import atomic_write_text, ensure_directory
from course_utils.grading.results import CORRECT, ExerciseGrade, NotebookGrade
from course_utils.grading.roster import (
    StudentRecord,
    number,
    students_with_files,
)

__all__ = ["exercise_text", "gradescope_results", "write_gradescope"]


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def exercise_text(exercise: ExerciseGrade) -> str:
    """An exercise's outcome as plain text: outcome, message, details, cell."""
    lines = [exercise.outcome]
    if exercise.message:
        lines.append(exercise.message)
    lines += [f"  {line}" for line in exercise.details]
    if exercise.cell is not None:
        where = f"cell {exercise.cell}"
        lines.append(f"(from {where}: {exercise.cell_line})" if exercise.cell_line else where)
    return "\n".join(lines)


def _missing_reason(grade: NotebookGrade | None) -> str:
    if grade is None:
        return "No notebook was handed in for this set (0 points)."
    if grade.error:
        return f"Not graded: {grade.error} (0 points)."
    return "Not graded (0 points)."


def _test(
    name: str,
    label: str,
    index: tuple[int, int],
    max_score: float,
    grade: NotebookGrade | None,
) -> dict[str, Any]:
    exercise = grade.exercise(label) if grade else None
    passed = exercise is not None and exercise.outcome == CORRECT
    return {
        "name": f"{name} {label}",
        "number": f"{index[0]}.{index[1]}",
        "score": _points(exercise.score if exercise else 0.0),
        "max_score": _points(exercise.max_score if exercise else max_score),
        "status": "passed" if passed else "failed",
        "output": exercise_text(exercise) if exercise else _missing_reason(grade),
        "visibility": "visible",
    }


def gradescope_results(
    record: StudentRecord, columns: dict[str, list[tuple[str, float]]]
) -> dict[str, Any]:
    """The ``results.json`` content of one student (format: the module docstring)."""
    tests = [
        _test(name, label, (set_index, position), max_score, record.notebooks.get(name))
        for set_index, (name, exercises) in enumerate(columns.items(), start=1)
        for position, (label, max_score) in enumerate(exercises, start=1)
    ]
    score = sum(t["score"] for t in tests)
    maximum = sum(t["max_score"] for t in tests)
    summary = [f"{number(score)} of {number(maximum)} points.", *record.flags]
    return {
        "score": _points(score),
        "output": "\n".join(summary),
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"student": record.student, "max_score": _points(maximum)},
    }


def write_gradescope(
    grades: Sequence[NotebookGrade], directory: str | Path, sets: Sequence[str] | None = None
) -> list[Path]:
    """Write ``directory/<student>/results.json`` for every student; returns the paths."""
    columns, students = students_with_files(grades, sets)
    root = ensure_directory(directory)
    written = []
    for record, file_name in students:
        folder = ensure_directory(root / file_name)
        text = json.dumps(gradescope_results(record, columns), indent=2, ensure_ascii=False)
        written.append(atomic_write_text(folder / "results.json", text + "\n"))
    return written
