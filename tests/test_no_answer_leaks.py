"""No lesson hands out the answer of its exercise notebook.

For every lesson ``notebooks/NN_*.ipynb`` and its exercise set ``course_utils.exercise_sets.exNN_*``
(whose solutions are ``solutions/<set's notebook>.ipynb``), as ``course_utils.lessons`` lists
them, three rules are checked:

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
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

import course_utils.exercise_sets as sets
from course_utils import lessons as course_lessons
from course_utils.answer_leaks import (
    Asked,
    asked_of,
    code_cells,
    copied_solutions,
    functions,
    normalised,
    parse_cell,
    top_level_names,
)
from course_utils.checks import ValueProblem

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


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
    """Every lesson of ``course_utils.lessons`` that has an exercise set."""
    return [
        Pair(lesson.number, lesson.exercise_set, ROOT / lesson.notebook, _solutions(lesson))
        for lesson in course_lessons.LESSONS
        if lesson.exercise_set is not None
    ]


def _solutions(lesson: course_lessons.Lesson) -> Path:
    notebook = _exercise_set(lesson.exercise_set).notebook
    return SOLUTIONS / f"{notebook}.ipynb"


def _exercise_set(module: str) -> Any:
    return importlib.import_module(f"{sets.__name__}.{module}").EXERCISES


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _asked(pair: Pair) -> Asked:
    return asked_of(_exercise_set(pair.module), pair.solutions, _relative(pair.solutions))


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
    for number, source in code_cells(pair.lesson):
        tree = parse_cell(source)
        if tree is None:
            continue
        for name, line in top_level_names(tree.body):
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
    for number, source in code_cells(pair.lesson):
        tree = parse_cell(source)
        if tree is None:
            continue
        for function in functions(tree):
            for solution in copied_solutions(function, asked):
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
    assert sorted(name for name, _ in top_level_names(tree.body)) == list("abcdefg")


def test_normalised_bodies_ignore_names_and_docstrings() -> None:
    first = ast.parse('def f(x, w):\n    """Doc."""\n    n = len(x)\n    return np.fft.fft(x, n)\n')
    second = ast.parse("def g(a, b):\n    size = len(a)\n    return np.fft.fft(a, size)\n")
    third = ast.parse("def g(a, b):\n    size = len(b)\n    return np.fft.fft(a, size)\n")
    body = [normalised(functions(tree)[0].body) for tree in (first, second, third)]
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
