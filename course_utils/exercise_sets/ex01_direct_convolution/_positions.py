"""q4: which input pixels an output pixel reads."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import Cases
from course_utils.checks.stock import (
    common_wrong_answers,
    keyword_ignored,
)
from course_utils.checks.wrong_answers import WrongAnswer, ignores_keyword

# -- q4: which input pixels an output pixel reads ------------------------------------------------


def _input_positions(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Reference: input indices (unpadded coordinates) read by output ``i`` along one axis."""
    return (i * stride - padding + dilation * np.arange(kernel)).astype(np.int64)


def _random_position(rng: np.random.Generator) -> tuple:
    kernel, stride, dilation = (int(v) for v in rng.integers(1, 5, size=3))
    i, padding = int(rng.integers(0, 20)), int(rng.integers(0, 4))
    return i, kernel, {"stride": stride, "padding": padding, "dilation": dilation}


def _position_cases() -> list[Case]:
    cases = Cases(seed=404, names=("i", "kernel"))
    for i, kernel, s, p, d in [
        (2, 3, 2, 1, 3),
        (0, 3, 1, 0, 1),
        (0, 3, 1, 1, 1),
        (4, 2, 3, 0, 2),
        (1, 5, 1, 2, 1),
        (0, 1, 1, 0, 1),
        (7, 1, 2, 3, 1),
        (3, 4, 2, 2, 3),
    ]:
        cases.add(i, kernel, stride=s, padding=p, dilation=d)
    cases.add_random(12, _random_position, note="random")
    return cases.build()


def _positions_padding_added(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * stride + padding + dilation * np.arange(kernel)


def _positions_swapped(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * dilation - padding + stride * np.arange(kernel)


def _positions_taps_from_one(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * stride - padding + dilation * np.arange(1, kernel + 1)


def _learner_positions_loop(i, kernel, stride=1, padding=0, dilation=1):
    return np.array([i * stride - padding + u * dilation for u in range(kernel)])


def _learner_float_positions(i, kernel, stride=1, padding=0, dilation=1):
    return i * stride - padding + dilation * np.arange(kernel, dtype=float)


def _learner_linspace(i, kernel, stride=1, padding=0, dilation=1):
    start = i * stride - padding
    return np.linspace(start, start + dilation * (kernel - 1), kernel)


q4 = FunctionProblem(
    "q4",
    "input_positions",
    _input_positions,
    _position_cases,
    # Positions are indices: the spec asks for int64 (what np.arange and Python ints give with
    # NumPy 2 on every platform); floats with the right values are "not yet".
    hints=[
        "Work in the padded input first: output i starts its window at padded index "
        "i·stride, and tap u of a dilated kernel sits dilation·u further along. Then convert "
        "from padded to original coordinates.",
        "The original pixel 0 sits at padded index `padding`, so original index = padded "
        "index − padding. np.arange(kernel) gives all taps u at once.",
    ],
    mistakes=[
        Mistake(
            "the padding moves the window the wrong way: in original coordinates the first "
            "window starts *before* pixel 0, in the padding.",
            _positions_padding_added,
        ),
        keyword_ignored(
            _input_positions,
            "padding",
            0,
            "these are indices into the padded input; convert them to the original input's "
            "coordinates.",
        ),
        keyword_ignored(
            _input_positions,
            "dilation",
            1,
            "the dilation is ignored: neighbouring taps of a dilated kernel are `dilation` "
            "pixels apart.",
        ),
        keyword_ignored(
            _input_positions,
            "stride",
            1,
            "the stride is ignored: output i's window starts i·stride pixels further than "
            "output 0's.",
        ),
        Mistake(
            "the taps are counted from 1: tap u = 0 is the first one, at the window's start.",
            _positions_taps_from_one,
        ),
        Mistake(
            "stride and dilation are swapped: the stride moves the window from one output to "
            "the next, the dilation spaces the taps inside one window.",
            _positions_swapped,
        ),
    ],
    wrong_answers=[
        WrongAnswer("float positions", _learner_float_positions, "dtype float64"),
        WrongAnswer("np.linspace (floats)", _learner_linspace, "expected dtype int64"),
        *common_wrong_answers(
            _learner_positions_loop, mutate_arg=None, transposed=False, as_list=True
        ),
        WrongAnswer("padding added", _positions_padding_added, "wrong way"),
        WrongAnswer(
            "padded coordinates",
            ignores_keyword(_learner_positions_loop, "padding", 0),
            "padded input",
        ),
        WrongAnswer(
            "dilation ignored",
            ignores_keyword(_learner_positions_loop, "dilation", 1),
            "dilation is ignored",
        ),
        WrongAnswer(
            "stride ignored",
            ignores_keyword(_learner_positions_loop, "stride", 1),
            "stride is ignored",
        ),
        WrongAnswer("stride and dilation swapped", _positions_swapped, "swapped"),
        WrongAnswer("taps counted from 1", _positions_taps_from_one, "counted from 1"),
    ],
)
