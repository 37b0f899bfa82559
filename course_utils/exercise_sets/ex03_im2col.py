"""Checks for ``exercises/03_im2col.ipynb``: im2col by hand, strides and padding, channels,
a convolution as one matrix product, and the memory the column matrix costs.

Layout everywhere (that of ``torch.nn.functional.unfold`` and ``course_utils.conv.im2col``):
row ``c*kh*kw + u*kw + v`` is channel ``c``, kernel tap ``(u, v)``; column ``i*Wo + j`` is
output pixel ``(i, j)`` (row-major).

How the method is checked
    q1-q3 ask for im2col *written by hand*. im2col only copies entries, so it works for an
    array of any dtype and returns that dtype. Besides float64 images, each exercise has an
    int64 case early on, with values above 2**53, which float64 cannot hold exactly.
    Hand-written code (loops, ``sliding_window_view``, ``as_strided``, fancy indexing)
    copies them unchanged; the course's ``im2col`` turns them into float64, ``F.unfold``
    refuses integers, and a result buffer created with ``np.zeros(shape)`` is float64.
    q4 hands the learner's function a ``matmul`` that tags the result of the whole product
    (:mod:`course_utils.checks.instruments`): a result computed with ``@``,
    ``einsum``, loops, several smaller products or the course's ``conv2d_im2col`` has no tag,
    and a mistake names it.

Tolerances
    q1-q3 compare exactly (``rtol = atol = 0``). This is not a float comparison of computed
    results: every entry of a column matrix is a *copy* of an input entry (or a padding zero),
    so every correct method -- loops, views, fancy indexing, even a product with a 0/1
    selection matrix, whose sums only add exact zeros -- returns the same bits, and a
    tolerance would only admit results that went through a lossy conversion (a float32 round
    trip). Integer cases are compared exactly by the engine anyway.
    q4: sums of at most C*kh*kw = 27 float64 products of standard-normal numbers; any
    summation order agrees to ~1e-14, so ``rtol = atol = 1e-10`` accept every correct product
    (in any layout) and reject every real mistake (entries off by O(1)) and every untagged
    product (off by the tag, >= 1e-6 relative). q5 is an integer, compared exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.checks import (
    Case,
    ExerciseSet,
    FunctionProblem,
    Mistake,
    ValueProblem,
    WrongAnswer,
)
from course_utils.checks.instruments import TaggedMatmul, draw_tag
from course_utils.checks.wrong_answers import mutates_input, returns_dtype, returns_transpose
from course_utils.conv import conv2d_im2col, conv_output_size, im2col

EXACT = {"rtol": 0.0, "atol": 0.0}
GEMM_TOL = {"rtol": 1e-10, "atol": 1e-10}

#: How the int64 cases are described: it says why code that goes through floats fails them.
KEEPS_DTYPE = (
    "im2col only copies, so the result keeps x's dtype; the course's im2col and F.unfold "
    "turn integers into floats or refuse them"
)


# -- helpers shared by references and mistakes (they work for any dtype) ----------------------


def _random(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _big_int64(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """int64 values just above 2**60: float64 cannot hold them exactly."""
    return (2**60 + rng.integers(0, 1000, size=shape)).astype(np.int64)


def _label(x: np.ndarray, **params: int) -> str:
    text = f"x {x.shape}"
    if x.dtype != np.float64:
        text += f" dtype={x.dtype}, values above 2**53 ({KEEPS_DTYPE})"
    return text + "".join(f", {name}={value}" for name, value in params.items())


def _columns(x: np.ndarray, kh: int, kw: int, stride: int = 1) -> np.ndarray:
    """Column matrix of x (H, W) or (C, H, W), no padding: (C*kh*kw, Ho*Wo), any dtype."""
    batch = x if x.ndim == 3 else x[None]
    view = sliding_window_view(batch, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    channels, out_h, out_w = view.shape[:3]
    return view.transpose(0, 3, 4, 1, 2).reshape(channels * kh * kw, out_h * out_w)


def _grid(cols: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """(rows, Ho*Wo) -> (rows, Ho, Wo)."""
    return cols.reshape(cols.shape[0], out_h, out_w)


def _loops_single(
    x: np.ndarray,
    kh: int,
    kw: int,
    *,
    order: str = "C",
    out_hw: tuple[int, int] | None = None,
    dtype: object = None,
) -> np.ndarray:
    """A learner's loop im2col (the wrong answers vary its pieces)."""
    out_h, out_w = out_hw or (x.shape[0] - kh + 1, x.shape[1] - kw + 1)
    cols = np.empty((kh * kw, out_h * out_w), dtype=x.dtype if dtype is None else dtype)
    for i in range(out_h):
        for j in range(out_w):
            cols[:, i * out_w + j] = x[i : i + kh, j : j + kw].ravel(order=order)
    return cols


# -- q1: im2col of one single-channel image, stride 1 ------------------------------------------


def _im2col_single(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Reference: (H, W) -> (kh*kw, Ho*Wo), stride 1, no padding, x's dtype."""
    return _columns(x, kh, kw)


def _single_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    fixed = [
        (np.arange(16.0).reshape(4, 4), 3, 3),  # the lesson's example
        (_big_int64(rng, 6, 5), 3, 2),  # any dtype: int64 beyond float64's exact range
        (_random(rng, 5, 7), 2, 3),  # non-square image and kernel
        (_random(rng, 6, 4), 3, 1),
        (_random(rng, 1, 1), 1, 1),  # one pixel, one tap
        (_random(rng, 3, 5), 3, 5),  # kernel as large as the image: one column
        (_random(rng, 4, 6), 1, 1),  # 1x1 kernel: one row
    ]
    for _ in range(3):
        h, w = (int(v) for v in rng.integers(2, 9, size=2))
        kh, kw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        fixed.append((_random(rng, h, w), kh, kw))
    return [Case((x, kh, kw), label=_label(x, kh=kh, kw=kw)) for x, kh, kw in fixed]


def _taps_column_major(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    cols = _columns(x, kh, kw)
    return cols.reshape(kh, kw, -1).transpose(1, 0, 2).reshape(kh * kw, -1)


def _outputs_column_major(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return _grid(_columns(x, kh, kw), out_h, out_w).transpose(0, 2, 1).reshape(kh * kw, -1)


def _transposed_single(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return _columns(x, kh, kw).T


def _single_one_window_short(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return _grid(_columns(x, kh, kw), out_h, out_w)[:, :-1, :-1].reshape(kh * kw, -1)


def _single_width_from_height(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Wo computed as H - kh + 1 (right only for square images and kernels)."""
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    if out_h > out_w:
        raise ValueError("such a loop would run past the image")
    return _grid(_columns(x, kh, kw), out_h, out_w)[:, :, :out_h].reshape(kh * kw, -1)


def _single_square_kernel(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """kw ignored: kh x kh patches (right only for square kernels)."""
    return _columns(x, kh, kh)


def _wrong_single_pixels_by_column(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    cols = np.empty((kh * kw, out_h * out_w), dtype=x.dtype)
    for j in range(out_w):
        for i in range(out_h):
            cols[:, j * out_h + i] = x[i : i + kh, j : j + kw].ravel()
    return cols


def _wrong_single_square_image(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    size = x.shape[0] - kh + 1
    return _loops_single(x, kh, kw, out_hw=(size, size))


def _wrong_single_unfold(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    image = torch.tensor(x, dtype=torch.float64)[None, None]  # F.unfold needs floats
    return F.unfold(image, (kh, kw))[0].numpy()


q1 = FunctionProblem(
    "q1",
    "im2col_single",
    _im2col_single,
    _single_cases,
    **EXACT,
    hints=[
        "Loop over the output pixels (i, j) in row-major order. For each, cut the kh×kw patch "
        "x[i : i + kh, j : j + kw] and make it one *column* of the result. Create the result "
        "with `dtype=x.dtype`: im2col only copies, so it works for any dtype.",
        "The result has kh·kw rows and Ho·Wo columns, Ho = H − kh + 1, Wo = W − kw + 1. The "
        "patch is flattened row by row (NumPy's default `ravel()`), so row u·kw + v holds tap "
        "(u, v); column i·Wo + j holds output pixel (i, j).",
    ],
    mistakes=[
        Mistake(
            "the matrix is transposed: patches must be *columns* (shape (kh·kw, Ho·Wo)), not rows.",
            _transposed_single,
        ),
        Mistake(
            "each patch is flattened column by column (Fortran order); flatten it row by row, "
            "so that row u·kw + v holds kernel tap (u, v).",
            _taps_column_major,
        ),
        Mistake(
            "the columns are in the wrong order: output pixels go row by row (column i·Wo + j "
            "is output pixel (i, j)), not column by column.",
            _outputs_column_major,
        ),
        Mistake(
            "one output row and one output column are missing: Ho = H − kh + 1 (check the '+ 1').",
            _single_one_window_short,
        ),
        Mistake(
            "the output width was computed from the height: Wo = W − kw + 1 (the code only "
            "works for square images and kernels).",
            _single_width_from_height,
        ),
        Mistake(
            "the kernel was taken as square (kh × kh): the patches are kh × kw.",
            _single_square_kernel,
        ),
    ],
    wrong_answers=[
        WrongAnswer("patches as rows", returns_transpose(_im2col_single), "transposed"),
        WrongAnswer(
            "patch flattened column by column",
            lambda x, kh, kw: _loops_single(x, kh, kw, order="F"),
            "column by column",
        ),
        WrongAnswer(
            "output pixels in column-major order", _wrong_single_pixels_by_column, "row by row"
        ),
        WrongAnswer(
            "Ho = H - kh (no + 1)",
            lambda x, kh, kw: _loops_single(x, kh, kw, out_hw=(x.shape[0] - kh, x.shape[1] - kw)),
            "'+ 1'",
        ),
        WrongAnswer("Wo computed from H (square images only)", _wrong_single_square_image, "width"),
        WrongAnswer(
            "kw ignored (square kernels only)",
            lambda x, kh, kw: _loops_single(x, kh, kh),
            "square",
        ),
        WrongAnswer(
            "result created as float64 (np.zeros without dtype)",
            lambda x, kh, kw: _loops_single(x, kh, kw, dtype=np.float64),
            "dtype float64, expected dtype int64",
        ),
        WrongAnswer(
            "calls course_utils.conv.im2col",
            lambda x, kh, kw: im2col(x, (kh, kw)),
            "keeps x's dtype",
        ),
        WrongAnswer("calls F.unfold on a float tensor", _wrong_single_unfold, "keeps x's dtype"),
        WrongAnswer("changes x in place", mutates_input(_im2col_single), "in place"),
    ],
)


# -- q2: stride and padding ---------------------------------------------------------------------


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x, padding) if padding else x


def _im2col_strided(
    x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Reference: (H, W) -> (kh*kw, Ho*Wo) with stride and zero padding, x's dtype."""
    return _columns(_pad(x, padding), kh, kw, stride)


def _strided_cases() -> list[Case]:
    rng = np.random.default_rng(4)
    fixed = [
        (_random(rng, 7, 6), 3, 2, 1, 2),  # every output-size slip gives another size
        (_random(rng, 5, 5), 3, 3, 2, 1),
        (_big_int64(rng, 6, 7), 2, 3, 2, 1),  # any dtype, padded with zeros
        (_random(rng, 6, 6), 3, 3, 2, 0),  # (6 - 3) / 2 is not a whole number
        (_random(rng, 7, 5), 3, 2, 2, 1),  # non-square image and kernel
        (_random(rng, 8, 9), 2, 2, 3, 0),  # stride larger than the kernel: pixels skipped
        (_random(rng, 1, 1), 3, 3, 1, 1),  # one pixel, all the rest padding
        (_random(rng, 4, 6), 3, 3, 1, 1),  # 'same' padding, stride 1
        (_random(rng, 5, 4), 2, 3, 1, 0),  # no stride, no padding: as q1
        (_random(rng, 6, 7), 4, 4, 3, 2),
    ]
    for _ in range(3):
        h, w = (int(v) for v in rng.integers(3, 12, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        fixed.append((_random(rng, h, w), kh, kw, stride, padding))
    return [
        Case(
            (x, kh, kw),
            {"stride": stride, "padding": padding},
            label=_label(x, kh=kh, kw=kw, stride=stride, padding=padding),
        )
        for x, kh, kw, stride, padding in fixed
    ]


def _strided_grid(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """The reference's columns as (kh*kw, Ho, Wo)."""
    out_h = conv_output_size(x.shape[0], kh, stride, padding)
    out_w = conv_output_size(x.shape[1], kw, stride, padding)
    return _grid(_im2col_strided(x, kh, kw, stride, padding), out_h, out_w)


def _no_padding(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return _columns(x, kh, kw, stride)


def _no_stride(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return _columns(_pad(x, padding), kh, kw)


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
    dtype: object = None,
) -> np.ndarray:
    """A learner's loop im2col with stride and padding; ``sizes(x, xpad)`` -> (Ho, Wo)."""
    xpad = np.pad(x, padding) if xpad is None else xpad
    if sizes is None:
        out_h, out_w = (xpad.shape[0] - kh) // stride + 1, (xpad.shape[1] - kw) // stride + 1
    else:
        out_h, out_w = sizes(x, xpad)
    cols = np.empty((kh * kw, out_h * out_w), dtype=x.dtype if dtype is None else dtype)
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
        Mistake("the padding was forgotten (pad with zeros before cutting patches).", _no_padding),
        Mistake(
            "the stride was ignored: the window of output pixel (i, j) starts at row "
            "i·stride, column j·stride.",
            _no_stride,
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
        WrongAnswer(
            "result created as float64",
            lambda x, kh, kw, stride=1, padding=0: _loops_strided(
                x, kh, kw, stride, padding, dtype=np.float64
            ),
            "dtype float64, expected dtype int64",
        ),
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


# -- q3: several channels ----------------------------------------------------------------------


def _im2col_channels(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Reference: (C, H, W) -> (C*kh*kw, Ho*Wo), stride 1, no padding, x's dtype."""
    return _columns(x, kh, kw)


def _channel_cases() -> list[Case]:
    rng = np.random.default_rng(5)
    inputs = [
        (_random(rng, 2, 4, 5), 2, 3),
        (_big_int64(rng, 2, 5, 6), 3, 2),  # any dtype
        (_random(rng, 3, 5, 4), 3, 2),
        (_random(rng, 1, 4, 4), 3, 3),  # one channel: the same as q1
        (_random(rng, 4, 3, 3), 3, 3),  # kernel as large as the image
        (_random(rng, 3, 6, 5), 1, 1),  # 1x1 kernel: rows are channels
        (_random(rng, 2, 1, 1), 1, 1),
        (_random(rng, 5, 7, 6), 2, 2),
    ]
    return [Case((x, kh, kw), label=_label(x, kh=kh, kw=kw)) for x, kh, kw in inputs]


def _taps_then_channels(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    cols = _im2col_channels(x, kh, kw)
    channels = x.shape[0]
    return cols.reshape(channels, kh * kw, -1).transpose(1, 0, 2).reshape(channels * kh * kw, -1)


def _channels_side_by_side(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return np.concatenate([_columns(channel, kh, kw) for channel in x], axis=1)


def _view_reshaped_directly(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    view = sliding_window_view(x, (kh, kw), axis=(1, 2))  # (C, Ho, Wo, kh, kw)
    return view.reshape(x.shape[0] * kh * kw, -1)


def _channels_added(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return _columns(x.sum(axis=0), kh, kw)


def _first_channel_only(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return _columns(x[0], kh, kw)


def _wrong_channels_tap_major(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    channels, height, width = x.shape
    out_h, out_w = height - kh + 1, width - kw + 1
    cols = np.empty((channels * kh * kw, out_h * out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i : i + kh, j : j + kw]  # (C, kh, kw)
            cols[:, i * out_w + j] = patch.transpose(1, 2, 0).ravel()  # taps first
    return cols


def _wrong_channels_float(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    view = sliding_window_view(x, (kh, kw), axis=(1, 2)).astype(np.float64)
    channels, out_h, out_w = view.shape[:3]
    return view.transpose(0, 3, 4, 1, 2).reshape(channels * kh * kw, out_h * out_w)


q3 = FunctionProblem(
    "q3",
    "im2col_channels",
    _im2col_channels,
    _channel_cases,
    **EXACT,
    hints=[
        "A patch now has C·kh·kw numbers: the kh×kw window of every channel. It is still one "
        "column per output pixel.",
        "Flatten each (C, kh, kw) patch in C order (`ravel()`): all taps of channel 0, then all "
        "taps of channel 1, ... so that row c·kh·kw + u·kw + v holds channel c, tap (u, v). "
        "Equivalently, stack the single-channel matrices of q1 on top of each other. With "
        "`sliding_window_view`, move the two kernel axes next to the channel axis before the "
        "reshape.",
    ],
    mistakes=[
        Mistake(
            "the rows are ordered tap first, channel second; the channel must be the slowest "
            "index (row c·kh·kw + u·kw + v), as in `torch.nn.functional.unfold`.",
            _taps_then_channels,
        ),
        Mistake(
            "the channels were placed side by side as extra columns; they belong in the same "
            "column (one column per output pixel), stacked as rows.",
            _channels_side_by_side,
        ),
        Mistake(
            "the (C, Ho, Wo, kh, kw) view was reshaped without moving the kernel axes first: "
            "transpose it to (C, kh, kw, Ho, Wo), then reshape.",
            _view_reshaped_directly,
        ),
        Mistake(
            "the channels were added up: im2col keeps them apart (the sum over channels "
            "happens later, in the matrix product).",
            _channels_added,
        ),
        Mistake(
            "only channel 0 was used: every channel contributes kh·kw rows.", _first_channel_only
        ),
    ],
    wrong_answers=[
        WrongAnswer("rows tap-major, channel fastest", _wrong_channels_tap_major, "slowest index"),
        WrongAnswer(
            "channels side by side",
            lambda x, kh, kw: np.concatenate([_loops_single(c, kh, kw) for c in x], axis=1),
            "side by side",
        ),
        WrongAnswer("view reshaped without transposing", _view_reshaped_directly, "kernel axes"),
        WrongAnswer(
            "channels summed", lambda x, kh, kw: _loops_single(x.sum(axis=0), kh, kw), "added up"
        ),
        WrongAnswer(
            "only the first channel",
            lambda x, kh, kw: _loops_single(x[0], kh, kw),
            "only channel 0",
        ),
        WrongAnswer("patches as rows", returns_transpose(_im2col_channels), "transpose"),
        WrongAnswer("converted to float64", _wrong_channels_float, "dtype float64"),
        WrongAnswer(
            "calls course_utils.conv.im2col",
            lambda x, kh, kw: im2col(x[None], (kh, kw))[0],
            "keeps x's dtype",
        ),
        WrongAnswer("changes x in place", mutates_input(_im2col_channels), "in place"),
    ],
)


# -- q4: convolution as one matrix product ------------------------------------------------------


def _conv2d_gemm(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    """Reference: x (C, H, W), w (K, C, kh, kw) -> (K, Ho, Wo), stride 1, no padding; the
    product is one call of ``matmul``."""
    num_kernels, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    product = matmul(w.reshape(num_kernels, -1), _columns(x, kh, kw))
    return product.reshape(num_kernels, out_h, out_w)


def _conv_cases() -> list[Case]:
    rng = np.random.default_rng(6)
    shapes = [
        ((2, 5, 7), (3, 2, 3, 2)),  # output 3x6: non-square, asymmetric kernel
        ((1, 4, 4), (1, 1, 3, 3)),
        ((3, 6, 5), (4, 3, 2, 3)),
        ((2, 3, 3), (2, 2, 3, 3)),  # kernel as large as the image: one output pixel
        ((4, 5, 6), (2, 4, 1, 1)),  # 1x1 kernel: a pure channel mix
        ((1, 1, 1), (3, 1, 1, 1)),
        ((3, 8, 6), (5, 3, 3, 3)),
    ]
    cases = []
    for x_shape, w_shape in shapes:
        x, w = _random(rng, *x_shape), _random(rng, *w_shape)
        out_pixels = (x_shape[1] - w_shape[2] + 1) * (x_shape[2] - w_shape[3] + 1)
        matmul = TaggedMatmul([w_shape[0] * out_pixels], draw_tag(rng))
        label = f"x {x_shape}, w {w_shape}, matmul=<the check's matmul>"
        cases.append(Case((x, w), {"matmul": matmul}, label=label))
    return cases


def _untagged(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    return _conv2d_gemm(x, w)


def _flipped_kernel(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    return _conv2d_gemm(x, w[:, :, ::-1, ::-1].copy(), matmul)


def _reshaped_column_major(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    result = _conv2d_gemm(x, w, matmul)
    num_kernels, out_h, out_w = result.shape
    return result.reshape(num_kernels, out_w, out_h).transpose(0, 2, 1)


def _maps_transposed(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    return _conv2d_gemm(x, w, matmul).transpose(0, 2, 1)


def _weights_channels_last(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    num_kernels, channels, kh, kw = w.shape
    rows = w.transpose(0, 2, 3, 1).reshape(num_kernels, -1)  # (u, v, c) order
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return matmul(rows, _columns(x, kh, kw)).reshape(num_kernels, out_h, out_w)


def _learner_gemm(x, w, product, *, out_hw=None):
    """A learner's conv2d_gemm around ``product(weights, cols)`` (wrong answers vary it)."""
    num_kernels, _, kh, kw = w.shape
    out_h, out_w = out_hw or (x.shape[1] - kh + 1, x.shape[2] - kw + 1)
    flat = product(w.reshape(num_kernels, -1), im2col(x[None], (kh, kw))[0])
    return flat.reshape(num_kernels, out_h, out_w)


def _wrong_gemm_per_kernel(x, w, matmul=np.matmul):
    def rows(weights, cols):
        return np.stack([matmul(row, cols) for row in weights])  # K small products

    return _learner_gemm(x, w, rows)


def _wrong_gemm_dot_loops(x, w, matmul=np.matmul):
    num_kernels, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    y = np.zeros((num_kernels, out_h, out_w))
    for k in range(num_kernels):
        for i in range(out_h):
            for j in range(out_w):
                y[k, i, j] = np.dot(w[k].ravel(), x[:, i : i + kh, j : j + kw].ravel())
    return y


def _wrong_gemm_no_plus_one(x, w, matmul=np.matmul):
    out_hw = (x.shape[1] - w.shape[2], x.shape[2] - w.shape[3])
    return _learner_gemm(x, w, matmul, out_hw=out_hw)


def _wrong_gemm_flat(x, w, matmul=np.matmul):
    return matmul(w.reshape(w.shape[0], -1), im2col(x[None], w.shape[2:])[0])


NOT_ONE_PRODUCT = (
    "the result was not computed by one call of the `matmul` your function receives "
    "(the whole (K, C·kh·kw) weight matrix times the whole (C·kh·kw, Ho·Wo) column matrix). "
    "`@`, `np.matmul` itself, `einsum`, `tensordot`, Python loops, several smaller products "
    "or a ready-made convolution give the same numbers, but not the method this exercise "
    "is about."
)

q4 = FunctionProblem(
    "q4",
    "conv2d_gemm",
    _conv2d_gemm,
    _conv_cases,
    **GEMM_TOL,
    hints=[
        "Three steps: the column matrix of x (shape (C·kh·kw, Ho·Wo)), the weights as a matrix "
        "(shape (K, C·kh·kw)), one call `matmul(weights, cols)`. Then give the (K, Ho·Wo) "
        "product its image shape.",
        "`w.reshape(K, -1)` flattens each kernel in (c, u, v) order, the same order as the "
        "rows of the column matrix. Column i·Wo + j is output pixel (i, j), so the product "
        "reshapes directly to (K, Ho, Wo). Do not flip the kernel, and use the `matmul` "
        "argument, not `@`: the check passes its own `matmul` and recognises its product.",
    ],
    mistakes=[
        Mistake(NOT_ONE_PRODUCT, _untagged),
        Mistake(
            "the kernel is flipped: that is a true convolution, but conv2d computes "
            "cross-correlation.",
            _flipped_kernel,
        ),
        Mistake(
            "the product was reshaped as (K, Wo, Ho) and then transposed: its columns are "
            "output pixels in row-major order, so reshape to (K, Ho, Wo) directly.",
            _reshaped_column_major,
        ),
        Mistake("every output map is transposed (Ho and Wo swapped).", _maps_transposed),
        Mistake(
            "the weights and the column matrix are flattened in different orders (the channel "
            "must be the slowest index in both).",
            _weights_channels_last,
        ),
    ],
    wrong_answers=[
        WrongAnswer(
            "np.einsum instead of the given matmul",
            lambda x, w, matmul=np.matmul: _learner_gemm(
                x, w, lambda a, b: np.einsum("kp,pl->kl", a, b)
            ),
            "one call of",
        ),
        WrongAnswer(
            "`@` instead of the given matmul",
            lambda x, w, matmul=np.matmul: _learner_gemm(x, w, np.matmul),
            "one call of",
        ),
        WrongAnswer("one matmul per kernel", _wrong_gemm_per_kernel, "one call of"),
        WrongAnswer("loops of dot products", _wrong_gemm_dot_loops, "one call of"),
        WrongAnswer(
            "course_utils.conv.conv2d_im2col",
            lambda x, w, matmul=np.matmul: conv2d_im2col(x[None], w)[0],
            "one call of",
        ),
        WrongAnswer("kernel flipped", _flipped_kernel, "flipped"),
        WrongAnswer("reshaped (K, Wo, Ho) then transposed", _reshaped_column_major, "row-major"),
        WrongAnswer("maps transposed", _maps_transposed, "transposed"),
        WrongAnswer("weights flattened (u, v, c)", _weights_channels_last, "different orders"),
        WrongAnswer("Ho = H - kh (no + 1)", _wrong_gemm_no_plus_one, "cannot reshape"),
        WrongAnswer("product not reshaped", _wrong_gemm_flat, "expected shape (3, 3, 6)"),
        WrongAnswer(
            "float32 result", returns_dtype(_conv2d_gemm, np.float32), "dtype float32, expected"
        ),
        WrongAnswer("changes x in place", mutates_input(_conv2d_gemm), "in place"),
    ],
)


# -- q5: the memory of the column matrix --------------------------------------------------------

# ResNet's first layer: N RGB images of 224x224, 7x7 kernels, stride 2, padding 3, float32.
BATCH, CHANNELS, SIDE, KERNEL, STRIDE, PADDING, FLOAT32_BYTES = 16, 3, 224, 7, 2, 3, 4


def _column_bytes(
    batch: int = BATCH,
    stride: int = STRIDE,
    padding: int = PADDING,
    itemsize: int = FLOAT32_BYTES,
    taps: int = KERNEL * KERNEL,
    out: int | None = None,
) -> int:
    if out is None:
        out = conv_output_size(SIDE, KERNEL, stride=stride, padding=padding)
    return batch * CHANNELS * taps * out * out * itemsize


_OUT = conv_output_size(SIDE, KERNEL, stride=STRIDE, padding=PADDING)  # 112
_INPUT_BYTES = BATCH * CHANNELS * SIDE * SIDE * FLOAT32_BYTES

q5 = ValueProblem(
    "q5",
    "column_bytes",
    _column_bytes(),
    hints=[
        "The column matrix of the whole batch has shape (N, C·kh·kw, Ho·Wo); count its "
        "entries, then the bytes per entry. Ho comes from the output-size formula, with the "
        "stride and the padding.",
        "Ho = ⌊(224 + 2·3 − 7) / 2⌋ + 1 (the same for Wo); use `//` so that the answer stays "
        "an integer. C is 3 (the input's channels, not the number of kernels), float32 takes "
        "4 bytes, and the batch has 16 images.",
    ],
    mistakes=[
        Mistake(
            "that is the number of entries; each float32 entry takes 4 bytes.",
            _column_bytes(itemsize=1),
        ),
        Mistake("that is the column matrix of one image; the batch has 16.", _column_bytes(1)),
        Mistake("that counts 8 bytes per entry; float32 takes 4.", _column_bytes(itemsize=8)),
        Mistake(
            "the stride was ignored: with stride 2 only every second window is cut, in both "
            "directions.",
            _column_bytes(stride=1),
        ),
        Mistake(
            "the padding was left out of the output size (the window slides over the padded "
            "length 224 + 2·3).",
            _column_bytes(padding=0),
        ),
        Mistake("the output size is off by one: check the '+ 1'.", _column_bytes(out=_OUT - 1)),
        Mistake(
            "that is the size of the input; every column holds a whole C·kh·kw patch.",
            _INPUT_BYTES,
        ),
        Mistake(
            "the kernel taps are missing: a column holds C·kh·kw numbers, not C.",
            _column_bytes(taps=1),
        ),
    ],
    wrong_answers=[
        WrongAnswer("entries, not bytes", _column_bytes(itemsize=1), "4 bytes"),
        WrongAnswer("one image", _column_bytes(1), "one image"),
        WrongAnswer("float64 itemsize", _column_bytes(itemsize=8), "8 bytes"),
        WrongAnswer("stride ignored", _column_bytes(stride=1), "stride was ignored"),
        WrongAnswer("padding ignored", _column_bytes(padding=0), "padding was left out"),
        WrongAnswer("Ho without + 1", _column_bytes(out=_OUT - 1), "off by one"),
        WrongAnswer("the input's size", _INPUT_BYTES, "size of the input"),
        WrongAnswer("no kernel taps", _column_bytes(taps=1), "taps are missing"),
        WrongAnswer(
            "true division in Ho",
            BATCH * CHANNELS * KERNEL * KERNEL * 112.5 * 112.5 * FLOAT32_BYTES,
            "expected an int",
        ),
        WrongAnswer("a float", float(_column_bytes()), "expected an int"),
    ],
)

q4.uses = ("q3",)  # the prompt suggests building the product on im2col_channels

EXERCISES = ExerciseSet("03_im2col", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
