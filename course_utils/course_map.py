"""The course map and an environment report, shown by the welcome notebook.

The map lists :data:`course_utils.lessons.LESSONS` and links the files that exist, so a link is
only shown when its notebook is there.
"""

from __future__ import annotations

import html
import os
import platform
from pathlib import Path
from typing import Any

from course_utils.lessons import LESSONS, Lesson

ROOT = Path(__file__).resolve().parents[1]


def _link(path: str | None, label: str, relative_to: Path) -> str:
    """A link to ``path`` (``notebooks/...``, relative to the repository), or a note while the
    file is missing. From a work folder (:mod:`course_utils.workspace`), whose ``notebooks/``
    and ``exercises/`` are the learner's copies, the link goes to the copy next to the
    notebook when there is one, else to the course's file."""
    if path is None:
        return "&mdash;"
    if not (ROOT / path).exists():
        return "<i>in preparation</i>"
    beside = relative_to.parent / path
    target = os.path.relpath(beside if beside.exists() else ROOT / path, relative_to)
    return f"<a href='{html.escape(target)}'>{html.escape(label)}</a>"


def _cells(lesson: Lesson, base: Path) -> list[str]:
    """The course map's row for one lesson: number, lesson, exercise, solution, time."""
    return [
        lesson.number,
        _link(lesson.notebook, lesson.title, base),
        _link(lesson.exercise_notebook("exercises"), "exercises", base),
        _link(lesson.exercise_notebook("solutions"), "solutions", base),
        f"{lesson.minutes} min",
    ]


def course_map_html(relative_to: Path | None = None) -> str:
    """An HTML table: lesson, exercise and solution links (relative to ``relative_to``, by
    default the folder the notebook runs in when it is a ``notebooks/`` folder, else the
    course's ``notebooks/``), time."""
    cwd = Path.cwd()
    base = relative_to or (cwd if cwd.name == "notebooks" else ROOT / "notebooks")
    rows = [
        "<tr>"
        + "".join(f"<td style='text-align:left'>{c}</td>" for c in _cells(lesson, base))
        + "</tr>"
        for lesson in LESSONS
    ]
    header = "".join(
        f"<th style='text-align:left'>{h}</th>"
        for h in ("#", "lesson", "exercise", "solution", "time")
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def environment_report(measure_peak: bool = True, n: int = 1024) -> dict[str, Any]:
    """Versions, thread counts and (optionally) the measured GEMM peak of this machine."""
    import numpy as np
    import scipy
    import torch

    from course_utils.timing import gemm_peak_gflops, thread_info

    report: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "torch": torch.__version__,
        "cuda available": torch.cuda.is_available(),
        "threads": thread_info(),
    }
    if measure_peak:
        report["GEMM peak float32 (GFLOP/s)"] = round(gemm_peak_gflops("float32", n=n), 1)
        report["GEMM peak float64 (GFLOP/s)"] = round(gemm_peak_gflops("float64", n=n), 1)
    return report
