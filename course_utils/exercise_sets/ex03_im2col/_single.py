"""q1 (im2col of one single-channel image) and q3 (several channels) of the im2col set."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers
from course_utils.conv import im2col
from course_utils.exercise_sets.ex03_im2col._common import (
    EXACT,
    _columns,
    _grid,
    _loops_single,
    add_big_int64,
    add_kernel_edges,
    image_cases,
    random_image_size,
)

# -- q1: im2col of one single-channel image, stride 1 ------------------------------------------


def _im2col_single(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Reference: (H, W) -> (kh*kw, Ho*Wo), stride 1, no padding, x's dtype."""
    return _columns(x, kh, kw)


def _single_cases() -> list[Case]:
    cases = image_cases(seed=3)
    cases.add(np.arange(16.0).reshape(4, 4), 3, 3, note="the lesson's example")
    add_big_int64(cases, (6, 5), 3, 2)
    add_kernel_edges(cases)
    cases.add((6, 4), 3, 1, note="one-column kernel")
    cases.add_random(3, random_image_size)
    return cases.build()


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
        *common_wrong_answers(_im2col_single, wrong_dtype=np.float64),
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
            "calls course_utils.conv.im2col",
            lambda x, kh, kw: im2col(x, (kh, kw)),
            "keeps x's dtype",
        ),
        WrongAnswer("calls F.unfold on a float tensor", _wrong_single_unfold, "keeps x's dtype"),
    ],
)


# -- q3: several channels ----------------------------------------------------------------------


def _im2col_channels(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Reference: (C, H, W) -> (C*kh*kw, Ho*Wo), stride 1, no padding, x's dtype."""
    return _columns(x, kh, kw)


def _channel_cases() -> list[Case]:
    cases = image_cases(seed=5)
    cases.add((2, 4, 5), 2, 3)
    add_big_int64(cases, (2, 5, 6), 3, 2)
    cases.add((3, 5, 4), 3, 2)
    cases.add((1, 4, 4), 3, 3, note="one channel: the same as q1")
    add_kernel_edges(cases, channels=3)
    cases.add((2, 1, 1), 1, 1, note="1×1 image, two channels")
    cases.add((5, 7, 6), 2, 2, note="five channels")
    return cases.build()


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
        *common_wrong_answers(_im2col_channels, wrong_dtype=np.float64),
        WrongAnswer(
            "calls course_utils.conv.im2col",
            lambda x, kh, kw: im2col(x[None], (kh, kw))[0],
            "keeps x's dtype",
        ),
    ],
)
