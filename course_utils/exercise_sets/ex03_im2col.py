"""Checks for ``exercises/03_im2col.ipynb``: im2col by hand, strides and padding, channels,
a convolution as one matrix product, and the memory the column matrix costs.

Layout everywhere (that of ``torch.nn.functional.unfold`` and ``course_utils.conv.im2col``):
row ``c*kh*kw + u*kw + v`` is channel ``c``, kernel tap ``(u, v)``; column ``i*Wo + j`` is
output pixel ``(i, j)`` (row-major).
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, ValueProblem
from course_utils.conv import conv2d_im2col, conv_output_size, im2col

# im2col only *copies* numbers: any correct implementation gives bit-identical results, so
# q1-q3 compare exactly (rtol = atol = 0).
EXACT = {"rtol": 0.0, "atol": 0.0}


def _random(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _label(x: np.ndarray, **params: int) -> str:
    text = f"x {x.shape}"
    return text + "".join(f", {name}={value}" for name, value in params.items())


# -- q1: im2col of one single-channel image, stride 1 ------------------------------------------


def _im2col_single(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Reference: (H, W) -> (kh*kw, Ho*Wo), stride 1, no padding."""
    return im2col(x, (kh, kw))


def _single_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    fixed = [
        (np.arange(16.0).reshape(4, 4), 3, 3),  # the lesson's example
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
    cols = im2col(x, (kh, kw))
    return cols.reshape(kh, kw, -1).transpose(1, 0, 2).reshape(kh * kw, -1)


def _outputs_column_major(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    cols = im2col(x, (kh, kw))
    return cols.reshape(-1, out_h, out_w).transpose(0, 2, 1).reshape(kh * kw, -1)


def _transposed_single(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return im2col(x, (kh, kw)).T


q1 = FunctionProblem(
    "q1",
    "im2col_single",
    _im2col_single,
    _single_cases,
    **EXACT,
    hints=[
        "Loop over the output pixels (i, j) in row-major order. For each, cut the kh×kw patch "
        "x[i : i + kh, j : j + kw] and make it one *column* of the result.",
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
    ],
)


# -- q2: stride and padding ---------------------------------------------------------------------


def _im2col_strided(
    x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Reference: (H, W) -> (kh*kw, Ho*Wo) with stride and zero padding."""
    return im2col(x, (kh, kw), stride=stride, padding=padding)


def _strided_cases() -> list[Case]:
    rng = np.random.default_rng(4)
    fixed = [
        (_random(rng, 5, 5), 3, 3, 2, 1),
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


def _no_padding(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return im2col(x, (kh, kw), stride=stride)


def _sliced_columns(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    return im2col(x, (kh, kw), padding=padding)[:, ::stride]


def _one_window_short(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0):
    out_h = conv_output_size(x.shape[0], kh, stride, padding)
    out_w = conv_output_size(x.shape[1], kw, stride, padding)
    cols = im2col(x, (kh, kw), stride=stride, padding=padding).reshape(-1, out_h, out_w)
    return cols[:, : out_h - 1, : out_w - 1].reshape(kh * kw, -1)


q2 = FunctionProblem(
    "q2",
    "im2col_strided",
    _im2col_strided,
    _strided_cases,
    **EXACT,
    hints=[
        "Pad first (zeros on all four sides), then slide the window over the padded image; "
        "the window of output pixel (i, j) starts at row i·stride, column j·stride.",
        "Ho = (H + 2·padding − kh) // stride + 1 (same for Wo). Computing the stride-1 "
        "matrix and then dropping columns does not work: the columns are output pixels in "
        "row-major order, so the rows and the columns of the output grid must both be "
        "subsampled.",
    ],
    mistakes=[
        Mistake("the padding was forgotten (pad with zeros before cutting patches).", _no_padding),
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
    ],
)


# -- q3: several channels ----------------------------------------------------------------------


def _im2col_channels(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Reference: (C, H, W) -> (C*kh*kw, Ho*Wo), stride 1, no padding."""
    return im2col(x[None], (kh, kw))[0]


def _channel_cases() -> list[Case]:
    rng = np.random.default_rng(5)
    shapes = [
        ((2, 4, 5), 2, 3),
        ((3, 5, 4), 3, 2),
        ((1, 4, 4), 3, 3),  # one channel: the same as q1
        ((4, 3, 3), 3, 3),  # kernel as large as the image
        ((3, 6, 5), 1, 1),  # 1x1 kernel: rows are channels
        ((2, 1, 1), 1, 1),
        ((5, 7, 6), 2, 2),
    ]
    cases = []
    for shape, kh, kw in shapes:
        x = _random(rng, *shape)
        cases.append(Case((x, kh, kw), label=_label(x, kh=kh, kw=kw)))
    return cases


def _taps_then_channels(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    cols = _im2col_channels(x, kh, kw)
    channels = x.shape[0]
    return cols.reshape(channels, kh * kw, -1).transpose(1, 0, 2).reshape(channels * kh * kw, -1)


def _channels_side_by_side(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return np.concatenate([im2col(channel, (kh, kw)) for channel in x], axis=1)


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
        "Equivalently, stack the single-channel matrices of q1 on top of each other.",
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
    ],
)


# -- q4: convolution as one matrix product ------------------------------------------------------


def _conv2d_gemm(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Reference: x (C, H, W), w (K, C, kh, kw) -> (K, Ho, Wo), stride 1, no padding."""
    return conv2d_im2col(x[None], w)[0]


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
        cases.append(Case((x, w), label=f"x {x_shape}, w {w_shape}"))
    return cases


def _flipped_kernel(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return _conv2d_gemm(x, w[:, :, ::-1, ::-1].copy())


def _reshaped_column_major(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    num_kernels, out_h, out_w = _conv2d_gemm(x, w).shape
    flat = _conv2d_gemm(x, w).reshape(num_kernels, -1)
    return flat.reshape(num_kernels, out_w, out_h).transpose(0, 2, 1)


def _maps_transposed(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return _conv2d_gemm(x, w).transpose(0, 2, 1)


def _weights_channels_last(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    num_kernels, channels, kh, kw = w.shape
    rows = w.transpose(0, 2, 3, 1).reshape(num_kernels, -1)  # (u, v, c) order
    cols = im2col(x[None], (kh, kw))[0]  # (c, u, v) order
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return (rows @ cols).reshape(num_kernels, out_h, out_w)


# Sums of at most C*kh*kw = 27 float64 products of standard-normal numbers: any summation
# order agrees to ~1e-14, so rtol=1e-10, atol=1e-10 accept every correct product and reject
# every real mistake (which changes entries by O(1)).
q4 = FunctionProblem(
    "q4",
    "conv2d_gemm",
    _conv2d_gemm,
    _conv_cases,
    rtol=1e-10,
    atol=1e-10,
    hints=[
        "Three steps: the column matrix of x (shape (C·kh·kw, Ho·Wo)), the weights as a matrix "
        "(shape (K, C·kh·kw)), one `@`. Then give the (K, Ho·Wo) product its image shape.",
        "`w.reshape(K, -1)` flattens each kernel in (c, u, v) order, the same order as the "
        "rows of the column matrix. Column i·Wo + j is output pixel (i, j), so the product "
        "reshapes directly to (K, Ho, Wo). Do not flip the kernel.",
    ],
    mistakes=[
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
        Mistake(
            "every output map is transposed (Ho and Wo swapped).",
            _maps_transposed,
        ),
        Mistake(
            "the weights and the column matrix are flattened in different orders (the channel "
            "must be the slowest index in both).",
            _weights_channels_last,
        ),
    ],
)


# -- q5: the memory of the column matrix --------------------------------------------------------

BATCH, CHANNELS, SIDE, KERNEL, PADDING, FLOAT32_BYTES = 16, 64, 56, 3, 1, 4


def _column_bytes(
    batch: int = BATCH,
    side: int = SIDE,
    padding: int = PADDING,
    itemsize: int = FLOAT32_BYTES,
) -> int:
    out = conv_output_size(side, KERNEL, padding=padding)
    return batch * CHANNELS * KERNEL * KERNEL * out * out * itemsize


q5 = ValueProblem(
    "q5",
    "column_bytes",
    _column_bytes(),
    hints=[
        "The column matrix of the whole batch has shape (N, C·kh·kw, Ho·Wo); count its "
        "entries, then the bytes per entry.",
        "With padding 1 and stride 1 a 3×3 kernel keeps the 56×56 size. float32 takes 4 bytes. "
        "Do not forget the batch of 16.",
    ],
    mistakes=[
        Mistake(
            "that is the number of entries; each float32 entry takes 4 bytes.",
            _column_bytes(itemsize=1),
        ),
        Mistake("that is the column matrix of one image; the batch has 16.", _column_bytes(1)),
        Mistake("that counts 8 bytes per entry; float32 takes 4.", _column_bytes(itemsize=8)),
        Mistake(
            "the padding was left out: with padding 1 the output stays 56×56.",
            _column_bytes(padding=0),
        ),
    ],
)

EXERCISES = ExerciseSet("03_im2col", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
