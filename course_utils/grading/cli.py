"""``python -m course_utils.grade``: grade collected exercise notebooks in one command.

Usage::

    python -m course_utils.grade submissions/ --gradebook grades.csv --feedback feedback/ \\
        --report report.html

Every notebook is graded in a sandbox of its own (see :mod:`course_utils.grading.isolation`):
its answers -- top-level imports, definitions and assignments to plain names -- run there, its
functions are called on the cases' inputs, and the results come back as plain data that the
grader's own process judges with the same checks the notebook shows. No code in a submission
can change its own grade beyond what its functions return, nor anyone else's, nor the output
files (they are written last, atomically, by this process).

Outcomes: correct, not yet, - (not attempted), error (error in your code, a notebook that could
not be read, a time-out or a crash).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from course_utils.grading.files import OutputPathError, atomic_write_text
from course_utils.grading.isolation import Limits, isolation_warnings
from course_utils.grading.judge import load_hidden_cases
from course_utils.grading.pipeline import find_notebooks, grade_paths
from course_utils.grading.results import NotebookGrade
from course_utils.grading.students import student_of

_SHORT = {"correct": "correct", "not yet": "not yet", "not attempted": "-"}


def format_table(grades: Sequence[NotebookGrade]) -> str:
    """One line per notebook: student, set, score and each exercise's outcome; notes below."""
    lines = []
    for grade in grades:
        marks = "  ".join(f"{e.label} {_SHORT.get(e.outcome, 'error')}" for e in grade.exercises)
        score = f"{grade.correct}/{grade.total}" if grade.total else "-"
        lines.append(
            f"{str(grade.path):<44} {grade.student:<12} {grade.exercise_set or '?':<26} "
            f"{score:>5}  {marks}"
        )
        if grade.error:
            lines.append(f"    error: {grade.error}")
        lines += [f"    note: {note}" for note in grade.notes]
    return "\n".join(lines)


def _share_correct(group: Sequence[NotebookGrade], label: str) -> float:
    correct = [g.exercise(label) for g in group]
    return sum(e is not None and e.outcome == "correct" for e in correct) / len(group)


def format_summary(grades: Sequence[NotebookGrade]) -> str:
    """Per exercise set: notebooks, share correct per exercise, mean score."""
    by_set: dict[str, list[NotebookGrade]] = {}
    for grade in grades:
        if grade.exercise_set and grade.exercises:
            by_set.setdefault(grade.exercise_set, []).append(grade)
    lines = []
    for name, group in sorted(by_set.items()):
        labels = [e.label for e in group[0].exercises]
        shares = "  ".join(f"{label} {_share_correct(group, label):.0%}" for label in labels)
        mean = sum(g.correct for g in group) / len(group)
        lines.append(
            f"{name}: {len(group)} notebook(s), correct per exercise: {shares}; "
            f"mean score {mean:.1f}/{len(labels)}"
        )
    return "\n".join(lines)


def csv_text(grades: Sequence[NotebookGrade]) -> str:
    """One row per notebook and exercise (a notebook without exercises: one row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["notebook", "student", "exercise_set", "exercise", "outcome", "score", "cell", "message"]
    )
    for g in grades:
        if not g.exercises:
            writer.writerow([g.path, g.student, g.exercise_set or "", "", "", "", "", g.error])
        for e in g.exercises:
            writer.writerow(
                [g.path, g.student, g.exercise_set, e.label, e.outcome, e.score, e.cell or "",
                 e.message]
            )  # fmt: skip
    return buffer.getvalue()


def json_text(grades: Sequence[NotebookGrade]) -> str:
    return json.dumps(
        [
            {
                "notebook": str(g.path),
                "student": g.student,
                "exercise_set": g.exercise_set,
                "score": g.score,
                "max_score": g.max_score,
                "error": g.error,
                "exercises": [
                    {
                        "exercise": e.label,
                        "outcome": e.outcome,
                        "score": e.score,
                        "message": e.message,
                        "details": list(e.details),
                        "cell": e.cell,
                    }
                    for e in g.exercises
                ],
                "notes": g.notes,
            }
            for g in grades
        ],
        indent=2,
    )


def _parser() -> argparse.ArgumentParser:
    limits = Limits()
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grade",
        description="Grade collected exercise notebooks, each in a sandbox of its own.",
        epilog=(
            "Limits per notebook: wall time --timeout (120 s), CPU time twice that, memory "
            f"--memory-gb (2 GiB beyond the preloaded libraries), files written "
            f"{limits.file_size // 2**20} MiB each, answers {limits.answers // 2**20} MiB; "
            "printed output is discarded. Outcomes: correct, not yet, - (not attempted), error."
        ),
    )
    parser.add_argument("paths", nargs="+", help="notebooks, or folders searched recursively")
    parser.add_argument("--gradebook", type=Path, help="one row per student (CSV)")
    parser.add_argument("--gradescope", type=Path, help="folder: <student>/results.json")
    parser.add_argument("--feedback", type=Path, help="folder: <student>.html and .md")
    parser.add_argument("--report", type=Path, help="item analysis for the teacher (HTML)")
    parser.add_argument("--csv", type=Path, help="one row per notebook and exercise")
    parser.add_argument("--json-out", type=Path, help="the grades as JSON, to this file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--student-from",
        metavar="PATTERN",
        help="student id from the file name, e.g. '{student}_{set}.ipynb' "
        "(default: the first folder below the submissions folder)",
    )
    parser.add_argument(
        "--hidden-cases",
        type=Path,
        metavar="FILE.py",
        help="teacher-only cases: a Python file defining HIDDEN_CASES = "
        "{set: {label: [Case, ...]}} (runs in the grader, never shown to students)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook")
    parser.add_argument("--memory-gb", type=float, default=2.0, help="memory per notebook")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once (2)")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    return parser


def _refusals(args: argparse.Namespace) -> list[str]:
    problems = []
    for target in (args.csv, args.json_out, args.gradebook, args.report):
        if target is not None and (target.exists() or target.is_symlink()) and not args.force:
            problems.append(f"{target} exists: choose another name or add --force")
    for folder in (args.feedback, args.gradescope):
        if folder is not None and folder.is_dir() and any(folder.iterdir()) and not args.force:
            problems.append(f"{folder} is not empty: choose another folder or add --force")
    return problems


def _student_finder(args: argparse.Namespace) -> Callable[[Path], str]:
    folders = [Path(p) for p in args.paths if Path(p).is_dir()]
    root = folders[0] if len(folders) == 1 and len(args.paths) == 1 else None

    def find(path: Path) -> str:
        try:
            return student_of(path, root, args.student_from)
        except ValueError:
            return path.parent.name or path.stem

    return find


def _write_outputs(args: argparse.Namespace, grades: list[NotebookGrade]) -> int:
    from course_utils.grading.feedback import write_feedback
    from course_utils.grading.gradebook import write_gradebook
    from course_utils.grading.gradescope import write_gradescope
    from course_utils.grading.report import write_report

    writers = [
        (args.csv, lambda p: atomic_write_text(p, csv_text(grades))),
        (args.json_out, lambda p: atomic_write_text(p, json_text(grades))),
        (args.gradebook, lambda p: write_gradebook(grades, p)),
        (args.gradescope, lambda p: write_gradescope(grades, p)),
        (args.feedback, lambda p: write_feedback(grades, p)),
        (args.report, lambda p: write_report(grades, p)),
    ]
    failed = 0
    for target, write in writers:
        if target is None:
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
            print(f"wrote {target}", file=sys.stderr)
        except (OutputPathError, OSError) as error:
            print(f"error: {target}: {error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    refusals = _refusals(args)
    for problem in refusals:
        print(f"error: {problem}", file=sys.stderr)
    if refusals:
        return 2
    try:
        notebooks = find_notebooks(args.paths)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not notebooks:
        print("error: no notebooks found", file=sys.stderr)
        return 2
    try:
        hidden = load_hidden_cases(args.hidden_cases) if args.hidden_cases else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in isolation_warnings():
        print(f"warning: {warning}", file=sys.stderr)
    limits = Limits(wall=args.timeout, cpu=2 * args.timeout, memory=int(args.memory_gb * 2**30))
    grades = grade_paths(notebooks, _student_finder(args), limits, args.workers, hidden=hidden)
    if args.json:
        print(json_text(grades))
    else:
        print(format_table(grades))
        summary = format_summary(grades)
        if summary:
            print("\n" + summary)
    return _write_outputs(args, grades)
