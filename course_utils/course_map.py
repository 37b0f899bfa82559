"""The course map and an environment report, shown by the welcome notebook.

The map is built from the files that exist, so a link is only shown when its notebook is there.
"""

from __future__ import annotations

import html
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Lesson:
    number: str
    title: str
    stem: str
    minutes: int


LESSONS = (
    Lesson("00", "Welcome and warm-up: output sizes, a first correlation", "00_welcome", 20),
    Lesson(
        "01",
        "Direct convolution: loops, vectorised, stride/padding/dilation",
        "01_direct_convolution",
        60,
    ),
    Lesson(
        "02",
        "FFT convolution: the convolution theorem, padding, crossover",
        "02_fft_convolution",
        60,
    ),
    Lesson("03", "im2col: patches as columns, one GEMM", "03_im2col", 60),
    Lesson("04", "nn.Unfold and fold: gradients, patches as kernels", "04_unfold_and_fold", 60),
    Lesson("05", "Winograd: fewer multiplications, F(2×2,3×3) and F(4×4,3×3)", "05_winograd", 75),
    Lesson("06", "The shootout: every method, measured", "06_shootout", 45),
    Lesson(
        "07",
        "Contextual attention: matching, masked softmax, pasting patches back",
        "07_contextual_attention",
        60,
    ),
    Lesson("08", "A DeepFill-style inpainting GAN on a CPU", "08_inpainting_gan", 90),
)


def _exercise_path(lesson: Lesson, folder: str) -> Path:
    name = "00_warmup" if lesson.number == "00" else lesson.stem
    return ROOT / folder / f"{name}.ipynb"


def _link(path: Path, label: str, relative_to: Path) -> str:
    if not path.exists():
        return "<i>in preparation</i>"
    target = os.path.relpath(path, relative_to)
    return f"<a href='{html.escape(target)}'>{html.escape(label)}</a>"


def course_map_html(relative_to: Path | None = None) -> str:
    """An HTML table: lesson, exercise and solution links (relative to ``relative_to``), time."""
    base = relative_to or ROOT / "notebooks"
    rows = []
    for lesson in LESSONS:
        lesson_path = ROOT / "notebooks" / f"{lesson.stem}.ipynb"
        cells = [
            lesson.number,
            _link(lesson_path, lesson.title, base),
            _link(_exercise_path(lesson, "exercises"), "exercises", base),
            _link(_exercise_path(lesson, "solutions"), "solutions", base),
            f"{lesson.minutes} min",
        ]
        rows.append(
            "<tr>" + "".join(f"<td style='text-align:left'>{c}</td>" for c in cells) + "</tr>"
        )
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
