"""Exercise set 0: correct alternative answers pass, and the cases keep the prompt's promises.

``test_exercise_sets.py`` shows that each reference passes, that every known mistake is named
and that every declared wrong answer is rejected with its message. Here: other correct ways to
write each answer still pass, and the cases contain what makes the wrong answers visible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.checks import Kind
from course_utils.exercise_sets import ex00_warmup as ex00


def _evaluate(problem, answer):
    problem.bind({problem.name: answer})
    return problem.evaluate()


def _size_with_floor(size, kernel, stride=1, padding=0, dilation=1):
    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


def _size_with_int(size, kernel, stride=1, padding=0, dilation=1):
    return int((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


def _size_by_counting(size, kernel, stride=1, padding=0, dilation=1):
    span = dilation * (kernel - 1) + 1
    return len(range(0, size + 2 * padding - span + 1, stride))


def _size_as_numpy_int(size, kernel, stride=1, padding=0, dilation=1):
    return np.int64(size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@pytest.mark.parametrize(
    "answer", [_size_with_floor, _size_with_int, _size_by_counting, _size_as_numpy_int]
)
def test_output_size_alternatives_pass(answer) -> None:
    assert _evaluate(ex00.q1, answer).kind is Kind.CORRECT


def test_output_size_cases_exercise_every_parameter() -> None:
    cases = ex00.q1.cases()
    for key in ("stride", "padding", "dilation"):
        assert any(case.kwargs.get(key, 0) > 1 for case in cases), key
    # a stride that does not divide the span evenly (floor vs round up)
    assert any(
        (size + 2 * c.kwargs.get("padding", 0) - kernel) % c.kwargs.get("stride", 1)
        for c in cases
        for size, kernel in [c.args]
    )


def test_value_answers_accept_numpy_integers() -> None:
    assert _evaluate(ex00.q2, np.int64(ex00.q2.expected)).kind is Kind.CORRECT
    assert _evaluate(ex00.q4, np.int64(ex00.q4.expected)).kind is Kind.CORRECT
    assert _evaluate(ex00.q2, ex00._output_size(224, 7, stride=2, padding=3)).kind is Kind.CORRECT


def _correlate_loops(x, w):
    out = np.zeros(len(x) - len(w) + 1)
    for i in range(len(out)):
        total = 0.0
        for j in range(len(w)):
            total += x[i + j] * w[j]
        out[i] = total
    return out


def _correlate_windows(x, w):
    return sliding_window_view(x, len(w)) @ w


def _correlate_by_convolving_the_flipped_kernel(x, w):
    return np.convolve(x, w[::-1], mode="valid")


def _correlate_shift_add(x, w):
    n_out = len(x) - len(w) + 1
    return sum(tap * x[j : j + n_out] for j, tap in enumerate(w))


@pytest.mark.parametrize(
    "answer",
    [
        _correlate_loops,
        _correlate_windows,
        _correlate_by_convolving_the_flipped_kernel,
        _correlate_shift_add,
    ],
)
def test_correlate_alternatives_pass(answer) -> None:
    assert _evaluate(ex00.q3, answer).kind is Kind.CORRECT


def test_correlate_cases_have_other_kernel_lengths_than_the_example() -> None:
    lengths = {len(case.args[1]) for case in ex00.q3.cases()}
    assert 1 in lengths and 3 in lengths and len(lengths) >= 3
    assert any(len(case.args[0]) == len(case.args[1]) for case in ex00.q3.cases())


def test_every_exercise_declares_at_least_three_wrong_answers() -> None:
    for problem in ex00.EXERCISES.problems:
        assert len(problem.wrong_answers) >= 3, problem.label
