"""Grade many notebooks: read each on the trusted side, run its answers in a sandbox, judge.

``grade_paths`` is what the command line calls; it returns one :class:`NotebookGrade` per
notebook, in sorted path order whatever the number of workers (each worker is one warm
sandboxed process that grades one notebook at a time, see :mod:`.isolation`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from course_utils.grading import judge
from course_utils.grading.isolation import Limits, Zygote
from course_utils.grading.notebook import NotebookError, read_submission
from course_utils.grading.results import NotebookGrade


def find_notebooks(paths: Iterable[str | Path]) -> list[Path]:
    """The ``.ipynb`` files named, or found below the folders named, sorted, without
    ``.ipynb_checkpoints``. A path that does not exist is a ValueError."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif path.exists():
            found.append(path)
        else:
            raise ValueError(f"no such file or folder: {path}")
    return sorted(set(found))


def grade_one(
    path: Path, student: str, zygote: Zygote, hidden: judge.Hidden | None = None
) -> NotebookGrade:
    """Grade one notebook with a running sandbox."""
    grade = NotebookGrade(path, student, judge.set_from_file_name(path))
    try:
        submission = read_submission(path)
    except (NotebookError, OSError) as error:
        judge.all_errors(grade, judge.problems_of(grade.exercise_set or ""), str(error))
        return grade
    if submission.exercise_set is None:
        reason = "no exercise set is imported (the set-up cell is missing or was changed)"
        judge.all_errors(grade, judge.problems_of(grade.exercise_set or ""), reason)
        return grade
    grade.exercise_set = submission.exercise_set
    problems = judge.problems_of(submission.exercise_set)
    if not problems:
        grade.error = f"unknown exercise set {submission.exercise_set}"
        return grade
    grade.notes += [
        f"cell {cell} (`{submission.first_line(cell)}`) was not run: {why}"
        for cell, why in submission.broken_cells.items()
    ]
    job, cases = judge.build_job(submission, problems, hidden)
    answers, failure = zygote.run(job)
    if answers is None or "crashed" in answers:
        crash = answers.get("crashed") if isinstance(answers, dict) else None
        reason = failure or f"the grading process failed ({crash})"
        judge.all_errors(grade, problems, reason)
        return grade
    judge.grade_answers(submission, grade, problems, answers, cases)
    return grade


def grade_paths(
    notebooks: Sequence[Path],
    students: Callable[[Path], str],
    limits: Limits,
    workers: int = 2,
    progress: Callable[[NotebookGrade], None] | None = None,
    hidden: judge.Hidden | None = None,
) -> list[NotebookGrade]:
    """Grade ``notebooks`` with ``workers`` sandboxes; results in the order given."""
    jobs: queue.Queue[tuple[int, Path] | None] = queue.Queue()
    for item in enumerate(notebooks):
        jobs.put(item)
    results: dict[int, NotebookGrade] = {}
    lock = threading.Lock()

    def work() -> None:
        zygote: Zygote | None = None
        try:
            while True:
                try:
                    item = jobs.get_nowait()
                except queue.Empty:
                    return
                index, path = item
                try:
                    if zygote is None or zygote.process.poll() is not None:
                        zygote = Zygote(limits)
                    grade = grade_one(path, students(path), zygote, hidden)
                except (RuntimeError, OSError) as error:
                    grade = NotebookGrade(path, students(path), judge.set_from_file_name(path))
                    problems = judge.problems_of(grade.exercise_set or "")
                    judge.all_errors(grade, problems, f"the grading sandbox failed: {error}")
                    zygote = None
                with lock:
                    results[index] = grade
                    if progress:
                        progress(grade)
        finally:
            if zygote is not None:
                zygote.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, min(workers, len(notebooks))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[index] for index in range(len(notebooks))]
