"""No lesson hands out the answer of its exercise notebook.

For every lesson ``notebooks/NN_*.ipynb`` and its exercise set ``course_utils.exercise_sets.exNN_*``
(whose solutions are ``solutions/<set's notebook>.ipynb``) three rules are checked:

names
    No lesson code cell defines, at the top level of the notebook, a name the exercise asks the
    learner to define: the ``name`` of every problem of the set, the functions that hold a
    solution region, and the names a top-level solution region defines. Defining means ``def``,
    ``class``, an assignment or a ``for``/``with`` target, also inside top-level ``if``, ``for``,
    ``with`` and ``try`` blocks. Imports do not count: showing a result through ``course_utils``
    is how a lesson should do it.
bodies
    No function defined anywhere in a lesson (also nested) has the same body as a solution
    function, or contains the code of a solution region as consecutive statements (regions of
    fewer than ``MIN_REGION_NODES`` AST nodes excepted), once both are normalised: docstrings
    dropped and every identifier (function names, arguments, locals, globals such as ``np``)
    replaced by a placeholder numbered in order of first appearance. Renaming variables does not
    hide a copy; attribute names (``np.fft.fft``) and constants are kept.
values
    The stored outputs of a lesson (printed text, plain-text and HTML results) do not show the
    expected value of a value exercise (``ValueProblem``) where that value is distinctive. Small
    integers are everywhere in a notebook's output (sizes, counts, indices), so the rule is:

    * an integer (or a float with an integral value) is distinctive when ``|value| >= 100``; it
      matches a printed integer token equal to it (``8100``, ``8,100``, ``8_100``, ``8100.0``);
    * a non-integral float is distinctive unless it is a simple fraction (``p / q`` with
      ``q <= 8``, e.g. 0.5, 0.25, 2.75); it matches a printed number with at least three
      significant digits that agrees with it to a relative ``5e-4`` (the value shown with
      ``:.4g`` or more);
    * tuples, lists and arrays are checked element by element.

Cells are numbered from 1 over all cells of a notebook (Markdown included), as Jupyter and
``nbcat`` list them. Failure messages name the notebook, the cell and the name or value.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import textwrap
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

import course_utils.exercise_sets as sets
from course_utils.checks import ValueProblem
from course_utils.solution_regions import find_regions, is_solution_only

ROOT = Path(__file__).resolve().parents[1]
LESSONS, SOLUTIONS = ROOT / "notebooks", ROOT / "solutions"


# -- the lesson/exercise pairs -----------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    number: str  # "00"
    module: str  # "ex00_warmup"
    lesson: Path
    solutions: Path

    def __str__(self) -> str:
        return self.number


def _pairs() -> list[Pair]:
    pairs = []
    for info in pkgutil.iter_modules(sets.__path__):
        if not re.fullmatch(r"ex\d\d_\w+", info.name):
            continue
        number = info.name[2:4]
        lessons = sorted(LESSONS.glob(f"{number}_*.ipynb"))
        assert len(lessons) == 1, f"expected one lesson notebooks/{number}_*.ipynb, got {lessons}"
        notebook = _exercise_set(info.name).notebook
        pairs.append(Pair(number, info.name, lessons[0], SOLUTIONS / f"{notebook}.ipynb"))
    return pairs


def _exercise_set(module: str) -> Any:
    return importlib.import_module(f"{sets.__name__}.{module}").EXERCISES


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


# -- parsing notebook code -------------------------------------------------------------------

# A solution region that is only part of a function body is compared on its own only when it
# is not tiny: ``return out`` alone would match every lesson function that returns a name.
MIN_REGION_NODES = 10
_MAGIC = re.compile(r"^(\s*)([%!?]|\w+\?)")


def _parse(source: str) -> ast.Module | None:
    """A code cell as Python: IPython magics and shell lines become ``pass``."""
    lines = [
        (m.group(1) + "pass") if (m := _MAGIC.match(line)) else line for line in source.splitlines()
    ]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _code_cells(path: Path) -> list[tuple[int, str]]:
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


def _top_level_names(statements: list[ast.stmt]) -> list[tuple[str, int]]:
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
            found += _top_level_names(getattr(statement, block, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            found += _top_level_names(handler.body)
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
        node.body = _without_docstring(node.body)
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


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[1:]
    return body


def _normalised(statements: list[ast.stmt]) -> str:
    module = ast.Module(body=_without_docstring(list(statements)), type_ignores=[])
    module = _Placeholders().visit(ast.parse(ast.unparse(module)))  # a fresh copy
    return ast.dump(module, annotate_fields=False)


def _size(statements: list[ast.stmt]) -> int:
    return sum(1 for statement in statements for _ in ast.walk(statement))


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [
        node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]


def _copied_solutions(function: ast.FunctionDef | ast.AsyncFunctionDef, asked: Asked) -> list[str]:
    """The solutions that ``function``'s body is, or contains as consecutive statements."""
    body = _without_docstring(function.body)
    found = []
    for length in sorted(asked.lengths):
        for start in range(len(body) - length + 1):
            solution = asked.bodies.get(_normalised(body[start : start + length]))
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


def _asked(pair: Pair) -> Asked:
    names: dict[str, str] = {}
    bodies: dict[str, str] = {}
    lengths: set[int] = set()
    for problem in _exercise_set(pair.module).problems:
        names.setdefault(problem.name, f"exercise {problem.label}")
    where = _relative(pair.solutions)
    for number, source in _code_cells(pair.solutions):
        regions = find_regions(source, f"{where}, cell {number}")
        if not regions or is_solution_only(source):
            continue
        tree = _parse(source)
        assert tree is not None, f"{where}, cell {number} is not valid Python"
        lines = source.splitlines()
        for region in regions:
            inner = textwrap.dedent("\n".join(lines[region.begin + 1 : region.end]))
            region_tree = _parse(inner)
            label = f"the solution region in {where}, cell {number}"
            if region_tree is not None and _size(region_tree.body) >= MIN_REGION_NODES:
                bodies.setdefault(_normalised(region_tree.body), label)
                lengths.add(len(_without_docstring(region_tree.body)))
            if region.indent == "":
                for name, _ in _top_level_names(region_tree.body if region_tree else []):
                    names.setdefault(name, f"{where}, cell {number}")
                continue
            for function in _functions(tree):
                first, last = function.lineno - 1, function.end_lineno - 1
                if first < region.begin and region.end <= last:
                    names.setdefault(function.name, f"{where}, cell {number}")
                    bodies.setdefault(
                        _normalised(function.body), f"`{function.name}` in {where}, cell {number}"
                    )
                    lengths.add(len(_without_docstring(function.body)))
    return Asked(names, bodies, frozenset(lengths))


# -- distinctive values ------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[,_]\d{3})*(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w])")


def _numbers_of(value: Any) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float, np.integer, np.floating)):
        return [float(value)]
    if isinstance(value, (tuple, list)):
        return [number for item in value for number in _numbers_of(item)]
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return [float(number) for number in value.ravel()]
    return []


def is_distinctive(value: float) -> bool:
    """See the module docstring: large integers and non-simple fractions are distinctive."""
    if not np.isfinite(value):
        return False
    if float(value).is_integer():
        return abs(value) >= 100
    fraction = Fraction(value).limit_denominator(8)
    return abs(float(fraction) - value) > 1e-12 * max(1.0, abs(value))


def _significant_digits(token: str) -> int:
    mantissa = re.split(r"[eE]", token.replace(",", "").replace("_", "").lstrip("-"))[0]
    return len(mantissa.replace(".", "").lstrip("0")) or 1


def shows_value(text: str, value: float) -> bool:
    """True when ``text`` prints the distinctive number ``value`` (see the module docstring)."""
    for match in _NUMBER.finditer(text):
        token = match.group(0)
        number = float(token.replace(",", "").replace("_", ""))
        if float(value).is_integer():
            if number == value:
                return True
        elif _significant_digits(token) >= 3 and abs(number - value) <= 5e-4 * abs(value):
            return True
    return False


def _output_texts(path: Path) -> list[tuple[int, str]]:
    notebook = nbformat.read(path, as_version=4)
    found = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                found.append((number, output.get("text", "")))
                continue
            data = output.get("data", {})
            if "text/plain" in data:
                found.append((number, data["text/plain"]))
            if "text/html" in data:
                found.append((number, re.sub(r"<[^>]+>", " ", data["text/html"])))
    return found


# -- the tests -----------------------------------------------------------------------------------

PAIRS = _pairs()


def test_every_exercise_set_has_a_lesson_and_solutions() -> None:
    assert len(PAIRS) >= 9
    for pair in PAIRS:
        assert pair.solutions.is_file(), f"{pair.module}: no {_relative(pair.solutions)}"


@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_lesson_defines_no_name_its_exercise_asks_for(pair: Pair) -> None:
    asked = _asked(pair)
    leaks = []
    for number, source in _code_cells(pair.lesson):
        tree = _parse(source)
        if tree is None:
            continue
        for name, line in _top_level_names(tree.body):
            if name in asked.names:
                leaks.append(
                    f"{_relative(pair.lesson)}, cell {number} (line {line}) defines `{name}`, "
                    f"which {asked.names[name]} of {pair.module} asks the learner to define"
                )
    assert not leaks, "\n".join(dict.fromkeys(leaks))


@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_no_lesson_function_is_a_solution(pair: Pair) -> None:
    asked = _asked(pair)
    leaks = []
    for number, source in _code_cells(pair.lesson):
        tree = _parse(source)
        if tree is None:
            continue
        for function in _functions(tree):
            for solution in _copied_solutions(function, asked):
                leaks.append(
                    f"{_relative(pair.lesson)}, cell {number}: `{function.name}` (line "
                    f"{function.lineno}) contains {solution} with the names changed"
                )
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_lesson_outputs_do_not_show_value_answers(pair: Pair) -> None:
    values = [
        (problem, number)
        for problem in _exercise_set(pair.module).problems
        if isinstance(problem, ValueProblem)
        for number in _numbers_of(problem.expected)
        if is_distinctive(number)
    ]
    leaks = [
        f"{_relative(pair.lesson)}, cell {cell}: an output shows {number:g}, the answer of "
        f"{pair.module} {problem.label} (`{problem.name}`)"
        for cell, text in _output_texts(pair.lesson)
        for problem, number in values
        if shows_value(text, number)
    ]
    assert not leaks, "\n".join(dict.fromkeys(leaks))


# -- the rules themselves ----------------------------------------------------------------------


def test_names_are_found_in_nested_top_level_blocks() -> None:
    tree = ast.parse(
        "import numpy as np\n"
        "a, (b, *c) = 1, (2, 3)\n"
        "for d in range(2):\n    e = d\n"
        "with open('f') as f:\n    pass\n"
        "def g(h):\n    i = h\n"
        "x.attr = 1\n"
    )
    assert sorted(name for name, _ in _top_level_names(tree.body)) == list("abcdefg")


def test_normalised_bodies_ignore_names_and_docstrings() -> None:
    first = ast.parse('def f(x, w):\n    """Doc."""\n    n = len(x)\n    return np.fft.fft(x, n)\n')
    second = ast.parse("def g(a, b):\n    size = len(a)\n    return np.fft.fft(a, size)\n")
    third = ast.parse("def g(a, b):\n    size = len(b)\n    return np.fft.fft(a, size)\n")
    body = [_normalised(_functions(tree)[0].body) for tree in (first, second, third)]
    assert body[0] == body[1] != body[2]


@pytest.mark.parametrize(
    ("value", "distinctive"),
    [
        (2, False),
        (99, False),
        (100, True),
        (8100, True),
        (0.5, False),
        (2.75, False),
        (0.1, True),
        (3.14159, True),
        (-250.0, True),
        (float("nan"), False),
    ],
)
def test_distinctive_values(value: float, distinctive: bool) -> None:
    assert is_distinctive(value) is distinctive


@pytest.mark.parametrize(
    ("text", "value", "shown"),
    [
        ("112\n", 112, True),
        ("shape (1, 64, 112, 112)", 112, True),
        ("1120 pixels, 0.112 s, 112.5", 112, False),
        ("total 8,100 multiplications", 8100, True),
        ("8100.0", 8100, True),
        ("error 3.1416e+00", 3.14159, True),
        ("pi is about 3.1", 3.14159, False),
        ("x_112 = 2", 112, False),
    ],
)
def test_printed_values(text: str, value: float, shown: bool) -> None:
    assert shows_value(text, value) is shown
