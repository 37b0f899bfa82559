"""q1 valid cross-correlation with loops and q2 zero padding (one channel)."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import IMAGE_KERNEL_EDGES, Cases
from course_utils.checks.stock import (
    common_wrong_answers,
    kernel_flipped,
    last_window_dropped,
)
from course_utils.checks.wrong_answers import WrongAnswer
from course_utils.conv import conv2d_direct, pad2d
from course_utils.exercise_sets.ex01_direct_convolution._common import ATOL, RTOL, _learner_loops

# -- q1: valid cross-correlation with loops ------------------------------------------------------


def _correlate_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Reference: valid 2-D cross-correlation, (H, W) x (kh, kw) -> (H-kh+1, W-kw+1)."""
    return conv2d_direct(x, w)


def _correlate_cases() -> list[Case]:
    cases = Cases(seed=101, names=("x", "w"))
    cases.add(np.arange(20.0).reshape(4, 5), np.array([[1.0, 2.0], [3.0, 5.0]]), note="example")
    cases.add((7, 9), (3, 2), note="non-square image and kernel")
    cases.add((6, 5), (2, 4))
    cases.add((8, 8), (3, 3))
    cases.add_edges(IMAGE_KERNEL_EDGES)
    cases.add((12, 15), (5, 4))
    return cases.build()


def _full_correlation(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    kh, kw = w.shape
    return conv2d_direct(pad2d(x, (kh - 1, kw - 1)), w)


def _square_image_assumed(x: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """The output's width computed from the image's height (only computable when H <= W)."""
    if x.shape[0] > x.shape[1]:
        return None
    return conv2d_direct(x, w)[:, : x.shape[0] - w.shape[1] + 1]


# Wrong answers as a learner writes them.


def _learner_range_too_short(x, w):
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh, x.shape[1] - kw))
    for i in range(x.shape[0] - kh):
        for j in range(x.shape[1] - kw):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * w)
    return out


def _learner_square_image(x, w):
    kh, kw = w.shape
    size = x.shape[0]
    out = np.zeros((size - kh + 1, size - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * w)
    return out


def _learner_square_kernel(x, w):
    k = w.shape[0]
    out = np.zeros((x.shape[0] - k + 1, x.shape[1] - k + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(k):
                for v in range(k):
                    out[i, j] += x[i + u, j + v] * w[u, v]
    return out


def _learner_integer_output(x, w):
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1), dtype=int)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * w)
    return out


q1 = FunctionProblem(
    "q1",
    "correlate2d_loops",
    _correlate_valid,
    _correlate_cases,
    rtol=RTOL,
    atol=ATOL,
    hints=[
        "First compute the output shape: a kh×kw kernel fits in H − kh + 1 vertical and "
        "W − kw + 1 horizontal positions. Allocate the output with np.zeros, then fill it.",
        "Two loops over the output (i, j); inside, two loops over the kernel taps (u, v) that "
        "add x[i + u, j + v] * w[u, v]. The tap (u, v) of the kernel always multiplies the "
        "input pixel at the same offset (u, v) from the window's top-left corner: no flipping.",
    ],
    mistakes=[
        kernel_flipped(_correlate_valid),
        Mistake(
            "you computed the 'full' correlation (every partial overlap); we want only the "
            "positions where the whole kernel fits ('valid').",
            _full_correlation,
        ),
        last_window_dropped(_correlate_valid),
        Mistake(
            "the output's width was computed from the image's height: use x.shape[1] for the "
            "columns (the checks use non-square images).",
            _square_image_assumed,
        ),
    ],
    wrong_answers=[
        WrongAnswer("'full' correlation", _full_correlation, "'full'"),
        WrongAnswer("range(H - kh) one short", _learner_range_too_short, "one position early"),
        WrongAnswer("a square image assumed", _learner_square_image, "non-square images"),
        WrongAnswer("a square kernel assumed", _learner_square_kernel, "non-square"),
        WrongAnswer("an integer output array", _learner_integer_output, "dtype int64"),
        *common_wrong_answers(_learner_loops, kernel_arg=1, wrong_dtype=np.float32, as_list=True),
    ],
)


# -- q2: zero padding -------------------------------------------------------------------------


def _correlate_padded(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    """Reference: zero-pad by ``padding`` on all four sides, then valid cross-correlation."""
    return conv2d_direct(x, w, padding=padding)


def _padded_cases() -> list[Case]:
    cases = Cases(seed=202, names=("x", "w", "padding"))
    cases.add((6, 7), (3, 3), 1)
    cases.add((5, 8), (3, 2), 2)
    cases.add((7, 5), (2, 3), 0, note="no padding")
    cases.add((2, 3), (3, 3), 1, note="kernel larger than the image")
    cases.add((1, 1), (3, 3), 1, note="1×1 image")
    cases.add((1, 1), (1, 1), 3, note="1×1 kernel")
    cases.add((4, 5), (5, 5), 3)
    cases.add((9, 6), (4, 2), 1, note="even kernel")
    return cases.build()


def _padding_forgotten(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(x, w)


def _padding_one_side(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(pad2d(x, (padding, 0, padding, 0)), w)


def _padding_edge(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(np.pad(x, padding, mode="edge"), w)


def _padding_doubled(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(x, w, padding=2 * padding)


def _output_kept_at_input_size(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray | None:
    """The output allocated with the input's shape ('same'), filled from the padded image."""
    out = conv2d_direct(x, w, padding=padding)
    if out.shape[0] < x.shape[0] or out.shape[1] < x.shape[1]:
        return None
    return out[: x.shape[0], : x.shape[1]]


def _padded_image_truncated(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    """Zero padding into an integer array: copying x into it truncated every pixel."""
    return conv2d_direct(np.pad(np.trunc(x), padding), w)


def _learner_padded(x, w, padding):
    height, width = x.shape
    padded = np.zeros((height + 2 * padding, width + 2 * padding))
    padded[padding : padding + height, padding : padding + width] = x
    return _learner_loops(padded, w)


def _learner_integer_canvas(x, w, padding):
    height, width = x.shape
    padded = np.zeros((height + 2 * padding, width + 2 * padding), dtype=int)
    padded[padding : padding + height, padding : padding + width] = x  # truncates silently
    return _learner_loops(padded, w)


def _learner_padding_ignored(x, w, padding):
    return _learner_loops(x, w)


def _learner_edge(x, w, padding):
    return _learner_loops(np.pad(x, padding, mode="edge"), w)


def _learner_one_side(x, w, padding):
    return _learner_loops(np.pad(x, ((padding, 0), (padding, 0))), w)


def _learner_doubled(x, w, padding):
    return _learner_loops(np.pad(x, 2 * padding), w)


def _learner_same_size(x, w, padding):
    padded = np.pad(x, padding)
    kh, kw = w.shape
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = np.sum(padded[i : i + kh, j : j + kw] * w)
    return out


q2 = FunctionProblem(
    "q2",
    "correlate2d_padded",
    _correlate_padded,
    _padded_cases,
    rtol=RTOL,
    atol=ATOL,
    hints=[
        "Build a bigger array of zeros, copy the image into its middle, then call your "
        "correlate2d_loops on it. How much bigger must it be, along each axis?",
        "`padding` zeros go on *each* of the four sides, so the padded image has shape "
        "(H + 2·padding, W + 2·padding) and the image starts at row `padding`, column "
        "`padding`. np.pad(x, padding) does this (its default fill is zero).",
    ],
    mistakes=[
        Mistake("the padding was not applied (the output is the valid one).", _padding_forgotten),
        Mistake(
            "the zeros were added on one side only (top and left); padding goes on both sides.",
            _padding_one_side,
        ),
        Mistake(
            "the border was filled by repeating the edge pixels; zero padding fills it with 0.",
            _padding_edge,
        ),
        kernel_flipped(_correlate_padded),
        Mistake(
            "the padding is doubled: `padding` zeros go on each side (the padded image is "
            "H + 2·padding high), not 2·padding on each side.",
            _padding_doubled,
        ),
        Mistake(
            "the output has the input's shape ('same'): that is only right when 2·padding = "
            "k − 1; in general it is (H + 2p − kh + 1, W + 2p − kw + 1).",
            _output_kept_at_input_size,
        ),
        Mistake(
            "the padded image is an integer array, so copying x into it truncated every pixel: "
            "create it with np.zeros(shape) (float64 by default).",
            _padded_image_truncated,
        ),
    ],
    wrong_answers=[
        WrongAnswer("padding ignored", _learner_padding_ignored, "not applied"),
        WrongAnswer("padding only at the top and left", _learner_one_side, "one side only"),
        WrongAnswer("edge padding", _learner_edge, "repeating the edge"),
        WrongAnswer("padding doubled", _learner_doubled, "doubled"),
        WrongAnswer("output kept at the input's size", _learner_same_size, "input's shape"),
        WrongAnswer("padded image of integers", _learner_integer_canvas, "truncated"),
        *common_wrong_answers(_learner_padded, kernel_arg=1),
    ],
)
