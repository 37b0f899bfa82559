"""Checks for ``exercises/00_warmup.ipynb``: output sizes and a first 1-D cross-correlation."""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, ValueProblem


def _output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Reference: floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _size_cases() -> list[Case]:
    fixed = [
        Case((5, 3), label="size=5, kernel=3"),
        Case((5, 5), label="size=5, kernel=5 (kernel as large as the input)"),
        Case((7, 3), {"stride": 2}, label="size=7, kernel=3, stride=2"),
        Case((8, 3), {"stride": 2}, label="size=8, kernel=3, stride=2 (does not divide evenly)"),
        Case((5, 3), {"padding": 1}, label="size=5, kernel=3, padding=1"),
        Case((9, 3), {"dilation": 2}, label="size=9, kernel=3, dilation=2"),
        Case((1, 1), label="size=1, kernel=1"),
    ]
    rng = np.random.default_rng(0)
    randoms = []
    for _ in range(20):
        kernel, dilation = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        padding, stride = int(rng.integers(0, 4)), int(rng.integers(1, 4))
        size = int(rng.integers(dilation * (kernel - 1) + 1, 40))
        kw = {"stride": stride, "padding": padding, "dilation": dilation}
        randoms.append(Case((size, kernel), kw, label=f"size={size}, kernel={kernel}, {kw}"))
    return fixed + randoms


def _no_dilation(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    return _output_size(size, kernel, stride, padding, 1)


def _one_sided_padding(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    return _output_size(size - padding, kernel, stride, padding, dilation)


def _true_division(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1


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
        Mistake("the dilation is ignored (a dilated kernel spans more input).", _no_dilation),
        Mistake("the padding is only counted on one side.", _one_sided_padding),
        Mistake("true division `/` gives a float; sizes are whole numbers.", _true_division),
    ],
)

q2 = ValueProblem(
    "q2",
    "out_height",
    _output_size(224, 7, stride=2, padding=3),
    hints=[
        "Use your `conv_output_size` from q1 (or the formula by hand).",
        "size=224, kernel=7, stride=2, padding=3, dilation=1.",
    ],
    mistakes=[
        Mistake("the padding of 3 was left out.", _output_size(224, 7, stride=2)),
        Mistake("the stride of 2 was left out.", _output_size(224, 7, padding=3)),
    ],
)


def _correlate_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.correlate(x, w, mode="valid")


def _correlate_cases() -> list[Case]:
    rng = np.random.default_rng(1)
    cases = [
        Case((np.arange(5.0), np.array([1.0, 0.0, -1.0])), label="x=[0..4], w=[1, 0, -1]"),
        Case((rng.standard_normal(6), rng.standard_normal(6)), label="len(w) == len(x)"),
        Case((rng.standard_normal(4), np.array([2.0])), label="a 1-tap kernel"),
    ]
    for seed in range(3):
        r = np.random.default_rng(10 + seed)
        n, k = int(r.integers(5, 30)), int(r.integers(2, 5))
        cases.append(
            Case((r.standard_normal(n), r.standard_normal(k)), label=f"len(x)={n}, len(w)={k}")
        )
    return cases


def _flipped(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.convolve(x, w, mode="valid")


def _full_length(x: np.ndarray, w: np.ndarray) -> Any:
    return np.correlate(x, w, mode="full")


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
        Mistake(
            "the kernel is flipped: that is convolution, but we want cross-correlation.", _flipped
        ),
        Mistake(
            "you computed the 'full' correlation; we want only windows that fit ('valid').",
            _full_length,
        ),
    ],
)

q4 = ValueProblem(
    "q4",
    "n_multiplications",
    30 * 30 * 3 * 3,
    hints=[
        "First find the output size of a valid 3×3 correlation on a 32×32 image.",
        "Each output pixel needs one multiplication per kernel tap.",
    ],
    mistakes=[
        Mistake("that counts 32×32 output pixels; a valid correlation has fewer.", 32 * 32 * 9),
        Mistake("each output pixel needs one multiplication per kernel tap.", 30 * 30),
    ],
)

EXERCISES = ExerciseSet("00_warmup", [q1, q2, q3, q4])
setup = EXERCISES.setup
