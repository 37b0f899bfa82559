"""Grade collected exercise notebooks in one command, each in a clean process.

Usage::

    python -m course_utils.grade submissions/                 # a table on the terminal
    python -m course_utils.grade submissions/ --csv grades.csv
    python -m course_utils.grade alice/03_im2col.ipynb bob/03_im2col.ipynb --json

For every notebook (folders are searched recursively, ``.ipynb_checkpoints`` skipped):

1. the exercise set is read from its set-up cell
   (``from course_utils.exercise_sets import exNN_name``);
2. the learner's *answers* are taken from its code cells: top-level imports, function and
   class definitions, and assignments to plain names. Everything else -- ``q1.check()`` calls,
   prints, plots, loops, and any assignment to an attribute or an item (which is how a checker
   would be patched) -- is left out, as is the set-up cell's ``setup(globals())``;
3. a fresh Python process runs those statements one by one (a statement that fails is noted
   and the rest still runs), binds a pristine copy of the exercise set to the result and
   evaluates every exercise with the same checks the notebook uses;
4. a process that does not finish within ``--timeout`` seconds is stopped, and its exercises
   are reported as errors.

Outcomes use the checks' vocabulary: *correct*, *not yet*, *not attempted*, *error in your
code*. Submissions are only read, never written. The output files given with ``--csv`` /
``--json-out`` are not overwritten without ``--force``.

What this does not protect against: a learner's function runs when it is checked, and its
decorators and default values run when it is defined, so code placed there could still patch
things; a teacher who suspects that reads the notebook. Answers computed by top-level loops or
``if`` blocks are not seen (the exercises ask for functions and plain assignments).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = [
    "GradeResult",
    "answer_statements",
    "exercise_module_of",
    "find_notebooks",
    "format_summary",
    "format_table",
    "grade_notebook",
    "grade_notebooks",
    "main",
    "write_csv",
]

_SETUP_IMPORT = re.compile(
    r"from\s+course_utils\.exercise_sets\s+import\s+(ex\d\d_\w+)|"
    r"import\s+course_utils\.exercise_sets\.(ex\d\d_\w+)"
)
_ERROR = "error in your code"


@dataclass
class GradeResult:
    """The grade of one notebook.

    path: the notebook; exercise_set: module name (``ex03_im2col``) or None;
    outcomes: exercise label -> (outcome, message) in the set's order;
    notes: what the grader could not run or use (statements that failed, cells that do not
    parse, timeouts), for the teacher.
    """

    path: Path
    exercise_set: str | None
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(kind == "correct" for kind, _ in self.outcomes.values())

    @property
    def total(self) -> int:
        return len(self.outcomes)


# -- reading a notebook ------------------------------------------------------------------------


def find_notebooks(paths: Iterable[str | Path]) -> list[Path]:
    """The ``.ipynb`` files named, or found below the folders named, sorted, without
    ``.ipynb_checkpoints``. A path that does not exist is a ValueError."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif path.is_file():
            found.append(path)
        else:
            raise ValueError(f"no such file or folder: {path}")
    return sorted(set(found))


def _code_cells(notebook: Path) -> list[str]:
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable file is reported, not raised
        raise ValueError(f"{notebook}: not a readable notebook ({error})") from error
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def exercise_module_of(cells: Sequence[str]) -> str | None:
    """The exercise-set module a notebook's set-up cell imports (``exNN_name``), or None."""
    for source in cells:
        match = _SETUP_IMPORT.search(source)
        if match:
            return match.group(1) or match.group(2)
    return None


def _without_magics(source: str) -> str:
    """IPython magics and shell escapes become blank lines (they are not answers)."""
    lines = source.splitlines()
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _assigns_plain_names(node: ast.stmt) -> bool:
    def plain(target: ast.expr) -> bool:
        if isinstance(target, ast.Name):
            return True
        if isinstance(target, ast.Tuple | ast.List):
            return all(plain(element) for element in target.elts)
        return False

    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    else:
        return False
    return all(plain(target) for target in targets)


def _is_setup_call(node: ast.stmt) -> bool:
    value = getattr(node, "value", None)
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "setup"
    )


_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def answer_statements(cells: Sequence[str]) -> tuple[list[str], list[str]]:
    """The top-level statements of ``cells`` that define answers, as source snippets, and
    notes on cells that do not parse (their statements are left out)."""
    kept: list[str] = []
    notes: list[str] = []
    for index, source in enumerate(cells, start=1):
        text = _without_magics(source)
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            notes.append(f"code cell {index} does not parse (line {error.lineno}): {error.msg}")
            continue
        for node in tree.body:
            if isinstance(node, _KEPT) or (_assigns_plain_names(node) and not _is_setup_call(node)):
                kept.append(ast.get_source_segment(text, node, padded=False) or "")
    return kept, notes


# -- grading in a fresh process ----------------------------------------------------------------


def _worker_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env.pop("COURSE_STRICT", None)  # grading reports outcomes; it never enforces them
    return env


def grade_notebook(notebook: str | Path, timeout: float = 120.0) -> GradeResult:
    """Grade one notebook in a fresh Python process (see the module docstring)."""
    path = Path(notebook)
    try:
        cells = _code_cells(path)
    except ValueError as error:
        return GradeResult(path, None, notes=[str(error)])
    module = exercise_module_of(cells)
    if module is None:
        return GradeResult(path, None, notes=["no exercise set imported: not an exercise notebook"])
    if not _labels_of(module):
        return GradeResult(path, module, notes=[f"unknown exercise set {module}"])
    statements, notes = answer_statements(cells)
    request = json.dumps({"module": module, "statements": statements})
    with tempfile.TemporaryDirectory(prefix="course-grade-") as scratch:
        result_file = Path(scratch) / "result.json"
        command = [sys.executable, "-m", "course_utils.grade", "--worker", str(result_file)]
        try:
            finished = subprocess.run(
                command,
                input=request,
                text=True,
                capture_output=True,
                timeout=timeout,
                cwd=path.resolve().parent,
                env=_worker_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            message = (
                f"grading stopped after {timeout:g} s (an endless loop or a very slow answer?)"
            )
            return _all_errors(path, module, notes, message)
        if not result_file.exists():
            reason = (finished.stderr or "").strip().splitlines()[-1:] or ["no message"]
            message = (
                f"the grading process ended early (exit code {finished.returncode}): {reason[0]}"
            )
            return _all_errors(path, module, notes, message)
        answer = json.loads(result_file.read_text())
    outcomes = {label: (kind, message) for label, kind, message in answer["outcomes"]}
    return GradeResult(path, module, outcomes, notes + answer["notes"])


def _all_errors(path: Path, module: str, notes: list[str], message: str) -> GradeResult:
    """Every exercise of the set counts as an error, for a run that gave no outcomes."""
    outcomes = {label: (_ERROR, message) for label in _labels_of(module)}
    return GradeResult(path, module, outcomes, [*notes, message])


def _labels_of(module: str) -> list[str]:
    from importlib import import_module

    try:
        exercises = import_module(f"course_utils.exercise_sets.{module}").EXERCISES
    except (ImportError, AttributeError):
        return []
    return [problem.label for problem in exercises.problems]


def grade_notebooks(
    notebooks: Sequence[str | Path], timeout: float = 120.0, workers: int = 2
) -> list[GradeResult]:
    """Grade several notebooks, ``workers`` processes at a time; results in input order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda nb: grade_notebook(nb, timeout), notebooks))


def _run_worker(result_file: Path) -> int:
    """Inside the fresh process: run the answers, then the pristine checks."""
    from importlib import import_module

    request = json.loads(sys.stdin.read())
    namespace: dict[str, Any] = {"__name__": "__main__"}
    notes: list[str] = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for statement in request["statements"]:
            try:
                exec(compile(statement, "<answer>", "exec"), namespace)  # noqa: S102
            except BaseException as error:  # noqa: BLE001 - a learner's statement may raise anything
                first_line = statement.strip().splitlines()[0] if statement.strip() else ""
                notes.append(f"`{first_line[:60]}` raised {type(error).__name__}: {error}")
        exercises = import_module(f"course_utils.exercise_sets.{request['module']}").EXERCISES
        exercises.setup(namespace)
        outcomes = [
            (label, outcome.kind.value, outcome.message)
            for label, outcome in exercises.evaluate_all().items()
        ]
    result_file.write_text(json.dumps({"outcomes": outcomes, "notes": notes}))
    return 0


# -- reports -----------------------------------------------------------------------------------

_SHORT = {
    "correct": "correct",
    "not yet": "not yet",
    "not attempted": "-",
    "error in your code": "error",
}


def format_table(results: Sequence[GradeResult]) -> str:
    """One line per notebook: its set, each exercise's outcome and the score; notes below."""
    lines = []
    for result in results:
        marks = "  ".join(
            f"{label} {_SHORT.get(kind, kind)}" for label, (kind, _) in result.outcomes.items()
        )
        score = f"{result.correct}/{result.total}" if result.total else "-"
        lines.append(f"{str(result.path):<48} {result.exercise_set or '?':<26} {score:>5}  {marks}")
        lines += [f"    note: {note}" for note in result.notes]
    return "\n".join(lines)


def format_summary(results: Sequence[GradeResult]) -> str:
    """Per exercise set: how many notebooks, the share of them correct on each exercise, and
    the mean score (notebooks the grader could not use are not counted)."""
    by_set: dict[str, list[GradeResult]] = {}
    for result in results:
        if result.exercise_set and result.outcomes:
            by_set.setdefault(result.exercise_set, []).append(result)
    lines = []
    for name, group in sorted(by_set.items()):
        labels = list(group[0].outcomes)
        shares = [
            sum(r.outcomes.get(label, ("", ""))[0] == "correct" for r in group) / len(group)
            for label in labels
        ]
        mean = sum(r.correct for r in group) / len(group)
        per_exercise = "  ".join(
            f"{label} {share:.0%}" for label, share in zip(labels, shares, strict=True)
        )
        lines.append(
            f"{name}: {len(group)} notebook(s), correct per exercise: {per_exercise}; "
            f"mean score {mean:.1f}/{len(labels)}"
        )
    return "\n".join(lines)


def write_csv(results: Sequence[GradeResult], path: Path) -> None:
    """One row per notebook and exercise: notebook, exercise_set, exercise, outcome, message
    (a notebook the grader could not use gets one row with its note as the message)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["notebook", "exercise_set", "exercise", "outcome", "message"])
        for result in results:
            if not result.outcomes:
                writer.writerow(
                    [result.path, result.exercise_set or "", "", "", "; ".join(result.notes)]
                )
            for label, (kind, message) in result.outcomes.items():
                writer.writerow([result.path, result.exercise_set, label, kind, message])


def _as_json(results: Sequence[GradeResult]) -> str:
    return json.dumps(
        [
            {
                "notebook": str(r.path),
                "exercise_set": r.exercise_set,
                "correct": r.correct,
                "total": r.total,
                "outcomes": {
                    label: {"outcome": k, "message": m} for label, (k, m) in r.outcomes.items()
                },
                "notes": r.notes,
            }
            for r in results
        ],
        indent=2,
    )


def _refuse_overwrite(path: Path | None, force: bool) -> str | None:
    if path is not None and path.exists() and not force:
        return f"{path} exists: choose another name or add --force to overwrite it"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return _run_worker(Path(argv[1]))
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grade",
        description=__doc__.split("\n\n")[0],
        epilog="Outcomes: correct, not yet, - (not attempted), error.",
    )
    parser.add_argument("paths", nargs="+", help="notebooks, or folders searched recursively")
    parser.add_argument("--csv", type=Path, help="write one row per notebook and exercise")
    parser.add_argument("--json-out", type=Path, help="write the grades as JSON to this file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook (120)")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once (2)")
    parser.add_argument("--force", action="store_true", help="overwrite existing output files")
    args = parser.parse_args(argv)
    for target in (args.csv, args.json_out):
        problem = _refuse_overwrite(target, args.force)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    try:
        notebooks = find_notebooks(args.paths)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not notebooks:
        print("error: no notebooks found", file=sys.stderr)
        return 2
    results = grade_notebooks(notebooks, args.timeout, args.workers)
    if args.json:
        print(_as_json(results))
    else:
        print(format_table(results))
        summary = format_summary(results)
        if summary:
            print("\n" + summary)
    if args.csv:
        write_csv(results, args.csv)
    if args.json_out:
        args.json_out.write_text(_as_json(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
