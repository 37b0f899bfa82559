"""Item analysis for the teacher: how the class did on each exercise, and why answers failed.

:func:`item_analysis` computes the numbers (pure, no files); :func:`write_report` renders them
as one self-contained HTML page (see :mod:`course_utils.grading.report_page`).

Counting rules (students, sets, missing and duplicate notebooks as in
:mod:`course_utils.grading.roster`): every student counts once per set, with the notebook that
counts; a set a student handed nothing in for counts as ``no notebook``; an exercise missing
from a notebook that was handed in counts as an error. Failures are the ``not yet`` and
``error in your code`` outcomes, grouped by :func:`failure_key`; those of a notebook that could
not be graded normally (time limit, crash) are not grouped -- they all share the notebook's
reason -- but counted as ``not_graded`` and listed under ``problems``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from course_utils.grading.files import atomic_write_text
from course_utils.grading.results import CORRECT, ERROR, NOT_YET, OUTCOMES, NotebookGrade
from course_utils.grading.roster import (
    StudentRecord,
    class_roster,
    exercise_columns,
    present_sets,
    record_points,
)

__all__ = ["NO_NOTEBOOK", "failure_key", "item_analysis", "write_report"]

NO_NOTEBOOK = "no notebook"
CATEGORIES = (*OUTCOMES, NO_NOTEBOOK)
_MISTAKE = re.compile(r"^\s*this looks like a typical mistake:\s*(.+)$", re.I | re.S)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_HISTOGRAM_EDGES = tuple(range(0, 101, 10))


def failure_key(message: str) -> tuple[bool, str]:
    """The group a failure message belongs to, as ``(is_typical_mistake, text)``.

    "This looks like a typical mistake: X" groups by X; any other message by its text with
    every number replaced by ``#`` (``shape (3, 4), expected shape (4, 3)`` and ``shape (5, 2),
    expected shape (2, 5)`` are one group). Whitespace is collapsed.
    """
    text = " ".join(message.split())
    match = _MISTAKE.match(text)
    if match:
        return True, match.group(1).strip()
    return False, _NUMBER.sub("#", text) or "(no message)"


def _histogram(percents: Sequence[float]) -> dict[str, list[int]]:
    edges = list(_HISTOGRAM_EDGES)
    counts = [0] * (len(edges) - 1)
    for value in percents:
        index = min(int(value // 10), len(counts) - 1)
        counts[max(index, 0)] += 1
    return {"edges": edges, "counts": counts}


def _student_percent(record: StudentRecord, columns: dict[str, list[tuple[str, float]]]) -> float:
    total, maximum = record_points(record, columns)
    return 100 * total / maximum if maximum else 0.0


def _exercise_stats(
    roster: list[StudentRecord], name: str, label: str, max_score: float
) -> dict[str, Any]:
    counts = dict.fromkeys(CATEGORIES, 0)
    scores: list[float] = []
    not_graded = 0
    groups: dict[tuple[bool, str], dict[str, Any]] = {}
    for record in roster:
        grade = record.notebooks.get(name)
        if grade is None:
            counts[NO_NOTEBOOK] += 1
            continue
        exercise = grade.exercise(label)
        outcome = exercise.outcome if exercise and exercise.outcome in OUTCOMES else ERROR
        counts[outcome] += 1
        scores.append(exercise.score if exercise else 0.0)
        if outcome not in (NOT_YET, ERROR):
            continue
        if grade.error:
            not_graded += 1
            continue
        mistake, text = failure_key(exercise.message if exercise else "not graded")
        group = groups.setdefault(
            (mistake, text),
            {"mistake": mistake, "text": text, "count": 0, "students": [], "example": ""},
        )
        group["count"] += 1
        group["students"].append(record.student)
        group["example"] = group["example"] or (exercise.message if exercise else "")
    handed_in = len(scores)
    failures = sorted(groups.values(), key=lambda g: (-g["count"], g["text"]))
    return {
        "set": name,
        "label": label,
        "max_score": max_score,
        "counts": counts,
        "handed_in": handed_in,
        "shares": {k: v / len(roster) if roster else 0.0 for k, v in counts.items()},
        "share_correct": counts[CORRECT] / handed_in if handed_in else 0.0,
        "mean_score": sum(scores) / handed_in if handed_in else 0.0,
        "failures": failures,
        "not_graded": not_graded,
    }


def _set_stats(roster: list[StudentRecord], name: str, maximum: float) -> dict[str, Any]:
    scores = [g.score for r in roster if (g := r.notebooks.get(name)) is not None]
    mean = sum(scores) / len(scores) if scores else 0.0
    return {
        "handed_in": len(scores),
        "missing": [r.student for r in roster if r.notebooks.get(name) is None],
        "max": maximum,
        "mean": mean,
        "mean_percent": 100 * mean / maximum if maximum else 0.0,
    }


def _notebook_rows(grades: Sequence[NotebookGrade], kind: str) -> list[dict[str, str]]:
    rows = []
    for grade in grades:
        texts = [grade.error] if kind == "error" and grade.error else []
        if kind == "note":
            texts = list(grade.notes)
        rows += [
            {
                "student": grade.student,
                "set": grade.exercise_set or "?",
                "path": str(grade.path),
                kind: text,
            }
            for text in texts
        ]
    return sorted(rows, key=lambda r: (r["student"], r["set"], r["path"]))


def item_analysis(
    grades: Sequence[NotebookGrade], sets: Sequence[str] | None = None
) -> dict[str, Any]:
    """The report's numbers. Keys:

    ``students`` (count), ``sets`` (names), ``notebooks`` (``handed_in``, ``counted``,
    ``missing``, ``not_counted``, ``errors``), ``scores`` (``percent`` per student, ``mean``,
    ``median``, ``histogram`` with ``edges`` 0, 10, ..., 100 and ``counts``; 100 % falls in the
    last bin), ``per_set`` (set -> ``handed_in``, ``missing`` students, ``max``, ``mean``,
    ``mean_percent``), ``exercises`` (``"ex03_im2col.q2"`` -> ``set``, ``label``,
    ``max_score``, ``counts`` and ``shares`` (of all students) per outcome and
    ``"no notebook"``, ``handed_in``, ``share_correct`` (of those handed in), ``mean_score``,
    ``failures``: groups ``{mistake, text, count, students, example}``, most common first;
    ``not_graded``: failures from notebooks that timed out or crashed, not grouped),
    ``problems`` (notebook-level errors: time-outs, crashes; ``student``, ``set``, ``path``,
    ``error``), ``notes`` (the grader's notes, same shape with ``note``), ``flags`` (student
    -> the roster's flags, for students that have some).
    """
    chosen = list(sets) if sets is not None else present_sets(grades)
    columns = exercise_columns(grades, chosen)
    roster = class_roster(grades, chosen)
    percents = {r.student: _student_percent(r, columns) for r in roster}
    counted = sum(g is not None for r in roster for g in r.notebooks.values())
    values = list(percents.values())
    return {
        "students": len(roster),
        "sets": chosen,
        "notebooks": {
            "handed_in": len(grades),
            "counted": counted,
            "missing": sum(len(r.missing) for r in roster),
            "not_counted": sum(len(r.ignored) for r in roster),
            "errors": sum(g.error is not None for g in grades),
        },
        "scores": {
            "percent": percents,
            "mean": statistics.fmean(values) if values else 0.0,
            "median": statistics.median(values) if values else 0.0,
            "histogram": _histogram(values),
        },
        "per_set": {
            name: _set_stats(roster, name, sum(m for _, m in exercises))
            for name, exercises in columns.items()
        },
        "exercises": {
            f"{name}.{label}": _exercise_stats(roster, name, label, max_score)
            for name, exercises in columns.items()
            for label, max_score in exercises
        },
        "problems": _notebook_rows(grades, "error"),
        "notes": _notebook_rows(grades, "note"),
        "flags": {r.student: list(r.flags) for r in roster if r.flags},
    }


def write_report(
    grades: Sequence[NotebookGrade],
    path: str | Path,
    sets: Sequence[str] | None = None,
    title: str = "Exercise results",
    generated: datetime | None = None,
) -> Path:
    """Write the item-analysis page to ``path`` (atomically) and return the path.
    ``generated``: the time printed on the page (default: now)."""
    from course_utils.grading.report_page import render_report

    analysis = item_analysis(grades, sets)
    when = (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")
    return atomic_write_text(path, render_report(analysis, title, when))
