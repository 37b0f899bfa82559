"""The gradebook: one CSV row per student, ready for a spreadsheet or a learning platform.

Columns, in this order:

* ``student`` -- the student id (from the submission layout, see
  :mod:`course_utils.grading.students`);
* one column per exercise set (``ex03_im2col``): the points of the notebook that counts;
* one column per exercise (``ex03_im2col.q2``): its points, ``1``/``0`` or partial (``0.5``);
* ``total``, ``max`` (points over all sets) and ``percent`` (``100 * total / max``, one
  decimal);
* ``flags`` -- what the teacher should look at, ``; ``-separated: a missing notebook (scored
  0), several notebooks of one set (the better one counts, the others are named), a notebook
  that timed out or crashed, a notebook of no known set.

The rules for missing and duplicate notebooks are those of :mod:`course_utils.grading.roster`.
Numbers use a dot as decimal separator; the file is UTF-8 with ``\\n`` line ends. A text cell
(student id, flags) that starts like a spreadsheet formula (``= + - @``) gets a leading ``'``
so that opening the file never runs what a submission's name contains.

Importing into a learning platform:

* **Canvas** imports a CSV whose first columns are ``Student, ID, SIS User ID, SIS Login ID,
  Section`` followed by one column per assignment. Export Canvas's gradebook, then add the
  columns you want (say ``ex03_im2col`` or ``percent``) to it by matching our ``student`` with
  the column that holds the same ids (usually ``SIS Login ID``), and name each added column
  exactly like the Canvas assignment it fills; Canvas ignores columns it does not know.
* **Moodle** (Grades > Import > CSV) and most other platforms take any CSV with a column that
  identifies the student: map ``student`` to the user's id or e-mail column and the score
  columns to grade items.
* **Gradescope** takes per-student ``results.json`` files instead: see
  :mod:`course_utils.grading.gradescope`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from course_utils.grading.files import atomic_write_text
from course_utils.grading.results import NotebookGrade
from course_utils.grading.roster import (
    StudentRecord,
    class_roster,
    exercise_columns,
    number,
    present_sets,
)

__all__ = ["gradebook_table", "write_gradebook"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(cell: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``."""
    return f"'{cell}" if cell[:1] in _FORMULA_START else cell


def _row(record: StudentRecord, columns: dict[str, list[tuple[str, float]]]) -> list[str]:
    set_cells: list[str] = []
    exercise_cells: list[str] = []
    total = maximum = 0.0
    for name, exercises in columns.items():
        grade = record.notebooks.get(name)
        points = 0.0
        for label, max_score in exercises:
            exercise = grade.exercise(label) if grade else None
            score = exercise.score if exercise else 0.0
            points += score
            maximum += exercise.max_score if exercise else max_score
            exercise_cells.append(number(score))
        total += points
        set_cells.append(number(points))
    percent = f"{100 * total / maximum:.1f}" if maximum else ""
    flags = _text("; ".join(record.flags))
    totals = [number(total), number(maximum), percent]
    return [_text(record.student), *set_cells, *exercise_cells, *totals, flags]


def gradebook_table(
    grades: Sequence[NotebookGrade], sets: Sequence[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """The gradebook as ``(header, rows)``, one row per student sorted by id (columns: the
    module docstring). ``sets``: the exercise sets to include, by default those present in
    ``grades``."""
    chosen = list(sets) if sets is not None else present_sets(grades)
    columns = exercise_columns(grades, chosen)
    header = [
        "student",
        *columns,
        *(f"{name}.{label}" for name, exercises in columns.items() for label, _ in exercises),
        "total",
        "max",
        "percent",
        "flags",
    ]
    rows = [_row(record, columns) for record in class_roster(grades, chosen)]
    return header, rows


def write_gradebook(
    grades: Sequence[NotebookGrade], path: str | Path, sets: Sequence[str] | None = None
) -> Path:
    """Write :func:`gradebook_table` as a CSV file (atomically) and return its path."""
    header, rows = gradebook_table(grades, sets)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return atomic_write_text(path, buffer.getvalue())
