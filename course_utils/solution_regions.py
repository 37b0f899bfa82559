"""Solution regions in notebook cells: find them, replace them with stubs, and collect them.

A solutions notebook marks the code a learner must write::

    def conv_output_size(size, kernel):
        ### BEGIN SOLUTION
        return size - kernel + 1
        ### END SOLUTION

In the generated exercise the region becomes a stub with the marker's indentation::

    def conv_output_size(size, kernel):
        # YOUR CODE HERE
        raise NotImplementedError

A region at the top level of a cell that only assigns names (``answer = 42``) becomes
``answer = ...  # YOUR CODE HERE`` instead, so "Run all" does not stop there. A cell whose first
line is ``### SOLUTION ONLY`` is dropped from the exercise. Markers in Markdown cells become
"*Your answer here.*".
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOLUTION_ONLY = "### SOLUTION ONLY"
STUB_COMMENT = "# YOUR CODE HERE"
MARKDOWN_STUB = "*Your answer here.*"
_CHECK_CALL = re.compile(r"\b(q\w*)\.check\(\s*\)")


class MarkerError(ValueError):
    """Malformed solution markers (unclosed, nested, or an END without BEGIN)."""


@dataclass(frozen=True)
class Region:
    """Lines ``begin`` .. ``end`` (the marker lines, 0-based) of a cell, and the marker indent."""

    begin: int
    end: int
    indent: str


def find_regions(source: str, where: str) -> list[Region]:
    """All solution regions of one cell's source; ``where`` names the cell in errors."""
    regions: list[Region] = []
    open_line: int | None = None
    for number, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker.startswith(BEGIN):
            if open_line is not None:
                raise MarkerError(
                    f"{where}: nested '{BEGIN}' on line {number + 1} "
                    f"(the region opened on line {open_line + 1} is not closed)"
                )
            open_line = number
        elif marker.startswith(END):
            if open_line is None:
                raise MarkerError(f"{where}: '{END}' on line {number + 1} without a '{BEGIN}'")
            indent = source.splitlines()[open_line][: -len(source.splitlines()[open_line].lstrip())]
            regions.append(Region(open_line, number, indent))
            open_line = None
    if open_line is not None:
        raise MarkerError(f"{where}: '{BEGIN}' on line {open_line + 1} is never closed")
    return regions


def is_solution_only(source: str) -> bool:
    first = source.lstrip().splitlines()[:1]
    return bool(first) and first[0].strip().startswith(SOLUTION_ONLY)


def stub_lines(inner: list[str], indent: str) -> list[str]:
    """The stub that replaces a region whose inner lines are ``inner``."""
    names = _assigned_names(inner) if indent == "" else None
    if names:
        return [f"{name} = ...  {STUB_COMMENT}" for name in names]
    return [f"{indent}{STUB_COMMENT}", f"{indent}raise NotImplementedError"]


def _assigned_names(inner: list[str]) -> list[str] | None:
    """Names assigned by a top-level region made only of simple assignments, else ``None``."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(inner)))
    except SyntaxError:
        return None
    names: list[str] = []
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else None
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if not targets or not all(isinstance(t, ast.Name) for t in targets):
            return None
        names.extend(t.id for t in targets if t.id not in names)
    return names or None


def strip_code(source: str, where: str) -> tuple[str, bool]:
    """Replace every region of a code cell by its stub.

    Returns the new source and whether a stub raises at the top level of the cell (then the
    cell raises ``NotImplementedError`` when run, and is tagged for nbval accordingly).
    """
    lines = source.splitlines()
    out: list[str] = []
    raises_at_top = False
    cursor = 0
    for region in find_regions(source, where):
        out.extend(lines[cursor : region.begin])
        stub = stub_lines(lines[region.begin + 1 : region.end], region.indent)
        raises_at_top |= region.indent == "" and stub[-1].endswith("raise NotImplementedError")
        out.extend(stub)
        cursor = region.end + 1
    out.extend(lines[cursor:])
    return "\n".join(out), raises_at_top


def strip_markdown(source: str, where: str) -> str:
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for region in find_regions(source, where):
        out.extend(lines[cursor : region.begin])
        out.append(MARKDOWN_STUB)
        cursor = region.end + 1
    out.extend(lines[cursor:])
    return "\n".join(out)


def without_markers(source: str) -> str:
    """The cell's source with the marker lines removed (the solution as a learner reads it)."""
    kept = [
        line
        for line in source.splitlines()
        if not line.strip().startswith((BEGIN, END, SOLUTION_ONLY))
    ]
    return "\n".join(kept).strip("\n")


def solutions_by_check(cells: list[tuple[str, str]], where: str) -> dict[str, str]:
    """Map each exercise label to its solution code.

    ``cells`` are ``(cell_type, source)`` pairs. The code cells holding regions since the previous
    ``qN.check()`` call belong to the next ``qN.check()`` (which may be in the same cell).
    """
    solutions: dict[str, str] = {}
    pending: list[str] = []
    for index, (cell_type, source) in enumerate(cells):
        if cell_type != "code":
            continue
        if find_regions(source, f"{where}, cell {index}"):
            pending.append(without_markers(source))
        for label in _CHECK_CALL.findall(source):
            if pending:
                solutions[label] = "\n\n".join(pending)
                pending = []
    return solutions
