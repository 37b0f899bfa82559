"""Feedback for each student: ``<directory>/<student>.html`` and ``<student>.md``.

Both files say the same thing: the student's points, anything the teacher was warned about (a
missing notebook, a notebook that ran out of time), and for every exercise its outcome, its
points, the teaching message the notebook's check shows (with its details) and the cell the
answer came from. The grader's notes for the teacher (statements that failed, sandbox
warnings) are left out unless ``include_notes=True``.

Everything taken from a submission is escaped: in HTML as text, in Markdown outside code as
HTML entities, and in code blocks by a fence longer than any run of backticks inside, so a
message such as ``<script>`` shows as written. File names come from
:func:`course_utils.grading.students.student_file_names`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from course_utils.grading.files import atomic_write_text, ensure_directory
from course_utils.grading.pages import OUTCOME_STYLE, esc, inline_markup, outcome_badge, page
from course_utils.grading.results import ExerciseGrade, NotebookGrade
from course_utils.grading.roster import (
    StudentRecord,
    number,
    record_points,
    students_with_files,
)

__all__ = ["feedback_html", "feedback_markdown", "write_feedback"]

Columns = dict[str, list[tuple[str, float]]]
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_MD_SPECIAL = re.compile(r"([\\*_\[\]#|])")


def _summary(record: StudentRecord, columns: Columns) -> str:
    total, maximum = record_points(record, columns)
    share = f" ({100 * total / maximum:.0f}%)" if maximum else ""
    return f"{number(total)} of {number(maximum)} points{share}"


def _set_points(grade: NotebookGrade | None, exercises: list[tuple[str, float]]) -> str:
    score = grade.score if grade else 0.0
    maximum = grade.max_score if grade and grade.exercises else sum(m for _, m in exercises)
    return f"{number(score)} / {number(maximum)}"


def _shown(grade: NotebookGrade) -> list[ExerciseGrade]:
    """The exercises to show; the notebook's own error is said once above them, not again
    under every exercise it stopped."""
    return [
        replace(e, message="") if grade.error and e.message == grade.error else e
        for e in grade.exercises
    ]


def _absent_text(grade: NotebookGrade | None) -> str:
    if grade is None:
        return "No notebook was handed in for this set."
    if grade.error:
        return f"This notebook could not be graded normally: {grade.error}"
    return "No exercise of this notebook could be graded."


# -- HTML --------------------------------------------------------------------------------------


def _exercise_html(exercise: ExerciseGrade) -> str:
    colour, background, _ = OUTCOME_STYLE.get(exercise.outcome, ("#1a4d8f", "#e8f0fb", ""))
    parts = [
        f"<div class='exercise' style='border-color:{colour};background:{background}'>",
        f"<div class='head'><span>{esc(exercise.label)} {outcome_badge(exercise.outcome)}</span>",
        f"<span>{number(exercise.score)} / {number(exercise.max_score)}</span></div>",
    ]
    if exercise.message:
        parts.append(f"<div>{inline_markup(exercise.message)}</div>")
    if exercise.details:
        parts.append(f"<pre>{esc(chr(10).join(exercise.details))}</pre>")
    if exercise.cell is not None:
        line = f": <code>{esc(exercise.cell_line)}</code>" if exercise.cell_line else ""
        parts.append(f"<div class='where'>from cell {exercise.cell}{line}</div>")
    return "".join(parts) + "</div>"


def feedback_html(record: StudentRecord, columns: Columns, include_notes: bool = False) -> str:
    """One student's feedback as a complete HTML page."""
    body = [
        f"<h1>Feedback for {esc(record.student)}</h1>",
        f"<p class='subtitle'>{esc(_summary(record, columns))}</p>",
    ]
    if record.flags:
        items = "".join(f"<li>{esc(flag)}</li>" for flag in record.flags)
        body.append(f"<div class='notice'><b>Please note</b><ul>{items}</ul></div>")
    for name, exercises in columns.items():
        grade = record.notebooks.get(name)
        body.append(
            f"<h2>{esc(name)} <span class='muted'>{_set_points(grade, exercises)}</span></h2>"
        )
        if grade is None or not grade.exercises:
            body.append(f"<p class='muted'>{esc(_absent_text(grade))}</p>")
            continue
        if grade.error:
            body.append(f"<div class='notice'>{esc(_absent_text(grade))}</div>")
        body += [_exercise_html(exercise) for exercise in _shown(grade)]
        if include_notes and grade.notes:
            notes = "".join(f"<li>{esc(note)}</li>" for note in grade.notes)
            body.append(f"<div class='notice'><b>Grader notes</b><ul>{notes}</ul></div>")
    return page(f"Feedback for {record.student}", "\n".join(body))


# -- Markdown ----------------------------------------------------------------------------------


def _md_plain(text: str) -> str:
    text = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_text(text: str) -> str:
    """Markdown for a message: its `code` spans kept, everything else escaped."""
    pieces, position = [], 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_md_plain(text[position : match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(_md_plain(text[position:]))
    return "".join(pieces).replace("\n", "  \n")


def _md_code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_block(lines: Sequence[str]) -> str:
    text = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _exercise_markdown(exercise: ExerciseGrade) -> list[str]:
    icon = OUTCOME_STYLE.get(exercise.outcome, ("", "", "•"))[2]
    lines = [
        f"### {_md_plain(exercise.label)}: {icon} {_md_plain(exercise.outcome)} "
        f"({number(exercise.score)} / {number(exercise.max_score)})",
        "",
    ]
    if exercise.message:
        lines += [_md_text(exercise.message), ""]
    if exercise.details:
        lines += [_md_block(exercise.details), ""]
    if exercise.cell is not None:
        line = f": {_md_code_span(exercise.cell_line)}" if exercise.cell_line else ""
        lines += [f"*from cell {exercise.cell}*{line}", ""]
    return lines


def feedback_markdown(record: StudentRecord, columns: Columns, include_notes: bool = False) -> str:
    """One student's feedback as Markdown."""
    lines = [
        f"# Feedback for {_md_plain(record.student)}",
        "",
        f"**{_summary(record, columns)}**",
        "",
    ]
    lines += [f"> **Note:** {_md_plain(flag)}  " for flag in record.flags]
    for name, exercises in columns.items():
        grade = record.notebooks.get(name)
        lines += ["", f"## {_md_plain(name)} ({_set_points(grade, exercises)})", ""]
        if grade is None or not grade.exercises:
            lines += [_md_plain(_absent_text(grade)), ""]
            continue
        if grade.error:
            lines += [f"> {_md_plain(_absent_text(grade))}", ""]
        for exercise in _shown(grade):
            lines += _exercise_markdown(exercise)
        if include_notes and grade.notes:
            lines += ["Grader notes:", "", *(f"- {_md_plain(n)}" for n in grade.notes), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(
    grades: Sequence[NotebookGrade],
    directory: str | Path,
    sets: Sequence[str] | None = None,
    include_notes: bool = False,
) -> list[Path]:
    """Write ``<student>.html`` and ``<student>.md`` for every student into ``directory``
    (created if needed); returns the paths written."""
    columns, students = students_with_files(grades, sets)
    folder = ensure_directory(directory)
    written = []
    for record, file_name in students:
        stem = folder / file_name
        html_text = feedback_html(record, columns, include_notes)
        written.append(atomic_write_text(stem.with_name(stem.name + ".html"), html_text))
        md_text = feedback_markdown(record, columns, include_notes)
        written.append(atomic_write_text(stem.with_name(stem.name + ".md"), md_text))
    return written
