"""Checks for ``exercises/00_warmup.ipynb``: output sizes and a first 1-D cross-correlation.

1. ``conv_output_size``  -- the output-size formula with stride, padding and dilation;
2. ``out_height``        -- the formula on a real layer (a value);
3. ``correlate_1d``      -- valid 1-D cross-correlation;
4. ``n_multiplications`` -- the cost of the definition (a value).

Each problem declares the wrong answers a learner is likely to write (``wrong_answers``); the
test suite shows that every one is rejected with a message naming the mistake. Sizes and counts
are integers and compared exactly (a float such as ``112.0`` is *not yet*: the learner is told to
use ``//`` or ``int``). Tolerances of q3 are given there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, ValueProblem
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers, kernel_flipped, keyword_ignored
from course_utils.checks.wrong_answers import WrongAnswer, ignores_keyword


def _output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Reference: floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _random_layer(rng: np.random.Generator) -> tuple:
    """A random kernel, dilation, padding and stride, and an input the dilated kernel fits in."""
    kernel, dilation = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    padding, stride = int(rng.integers(0, 4)), int(rng.integers(1, 4))
    size = int(rng.integers(dilation * (kernel - 1) + 1, 40))
    return size, kernel, {"stride": stride, "padding": padding, "dilation": dilation}


def _size_cases() -> list[Case]:
    cases = Cases(seed=0, names=("size", "kernel"))
    cases.add(5, 3)
    cases.add(5, 5, note="kernel as large as the input")
    cases.add(7, 3, stride=2)
    cases.add(8, 3, stride=2, note="does not divide evenly")
    cases.add(5, 3, padding=1)
    cases.add(11, 3, dilation=3)
    cases.add(1, 1)
    cases.add_random(20, _random_layer, note="random layer")
    return cases.build()


def _one_sided_padding(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    return _output_size(size - padding, kernel, stride, padding, dilation)


def _true_division(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1


def _without_plus_one(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride


def _span_d_times_k(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    return (size + 2 * padding - dilation * kernel) // stride + 1


def _rounded_up(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    return math.ceil((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


# Wrong answers as a learner writes them (the test suite runs each through the check).


def _learner_true_division(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1


def _learner_no_plus_one(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride


def _learner_span_d_times_k(size, kernel, stride=1, padding=0, dilation=1):
    span = dilation * kernel
    return (size + 2 * padding - span) // stride + 1


def _learner_one_sided(size, kernel, stride=1, padding=0, dilation=1):
    return (size + padding - dilation * (kernel - 1) - 1) // stride + 1


def _learner_ceil(size, kernel, stride=1, padding=0, dilation=1):
    return math.ceil((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


_SIZE_WRONG = [
    WrongAnswer("true division `/`", _learner_true_division, "true division"),
    WrongAnswer("the + 1 for the first position forgotten", _learner_no_plus_one, "+ 1"),
    WrongAnswer("a dilated kernel spanning d·k samples", _learner_span_d_times_k, "spans"),
    WrongAnswer("padding on one side only", _learner_one_sided, "one side"),
    WrongAnswer("rounded up instead of down", _learner_ceil, "rounded up"),
    WrongAnswer("stride ignored", ignores_keyword(_output_size, "stride", 1), "stride is ignored"),
    WrongAnswer(
        "padding ignored", ignores_keyword(_output_size, "padding", 0), "padding is ignored"
    ),
    WrongAnswer(
        "dilation ignored", ignores_keyword(_output_size, "dilation", 1), "dilation is ignored"
    ),
]

q1 = FunctionProblem(
    "q1",
    "conv_output_size",
    _output_size,
    _size_cases,
    hints=[
        "Count where the kernel's first tap can sit: the kernel must fit entirely inside the "
        "padded input, whose length is size + 2·padding.",
        "A dilated kernel of k taps spans dilation·(k − 1) + 1 input samples. Positions advance by "
        "`stride`; use floor division `//` so a partial step does not count.",
    ],
    mistakes=[
        keyword_ignored(
            _output_size,
            "dilation",
            1,
            "the dilation is ignored (a dilated kernel spans more input).",
        ),
        keyword_ignored(
            _output_size, "padding", 0, "the padding is ignored: it adds samples on both sides."
        ),
        keyword_ignored(
            _output_size,
            "stride",
            1,
            "the stride is ignored: the kernel moves `stride` samples at a time.",
        ),
        Mistake("the padding is only counted on one side.", _one_sided_padding),
        Mistake("true division `/` gives a float; sizes are whole numbers.", _true_division),
        Mistake(
            "one position short: the first position counts too (the + 1 of the formula).",
            _without_plus_one,
        ),
        Mistake(
            "a dilated kernel of k taps spans dilation·(k − 1) + 1 samples, not dilation·k.",
            _span_d_times_k,
        ),
        Mistake(
            "the number of steps was rounded up: a partial step gives no output (floor, `//`).",
            _rounded_up,
        ),
    ],
    wrong_answers=_SIZE_WRONG,
)

_LAYER = {"stride": 2, "padding": 3}

q2 = ValueProblem(
    "q2",
    "out_height",
    _output_size(224, 7, **_LAYER),
    hints=[
        "Use your `conv_output_size` from q1 (or the formula by hand).",
        "size=224, kernel=7, stride=2, padding=3, dilation=1.",
    ],
    mistakes=[
        Mistake("the padding of 3 was left out.", _output_size(224, 7, stride=2)),
        Mistake("the stride of 2 was left out.", _output_size(224, 7, padding=3)),
        Mistake("both the stride and the padding were left out.", _output_size(224, 7)),
        Mistake(
            "one row short: check the + 1 (the first position counts) and that the padding "
            "goes on both sides.",
            _without_plus_one(224, 7, **_LAYER),
        ),
        Mistake(
            "the number of steps was rounded up: a partial step gives no output (floor, `//`).",
            _rounded_up(224, 7, **_LAYER),
        ),
    ],
    wrong_answers=[
        WrongAnswer("padding left out", _output_size(224, 7, stride=2), "padding"),
        WrongAnswer("stride left out", _output_size(224, 7, padding=3), "stride"),
        WrongAnswer("neither stride nor padding", 224 - 7 + 1, "both the stride and"),
        WrongAnswer("padding on one side only", (224 + 3 - 7) // 2 + 1, "both sides"),
        WrongAnswer("rounded up", _rounded_up(224, 7, **_LAYER), "rounded up"),
        WrongAnswer("true division", _true_division(224, 7, **_LAYER), "expected an int"),
        WrongAnswer("right number as a float", float(_output_size(224, 7, **_LAYER)), "int"),
    ],
)


def _correlate_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.correlate(x, w, mode="valid")


def _signal_kernel(rng: np.random.Generator) -> tuple:
    return (int(rng.integers(5, 30)),), (int(rng.integers(2, 5)),)


def _correlate_cases() -> list[Case]:
    cases = Cases(seed=1, names=("x", "w"))
    cases.add(np.arange(5.0), np.array([1.0, 0.0, -1.0]), label="x=[0..4], w=[1, 0, -1]")
    cases.add((6,), (6,), note="len(w) == len(x)")
    cases.add((4,), np.array([2.0]), note="a 1-tap kernel")
    cases.add((1,), (1,), note="1-sample signal and kernel")
    cases.add_random(3, _signal_kernel, note="random lengths")
    return cases.build()


def _learner_np_convolve(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.convolve(x, w, mode="valid")


def _full_length(x: np.ndarray, w: np.ndarray) -> Any:
    return np.correlate(x, w, mode="full")


def _same_length(x: np.ndarray, w: np.ndarray) -> Any:
    return np.correlate(x, w, mode="same")


def _last_window_dropped(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.correlate(x, w, mode="valid")[:-1]


def _three_taps(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """A kernel length of 3 written into the code (the example's kernel has 3 taps)."""
    return np.array([x[i] * w[0] + x[i + 1] * w[1] + x[i + 2] * w[2] for i in range(len(x) - 2)])


def _learner_loops(x, w):
    out = np.zeros(len(x) - len(w) + 1)
    for i in range(len(out)):
        for j in range(len(w)):
            out[i] += x[i + j] * w[j]
    return out


def _learner_range_too_short(x, w):
    k = len(w)
    return np.array([x[i : i + k] @ w for i in range(len(x) - k)])


def _learner_int_output(x, w):
    out = np.zeros(len(x) - len(w) + 1, dtype=int)
    for i in range(len(out)):
        out[i] = x[i : i + len(w)] @ w
    return out


def _learner_three_taps(x, w):
    return np.array([x[i] * w[0] + x[i + 1] * w[1] + x[i + 2] * w[2] for i in range(len(x) - 2)])


q3 = FunctionProblem(
    "q3",
    "correlate_1d",
    _correlate_reference,
    _correlate_cases,
    # float64 sums of at most a few dozen products: round-off stays below 1e-13, so 1e-10 is
    # tight enough to catch any real mistake and loose enough for any summation order.
    rtol=1e-10,
    atol=1e-12,
    hints=[
        "Output i is the dot product of the kernel with the window x[i : i + len(w)].",
        "There are len(x) − len(w) + 1 windows. Do not reverse the kernel: deep-learning "
        "frameworks compute cross-correlation.",
    ],
    mistakes=[
        kernel_flipped(
            _correlate_reference,
            message="the kernel is flipped: that is convolution, but we want cross-correlation.",
        ),
        Mistake(
            "you computed the 'full' correlation; we want only windows that fit ('valid').",
            _full_length,
        ),
        Mistake(
            "you computed the 'same' correlation (as long as x, with zeros beyond the ends); we "
            "want only windows that fit ('valid').",
            _same_length,
        ),
        Mistake(
            "the last window is missing: there are len(x) − len(w) + 1 windows, so "
            "range(len(x) − len(w)) stops one early.",
            _last_window_dropped,
        ),
        Mistake(
            "the kernel length is fixed at 3 taps in your code; use len(w), the checks use "
            "other kernel lengths too.",
            _three_taps,
        ),
    ],
    wrong_answers=[
        *common_wrong_answers(
            _learner_loops, kernel_arg=1, wrong_dtype=np.float32, transposed=False, as_list=True
        ),
        WrongAnswer("np.convolve instead of a correlation", _learner_np_convolve, "flipped"),
        WrongAnswer("'full' mode", _full_length, "'full'"),
        WrongAnswer("'same' mode", _same_length, "'same'"),
        WrongAnswer("range one short", _learner_range_too_short, "last window is missing"),
        WrongAnswer("only 3-tap kernels", _learner_three_taps, "fixed at 3 taps"),
        WrongAnswer("an integer output array", _learner_int_output, "dtype int64"),
    ],
)

_WINDOWS = _output_size(32, 3) ** 2

q4 = ValueProblem(
    "q4",
    "n_multiplications",
    _WINDOWS * 3 * 3,
    hints=[
        "First find the output size of a valid 3×3 correlation on a 32×32 image.",
        "Each output pixel needs one multiplication per kernel tap.",
    ],
    mistakes=[
        Mistake("that counts 32×32 output pixels; a valid correlation has fewer.", 32 * 32 * 9),
        Mistake("each output pixel needs one multiplication per kernel tap.", 30 * 30),
        Mistake("a 3×3 kernel has 9 taps, not 3.", 30 * 30 * 3),
        Mistake(
            "that counts multiplications and additions (2 flops per tap); the question asks "
            "for multiplications only.",
            2 * _WINDOWS * 9,
        ),
        Mistake(
            "the output size is off by one: count again the positions where a 3-tap kernel "
            "fits entirely inside a 32-pixel row.",
            29 * 29 * 9,
        ),
        Mistake(
            "the output size is off by one: count again the positions where a 3-tap kernel "
            "fits entirely inside a 32-pixel row.",
            31 * 31 * 9,
        ),
    ],
    wrong_answers=[
        WrongAnswer("'same'-sized output", 32 * 32 * 9, "32×32 output pixels"),
        WrongAnswer("one multiplication per pixel", 30 * 30, "per kernel tap"),
        WrongAnswer("3 taps", 30 * 30 * 3, "9 taps"),
        WrongAnswer("flops instead of multiplications", 2 * 30 * 30 * 9, "additions"),
        WrongAnswer("output one row short", 29 * 29 * 9, "off by one"),
        WrongAnswer("output one row long", 31 * 31 * 9, "off by one"),
        WrongAnswer("right number as a float", 8100.0, "int"),
    ],
)

# q2 and q4 are meant to be computed with the learner's conv_output_size from q1.
q2.uses = q4.uses = ("q1",)

EXERCISES = ExerciseSet("00_warmup", [q1, q2, q3, q4])
setup = EXERCISES.setup
