"""Is an exercise's answer written out somewhere? Code compared with solution regions.

A solutions notebook marks what the learner writes (:mod:`course_utils.solution_regions`).
:func:`asked_of` collects, for one exercise set, the names the learner defines and the
solution bodies *normalised*: docstrings dropped and every identifier (function names,
arguments, locals, globals such as ``np``) replaced by a placeholder numbered in order of first
appearance, so renaming variables does not hide a copy; attribute names (``np.fft.fft``) and
constants are kept. :func:`copied_solutions` says which of them a function's body is, or
contains as consecutive statements. The lesson leak test (``tests/test_no_answer_leaks.py``)
and the classroom edition's build (:mod:`course_utils.classroom`) both use it.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from course_utils.solution_regions import find_regions, is_solution_only

# -- parsing notebook code -------------------------------------------------------------------

# A solution region that is only part of a function body is compared on its own only when it
# is not tiny: ``return out`` alone would match every lesson function that returns a name.
MIN_REGION_NODES = 10
_MAGIC = re.compile(r"^(\s*)([%!?]|\w+\?)")


def parse_cell(source: str) -> ast.Module | None:
    """A code cell as Python: IPython magics and shell lines become ``pass``."""
    lines = [
        (m.group(1) + "pass") if (m := _MAGIC.match(line)) else line for line in source.splitlines()
    ]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def code_cells(path: Path) -> list[tuple[int, str]]:
    """(1-based cell number, source) of every code cell."""
    notebook = nbformat.read(path, as_version=4)
    return [
        (number, cell.source)
        for number, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code"
    ]


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []  # attribute or subscript targets do not define a name


def top_level_names(statements: list[ast.stmt]) -> list[tuple[str, int]]:
    """Names a block defines at module level, with the line that defines them."""
    found: list[tuple[str, int]] = []
    for statement in statements:
        line = statement.lineno
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((statement.name, line))
            continue
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            targets = [statement.target]
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in statement.items if item.optional_vars]
        found += [(name, line) for target in targets for name in _target_names(target)]
        for block in ("body", "orelse", "finalbody"):
            found += top_level_names(getattr(statement, block, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            found += top_level_names(handler.body)
    return found


# -- normalised function bodies ------------------------------------------------------------------


class _Placeholders(ast.NodeTransformer):
    """Replace every identifier by ``_<n>``, numbered by first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _rename(self, name: str) -> str:
        return self.names.setdefault(name, f"_{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id=self._rename(node.id), ctx=ast.Load()), node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._rename(node.arg)
        node.annotation = None
        return node

    def _visit_def(self, node: Any) -> ast.AST:
        node.name = self._rename(node.name)
        node.returns = None
        node.body = without_docstring(node.body)
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)  # keyword argument names (np.zeros(n, dtype=...)) are kept
        return node

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self._rename(name) for name in node.names]
        return node

    visit_Nonlocal = visit_Global


def without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[1:]
    return body


def normalised(statements: list[ast.stmt]) -> str:
    module = ast.Module(body=without_docstring(list(statements)), type_ignores=[])
    module = _Placeholders().visit(ast.parse(ast.unparse(module)))  # a fresh copy
    return ast.dump(module, annotate_fields=False)


def _size(statements: list[ast.stmt]) -> int:
    return sum(1 for statement in statements for _ in ast.walk(statement))


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [
        node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]


def copied_solutions(function: ast.FunctionDef | ast.AsyncFunctionDef, asked: Asked) -> list[str]:
    """The solutions that ``function``'s body is, or contains as consecutive statements."""
    body = without_docstring(function.body)
    found = []
    for length in sorted(asked.lengths):
        for start in range(len(body) - length + 1):
            solution = asked.bodies.get(normalised(body[start : start + length]))
            if solution is not None and solution not in found:
                found.append(solution)
    return found


# -- what the exercise asks for ------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """The names the learner defines and the normalised solution bodies of one exercise set."""

    names: dict[str, str]  # name -> where it is asked (problem label or solution cell)
    bodies: dict[str, str]  # normalised body -> description of the solution
    lengths: frozenset[int]  # the numbers of statements of those bodies


def asked_of(exercise_set: Any, solutions: Path, where: str) -> Asked:
    """What ``exercise_set`` asks for: its problems' names, and the names and normalised bodies
    of the solution regions in the notebook ``solutions`` (called ``where`` in messages)."""
    names: dict[str, str] = {}
    bodies: dict[str, str] = {}
    lengths: set[int] = set()
    for problem in exercise_set.problems:
        names.setdefault(problem.name, f"exercise {problem.label}")
    for number, source in code_cells(solutions):
        regions = find_regions(source, f"{where}, cell {number}")
        if not regions or is_solution_only(source):
            continue
        tree = parse_cell(source)
        if tree is None:
            raise ValueError(f"{where}, cell {number} is not valid Python")
        lines = source.splitlines()
        for region in regions:
            inner = textwrap.dedent("\n".join(lines[region.begin + 1 : region.end]))
            region_tree = parse_cell(inner)
            label = f"the solution region in {where}, cell {number}"
            if region_tree is not None and _size(region_tree.body) >= MIN_REGION_NODES:
                bodies.setdefault(normalised(region_tree.body), label)
                lengths.add(len(without_docstring(region_tree.body)))
            if region.indent == "":
                for name, _ in top_level_names(region_tree.body if region_tree else []):
                    names.setdefault(name, f"{where}, cell {number}")
                continue
            for function in functions(tree):
                first, last = function.lineno - 1, function.end_lineno - 1
                if first < region.begin and region.end <= last:
                    names.setdefault(function.name, f"{where}, cell {number}")
                    bodies.setdefault(
                        normalised(function.body), f"`{function.name}` in {where}, cell {number}"
                    )
                    lengths.add(len(without_docstring(function.body)))
    return Asked(names, bodies, frozenset(lengths))


def with_references(asked: Asked, problems: Any, where: str) -> Asked:
    """``asked`` plus the normalised bodies of the reference functions of ``problems`` (those
    whose source can be read, that are not tiny and that do more than pass their arguments
    on to another function)."""
    bodies, lengths = dict(asked.bodies), set(asked.lengths)
    for problem in problems:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(problem.reference)))
        except (AttributeError, OSError, TypeError, SyntaxError):
            continue
        for function in functions(tree)[:1]:
            body = without_docstring(function.body)
            if _size(body) >= MIN_REGION_NODES and not _only_passes_on(body):
                bodies.setdefault(normalised(body), f"the reference of {where} {problem.label}")
                lengths.add(len(body))
    return Asked(asked.names, bodies, frozenset(lengths))


def _only_passes_on(body: list[ast.stmt]) -> bool:
    """A body that only hands its arguments to another function (``return f(a, b)``): it
    holds no answer itself, and its normalised form matches any such call."""
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return False
    call = body[0].value
    return isinstance(call, ast.Call) and all(
        isinstance(arg, ast.Name) for arg in [*call.args, *(k.value for k in call.keywords)]
    )


def python_functions(path: Path) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(where, function) for every function defined in a ``.py`` file or a notebook's code."""
    if path.suffix == ".py":
        cells = [(str(path), path.read_text(encoding="utf-8"))]
    else:
        cells = [(f"{path}, cell {n}", source) for n, source in code_cells(path)]
    found = []
    for where, source in cells:
        tree = parse_cell(source)
        found += [(where, function) for function in functions(tree)] if tree else []
    return found
