"""The checking engine: every outcome, and hostile answers that must never pass or crash."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from course_utils.checks import (
    Case,
    ExerciseSet,
    FunctionProblem,
    Kind,
    Mistake,
    StrictModeMismatch,
    ValueProblem,
    looks_like_stub,
)
from course_utils.checks.strict import STRICT_ENV, expected_kind


def _reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.correlate(x, w, mode="valid")


def _cases() -> list[Case]:
    rng = np.random.default_rng(0)
    return [Case((rng.standard_normal(n), rng.standard_normal(3))) for n in (5, 8, 13)]


def _problem(**kwargs) -> FunctionProblem:
    options = {
        "mistakes": [Mistake("the kernel is flipped.", lambda x, w: np.convolve(x, w, "valid"))],
        "rtol": 1e-10,
        "atol": 1e-12,
        "timeout": 1.0,
    }
    options.update(kwargs)
    return FunctionProblem("q1", "f", _reference, _cases, **options)


def _outcome(fn, problem: FunctionProblem | None = None):
    problem = problem or _problem()
    problem.bind({"f": fn})
    return problem.evaluate()


# -- the four outcomes --------------------------------------------------------------------------


def test_correct_answer() -> None:
    outcome = _outcome(lambda x, w: np.array([x[i : i + len(w)] @ w for i in range(len(x) - 2)]))
    assert outcome.kind is Kind.CORRECT, outcome


def test_missing_name_is_not_attempted() -> None:
    problem = _problem()
    problem.bind({})
    assert problem.evaluate().kind is Kind.NOT_ATTEMPTED
    assert "not defined" in problem.evaluate().message


def test_unbound_problem_is_not_attempted() -> None:
    assert _problem().evaluate().kind is Kind.NOT_ATTEMPTED


def test_stub_raising_not_implemented_is_not_attempted() -> None:
    def f(x, w):
        # YOUR CODE HERE
        raise NotImplementedError

    assert _outcome(f).kind is Kind.NOT_ATTEMPTED


def test_stub_with_ellipsis_or_pass_is_not_attempted() -> None:
    def f(x, w):
        """Docstring kept."""
        ...

    def g(x, w):
        pass

    assert looks_like_stub(f) and looks_like_stub(g)
    assert _outcome(f).kind is Kind.NOT_ATTEMPTED
    assert _outcome(g).kind is Kind.NOT_ATTEMPTED


def test_name_bound_to_ellipsis_is_not_attempted() -> None:
    assert _outcome(...).kind is Kind.NOT_ATTEMPTED


def test_code_that_raises_not_implemented_later_is_not_attempted() -> None:
    def f(x, w):
        y = x * 2
        raise NotImplementedError(y)

    assert _outcome(f).kind is Kind.NOT_ATTEMPTED


def test_exception_is_error_with_type_message_and_inputs() -> None:
    def f(x, w):
        return x[100]

    outcome = _outcome(f)
    assert outcome.kind is Kind.ERROR
    assert "IndexError" in outcome.message
    assert any("case 1 of 3" in line and "shape=(5,)" in line for line in outcome.details)


# -- hostile answers ----------------------------------------------------------------------------


def test_returns_none_is_incorrect_and_says_return() -> None:
    def f(x, w):
        np.correlate(x, w, "valid")

    outcome = _outcome(f)
    assert outcome.kind is Kind.INCORRECT
    assert "return" in outcome.message


def test_wrong_shape_is_incorrect_and_names_shapes() -> None:
    outcome = _outcome(lambda x, w: np.correlate(x, w, mode="full"))
    assert outcome.kind is Kind.INCORRECT
    assert "shape" in str(outcome)


def test_off_by_one_shape_is_diagnosed() -> None:
    outcome = _outcome(lambda x, w: np.correlate(x, w, mode="valid")[:-1])
    assert outcome.kind is Kind.INCORRECT
    assert "off by one" in outcome.message


def test_wrong_dtype_is_incorrect() -> None:
    outcome = _outcome(lambda x, w: np.correlate(x, w, mode="valid").astype(np.float32))
    assert outcome.kind is Kind.INCORRECT
    assert "dtype float32" in str(outcome)


def test_right_values_in_the_wrong_dtype_are_not_named_as_a_mistake() -> None:
    # The reference itself counts as a "mistake" here: it coincides with the answer on every
    # case, so it can never be what is wrong; the plain dtype reason must be reported.
    problem = _problem(mistakes=[Mistake("the kernel is flipped.", _reference)])
    outcome = _outcome(lambda x, w: _reference(x, w).astype(np.float32), problem)
    assert outcome.kind is Kind.INCORRECT
    assert "dtype float32" in str(outcome) and "typical mistake" not in str(outcome)


def test_dtype_ignored_when_problem_says_so() -> None:
    problem = _problem(check_dtype=False, rtol=1e-5, atol=1e-6)
    outcome = _outcome(lambda x, w: np.correlate(x, w, "valid").astype(np.float32), problem)
    assert outcome.kind is Kind.CORRECT


def test_complex_answer_to_a_real_problem_is_incorrect_without_warnings() -> None:
    import warnings

    problem = _problem(check_dtype=False)
    correct_real_part = lambda x, w: np.correlate(x, w, "valid") + 1j  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would reach the learner's notebook
        outcome = _outcome(correct_real_part, problem)
    assert outcome.kind is Kind.INCORRECT
    assert "complex values" in outcome.message


def test_nan_is_incorrect() -> None:
    outcome = _outcome(lambda x, w: np.full(len(x) - 2, np.nan))
    assert outcome.kind is Kind.INCORRECT
    assert "NaN" in str(outcome)


def test_list_instead_of_array_is_incorrect() -> None:
    outcome = _outcome(lambda x, w: list(np.correlate(x, w, "valid")))
    assert outcome.kind is Kind.INCORRECT
    assert "NumPy array" in str(outcome)


def test_known_mistake_is_named_without_the_answer() -> None:
    outcome = _outcome(lambda x, w: np.convolve(x, w, mode="valid"))
    assert outcome.kind is Kind.INCORRECT
    assert "flipped" in outcome.message
    assert "[" not in outcome.message  # no array values in the message


def test_small_float_error_within_tolerance_passes_and_larger_fails() -> None:
    assert _outcome(lambda x, w: np.correlate(x, w, "valid") * (1 + 1e-13)).kind is Kind.CORRECT
    assert _outcome(lambda x, w: np.correlate(x, w, "valid") * (1 + 1e-6)).kind is Kind.INCORRECT


def test_mutating_input_cannot_corrupt_the_comparison() -> None:
    def f(x, w):
        x[:] = 0.0  # vandalise the input
        w[:] = 0.0
        return np.zeros(len(x) - 2)

    outcome = _outcome(f)
    assert outcome.kind is Kind.INCORRECT  # zeros are wrong for the original input


def test_answer_that_mutates_its_input_is_not_yet() -> None:
    def f(x, w):
        out = np.correlate(x, w, "valid")
        x *= 2
        return out

    outcome = _outcome(f)
    assert outcome.kind is Kind.INCORRECT
    assert "in place" in outcome.message


def test_mutation_is_only_a_note_where_the_exercise_allows_it() -> None:
    def f(x, w):
        out = np.correlate(x, w, "valid")
        x *= 2
        return out

    outcome = _outcome(f, _problem(may_mutate=True))
    assert outcome.kind is Kind.CORRECT
    assert any("in place" in line for line in outcome.details)


def test_infinite_loop_times_out() -> None:
    def f(x, w):
        while True:
            pass

    start = time.perf_counter()
    outcome = _outcome(f, _problem(timeout=0.3))
    assert outcome.kind is Kind.ERROR
    assert "Timed out" in outcome.message
    assert time.perf_counter() - start < 5


def test_printing_a_lot_is_captured(capsys: pytest.CaptureFixture[str]) -> None:
    def f(x, w):
        for _ in range(10_000):
            print("spam " * 20)
        return np.correlate(x, w, "valid")

    outcome = _outcome(f)
    assert outcome.kind is Kind.CORRECT
    assert "spam" not in capsys.readouterr().out
    assert any("printed" in line for line in outcome.details)


def test_returning_the_reference_output_object_is_judged_by_value() -> None:
    shared: dict[str, np.ndarray] = {}

    def reference(x, w):
        shared["out"] = np.correlate(x, w, "valid")
        return shared["out"]

    def f(x, w):
        wrong = shared["out"]  # the very object the reference returned ...
        wrong += 1.0  # ... vandalised in place
        return wrong

    problem = FunctionProblem("q1", "f", reference, _cases, rtol=1e-10)
    problem.bind({"f": f})
    assert problem.evaluate().kind is Kind.INCORRECT


def test_system_exit_does_not_escape() -> None:
    def f(x, w):
        sys.exit(3)

    assert _outcome(f).kind is Kind.ERROR


def test_non_callable_is_incorrect() -> None:
    outcome = _outcome(42)
    assert outcome.kind is Kind.INCORRECT and "function" in outcome.message


def test_hostile_eq_does_not_crash() -> None:
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no")

    problem = ValueProblem("q2", "v", 3)
    problem.bind({"v": Weird()})
    assert problem.evaluate().kind is Kind.INCORRECT


def test_broken_reference_is_reported_not_raised() -> None:
    def reference(x, w):
        raise RuntimeError("checker bug")

    problem = FunctionProblem("q1", "f", reference, _cases)
    problem.bind({"f": _reference})
    outcome = problem.evaluate()
    assert outcome.kind is Kind.ERROR and "check itself" in outcome.message


def test_every_known_mistake_is_incorrect_never_correct() -> None:
    for mistake in _problem().mistakes:
        assert _outcome(mistake.wrong).kind is Kind.INCORRECT


# -- value problems -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (112, Kind.CORRECT, "right"),
        (..., Kind.NOT_ATTEMPTED, "..."),
        (113, Kind.INCORRECT, "off by one"),
        (109, Kind.INCORRECT, "padding"),
        (112.0, Kind.INCORRECT, "int"),
        ("112", Kind.INCORRECT, "int"),
        (None, Kind.INCORRECT, "int"),
    ],
)
def test_value_problem(value, kind: Kind, text: str) -> None:
    problem = ValueProblem("q2", "v", 112, mistakes=[Mistake("the padding was left out.", 109)])
    problem.bind({"v": value})
    outcome = problem.evaluate()
    assert outcome.kind is kind, outcome
    assert text in outcome.message


def test_float_value_uses_tolerance() -> None:
    problem = ValueProblem("q", "v", 0.1 + 0.2, rtol=1e-9)
    problem.bind({"v": 0.3})
    assert problem.evaluate().kind is Kind.CORRECT


# -- display, hints, solutions, strict mode -----------------------------------------------------


def test_outcome_has_html_and_text() -> None:
    outcome = _outcome(lambda x, w: np.convolve(x, w, "valid"))
    assert "not yet" in outcome._repr_html_() and "<div" in outcome._repr_html_()
    assert str(outcome).startswith("✘ q1: not yet")


def test_check_prints_and_never_raises(capsys: pytest.CaptureFixture[str]) -> None:
    problem = _problem()
    problem.bind({"f": lambda x, w: 1 / 0})
    problem.check()
    assert "error in your code" in capsys.readouterr().out


def test_hints_are_graded_and_out_of_range_is_explained() -> None:
    problem = _problem(hints=["first", "second"])
    assert problem.hint_note(1).text == "first"
    assert problem.hint_note(2).text == "second"
    assert "hint(1) to hint(2)" in problem.hint_note(3).text


def test_solution_missing_is_explained() -> None:
    note = _problem().solution_note()
    assert "not available" in note.title


def test_exercise_set_binds_and_rejects_duplicates() -> None:
    one, two = _problem(), ValueProblem("q2", "v", 1)
    ns = {"f": _reference, "v": 1}
    exercise_set = ExerciseSet("nothing_here", [one, two])
    assert exercise_set.setup(ns) == (one, two)
    assert all(o.passed for o in exercise_set.evaluate_all().values())
    with pytest.raises(ValueError, match="duplicate"):
        ExerciseSet("x", [ValueProblem("q1", "a", 1), ValueProblem("q1", "b", 2)])


def test_strict_mode(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    problem = _problem()
    problem.bind({})
    monkeypatch.setenv(STRICT_ENV, "correct")
    with pytest.raises(StrictModeMismatch, match="not attempted"):
        problem.check()
    monkeypatch.setenv(STRICT_ENV, "not-attempted")
    problem.check()  # as expected: no error
    monkeypatch.setenv(STRICT_ENV, "auto")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    assert expected_kind(tmp_path / "solutions") is Kind.CORRECT
    assert expected_kind(tmp_path / "exercises") is Kind.NOT_ATTEMPTED
    assert expected_kind(tmp_path) is None
    monkeypatch.setenv(STRICT_ENV, "off")
    assert expected_kind() is None
    monkeypatch.setenv(STRICT_ENV, "bogus")
    with pytest.raises(ValueError, match="COURSE_STRICT"):
        expected_kind()
