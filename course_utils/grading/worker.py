"""The untrusted side of grading: run one notebook's answers and call its functions.

This code runs inside the sandbox, in the process that executes the learner's statements. It
*only computes*: it receives the statements and the case inputs, runs the statements, calls the
learner's functions on the inputs (:func:`course_utils.checks.sandbox.call_safely`) and sends
back plain data (:mod:`course_utils.checks.plain`): what each name holds, each call's result or
exception. It never sees a reference, an expected value or a hidden case's answer, and it
decides no outcome: whatever the learner's code patches here can only change what its own
functions appear to return, which the grader judges in its own process.
"""

from __future__ import annotations

import contextlib
import io
import linecache
from typing import Any

from course_utils.checks.plain import PlainError, to_live, to_plain
from course_utils.checks.problems import looks_like_stub
from course_utils.checks.sandbox import call_safely, safe_error_message

_NOTE_LIMIT = 20


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run ``job`` (statements + problems with case inputs) and return plain data."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    notes = _run_statements(job["statements"], namespace)
    answers = {}
    for problem in job["problems"]:
        answers[problem["label"]] = _answer(problem, namespace)
    return {"notes": notes[:_NOTE_LIMIT], "answers": answers}


def _run_statements(statements: list[tuple[int, str]], namespace: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    sink = io.StringIO()
    for index, (cell, source) in enumerate(statements):
        filename = f"<cell {cell}, statement {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            code = compile(source, filename, "exec")
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(code, namespace)  # noqa: S102 - this process exists to run learner code
        except KeyboardInterrupt:
            notes.append(f"cell {cell}: `{_first_line(source)}` was interrupted")
        except BaseException as error:  # noqa: BLE001 - a learner's statement may raise anything
            notes.append(
                f"cell {cell}: `{_first_line(source)}` raised {type(error).__name__}: "
                f"{safe_error_message(error)}"
            )
        sink.seek(0)
        sink.truncate()
    return notes


def _first_line(source: str) -> str:
    lines = [line for line in source.strip().splitlines() if line.strip()]
    return lines[0][:60] if lines else ""


def _answer(problem: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    name = problem["name"]
    if name not in namespace:
        return {"status": "missing"}
    value = namespace[name]
    if problem["kind"] == "value":
        if value is Ellipsis:
            return {"status": "stub"}
        try:
            return {"status": "value", "value": to_plain(value)}
        except PlainError as error:
            return {"status": "unreadable", "reason": str(error)}
    if value is Ellipsis or looks_like_stub(value):
        return {"status": "stub"}
    if not callable(value):
        return {"status": "not_callable", "type_name": type(value).__name__}
    return {"status": "function", "runs": _runs(value, problem)}


def _runs(fn: Any, problem: dict[str, Any]) -> list[dict[str, Any]]:
    runs = []
    for args, kwargs in problem["cases"]:
        result = call_safely(fn, tuple(to_live(args)), dict(to_live(kwargs)), problem["timeout"])
        runs.append(dict(vars(result)))
        if result.failed:
            break  # judging stops at the first failing case: no need to run the rest
    return runs
