"""q5: the vectorised shift-and-add (a loop over the kernel taps only)."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import IMAGE_KERNEL_EDGES, Cases
from course_utils.checks.stock import (
    common_wrong_answers,
    kernel_flipped,
    keyword_ignored,
)
from course_utils.checks.wrong_answers import WrongAnswer, ignores_keyword
from course_utils.conv import conv2d_direct
from course_utils.exercise_sets.ex01_direct_convolution._common import ATOL, RTOL

# -- q5: vectorised shift-and-add ---------------------------------------------------------------

BIG_SIDE = 1500  # a per-pixel Python loop needs 2.2 million iterations here: far over the limit
TIME_LIMIT_S = 3.0
# The limit grows with the machine and its load: at least 80 times the reference's own time on
# that case, measured when checking. Measured on 2 cores (reference 0.05 s): a per-pixel loop
# takes about 130 times the reference, a correct tap loop that stacks all kh*kw shifted copies
# before summing them (np.sum(list_of_terms, axis=0), 450 MB) about 40 times.
TIME_PER_REFERENCE = 80.0


def _correlate_strided(
    x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1
) -> np.ndarray:
    """Reference: valid single-channel cross-correlation with stride and dilation."""
    return conv2d_direct(x, w, stride=stride, dilation=dilation)


def _shift_add_cases() -> list[Case]:
    cases = Cases(seed=505, names=("x", "w"))
    cases.add((9, 11), (3, 2), stride=1, dilation=1)
    cases.add((9, 11), (3, 2), stride=2, dilation=1)
    cases.add((10, 12), (3, 2), stride=1, dilation=2)
    cases.add((13, 16), (3, 3), stride=3, dilation=2, note="stride does not divide evenly")
    cases.add((1, 20), (1, 3), stride=2, dilation=3, note="one row")
    cases.add((7, 8), (2, 2), stride=1, dilation=6, note="dilated kernel as large as the image")
    cases.add_edges(IMAGE_KERNEL_EDGES, stride=1, dilation=1)
    cases.add_edges(IMAGE_KERNEL_EDGES[:1], stride=2, dilation=2)
    cases.add(
        (BIG_SIDE, BIG_SIDE),
        (5, 5),
        stride=1,
        dilation=1,
        note="large: checks that only the taps are looped",
    )
    return cases.build()


def _shift_add_dilation_not_in_start(
    x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1
) -> np.ndarray:
    """Slices start at ``u`` instead of ``u * dilation`` (the output size is still right)."""
    out_h, out_w = conv2d_direct(x, w, stride=stride, dilation=dilation).shape
    out = np.zeros((out_h, out_w))
    for u in range(w.shape[0]):
        for v in range(w.shape[1]):
            rows = slice(u, u + stride * (out_h - 1) + 1, stride)
            cols = slice(v, v + stride * (out_w - 1) + 1, stride)
            out += w[u, v] * x[rows, cols]
    return out


def _learner_shift_add(x, w, stride=1, dilation=1):
    kh, kw = w.shape
    out_h = (x.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((out_h, out_w))
    for u in range(kh):
        for v in range(kw):
            top, left = u * dilation, v * dilation
            out += (
                w[u, v]
                * x[
                    top : top + stride * (out_h - 1) + 1 : stride,
                    left : left + stride * (out_w - 1) + 1 : stride,
                ]
            )
    return out


def _learner_pixel_loops(x, w, stride=1, dilation=1):
    kh, kw = w.shape
    out_h = (x.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[
                i * stride : i * stride + dilation * (kh - 1) + 1 : dilation,
                j * stride : j * stride + dilation * (kw - 1) + 1 : dilation,
            ]
            out[i, j] = np.sum(window * w)
    return out


def _learner_starts_from_a_view(x, w, stride=1, dilation=1):
    """Starts the sum from a slice of x (a view) and scales it in place: x is overwritten."""
    kh, kw = w.shape
    out_h = (x.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[1] - dilation * (kw - 1) - 1) // stride + 1

    def tap(u, v):
        top, left = u * dilation, v * dilation
        return x[
            top : top + stride * (out_h - 1) + 1 : stride,
            left : left + stride * (out_w - 1) + 1 : stride,
        ]

    out = tap(0, 0)
    out *= w[0, 0]
    for u in range(kh):
        for v in range(kw):
            if (u, v) != (0, 0):
                out += w[u, v] * tap(u, v)
    return out


q5 = FunctionProblem(
    "q5",
    "correlate2d_shift_add",
    _correlate_strided,
    _shift_add_cases,
    rtol=RTOL,
    allowed_calls=("course_utils.conv.direct.tap_slices",),  # the lesson's slice helper
    atol=ATOL,
    timeout=TIME_LIMIT_S,
    hints=[
        "Fix one kernel tap (u, v). Over all outputs (i, j) it multiplies the pixels "
        "x[u·d + i·s, v·d + j·s]: a regular grid of the image, which one strided slice "
        "x[start:stop:step, start:stop:step] selects, with the output's shape.",
        "The rows of tap u are x[u·d : u·d + s·(Ho − 1) + 1 : s] (the same pattern for the "
        "columns). Start from out = np.zeros((Ho, Wo)) and, for every tap, add w[u, v] times "
        "that slice: two loops of kh·kw steps in total, no loop over pixels.",
    ],
    mistakes=[
        kernel_flipped(_correlate_strided),
        keyword_ignored(
            _correlate_strided,
            "stride",
            1,
            "the stride is missing: this is the stride-1 output; step through the image by "
            "`stride` in each slice.",
        ),
        Mistake(
            "the dilation is missing from where each tap's slice starts: tap u reads from "
            "row u·dilation onwards.",
            _shift_add_dilation_not_in_start,
        ),
        keyword_ignored(
            _correlate_strided,
            "dilation",
            1,
            "the dilation is ignored: this is the output of the dense kernel; tap (u, v) of a "
            "dilated kernel reads x[u·d + i·s, v·d + j·s].",
        ),
    ],
    wrong_answers=[
        WrongAnswer("loops over the output pixels", _learner_pixel_loops, "timed out"),
        WrongAnswer("the input scaled in place", _learner_starts_from_a_view, "in place"),
        WrongAnswer(
            "stride ignored",
            ignores_keyword(_learner_shift_add, "stride", 1),
            "stride is missing",
        ),
        WrongAnswer(
            "dilation ignored",
            ignores_keyword(_learner_shift_add, "dilation", 1),
            "dilation is ignored",
        ),
        WrongAnswer(
            "slices start at u, not u·dilation",
            _shift_add_dilation_not_in_start,
            "where each tap's slice starts",
        ),
        *common_wrong_answers(_learner_shift_add, kernel_arg=1, wrong_dtype=np.float32),
    ],
)

q5.timeout_per_reference = TIME_PER_REFERENCE
