"""In-notebook checks against hostile or careless answers: nothing escapes ``check()``, the
time limit cannot be swallowed, and answers that lie about themselves are read as plain data."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from course_utils.checks import Case, FunctionProblem, Kind, ValueProblem
from course_utils.checks.plain import (
    DtypeName,
    Opaque,
    PlainError,
    TensorData,
    decode,
    encode,
    to_live,
    to_plain,
)


def _reference(x):
    return x * 2.0


def _cases():
    return [Case((np.arange(4.0),)), Case((np.linspace(-1, 1, 5),))]


def _outcome(fn, timeout: float = 1.0):
    problem = FunctionProblem("q1", "f", _reference, _cases, timeout=timeout)
    problem.bind({"f": fn})
    return problem.evaluate()


class _Lying(np.ndarray):
    def __eq__(self, other):  # noqa: D105
        return np.ones(np.shape(self), dtype=bool)

    __ne__ = __eq__

    def __array_ufunc__(self, *args, **kwargs):
        return np.zeros(3, dtype=bool)


def test_a_base_exception_subclass_becomes_an_error_outcome() -> None:
    class Escape(BaseException):
        def __str__(self):
            raise RuntimeError("a hostile __str__ must not run")

    def f(x):
        raise Escape("out")

    outcome = _outcome(f)
    assert outcome.kind is Kind.ERROR and "Escape" in outcome.message


@pytest.mark.parametrize("error", [SystemExit(3), GeneratorExit(), KeyboardInterrupt()])
def test_exit_generator_exit_and_self_raised_keyboard_interrupt_do_not_escape(error) -> None:
    def f(x):
        raise error

    assert _outcome(f).kind is Kind.ERROR


def test_a_bare_except_cannot_swallow_the_time_limit() -> None:
    def f(x):
        total = 0
        while True:
            try:
                while True:
                    total += 1
            except:  # noqa: E722 - the point of the test
                total -= 1

    start = time.perf_counter()
    outcome = _outcome(f, timeout=0.3)
    assert time.perf_counter() - start < 5
    assert outcome.kind is Kind.ERROR and "Timed out" in outcome.message
    assert "caught the time-out" in outcome.message


def test_catching_the_time_out_and_returning_does_not_pass() -> None:
    def f(x):
        try:
            while True:
                x = x + 0
        except BaseException:
            return x * 2.0

    outcome = _outcome(f, timeout=0.3)
    assert outcome.kind is Kind.ERROR and "Timed out" in outcome.message


def test_an_ndarray_subclass_that_lies_is_judged_by_its_values() -> None:
    def f(x):
        return np.zeros_like(x).view(_Lying)

    assert _outcome(f).kind is Kind.INCORRECT


def test_object_dtype_arrays_are_rejected_with_a_reason() -> None:
    class Anything:
        def __eq__(self, other):
            return True

    def f(x):
        return np.array([Anything() for _ in x], dtype=object)

    outcome = _outcome(f)
    assert outcome.kind is Kind.INCORRECT and "dtype=object" in outcome.message


def test_a_tensor_subclass_is_rejected_without_calling_its_methods() -> None:
    class Liar(torch.Tensor):
        def numpy(self):
            raise AssertionError("must not be called")

    problem = FunctionProblem("q1", "f", lambda x: x * 2, [Case((torch.arange(3.0),))], timeout=1.0)
    problem.bind({"f": lambda x: (x * 2).as_subclass(Liar)})
    outcome = problem.evaluate()
    assert outcome.kind is Kind.INCORRECT and "subclass of torch.Tensor" in outcome.message


def test_an_int_subclass_equal_to_everything_is_read_as_its_value() -> None:
    class AlwaysEqual(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    problem = ValueProblem("q2", "n", 112)
    problem.bind({"n": AlwaysEqual(7)})
    assert problem.evaluate().kind is Kind.INCORRECT


def test_plain_data_round_trips_through_bytes() -> None:
    value = (
        np.arange(6, dtype=np.float32).reshape(2, 3),
        torch.arange(3, dtype=torch.int64),
        {"a": [1, 2.5, float("nan"), 1j, b"x", None, ...]},
        np.float32,
        torch.float64,
        np.int64(3),
        object(),
    )
    plain = to_plain(value)
    back = decode(encode(plain))
    assert isinstance(back[1], TensorData) and back[1].dtype == "torch.int64"
    assert back[3] == DtypeName("float32") and back[4] == DtypeName("torch.float64")
    assert isinstance(back[6], Opaque)
    assert np.array_equal(back[0], value[0]) and back[0].dtype == np.float32
    live = to_live(back)
    assert isinstance(live[1], torch.Tensor) and live[3] is np.float32


@pytest.mark.parametrize(
    "data",
    [b"not json", b'{"__ndarray__": "AAAA", "x": 1}', b'{"__evil__": 1}', b"\xff\xfe"],
)
def test_malformed_bytes_are_a_plain_error(data: bytes) -> None:
    with pytest.raises(PlainError):
        decode(data)


def test_outcome_html_shows_code_spans_and_escapes_the_rest() -> None:
    def f(x):
        raise ValueError("<script>alert(1)</script>")

    html = _outcome(f)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_name_error_says_to_run_the_cells_above() -> None:
    def f(x):
        return undefined_helper(x)  # noqa: F821 - a name from a cell not run yet

    outcome = _outcome(f)
    assert outcome.kind is Kind.ERROR and "Run All Above" in outcome.message


def test_a_failing_exercise_says_when_the_one_it_builds_on_is_not_correct() -> None:
    from course_utils.exercise_sets import ex00_warmup

    namespace = {
        "conv_output_size": lambda size, kernel, stride=1, padding=0, dilation=1: size,
        "out_height": 224,
    }
    for problem in ex00_warmup.EXERCISES.problems:
        problem.bind(namespace)
    outcome = ex00_warmup.q2.evaluate()
    assert outcome.kind is Kind.INCORRECT
    assert outcome.message.startswith("q2 builds on your `conv_output_size` from q1")
    namespace["out_height"] = 112
    assert ex00_warmup.q2.evaluate().kind is Kind.CORRECT  # right is right, whatever q1 says


def test_a_time_limit_per_reference_grows_with_a_slow_machine() -> None:
    def slow_reference(x):
        time.sleep(0.05)
        return x * 2.0

    problem = FunctionProblem("q1", "f", slow_reference, _cases, timeout=0.5)
    assert problem.time_limit() == 0.5
    problem.timeout_per_reference = 30.0
    assert 1.4 < problem.time_limit() < 5  # 30 x ~0.05 s, measured here
