"""Read a collected notebook on the trusted side: which exercise set it belongs to, and which of
its top-level statements are the learner's answers (with the cell each comes from).

Cells are numbered as JupyterLab shows them: 1-based, Markdown and code cells alike. Nothing
here runs any of the notebook's code; it only parses it.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_NOTEBOOK_BYTES = 20 * 2**20
_SETUP_IMPORT = re.compile(
    r"from\s+course_utils\.exercise_sets\s+import\s+(ex\d\d_\w+)|"
    r"import\s+course_utils\.exercise_sets\.(ex\d\d_\w+)"
)
_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookError(ValueError):
    """The file cannot be graded as a notebook (the message says why, for the teacher)."""


@dataclass(frozen=True)
class Statement:
    """One top-level answer statement: its cell (1-based, all cells counted) and source."""

    cell: int
    source: str


@dataclass
class Submission:
    """What the grader takes from one notebook file."""

    path: Path
    raw: bytes
    exercise_set: str | None
    statements: list[Statement] = field(default_factory=list)
    broken_cells: dict[int, str] = field(default_factory=dict)  # cell -> why it cannot run
    cell_sources: dict[int, str] = field(default_factory=dict)  # code cells by number

    def first_line(self, cell: int) -> str:
        lines = [line for line in self.cell_sources.get(cell, "").splitlines() if line.strip()]
        return lines[0].strip()[:80] if lines else ""

    def defining_cell(self, name: str) -> int | None:
        """The last cell whose answer statements define ``name``, if any."""
        found = None
        for statement in self.statements:
            if name in _defined_names(statement.source):
                found = statement.cell
        return found

    def broken_cell_for(self, name: str) -> int | None:
        """A cell that could not be parsed and seems to define ``name``."""
        pattern = re.compile(rf"^\s*(def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*=", re.M)
        for cell in self.broken_cells:
            if pattern.search(self.cell_sources.get(cell, "")):
                return cell
        return None


def read_submission(path: Path) -> Submission:
    """Parse ``path``; raises :class:`NotebookError` for files that are not notebooks."""
    raw = _read_bytes(path)
    cells = _cells(raw)
    submission = Submission(path, raw, None)
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source_text(cell.get("source", ""))
        submission.cell_sources[number] = source
        if submission.exercise_set is None:
            match = _SETUP_IMPORT.search(source)
            if match:
                submission.exercise_set = match.group(1) or match.group(2)
        _take_answers(submission, number, source)
    return submission


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise NotebookError("not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise NotebookError("the file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"the file is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    return path.read_bytes()


def _cells(raw: bytes) -> list:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not UTF-8 text (byte {error.start}): not a notebook") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"not valid JSON (line {error.lineno}, column {error.colno}): not a notebook, or "
            "a damaged one"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("JSON without a list of cells: not a Jupyter notebook")
    return document["cells"]


def _source_text(source: object) -> str:
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _without_magics(source: str) -> str:
    """IPython magics and shell escapes become blank lines (they are not answers)."""
    lines = source.splitlines()
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _take_answers(submission: Submission, cell: int, source: str) -> None:
    text = _without_magics(source)
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        submission.broken_cells[cell] = f"a syntax error on line {error.lineno}: {error.msg}"
        return
    for node in tree.body:
        if _is_answer(node):
            segment = ast.get_source_segment(text, node, padded=False) or ""
            submission.statements.append(Statement(cell, segment))


def _is_answer(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
        "course_utils.exercise_sets"
    ):
        return False  # the set-up import: the checks are not the learner's answer
    if isinstance(node, ast.Import) and any(
        alias.name.startswith("course_utils.exercise_sets") for alias in node.names
    ):
        return False
    if isinstance(node, _KEPT):
        return True
    return _assigns_plain_names(node) and not _is_setup_call(node)


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


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        for target in getattr(node, "targets", []) + [getattr(node, "target", None)]:
            if target is not None:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names
