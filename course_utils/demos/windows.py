"""Output-pixel windows of a 2-D convolution (lesson 01).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson01`),
tested in ``tests/test_demos_windows.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.conv import conv2d_direct, conv_output_size, pad2d

__all__ = [
    "demo_image_and_kernel",
    "output_shape_or_none",
    "tap_positions",
    "window_products",
]


def tap_positions(
    i: int, j: int, kernel_hw: tuple[int, int], stride: int = 1, dilation: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the *padded* input that output pixel ``(i, j)`` reads.

    Output ``(i, j)`` multiplies kernel tap ``(u, v)`` with padded-input pixel
    ``(i*stride + u*dilation, j*stride + v*dilation)``.

    Inputs:
    - i, j: output row and column (>= 0).
    - kernel_hw: kernel size (kh, kw).
    - stride, dilation: integers >= 1 (the same along both axes).

    Returns ``(rows, cols)``: integer arrays of shape (kh,) and (kw,).

    >>> tap_positions(1, 0, (2, 3), stride=2, dilation=2)
    (array([2, 4]), array([0, 2, 4]))
    """
    kernel_h, kernel_w = kernel_hw
    rows = i * stride + dilation * np.arange(kernel_h)
    cols = j * stride + dilation * np.arange(kernel_w)
    return rows, cols


def output_shape_or_none(
    in_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> tuple[int, int] | None:
    """(Ho, Wo) of the convolution, or ``None`` when the dilated kernel does not fit.

    Inputs: in_hw = (H, W), kernel_hw = (kh, kw); stride, padding, dilation as integers.
    """
    try:
        return (
            conv_output_size(in_hw[0], kernel_hw[0], stride, padding, dilation),
            conv_output_size(in_hw[1], kernel_hw[1], stride, padding, dilation),
        )
    except ValueError:
        return None


def window_products(
    x: np.ndarray,
    w: np.ndarray,
    i: int,
    j: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> dict[str, Any]:
    """Everything that goes into output pixel ``(i, j)`` of a 2-D cross-correlation.

    Inputs:
    - x: image of shape (H, W); w: kernel of shape (kh, kw).
    - i, j: the output position, ``0 <= i < Ho``, ``0 <= j < Wo``.
    - stride, padding, dilation: integers (same along both axes), as in ``conv2d``.

    Returns a dict with
    - ``"padded"``: the zero-padded image, shape (H + 2p, W + 2p);
    - ``"rows"``, ``"cols"``: the padded-input rows (kh,) and columns (kw,) that are read;
    - ``"window"``: those pixels, shape (kh, kw);
    - ``"products"``: ``window * w``, shape (kh, kw);
    - ``"sum"``: the output value (a float), the sum of the products;
    - ``"output"``: the whole output, shape (Ho, Wo) (so ``output[i, j] == sum``).

    Raises ``ValueError`` if the kernel does not fit or ``(i, j)`` is outside the output.
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    output = conv2d_direct(x, w, stride=stride, padding=padding, dilation=dilation)
    out_h, out_w = output.shape
    if not (0 <= i < out_h and 0 <= j < out_w):
        raise ValueError(f"output position ({i}, {j}) is outside the {out_h}x{out_w} output")
    padded = pad2d(x, padding)
    rows, cols = tap_positions(i, j, w.shape, stride, dilation)
    window = padded[np.ix_(rows, cols)]
    products = window * w
    return {
        "padded": padded,
        "rows": rows,
        "cols": cols,
        "window": window,
        "products": products,
        "sum": float(products.sum()),
        "output": output,
    }


def demo_image_and_kernel(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small integer image (5, 6) and an asymmetric 3x3 integer kernel for the demos.

    Small integers keep every product readable in the figures. Returns float64 arrays
    of shapes (5, 6) and (3, 3).
    """
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 10, size=(5, 6)).astype(np.float64)
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [0.0, 1.0, 0.0]])
    return image, kernel
