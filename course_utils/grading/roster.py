"""The class as the teacher sees it: for each student, the one notebook that counts per set.

Every export (gradebook, Gradescope, feedback, report) starts from :func:`class_roster`, so they
all agree on these rules:

* **sets**: the sets asked for, by default every set that occurs in the grades; notebooks of
  other sets are left out;
* **a missing notebook** (a student handed in some set but not this one) scores 0 and is
  flagged; its exercises count as 0 out of their usual maximum;
* **two or more notebooks of one set** from one student: the better one counts (higher score;
  on a tie, one that was graded without a notebook-level error; then the first path in sorted
  order) and the others are flagged as not counted;
* **a notebook that could not be graded normally** (time limit, crash: ``error`` is set) counts
  with whatever its exercises scored (usually 0) and is flagged with the reason;
* **a notebook of no known set** is flagged and not counted.

Only students who appear in the grades are known, unless a class list is passed
(``students=``): students on it without any notebook get a row of zeros and a flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from course_utils.grading.results import NotebookGrade
from course_utils.grading.sets import set_labels
from course_utils.grading.students import student_file_names

__all__ = [
    "StudentRecord",
    "class_roster",
    "exercise_columns",
    "number",
    "present_sets",
    "students_with_files",
]


@dataclass
class StudentRecord:
    """One student: ``notebooks`` maps each set to the notebook that counts (None if none was
    handed in); ``ignored`` holds the other notebooks (duplicates, unknown sets); ``flags``
    the things the teacher should look at, as sentences."""

    student: str
    notebooks: dict[str, NotebookGrade | None] = field(default_factory=dict)
    ignored: list[NotebookGrade] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The sets this student handed in no notebook for."""
        return [name for name, grade in self.notebooks.items() if grade is None]


def number(value: float) -> str:
    """A score as written in exports: ``1``, ``0``, ``0.5``, ``2.33`` (at most 2 decimals)."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def present_sets(grades: Iterable[NotebookGrade]) -> list[str]:
    """The sets that occur in the grades, sorted."""
    return sorted({g.exercise_set for g in grades if g.exercise_set})


def exercise_columns(
    grades: Sequence[NotebookGrade], sets: Sequence[str]
) -> dict[str, list[tuple[str, float]]]:
    """For each set, its exercises as ``(label, max_score)`` in order: taken from the graded
    notebooks of that set (the one with the most exercises), else from the set's module with
    1 point each (no notebook of that set was graded)."""
    columns: dict[str, list[tuple[str, float]]] = {}
    for name in sets:
        graded = [g for g in grades if g.exercise_set == name and g.exercises]
        if graded:
            fullest = max(graded, key=lambda g: len(g.exercises))
            columns[name] = [(e.label, e.max_score) for e in fullest.exercises]
        else:
            columns[name] = [(label, 1.0) for label in set_labels(name)]
    return columns


def _rank(grade: NotebookGrade) -> tuple[float, bool, str]:
    return (-grade.score, grade.error is not None, str(grade.path))


def _describe(grade: NotebookGrade) -> str:
    return f"{grade.path} ({number(grade.score)}/{number(grade.max_score)})"


def _record(student: str, own: list[NotebookGrade], sets: Sequence[str]) -> StudentRecord:
    record = StudentRecord(student)
    for grade in own:
        if grade.exercise_set is None:
            record.ignored.append(grade)
            reason = f": {grade.error}" if grade.error else ""
            record.flags.append(f"{grade.path} was not counted: no known exercise set{reason}")
    for name in sets:
        candidates = sorted((g for g in own if g.exercise_set == name), key=_rank)
        if not candidates:
            record.notebooks[name] = None
            record.flags.append(f"no notebook for {name} (scored 0)")
            continue
        kept, others = candidates[0], candidates[1:]
        record.notebooks[name] = kept
        if others:
            record.ignored += others
            record.flags.append(
                f"{len(candidates)} notebooks for {name}: counted {_describe(kept)}; "
                f"not counted: {', '.join(_describe(g) for g in others)}"
            )
        if kept.error:
            record.flags.append(f"{name} could not be graded normally: {kept.error}")
    return record


def class_roster(
    grades: Sequence[NotebookGrade],
    sets: Sequence[str] | None = None,
    students: Iterable[str] | None = None,
) -> list[StudentRecord]:
    """One :class:`StudentRecord` per student, sorted by student id (rules: module docstring)."""
    chosen = list(sets) if sets is not None else present_sets(grades)
    by_student: dict[str, list[NotebookGrade]] = {s: [] for s in students or ()}
    for grade in grades:
        by_student.setdefault(grade.student, []).append(grade)
    return [_record(s, by_student[s], chosen) for s in sorted(by_student)]


def students_with_files(
    grades: Sequence[NotebookGrade], sets: Sequence[str] | None = None
) -> tuple[dict[str, list[tuple[str, float]]], list[tuple[StudentRecord, str]]]:
    """What every per-student writer needs: the exercise columns of the chosen sets (default:
    those present) and each student's record with a file-system-safe, unique file name."""
    chosen = list(sets) if sets is not None else present_sets(grades)
    roster = class_roster(grades, chosen)
    names = student_file_names(r.student for r in roster)
    return exercise_columns(grades, chosen), [(r, names[r.student]) for r in roster]


def record_points(
    record: StudentRecord, columns: dict[str, list[tuple[str, float]]]
) -> tuple[float, float]:
    """A student's points and the maximum over ``columns`` (set -> [(label, max score)]); an
    exercise of a missing notebook counts 0 of its maximum."""
    total = maximum = 0.0
    for name, exercises in columns.items():
        grade = record.notebooks.get(name)
        for label, max_score in exercises:
            exercise = grade.exercise(label) if grade else None
            total += exercise.score if exercise else 0.0
            maximum += exercise.max_score if exercise else max_score
    return total, maximum
