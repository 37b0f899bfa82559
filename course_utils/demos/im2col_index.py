"""Which input pixel lands in which entry of the im2col matrix (lesson 03).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson03`),
tested in ``tests/test_demos_im2col_index.py``.
"""

from __future__ import annotations

import numpy as np

from course_utils.conv import conv_output_size, im2col

__all__ = [
    "column_index",
    "column_mask",
    "output_shape",
    "padded_indices",
    "patch_mask",
    "source_indices",
    "stride_selection_masks",
]


def output_shape(
    height: int, width: int, kernel: int, stride: int = 1, padding: int = 0
) -> tuple[int, int]:
    """(Ho, Wo) of a square ``kernel`` sliding over an (H, W) image.

    Raises ``ValueError`` (from ``conv_output_size``) when the kernel does not fit in the
    padded image.

    >>> output_shape(4, 4, 3)
    (2, 2)
    """
    return (
        conv_output_size(height, kernel, stride, padding),
        conv_output_size(width, kernel, stride, padding),
    )


def padded_indices(height: int, width: int, padding: int = 0) -> np.ndarray:
    """Flat index of every pixel of the zero-padded image, ``-1`` in the padding.

    Returns an int array of shape (H + 2p, W + 2p); the inner (H, W) block is
    ``arange(H*W).reshape(H, W)``.
    """
    labels = np.full((height + 2 * padding, width + 2 * padding), -1, dtype=np.int64)
    labels[padding : padding + height, padding : padding + width] = np.arange(
        height * width
    ).reshape(height, width)
    return labels


def source_indices(
    height: int, width: int, kernel: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Which input pixel every entry of the im2col matrix is a copy of.

    Inputs:
    - height, width: image size (H, W); kernel: side k of a square kernel;
    - stride (>= 1), padding (>= 0): ints, the same in both directions.

    Returns an int array of shape (k*k, Ho*Wo): entry ``[u*k + v, i*Wo + j]`` is the flat
    index ``y*W + x`` of the input pixel at padded position ``(i*stride + u, j*stride + v)``,
    or ``-1`` if that position lies in the zero padding. It is ``im2col`` applied to the
    image of indices (the padding value shifted to -1).
    """
    labels = padded_indices(height, width, 0).astype(np.float64) + 1.0  # padding zeros -> 0
    cols = im2col(labels, kernel, stride=stride, padding=padding)
    return cols.astype(np.int64) - 1


def column_index(out_row: int, out_col: int, out_width: int) -> int:
    """Column of the im2col matrix that holds output pixel (out_row, out_col): row-major.

    >>> column_index(1, 0, 2)
    2
    """
    if not 0 <= out_col < out_width or out_row < 0:
        raise ValueError(
            f"output pixel ({out_row}, {out_col}) is outside an output of width {out_width}"
        )
    return out_row * out_width + out_col


def patch_mask(
    height: int,
    width: int,
    kernel: int,
    out_row: int,
    out_col: int,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """Boolean mask of shape (H + 2p, W + 2p): the patch that output pixel (out_row, out_col)
    reads, in the coordinates of the padded image."""
    out_h, out_w = output_shape(height, width, kernel, stride, padding)
    if not (0 <= out_row < out_h and 0 <= out_col < out_w):
        raise ValueError(
            f"output pixel ({out_row}, {out_col}) is outside the {out_h}x{out_w} output"
        )
    mask = np.zeros((height + 2 * padding, width + 2 * padding), dtype=bool)
    top, left = out_row * stride, out_col * stride
    mask[top : top + kernel, left : left + kernel] = True
    return mask


def column_mask(shape: tuple[int, int], column: int) -> np.ndarray:
    """Boolean mask of a matrix of ``shape`` (rows, L) that is True on column ``column``."""
    mask = np.zeros(shape, dtype=bool)
    mask[:, column] = True
    return mask


def stride_selection_masks(
    height: int, width: int, kernel: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which stride-1 output pixels a stride-``stride`` im2col needs, and which ones
    ``cols_stride1[:, ::stride]`` keeps.

    Both are boolean arrays of shape (Ho1, Wo1), the stride-1 output grid (no padding).
    The correct selection keeps every ``stride``-th row *and* column of that grid; slicing
    the flattened column index keeps every ``stride``-th pixel in row-major order instead.
    """
    out_h, out_w = output_shape(height, width, kernel)
    correct = np.zeros((out_h, out_w), dtype=bool)
    correct[::stride, ::stride] = True
    sliced = np.zeros(out_h * out_w, dtype=bool)
    sliced[::stride] = True
    return correct, sliced.reshape(out_h, out_w)
