"""q3: channels, batch and stride."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import Cases
from course_utils.checks.stock import (
    common_wrong_answers,
    kernel_flipped,
    keyword_ignored,
)
from course_utils.checks.wrong_answers import WrongAnswer, ignores_keyword, returns_transpose
from course_utils.conv import conv2d_direct
from course_utils.exercise_sets.ex01_direct_convolution._common import ATOL, RTOL

# -- q3: channels, batch and stride -------------------------------------------------------------


def _conv2d_multichannel(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """Reference: (N, C, H, W) x (K, C, kh, kw) -> (N, K, Ho, Wo), no padding, no bias."""
    return conv2d_direct(x, w, stride=stride)


def _multichannel_cases() -> list[Case]:
    cases = Cases(seed=303, names=("x", "w"))
    cases.add((2, 3, 7, 9), (4, 3, 3, 2), stride=1)
    cases.add((2, 3, 7, 9), (4, 3, 3, 2), stride=2, note="stride does not divide the width evenly")
    cases.add((1, 2, 10, 8), (1, 2, 2, 3), stride=3)
    cases.add((3, 4, 5, 4), (2, 4, 1, 1), stride=2, note="1×1 kernel")
    cases.add((2, 3, 4, 5), (3, 3, 4, 5), stride=1, note="kernel as large as the image")
    cases.add((1, 1, 6, 7), (1, 1, 3, 3), stride=1, note="one channel in and out")
    cases.add((2, 2, 11, 13), (3, 2, 2, 2), stride=4, note="stride larger than the kernel")
    cases.add((1, 3, 1, 1), (5, 3, 1, 1), stride=1, note="1×1 image")
    return cases.build()


def _multichannel_transposed(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x, w, stride=stride).swapaxes(-1, -2)


def _multichannel_range_too_short(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """``range(0, H - kh, stride)``: drops the last window when it ends exactly at the border."""
    out_h = len(range(0, x.shape[2] - w.shape[2], stride))
    out_w = len(range(0, x.shape[3] - w.shape[3], stride))
    return conv2d_direct(x, w, stride=stride)[:, :, :out_h, :out_w]


def _multichannel_last_channel_only(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x[:, -1:], w[:, -1:], stride=stride)


def _multichannel_first_image_only(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x[:1], w, stride=stride)


def _learner_multichannel(x, w, stride=1):
    images, _, height, width = x.shape
    kernels, _, kh, kw = w.shape
    out_h, out_w = (height - kh) // stride + 1, (width - kw) // stride + 1
    out = np.zeros((images, kernels, out_h, out_w))
    for n in range(images):
        for k in range(kernels):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    out[n, k, i, j] = np.sum(x[n, :, top : top + kh, left : left + kw] * w[k])
    return out


def _learner_overwrites_channels(x, w, stride=1):
    images, channels, height, width = x.shape
    kernels, _, kh, kw = w.shape
    out_h, out_w = (height - kh) // stride + 1, (width - kw) // stride + 1
    out = np.zeros((images, kernels, out_h, out_w))
    for n in range(images):
        for k in range(kernels):
            for i in range(out_h):
                for j in range(out_w):
                    for c in range(channels):
                        window = x[n, c, i * stride : i * stride + kh, j * stride : j * stride + kw]
                        out[n, k, i, j] = np.sum(window * w[k, c])  # = instead of +=
    return out


def _learner_range_stops_early(x, w, stride=1):
    images, _, height, width = x.shape
    kernels, _, kh, kw = w.shape
    rows, cols = range(0, height - kh, stride), range(0, width - kw, stride)
    out = np.zeros((images, kernels, len(rows), len(cols)))
    for n in range(images):
        for k in range(kernels):
            for i, top in enumerate(rows):
                for j, left in enumerate(cols):
                    out[n, k, i, j] = np.sum(x[n, :, top : top + kh, left : left + kw] * w[k])
    return out


def _learner_first_image_only(x, w, stride=1):
    return _learner_multichannel(x[:1], w, stride=stride)


q3 = FunctionProblem(
    "q3",
    "conv2d_multichannel",
    _conv2d_multichannel,
    _multichannel_cases,
    rtol=RTOL,
    atol=ATOL,
    hints=[
        "Output pixel (n, k, i, j) is one number: the sum over all input channels c and all "
        "taps (u, v) of x[n, c, i·stride + u, j·stride + v] · w[k, c, u, v]. Start from the "
        "output shape (N, K, Ho, Wo) with Ho = (H − kh) // stride + 1.",
        "Loop over n, k, i, j. Inside, take the window x[n, :, r:r + kh, s:s + kw] with "
        "r = i·stride and s = j·stride: it has shape (C, kh, kw) like w[k], so "
        "np.sum(window * w[k]) is the output value.",
    ],
    mistakes=[
        kernel_flipped(_conv2d_multichannel),
        Mistake(
            "the output's rows and columns are swapped: out[n, k, i, j] must hold output row i, "
            "column j.",
            _multichannel_transposed,
        ),
        Mistake(
            "the output is one row or column short: range(0, H - kh, stride) stops before the "
            "last window; the output-size formula is (H − kh) // stride + 1.",
            _multichannel_range_too_short,
        ),
        Mistake(
            "only the last input channel is counted: the sum over channels must accumulate "
            "(+=), not overwrite (=).",
            _multichannel_last_channel_only,
        ),
        keyword_ignored(
            _conv2d_multichannel,
            "stride",
            1,
            "the stride is ignored: this is the stride-1 output; window (i, j) starts at row "
            "i·stride, column j·stride.",
        ),
        Mistake(
            "only the first image of the batch was computed: loop over all N images.",
            _multichannel_first_image_only,
        ),
    ],
    wrong_answers=[
        WrongAnswer(
            "rows and columns swapped", returns_transpose(_learner_multichannel), "swapped"
        ),
        WrongAnswer("range(0, H - kh, stride)", _learner_range_stops_early, "one row or column"),
        WrongAnswer("channels overwritten", _learner_overwrites_channels, "last input channel"),
        WrongAnswer(
            "stride ignored",
            ignores_keyword(_learner_multichannel, "stride", 1),
            "stride is ignored",
        ),
        WrongAnswer("first image only", _learner_first_image_only, "first image"),
        *common_wrong_answers(
            _learner_multichannel, kernel_arg=1, wrong_dtype=np.float32, transposed=False
        ),
    ],
)
