"""``python -m course_utils.grading.bench``: how fast the grader grades a class on this machine.

Generates N submissions of one exercise set in a temporary folder -- a mix of solved, blank,
wrong (one solution region replaced by a wrong one-liner) and broken (a syntax error)
notebooks -- grades them with the real sandboxed pipeline and prints notebooks per minute.
A benchmark to run, not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat

from course_utils.grading.isolation import Limits, isolation_warnings
from course_utils.grading.pipeline import grade_paths
from course_utils.lessons import exercise_set_names

_ROOT = Path(__file__).resolve().parents[2]


def make_class(folder: Path, notebook: str, count: int) -> list[Path]:
    """``count`` submissions of ``solutions/<notebook>.ipynb`` in ``folder/sNNN/``."""
    solved = nbformat.read(_ROOT / "solutions" / f"{notebook}.ipynb", as_version=4)
    blank = nbformat.read(_ROOT / "exercises" / f"{notebook}.ipynb", as_version=4)
    paths = []
    for index in range(count):
        kind = ("solved", "solved", "wrong", "blank", "broken")[index % 5]
        notebook_copy = nbformat.from_dict(blank if kind == "blank" else solved)
        if kind in ("wrong", "broken"):
            for cell in notebook_copy.cells:
                if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source:
                    extra = "    return None\n" if kind == "wrong" else "    return (\n"
                    cell.source = cell.source.replace(
                        "### BEGIN SOLUTION\n", "### BEGIN SOLUTION\n" + extra, 1
                    )
                    break
        path = folder / f"s{index:03d}" / f"{notebook}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook_copy, path)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading.bench")
    stems = [name[2:] for name in exercise_set_names()]  # ex03_im2col -> 03_im2col
    parser.add_argument(
        "--notebook", default="03_im2col", choices=stems, help="the set's notebook stem"
    )
    parser.add_argument("-n", type=int, default=200, help="submissions to grade (200)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    for warning in isolation_warnings():
        print(f"warning: {warning}")
    with tempfile.TemporaryDirectory(prefix="course-grade-bench-") as scratch:
        paths = make_class(Path(scratch), args.notebook, args.n)
        start = time.perf_counter()
        grades = grade_paths(paths, lambda p: p.parent.name, Limits(), args.workers)
        seconds = time.perf_counter() - start
    correct = sum(g.correct for g in grades)
    print(
        f"graded {len(grades)} notebooks of {args.notebook} in {seconds:.1f} s with "
        f"{args.workers} workers: {60 * len(grades) / seconds:.0f} notebooks per minute "
        f"({correct} correct exercises in all; sandbox start-up included)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
