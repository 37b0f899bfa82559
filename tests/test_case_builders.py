"""The engine's case builders and stock mistakes (course_utils.checks.cases / .stock)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.checks import FunctionProblem
from course_utils.checks.cases import (
    IMAGE_KERNEL_EDGES,
    Cases,
    is_shape,
    keep,
    random_array,
    random_image_kernel,
)
from course_utils.checks.stock import (
    common_wrong_answers,
    kernel_flipped,
    keyword_ignored,
    last_window_dropped,
)
from course_utils.conv import conv2d_direct


def test_shapes_become_seeded_random_arrays_and_values_pass_unchanged():
    fixed = np.arange(6.0).reshape(2, 3)
    first = Cases(seed=1, names=("x", "w")).add((4, 5), fixed, kernel_size=keep((3, 3)))
    again = Cases(seed=1, names=("x", "w")).add((4, 5), fixed, kernel_size=keep((3, 3)))
    assert first.args[0].shape == (4, 5) and first.args[0].dtype == np.float64
    np.testing.assert_array_equal(first.args[0], again.args[0])
    assert first.args[1] is fixed
    assert first.kwargs == {"kernel_size": (3, 3)}
    assert first.label == "x (4, 5), w (2, 3), kernel_size=(3, 3)"


def test_labels_name_dtype_backend_and_note():
    cases = Cases(seed=0, names=("x",), backend="torch", dtype=torch.float32)
    case = cases.add((2, 3), 7, note="odd")
    assert isinstance(case.args[0], torch.Tensor) and case.args[0].dtype == torch.float32
    assert case.label == "x tensor (2, 3) float32, arg2 7 (odd)"
    ints = Cases(seed=0, names=("x",)).add((3,), dtype=np.int64)
    assert ints.args[0].dtype == np.int64 and "int64" in ints.label


def test_edges_and_random_shapes():
    cases = Cases(seed=3, names=("x", "w"))
    cases.add_edges(IMAGE_KERNEL_EDGES, stride=1)
    cases.add_random(4, lambda rng: (*random_image_kernel(rng), {"stride": 2}))
    built = cases.build()
    assert len(built) == len(IMAGE_KERNEL_EDGES) + 4
    assert all(c.args[1].shape[0] <= c.args[0].shape[0] for c in built)
    assert built[-1].kwargs == {"stride": 2} and "random shapes" in built[-1].label
    assert "1×1 image" in built[1].label


def test_random_array_kinds():
    rng = np.random.default_rng(0)
    assert random_array(rng, (100,), np.int32).dtype == np.int32
    uniform = random_array(rng, (1000,), np.float32, low=2.0, high=3.0)
    assert uniform.dtype == np.float32 and 2.0 <= uniform.min() and uniform.max() < 3.0
    assert random_array(rng, (3,), np.complex128).dtype == np.complex128
    assert is_shape((1, 2)) and not is_shape((True, 2)) and not is_shape(()) and not is_shape(3)
    with pytest.raises(ValueError, match="backend"):
        Cases(seed=0, backend="jax")


def _reference(x, w, stride=1):
    return conv2d_direct(x, w, stride=stride)


def _problem(mistakes=(), wrong_answers=()):
    cases = Cases(seed=5, names=("x", "w"))
    cases.add_edges(IMAGE_KERNEL_EDGES[:1])
    cases.add((9, 8), (3, 2), stride=2)
    return FunctionProblem(
        "q",
        "corr",
        _reference,
        cases.build(),
        mistakes=mistakes,
        wrong_answers=wrong_answers,
        allowed_calls=("course_utils.conv.direct",),  # the wrong answers here are built on it
    )


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda x, w, stride=1: _reference(x, w[::-1, ::-1], stride), "kernel is flipped"),
        (lambda x, w, stride=1: _reference(x, w, stride)[..., :-1, :-1], "one position early"),
    ],
)
def test_stock_mistakes_name_the_mistake(wrong, says):
    problem = _problem([kernel_flipped(_reference), last_window_dropped(_reference)])
    problem.bind({"corr": wrong})
    outcome = problem.evaluate()
    assert not outcome.passed and says in outcome.message


def test_keyword_ignored_names_the_keyword():
    problem = _problem([keyword_ignored(_reference, "stride", 1)])
    problem.bind({"corr": lambda x, w, stride=1: _reference(x, w)})
    outcome = problem.evaluate()
    assert not outcome.passed and "`stride` seems to be ignored" in outcome.message


def test_common_wrong_answers_are_each_rejected_with_their_message():
    def learner(x, w, stride=1):
        return _reference(x, w, stride)

    answers = common_wrong_answers(learner, kernel_arg=1, wrong_dtype=np.float32, as_list=True)
    assert [a.label for a in answers] == [
        "kernel flipped",
        "float32 result",
        "input changed in place",
        "result transposed",
        "nested Python lists",
    ]
    problem = _problem([kernel_flipped(_reference)])
    for answer in answers:
        problem.bind({"corr": answer.answer})
        outcome = problem.evaluate()
        text = " ".join([outcome.message, *outcome.details]).lower()
        assert not outcome.passed, answer.label
        assert answer.says.lower() in text, (answer.label, text)
    problem.bind({"corr": learner})
    assert problem.evaluate().passed


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5, 6)], ids=["square", "batched"])
def test_a_transposed_output_is_named_also_when_square_or_batched(shape):
    cases = Cases(seed=1, names=("x",))
    cases.add(shape)
    problem = FunctionProblem("q", "double", lambda x: 2.0 * x, cases.build())
    problem.bind({"double": lambda x: np.swapaxes(2.0 * x, -1, -2)})
    outcome = problem.evaluate()
    assert not outcome.passed and "transpose" in outcome.message


def test_the_stock_torch_dtype_wrong_answer_is_rejected_with_its_message():
    cases = Cases(seed=2, names=("x",), backend="torch", dtype=torch.float64)
    cases.add((3, 4))
    (wrong,) = common_wrong_answers(
        lambda x: 2.0 * x, wrong_dtype=torch.float32, mutate_arg=None, transposed=False
    )
    problem = FunctionProblem("q", "double", lambda x: 2.0 * x, cases.build())
    problem.bind({"double": wrong.answer})
    outcome = problem.evaluate()
    assert not outcome.passed and wrong.says in outcome.message, outcome.message
