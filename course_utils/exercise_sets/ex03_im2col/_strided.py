"""q2 of the im2col set: im2col with a stride and zero padding."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers, keyword_ignored
from course_utils.conv import conv_output_size, im2col
from course_utils.exercise_sets.ex03_im2col._common import (
    EXACT,
    _columns,
    _grid,
    add_big_int64,
    add_kernel_edges,
    image_cases,
)


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x, padding) if padding else x


def _im2col_strided(
    x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Reference: (H, W) -> (kh*kw, Ho*Wo) with stride and zero padding, x's dtype."""
    return _columns(_pad(x, padding), kh, kw, stride)


def _random_geometry(rng: np.random.Generator) -> tuple:
    h, w = (int(v) for v in rng.integers(3, 12, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    return (h, w), kh, kw, {"stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, 3))}


def _strided_cases() -> list[Case]:
    cases = image_cases(seed=4)
    cases.add((7, 6), 3, 2, stride=1, padding=2, note="every output-size slip gives another size")
    cases.add((5, 5), 3, 3, stride=2, padding=1)
    add_big_int64(cases, (6, 7), 2, 3, stride=2, padding=1)
    cases.add((6, 6), 3, 3, stride=2, padding=0, note="(6 - 3) / 2 is not a whole number")
    cases.add((7, 5), 3, 2, stride=2, padding=1, note="non-square image and kernel")
    cases.add((8, 9), 2, 2, stride=3, padding=0, note="stride larger than the kernel")
    cases.add((1, 1), 3, 3, stride=1, padding=1, note="one pixel, all the rest padding")
    cases.add((4, 6), 3, 3, stride=1, padding=1, note="'same' padding, stride 1")
    cases.add((5, 4), 2, 3, stride=1, padding=0, note="no stride, no padding: as q1")
    cases.add((6, 7), 4, 4, stride=3, padding=2)
    add_kernel_edges(cases, stride=2, padding=1)
    cases.add_random(3, _random_geometry)
    return cases.build()


def _strided_grid(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """The reference's columns as (kh*kw, Ho, Wo)."""
    out_h = conv_output_size(x.shape[0], kh, stride, padding)
    out_w = conv_output_size(x.shape[1], kw, stride, padding)
    return _grid(_im2col_strided(x, kh, kw, stride, padding), out_h, out_w)


def _sliced_columns(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return _columns(_pad(x, padding), kh, kw)[:, ::stride]


def _one_window_short(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return _strided_grid(x, kh, kw, stride, padding)[:, :-1, :-1].reshape(kh * kw, -1)


def _size_of_unpadded(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    """Windows cut from the padded image, but only as many as the unpadded image has."""
    out_h, out_w = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1
    return _strided_grid(x, kh, kw, stride, padding)[:, :out_h, :out_w].reshape(kh * kw, -1)


def _padded_top_left_only(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return _columns(np.pad(x, ((padding, 0), (padding, 0))), kh, kw, stride)


def _loops_strided(
    x: np.ndarray,
    kh: int,
    kw: int,
    stride: int = 1,
    padding: int = 0,
    *,
    xpad: np.ndarray | None = None,
    sizes: object = None,
) -> np.ndarray:
    """A learner's loop im2col with stride and padding; ``sizes(x, xpad)`` -> (Ho, Wo)."""
    xpad = np.pad(x, padding) if xpad is None else xpad
    if sizes is None:
        out_h, out_w = (xpad.shape[0] - kh) // stride + 1, (xpad.shape[1] - kw) // stride + 1
    else:
        out_h, out_w = sizes(x, xpad)
    cols = np.empty((kh * kw, out_h * out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride, j * stride
            cols[:, i * out_w + j] = xpad[top : top + kh, left : left + kw].ravel()
    return cols


def _wrong_strided_no_plus_one(x, kh, kw, stride=1, padding=0):
    def sizes(x, xpad):
        return (xpad.shape[0] - kh) // stride, (xpad.shape[1] - kw) // stride

    return _loops_strided(x, kh, kw, stride, padding, sizes=sizes)


def _wrong_strided_unpadded_size(x, kh, kw, stride=1, padding=0):
    def sizes(x, xpad):
        return (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1

    return _loops_strided(x, kh, kw, stride, padding, sizes=sizes)


def _wrong_strided_ceil(x, kh, kw, stride=1, padding=0):
    def sizes(x, xpad):
        return (
            int(np.ceil((xpad.shape[0] - kh) / stride)) + 1,
            int(np.ceil((xpad.shape[1] - kw) / stride)) + 1,
        )

    return _loops_strided(x, kh, kw, stride, padding, sizes=sizes)


def _wrong_strided_top_left(x, kh, kw, stride=1, padding=0):
    xpad = np.pad(x, ((padding, 0), (padding, 0)))
    return _loops_strided(x, kh, kw, stride, padding, xpad=xpad)


def _wrong_strided_clears_input(x, kh, kw, stride=1, padding=0):
    xpad = np.pad(x, padding)
    x[...] = 0  # "frees" the input once it has been copied
    return _loops_strided(xpad, kh, kw, stride, 0)


q2 = FunctionProblem(
    "q2",
    "im2col_strided",
    _im2col_strided,
    _strided_cases,
    **EXACT,
    hints=[
        "Pad first (zeros on all four sides: `np.pad(x, padding)` keeps x's dtype), then "
        "slide the window over the padded image; the window of output pixel (i, j) starts at "
        "row i·stride, column j·stride.",
        "Ho = (H + 2·padding − kh) // stride + 1 (same for Wo). Computing the stride-1 "
        "matrix and then dropping columns does not work: the columns are output pixels in "
        "row-major order, so the rows and the columns of the output grid must both be "
        "subsampled.",
    ],
    mistakes=[
        keyword_ignored(
            _im2col_strided,
            "padding",
            0,
            "the padding was forgotten (pad with zeros before cutting patches).",
        ),
        keyword_ignored(
            _im2col_strided,
            "stride",
            1,
            "the stride was ignored: the window of output pixel (i, j) starts at row "
            "i·stride, column j·stride.",
        ),
        Mistake(
            "you kept every stride-th column of the stride-1 matrix (`cols[:, ::stride]`). That "
            "subsamples the flattened pixel index, not the rows and columns of the output grid.",
            _sliced_columns,
        ),
        Mistake(
            "one output row and one output column are missing: check the '+ 1' in the output "
            "size formula.",
            _one_window_short,
        ),
        Mistake(
            "the output size was computed from the unpadded image: Ho = (H + 2·padding − kh) "
            "// stride + 1.",
            _size_of_unpadded,
        ),
        Mistake(
            "the padding was added only at the top and on the left; it goes on all four sides.",
            _padded_top_left_only,
        ),
    ],
    wrong_answers=[
        WrongAnswer(
            "padding forgotten",
            lambda x, kh, kw, stride=1, padding=0: _loops_strided(x, kh, kw, stride, 0),
            "padding was forgotten",
        ),
        WrongAnswer(
            "stride ignored",
            lambda x, kh, kw, stride=1, padding=0: _loops_strided(x, kh, kw, 1, padding),
            "stride was ignored",
        ),
        WrongAnswer(
            "stride-1 matrix, every stride-th column",
            lambda x, kh, kw, stride=1, padding=0: _loops_strided(x, kh, kw, 1, padding)[
                :, ::stride
            ],
            "::stride",
        ),
        WrongAnswer("no + 1 in the output size", _wrong_strided_no_plus_one, "'+ 1'"),
        WrongAnswer("output size of the unpadded image", _wrong_strided_unpadded_size, "unpadded"),
        WrongAnswer("padding only top and left", _wrong_strided_top_left, "four sides"),
        WrongAnswer("ceil instead of floor in the output size", _wrong_strided_ceil, "broadcast"),
        *common_wrong_answers(_im2col_strided, wrong_dtype=np.float64),
        WrongAnswer(
            "calls course_utils.conv.im2col",
            lambda x, kh, kw, stride=1, padding=0: im2col(
                x, (kh, kw), stride=stride, padding=padding
            ),
            "keeps x's dtype",
        ),
        WrongAnswer("clears x after padding it", _wrong_strided_clears_input, "in place"),
    ],
)
