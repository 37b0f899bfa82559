"""The trusted side of grading: build a notebook's job and judge what its process returned.

The grader's process holds the exercise sets (references, cases, hidden cases) and never runs
learner code. It sends the sandbox only the statements and the case *inputs*; it reads back
plain data and decides every outcome with the same ``judge`` methods the notebook's checks use.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from course_utils.checks import FunctionProblem, Outcome, Problem, ValueProblem
from course_utils.checks import outcomes as outcome_kinds
from course_utils.checks.plain import to_plain
from course_utils.checks.problems import Answer, Case
from course_utils.checks.sandbox import CallResult
from course_utils.grading.notebook import Submission
from course_utils.grading.results import CORRECT, ERROR, ExerciseGrade, NotebookGrade
from course_utils.grading.sets import exercise_set_names


def problems_of(module: str) -> list[Problem]:
    if module not in exercise_set_names():
        return []
    return list(importlib.import_module(f"course_utils.exercise_sets.{module}").EXERCISES.problems)


def set_from_file_name(path: Path) -> str | None:
    """``03_im2col.ipynb`` -> ``ex03_im2col`` when such a set exists."""
    candidate = f"ex{path.stem}"
    return candidate if candidate in exercise_set_names() else None


Hidden = dict[str, dict[str, list[Case]]]  # exercise set -> label -> teacher-only cases


def load_hidden_cases(path: Path) -> Hidden:
    """The teacher's hidden cases from a Python file that defines ``HIDDEN_CASES``:
    ``{"ex00_warmup": {"q1": [Case((1000, 3), label="a large input"), ...]}, ...}``. The file
    runs in the grader's own (trusted) process and is never shown to a sandbox; a case given as
    a tuple is its arguments. Raises ValueError when the file or its names are wrong."""
    import runpy

    try:
        found = runpy.run_path(str(path)).get("HIDDEN_CASES")
    except Exception as error:  # noqa: BLE001 - the teacher's file: report any failure
        raise ValueError(f"{path}: {type(error).__name__}: {error}") from None
    if not isinstance(found, dict):
        raise ValueError(f"{path} must define HIDDEN_CASES = {{set: {{label: [Case, ...]}}}}")
    hidden: Hidden = {}
    for set_name, by_label in found.items():
        labels = {p.label: p for p in problems_of(set_name)}
        if not labels:
            raise ValueError(f"{path}: unknown exercise set {set_name!r}")
        for label, cases in dict(by_label).items():
            if not isinstance(labels.get(label), FunctionProblem):
                raise ValueError(f"{path}: {set_name} has no function exercise {label!r}")
            hidden.setdefault(set_name, {})[label] = [_as_case(c) for c in cases]
    return hidden


def _as_case(case: Any) -> Case:
    if isinstance(case, Case):
        return case if case.label else Case(case.args, case.kwargs, "one of your teacher's cases")
    return Case(tuple(case), label="one of your teacher's cases")


def grading_cases(problem: FunctionProblem, extra: list[Case] | None = None) -> list[Case]:
    """The cases the grader uses: the notebook's cases, the exercise's own hidden ones, then
    the teacher's (``extra``)."""
    hidden = getattr(problem, "hidden_cases", None)
    own = list(hidden()) if callable(hidden) else []
    return problem.cases() + own + list(extra or [])


def build_job(
    submission: Submission, problems: list[Problem], hidden: Hidden | None = None
) -> tuple[dict, dict]:
    """The job for the sandbox, and the cases used per exercise label (kept here)."""
    entries, used = [], {}
    for problem in problems:
        if isinstance(problem, FunctionProblem):
            extra = (hidden or {}).get(submission.exercise_set or "", {}).get(problem.label)
            cases = grading_cases(problem, extra)
            used[problem.label] = cases
            entry = {
                "label": problem.label,
                "name": problem.name,
                "kind": "function",
                "timeout": float(problem.time_limit()),
                "grad_args": list(problem.grad_args),
                "cases": [[to_plain(c.args), to_plain(dict(c.kwargs))] for c in cases],
            }
        else:
            entry = {"label": problem.label, "name": problem.name, "kind": "value"}
        entries.append(entry)
    job = {
        "statements": [[s.cell, s.source] for s in submission.statements],
        "problems": entries,
        "notebook_name": submission.path.name,
        "notebook": submission.raw,
    }
    return job, used


_STATUSES = {"missing", "stub", "not_callable", "function", "value", "unreadable"}
_RUN_FIELDS = {
    "error_type": (str, type(None)),
    "error_message": (str,),
    "not_implemented": (bool,),
    "unreadable": (str, type(None)),
    "timed_out": (bool,),
    "caught_timeout": (bool,),
    "printed_chars": (int,),
    "mutated_input": (bool,),
    "package_call": (str, type(None)),
    "differentiable": (bool, type(None)),
}


def _call_result(data: Any) -> CallResult:
    """A CallResult from untrusted plain data (anything malformed becomes an error)."""
    if not isinstance(data, dict):
        return CallResult(error_type="MalformedAnswer")
    fields: dict[str, Any] = {"value": data.get("value")}
    for name, types in _RUN_FIELDS.items():
        value = data.get(name, CallResult.__dataclass_fields__[name].default)
        if type(value) not in types:
            return CallResult(error_type="MalformedAnswer")
        fields[name] = value
    return CallResult(**fields)


def _answer(data: Any) -> Answer:
    if not isinstance(data, dict) or data.get("status") not in _STATUSES:
        return Answer("unreadable", reason="the grading process sent a malformed answer")
    text = {k: data.get(k, "") for k in ("type_name", "reason")}
    if not all(isinstance(v, str) for v in text.values()):
        return Answer("unreadable", reason="the grading process sent a malformed answer")
    return Answer(data["status"], value=data.get("value"), **text)


def judge_problem(problem: Problem, data: Any, cases: list[Case] | None) -> Outcome:
    answer = _answer(data)
    if isinstance(problem, ValueProblem):
        return problem.judge(answer)
    assert isinstance(problem, FunctionProblem)
    runs = data.get("runs", []) if isinstance(data, dict) else []
    runs = [_call_result(run) for run in runs] if isinstance(runs, list) else []
    return problem.judge(answer, runs, cases or [])


def to_exercise_grade(outcome: Outcome, submission: Submission, problem: Problem) -> ExerciseGrade:
    cell = submission.defining_cell(problem.name)
    return ExerciseGrade(
        label=problem.label,
        outcome=outcome.kind.value,
        message=outcome.message,
        details=tuple(outcome.details),
        cell=cell,
        cell_line=submission.first_line(cell) if cell else "",
        score=1.0 if outcome.kind.value == CORRECT else 0.0,
    )


def grade_answers(
    submission: Submission,
    grade: NotebookGrade,
    problems: list[Problem],
    answers: dict[str, Any],
    cases: dict[str, list[Case]],
) -> None:
    """Fill ``grade`` from the sandbox's answers (plain data)."""
    by_label = answers.get("answers", {}) if isinstance(answers, dict) else {}
    notes = answers.get("notes", []) if isinstance(answers, dict) else []
    grade.notes += [str(n)[:300] for n in notes if isinstance(n, str)][:20]
    found: dict[str, Outcome] = {}
    for problem in problems:
        data = by_label.get(problem.label) if isinstance(by_label, dict) else None
        broken = submission.broken_cell_for(problem.name)
        if broken is not None and (not isinstance(data, dict) or data.get("status") == "missing"):
            found[problem.label] = outcome_kinds.code_error(
                problem.label,
                f"Cell {broken} (`{submission.first_line(broken)}`) cannot run: it has "
                f"{submission.broken_cells[broken]}. Fix it, run it, and check again.",
            )
        else:
            found[problem.label] = judge_problem(problem, data, cases.get(problem.label))
    for problem in problems:
        outcome = problem.with_dependencies(found[problem.label], found)
        grade.exercises.append(to_exercise_grade(outcome, submission, problem))


def all_errors(grade: NotebookGrade, problems: list[Problem], reason: str) -> None:
    """Every exercise counts as an error (a notebook that gave no answers)."""
    grade.error = reason
    grade.exercises = [
        ExerciseGrade(problem.label, ERROR, f"The notebook could not be graded: {reason}.")
        for problem in problems
    ]
