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

from course_utils.checks.plain import to_live
from course_utils.checks.problems import function_answer, value_answer
from course_utils.checks.sandbox import call_safely, safe_error_message, with_grad

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
    """The same reading of the namespace as the notebook's check, as plain data."""
    inspect = value_answer if problem["kind"] == "value" else function_answer
    answer = inspect(namespace, problem["name"])
    data = {
        "status": answer.status,
        "type_name": answer.type_name,
        "value": answer.value,
        "reason": answer.reason,
    }
    if answer.function is not None:
        data["runs"] = _runs(answer.function, problem)
    return data


def _runs(fn: Any, problem: dict[str, Any]) -> list[dict[str, Any]]:
    runs = []
    for args, kwargs in problem["cases"]:
        live = with_grad(tuple(to_live(args)), problem.get("grad_args", ()))
        result = call_safely(fn, live, dict(to_live(kwargs)), problem["timeout"])
        runs.append(dict(vars(result)))
        if result.failed:
            break  # judging stops at the first failing case: no need to run the rest
    return runs
