"""Checks for ``exercises/01_direct_convolution.ipynb``: direct 2-D cross-correlation.

1. ``correlate2d_loops``      -- single-channel, valid, explicit loops;
2. ``correlate2d_padded``     -- zero padding, then correlate;
3. ``conv2d_multichannel``    -- (N, C, H, W) x (K, C, kh, kw) with a stride;
4. ``input_positions``        -- which input pixels an output pixel reads (stride/padding/dilation);
5. ``correlate2d_shift_add``  -- the vectorised version: a loop over kernel taps only.

Every reference is :func:`course_utils.conv.conv2d_direct` (tested against torch and SciPy) or
a one-line formula. Inputs are random float64 arrays from seeded generators, kernels are
asymmetric (so a flipped kernel is caught) and shapes are non-square (so a transposed output is
caught).

Tolerances (float64 everywhere): each output is a sum of at most a few hundred products of
standard-normal numbers, so the round-off of any summation order is below ~1e-13 in absolute
terms. ``rtol=1e-10, atol=1e-12`` accepts any order of summation and rejects every real mistake
(a wrong tap or a missing term changes an output by O(1)).

Wrong answers. Each problem declares, as ``wrong_answers``, the wrong-but-plausible answers a
learner writes (flipped kernel, off-by-one ranges, a square image or kernel assumed, transposed
output, stride or dilation ignored, integer or float32 arrays, an input changed in place, pixel
loops where only tap loops are asked); the test suite shows that each is rejected with a message
naming the mistake. q5's method (loops over the taps only) is checked by a 1500×1500 case with a
time limit of 3 s or 30 times the reference's own time on it, measured on the same machine when
the check runs (whichever is larger). Measured on a 2-core AMD EPYC: the reference 0.08 s, a
vectorised answer that stacks all 25 shifted terms 0.85 s (about 11 times the reference), a loop
over the 2.2 million pixels 8 s (about 100 times); a busy machine slows all three alike.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake
from course_utils.checks.wrong_answers import (
    WrongAnswer,
    flips_kernel,
    ignores_keyword,
    returns_dtype,
    returns_list,
    returns_transpose,
)
from course_utils.conv import conv2d_direct, pad2d

RTOL, ATOL = 1e-10, 1e-12


def _shape(array: np.ndarray) -> str:
    return "×".join(map(str, array.shape))


# -- q1: valid cross-correlation with loops ------------------------------------------------------


def _correlate_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Reference: valid 2-D cross-correlation, (H, W) x (kh, kw) -> (H-kh+1, W-kw+1)."""
    return conv2d_direct(x, w)


def _correlate_cases() -> list[Case]:
    rng = np.random.default_rng(101)
    pairs = [
        (np.arange(20.0).reshape(4, 5), np.array([[1.0, 2.0], [3.0, 5.0]])),
        (rng.standard_normal((7, 9)), rng.standard_normal((3, 2))),
        (rng.standard_normal((6, 5)), rng.standard_normal((2, 4))),
        (rng.standard_normal((8, 8)), rng.standard_normal((3, 3))),
        (rng.standard_normal((1, 1)), rng.standard_normal((1, 1))),
        (rng.standard_normal((4, 6)), rng.standard_normal((4, 6))),
        (rng.standard_normal((1, 12)), rng.standard_normal((1, 4))),
        (rng.standard_normal((10, 1)), rng.standard_normal((3, 1))),
        (rng.standard_normal((12, 15)), rng.standard_normal((5, 4))),
    ]
    notes = {
        1: " (non-square image and kernel)",
        4: " (1×1 image)",
        5: " (kernel as large as the image)",
    }
    return [
        Case((x, w), label=f"x {_shape(x)}, w {_shape(w)}{notes.get(n, '')}")
        for n, (x, w) in enumerate(pairs)
    ]


def _flipped_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return conv2d_direct(x, w[::-1, ::-1])


def _full_correlation(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    kh, kw = w.shape
    return conv2d_direct(pad2d(x, (kh - 1, kw - 1)), w)


def _last_window_dropped(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return conv2d_direct(x, w)[:-1, :-1]


def _square_image_assumed(x: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """The output's width computed from the image's height (only computable when H <= W)."""
    if x.shape[0] > x.shape[1]:
        return None
    return conv2d_direct(x, w)[:, : x.shape[0] - w.shape[1] + 1]


# Wrong answers as a learner writes them.


def _learner_loops(x, w):
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(kh):
                for v in range(kw):
                    out[i, j] += x[i + u, j + v] * w[u, v]
    return out


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
        Mistake(
            "the kernel is flipped (w[kh-1-u, kw-1-v]): that is the mathematical convolution; "
            "deep-learning frameworks compute cross-correlation.",
            _flipped_valid,
        ),
        Mistake(
            "you computed the 'full' correlation (every partial overlap); we want only the "
            "positions where the whole kernel fits ('valid').",
            _full_correlation,
        ),
        Mistake(
            "the last row and column of the output are missing: range(H - kh) stops one "
            "position early.",
            _last_window_dropped,
        ),
        Mistake(
            "the output's width was computed from the image's height: use x.shape[1] for the "
            "columns (the checks use non-square images).",
            _square_image_assumed,
        ),
    ],
    wrong_answers=[
        WrongAnswer("kernel flipped", flips_kernel(_learner_loops), "flipped"),
        WrongAnswer("'full' correlation", _full_correlation, "'full'"),
        WrongAnswer("range(H - kh) one short", _learner_range_too_short, "one position early"),
        WrongAnswer("a square image assumed", _learner_square_image, "non-square images"),
        WrongAnswer("a square kernel assumed", _learner_square_kernel, "non-square"),
        WrongAnswer("output transposed", returns_transpose(_learner_loops), "transpose"),
        WrongAnswer("an integer output array", _learner_integer_output, "dtype int64"),
        WrongAnswer("float32 output", returns_dtype(_learner_loops, np.float32), "dtype float32"),
        WrongAnswer("nested Python lists", returns_list(_learner_loops), "NumPy array"),
    ],
)


# -- q2: zero padding -------------------------------------------------------------------------


def _correlate_padded(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    """Reference: zero-pad by ``padding`` on all four sides, then valid cross-correlation."""
    return conv2d_direct(x, w, padding=padding)


def _padded_cases() -> list[Case]:
    rng = np.random.default_rng(202)
    specs = [
        ((6, 7), (3, 3), 1, ""),
        ((5, 8), (3, 2), 2, ""),
        ((7, 5), (2, 3), 0, " (no padding)"),
        ((2, 3), (3, 3), 1, " (kernel larger than the image)"),
        ((1, 1), (3, 3), 1, " (1×1 image)"),
        ((1, 1), (1, 1), 3, " (1×1 kernel)"),
        ((4, 5), (5, 5), 3, ""),
        ((9, 6), (4, 2), 1, " (even kernel)"),
    ]
    cases = []
    for x_shape, w_shape, padding, note in specs:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        label = f"x {_shape(x)}, w {_shape(w)}, padding={padding}{note}"
        cases.append(Case((x, w, padding), label=label))
    return cases


def _padding_forgotten(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(x, w)


def _padding_one_side(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(pad2d(x, (padding, 0, padding, 0)), w)


def _padding_edge(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(np.pad(x, padding, mode="edge"), w)


def _padded_flipped(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    return conv2d_direct(x, w[::-1, ::-1], padding=padding)


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
        Mistake(
            "the kernel is flipped (that is convolution; we want cross-correlation).",
            _padded_flipped,
        ),
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
        WrongAnswer("kernel flipped", flips_kernel(_learner_padded), "flipped"),
    ],
)


# -- q3: channels, batch and stride -------------------------------------------------------------


def _conv2d_multichannel(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """Reference: (N, C, H, W) x (K, C, kh, kw) -> (N, K, Ho, Wo), no padding, no bias."""
    return conv2d_direct(x, w, stride=stride)


def _multichannel_cases() -> list[Case]:
    rng = np.random.default_rng(303)
    specs = [
        ((2, 3, 7, 9), (4, 3, 3, 2), 1, ""),
        ((2, 3, 7, 9), (4, 3, 3, 2), 2, " (stride does not divide the width evenly)"),
        ((1, 2, 10, 8), (1, 2, 2, 3), 3, ""),
        ((3, 4, 5, 4), (2, 4, 1, 1), 2, " (1×1 kernel)"),
        ((2, 3, 4, 5), (3, 3, 4, 5), 1, " (kernel as large as the image)"),
        ((1, 1, 6, 7), (1, 1, 3, 3), 1, " (one channel in and out)"),
        ((2, 2, 11, 13), (3, 2, 2, 2), 4, " (stride larger than the kernel)"),
        ((1, 3, 1, 1), (5, 3, 1, 1), 1, " (1×1 image)"),
    ]
    cases = []
    for x_shape, w_shape, stride, note in specs:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        label = f"x {x.shape}, w {w.shape}, stride={stride}{note}"
        cases.append(Case((x, w), {"stride": stride}, label=label))
    return cases


def _multichannel_flipped(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x, w[:, :, ::-1, ::-1], stride=stride)


def _multichannel_transposed(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x, w, stride=stride).swapaxes(-1, -2)


def _multichannel_range_too_short(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """``range(0, H - kh, stride)``: drops the last window when it ends exactly at the border."""
    out_h = len(range(0, x.shape[2] - w.shape[2], stride))
    out_w = len(range(0, x.shape[3] - w.shape[3], stride))
    return conv2d_direct(x, w, stride=stride)[:, :, :out_h, :out_w]


def _multichannel_last_channel_only(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x[:, -1:], w[:, -1:], stride=stride)


def _multichannel_stride_ignored(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    return conv2d_direct(x, w)


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
        Mistake(
            "the kernel is flipped (that is convolution; frameworks compute cross-correlation).",
            _multichannel_flipped,
        ),
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
        Mistake(
            "the stride is ignored: this is the stride-1 output; window (i, j) starts at row "
            "i·stride, column j·stride.",
            _multichannel_stride_ignored,
        ),
        Mistake(
            "only the first image of the batch was computed: loop over all N images.",
            _multichannel_first_image_only,
        ),
    ],
    wrong_answers=[
        WrongAnswer("kernel flipped", flips_kernel(_learner_multichannel), "flipped"),
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
        WrongAnswer(
            "float32 output", returns_dtype(_learner_multichannel, np.float32), "dtype float32"
        ),
    ],
)


# -- q4: which input pixels an output pixel reads ------------------------------------------------


def _input_positions(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Reference: input indices (unpadded coordinates) read by output ``i`` along one axis."""
    return (i * stride - padding + dilation * np.arange(kernel)).astype(np.int64)


def _position_cases() -> list[Case]:
    specs = [
        (2, 3, 2, 1, 3),
        (0, 3, 1, 0, 1),
        (0, 3, 1, 1, 1),
        (4, 2, 3, 0, 2),
        (1, 5, 1, 2, 1),
        (0, 1, 1, 0, 1),
        (7, 1, 2, 3, 1),
        (3, 4, 2, 2, 3),
    ]
    rng = np.random.default_rng(404)
    for _ in range(12):
        kernel, stride, dilation = (int(v) for v in rng.integers(1, 5, size=3))
        specs.append((int(rng.integers(0, 20)), kernel, stride, int(rng.integers(0, 4)), dilation))
    return [
        Case(
            (i, kernel),
            {"stride": s, "padding": p, "dilation": d},
            label=f"i={i}, kernel={kernel}, stride={s}, padding={p}, dilation={d}",
        )
        for i, kernel, s, p, d in specs
    ]


def _positions_padding_added(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * stride + padding + dilation * np.arange(kernel)


def _positions_padding_ignored(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * stride + dilation * np.arange(kernel)


def _positions_dilation_ignored(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * stride - padding + np.arange(kernel)


def _positions_swapped(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i * dilation - padding + stride * np.arange(kernel)


def _positions_stride_ignored(
    i: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    return i - padding + dilation * np.arange(kernel)


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
        Mistake(
            "these are indices into the padded input; convert them to the original input's "
            "coordinates.",
            _positions_padding_ignored,
        ),
        Mistake(
            "the dilation is ignored: neighbouring taps of a dilated kernel are `dilation` "
            "pixels apart.",
            _positions_dilation_ignored,
        ),
        Mistake(
            "the stride is ignored: output i's window starts i·stride pixels further than "
            "output 0's.",
            _positions_stride_ignored,
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
        WrongAnswer("a Python list", returns_list(_learner_positions_loop), "NumPy array"),
        WrongAnswer("padding added", _positions_padding_added, "wrong way"),
        WrongAnswer("padded coordinates", _positions_padding_ignored, "padded input"),
        WrongAnswer("dilation ignored", _positions_dilation_ignored, "dilation is ignored"),
        WrongAnswer("stride ignored", _positions_stride_ignored, "stride is ignored"),
        WrongAnswer("stride and dilation swapped", _positions_swapped, "swapped"),
        WrongAnswer("taps counted from 1", _positions_taps_from_one, "counted from 1"),
    ],
)


# -- q5: vectorised shift-and-add ---------------------------------------------------------------

BIG_SIDE = 1500  # a per-pixel Python loop needs 2.2 million iterations here: far over the limit
TIME_LIMIT_S = 3.0
# The limit grows with the machine: at least 30 times the reference's own time on that case.
TIME_PER_REFERENCE = 30.0


def _correlate_strided(
    x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1
) -> np.ndarray:
    """Reference: valid single-channel cross-correlation with stride and dilation."""
    return conv2d_direct(x, w, stride=stride, dilation=dilation)


def _shift_add_cases() -> list[Case]:
    rng = np.random.default_rng(505)
    specs = [
        ((9, 11), (3, 2), 1, 1, ""),
        ((9, 11), (3, 2), 2, 1, ""),
        ((10, 12), (3, 2), 1, 2, ""),
        ((13, 16), (3, 3), 3, 2, " (stride does not divide evenly)"),
        ((1, 1), (1, 1), 1, 1, " (1×1 image)"),
        ((5, 4), (5, 4), 1, 1, " (kernel as large as the image)"),
        ((1, 20), (1, 3), 2, 3, " (one row)"),
        ((7, 8), (2, 2), 1, 6, " (dilated kernel as large as the image)"),
        ((BIG_SIDE, BIG_SIDE), (5, 5), 1, 1, " (large: checks that only the taps are looped)"),
    ]
    cases = []
    for x_shape, w_shape, stride, dilation, note in specs:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        label = f"x {_shape(x)}, w {_shape(w)}, stride={stride}, dilation={dilation}{note}"
        cases.append(Case((x, w), {"stride": stride, "dilation": dilation}, label=label))
    return cases


def _shift_add_flipped(x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1):
    return conv2d_direct(x, w[::-1, ::-1], stride=stride, dilation=dilation)


def _shift_add_stride_forgotten(x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1):
    return conv2d_direct(x, w, dilation=dilation)


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


def _shift_add_dilation_ignored(
    x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1
) -> np.ndarray:
    return conv2d_direct(x, w, stride=stride)


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
        Mistake(
            "the kernel is flipped (that is convolution; we want cross-correlation).",
            _shift_add_flipped,
        ),
        Mistake(
            "the stride is missing: this is the stride-1 output; step through the image by "
            "`stride` in each slice.",
            _shift_add_stride_forgotten,
        ),
        Mistake(
            "the dilation is missing from where each tap's slice starts: tap u reads from "
            "row u·dilation onwards.",
            _shift_add_dilation_not_in_start,
        ),
        Mistake(
            "the dilation is ignored: this is the output of the dense kernel; tap (u, v) of a "
            "dilated kernel reads x[u·d + i·s, v·d + j·s].",
            _shift_add_dilation_ignored,
        ),
    ],
    wrong_answers=[
        WrongAnswer("loops over the output pixels", _learner_pixel_loops, "timed out"),
        WrongAnswer("the input scaled in place", _learner_starts_from_a_view, "in place"),
        WrongAnswer("kernel flipped", flips_kernel(_learner_shift_add), "flipped"),
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
        WrongAnswer(
            "float32 output", returns_dtype(_learner_shift_add, np.float32), "dtype float32"
        ),
    ],
)

q5.timeout_per_reference = TIME_PER_REFERENCE

EXERCISES = ExerciseSet("01_direct_convolution", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
