"""The learner's side of a check: what a notebook's namespace holds for one exercise.

:func:`value_answer` and :func:`function_answer` read it without calling any of the learner's
objects' methods (in the notebook and in the grader's sandbox alike); :func:`looks_like_stub`
tells an untouched stub (``pass``, ``...``, ``raise NotImplementedError``) from an answer.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from course_utils.checks.compare import describe
from course_utils.checks.plain import PlainError, to_plain

MISSING = object()


@dataclass
class Answer:
    """What the learner's namespace holds for one exercise (the learner's side of a check).

    status: ``"missing"``, ``"stub"``, ``"not_callable"``, ``"function"`` (function
    exercises), ``"value"`` or ``"unreadable"`` (value exercises); type_name: a description
    of what was found instead of a function; value: a value exercise's answer as plain data;
    reason: why a value could not be read; function: the callable (in-process only).
    """

    status: str
    type_name: str = ""
    value: Any = None
    reason: str = ""
    function: Callable[..., Any] | None = None


def value_answer(namespace: dict[str, Any] | None, name: str) -> Answer:
    """The value under ``name`` as plain data (read without calling any of its methods):
    missing, a stub (``...``), unreadable (with the reason) or a value. The learner's side of a
    value exercise, in the notebook and in the grader's sandbox alike."""
    value = MISSING if namespace is None else namespace.get(name, MISSING)
    if value is MISSING:
        return Answer("missing")
    if value is Ellipsis:
        return Answer("stub")
    try:
        return Answer("value", value=to_plain(value))
    except PlainError as error:
        return Answer("unreadable", reason=str(error))


def function_answer(namespace: dict[str, Any] | None, name: str) -> Answer:
    """What the namespace holds under ``name`` for a function exercise: missing, a stub, not a
    function (described), or a function to run (``Answer.function``)."""
    fn = MISSING if namespace is None else namespace.get(name, MISSING)
    if fn is MISSING:
        return Answer("missing")
    if fn is Ellipsis or looks_like_stub(fn):
        return Answer("stub")
    if not callable(fn):
        return Answer("not_callable", type_name=describe(fn))
    return Answer("function", function=fn)


def looks_like_stub(fn: Any) -> bool:
    """True when the body of ``fn`` is only a docstring, pass, ... or raise NotImplementedError."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = tree.body[0].body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
    ):
        if isinstance(body[0].value.value, str):
            body = body[1:]
    return all(_is_placeholder(statement) for statement in body)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_placeholder(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return statement.value.value is Ellipsis
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        target = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(target, ast.Name) and target.id == "NotImplementedError"
    return False
