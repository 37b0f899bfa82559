"""Every exercise set: the reference passes, every known mistake fails, hints and solutions exist.

This runs for each set the lesson list names (``course_utils.lessons``; ``test_lessons.py`` shows
that it names every module in ``course_utils.exercise_sets``), so a new lesson's checks are
tested as soon as they are added.
"""

from __future__ import annotations

import importlib

import pytest

import course_utils.exercise_sets as sets
from course_utils.checks import ExerciseSet, FunctionProblem, Kind, Problem, ValueProblem
from course_utils.lessons import exercise_set_names

MODULES = list(exercise_set_names())


def _problems() -> list[tuple[str, Problem]]:
    found = []
    for name in MODULES:
        exercise_set = importlib.import_module(f"{sets.__name__}.{name}").EXERCISES
        assert isinstance(exercise_set, ExerciseSet)
        found += [(name, problem) for problem in exercise_set.problems]
    return found


PROBLEMS = _problems()
IDS = [f"{module}.{problem.label}" for module, problem in PROBLEMS]


def _answer(problem: Problem):
    if isinstance(problem, FunctionProblem):
        return problem.reference
    assert isinstance(problem, ValueProblem)
    return problem.expected


def test_there_are_exercise_sets() -> None:
    assert MODULES and PROBLEMS


@pytest.mark.parametrize(("module", "problem"), PROBLEMS, ids=IDS)
def test_reference_answer_is_correct(module: str, problem: Problem) -> None:
    problem.bind({problem.name: _answer(problem)})
    assert problem.evaluate().kind is Kind.CORRECT


@pytest.mark.parametrize(("module", "problem"), PROBLEMS, ids=IDS)
def test_every_known_mistake_is_incorrect_and_named(module: str, problem: Problem) -> None:
    assert problem.mistakes, "each exercise diagnoses at least one typical mistake"
    for mistake in problem.mistakes:
        problem.bind({problem.name: mistake.wrong})
        outcome = problem.evaluate()
        assert outcome.kind is Kind.INCORRECT, (mistake.message, outcome)
        assert mistake.message in outcome.message


@pytest.mark.parametrize(("module", "problem"), PROBLEMS, ids=IDS)
def test_untouched_stub_is_not_attempted(module: str, problem: Problem) -> None:
    def stub(*args, **kwargs):
        # YOUR CODE HERE
        raise NotImplementedError

    problem.bind({problem.name: stub if isinstance(problem, FunctionProblem) else ...})
    assert problem.evaluate().kind is Kind.NOT_ATTEMPTED


@pytest.mark.parametrize(("module", "problem"), PROBLEMS, ids=IDS)
def test_graded_hints_and_solution_text(module: str, problem: Problem) -> None:
    assert len(problem.hints) >= 2
    solution = problem.solution_note()
    assert solution.code, f"no solution found in the solutions notebook for {problem.label}"
    assert "BEGIN SOLUTION" not in solution.text


@pytest.mark.parametrize(("module", "problem"), PROBLEMS, ids=IDS)
def test_every_declared_wrong_answer_is_rejected_with_its_message(
    module: str, problem: Problem
) -> None:
    """Each wrong-but-plausible answer the set declares gets *not yet* (or *error in your
    code*), never *correct*, and the outcome names the mistake."""
    for wrong in problem.wrong_answers:
        problem.bind({problem.name: wrong.answer})
        outcome = problem.evaluate()
        assert outcome.kind in (Kind.INCORRECT, Kind.ERROR), (wrong.label, outcome)
        assert wrong.says.lower() in str(outcome).lower(), (wrong.label, wrong.says, outcome)
