"""An exercise is not passed by calling the course's own implementation of it.

The lessons export what they build to ``course_utils`` (``conv2d_direct``, ``im2col``, the
inpainting losses, ...), so each of those is one import away from a learner. A check notes the
first course-library function the learner's code enters directly and answers *not yet*; the
audit below binds **every** public library function as the answer of **every** function
exercise and requires that none passes (in a child process: those calls may change module
state, e.g. register a model kind named after a case's argument).
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import course_utils
from course_utils.checks import Case, FunctionProblem, Kind
from course_utils.checks.sandbox import call_safely
from course_utils.conv import conv2d_direct
from course_utils.grading.sets import exercise_set_names

_NOT_LIBRARY = (
    "course_utils.checks",
    "course_utils.exercise_sets",
    "course_utils.grading",
    "course_utils.widgets",
)


def _library_functions() -> dict[str, Callable]:
    found: dict[str, Callable] = {}
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if info.name.startswith(_NOT_LIBRARY) or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for attribute, value in vars(module).items():
            if attribute.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__.startswith("course_utils."):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


LIBRARY = _library_functions()


def _function_problems() -> list[tuple[str, FunctionProblem]]:
    found = []
    for set_name in exercise_set_names():
        module = importlib.import_module(f"course_utils.exercise_sets.{set_name}")
        found += [
            (set_name, p) for p in module.EXERCISES.problems if isinstance(p, FunctionProblem)
        ]
    return found


PROBLEMS = _function_problems()


def test_the_library_is_found() -> None:
    assert len(LIBRARY) > 50
    assert "course_utils.conv.direct.conv2d_direct" in LIBRARY


def audit(set_name: str, label: str) -> dict[str, list]:
    """Bind every library function as the answer of exercise ``label`` of ``set_name``: the
    functions that pass, and the namesakes whose message does not name the package call."""
    problem = next(p for s, p in PROBLEMS if s == set_name and p.label == label)
    passing, unnamed = [], []
    for qualified, function in LIBRARY.items():
        problem.bind({problem.name: function})
        outcome = problem.evaluate()
        if outcome.passed:
            passing.append(qualified)
        elif qualified.rsplit(".", 1)[-1] == problem.name:
            if "calls the course's own" not in outcome.message:
                unnamed.append([qualified, outcome.message])
    return {"passing": passing, "unnamed": unnamed}


_AUDIT = """
import json, sys
sys.path.insert(0, {tests!r})
from test_package_calls import PROBLEMS, audit
print(json.dumps({{f"{{s}}.{{p.label}}": audit(s, p.label) for s, p in PROBLEMS}}))
"""


@pytest.fixture(scope="module")
def audited() -> dict[str, dict[str, list]]:
    """The audit of every function exercise, run in a child process: calling every library
    function with an exercise's arguments may change module state (a registry, a cache),
    which must not leak into the other tests."""
    script = _AUDIT.format(tests=str(Path(__file__).parent))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("set_name", "problem"), PROBLEMS, ids=[f"{s}.{p.label}" for s, p in PROBLEMS]
)
def test_no_library_function_passes_an_exercise(
    set_name: str, problem: FunctionProblem, audited: dict
) -> None:
    found = audited[f"{set_name}.{problem.label}"]
    assert not found["passing"], f"{set_name} {problem.label} is passed by calling {found}"
    assert not found["unnamed"], found["unnamed"]


def _reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return conv2d_direct(x, w)  # a reference may use the library (it is trusted code)


def _problem(**kwargs) -> FunctionProblem:
    rng = np.random.default_rng(3)
    cases = [Case((rng.standard_normal((6, 7)), rng.standard_normal((3, 2))), label="x, w")]
    return FunctionProblem("q1", "conv", _reference, cases, **kwargs)


def _outcome(answer: Callable, **kwargs):
    problem = _problem(**kwargs)
    problem.bind({"conv": answer})
    return problem.evaluate()


def test_a_wrapper_around_the_package_is_not_yet_and_named() -> None:
    def conv(x, w):
        return conv2d_direct(x, w)

    outcome = _outcome(conv)
    assert outcome.kind is Kind.INCORRECT
    assert "`course_utils.conv.direct.conv2d_direct`" in outcome.message
    assert "write that computation yourself" in outcome.message


def test_a_lambda_or_the_function_itself_is_not_yet() -> None:
    assert _outcome(conv2d_direct).kind is Kind.INCORRECT
    assert _outcome(lambda x, w: conv2d_direct(x, w)).kind is Kind.INCORRECT


def test_an_own_answer_passes_and_an_allowed_call_passes() -> None:
    def conv(x, w):
        kh, kw = w.shape
        out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
        for u in range(kh):
            for v in range(kw):
                out += w[u, v] * x[u : u + out.shape[0], v : v + out.shape[1]]
        return out

    assert _outcome(conv).passed
    allowed = _outcome(conv2d_direct, allowed_calls=("course_utils.conv.direct",))
    assert allowed.passed


def test_library_calls_made_by_the_library_itself_are_not_noted() -> None:
    from course_utils.conv import conv2d_im2col

    x, w = np.ones((5, 5)), np.ones((2, 2))
    assert call_safely(conv2d_im2col, (x, w), {}).package_call.endswith("conv2d_im2col")
    own = call_safely(lambda a, b: a.sum() + b.sum(), (x, w), {})
    assert own.package_call is None


def test_a_not_implemented_error_raised_by_a_library_is_an_error_not_a_stub() -> None:
    def answer(x, w):
        logging.Handler().emit(None)  # the standard library raises NotImplementedError here

    outcome = _outcome(answer)
    assert outcome.kind is Kind.ERROR, outcome
    assert "NotImplementedError" in outcome.message


def test_the_learners_own_not_implemented_error_is_still_not_attempted() -> None:
    def helper():
        raise NotImplementedError

    def answer(x, w):
        return helper()

    assert _outcome(answer).kind is Kind.NOT_ATTEMPTED
