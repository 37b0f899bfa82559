"""The definition of a 2-D convolution, written as plain Python loops.

Deep-learning "convolution" is a cross-correlation (the kernel is *not* flipped), exactly
as in ``torch.nn.functional.conv2d``:

    out[n, k, i, j] = b[k] + sum_{c, u, v} xpad[n, c, i*sh + u*dh, j*sw + v*dw] * w[k, c, u, v]

where ``xpad`` is the input with ``padding`` zeros added on each side. This module also
holds the two building blocks the definition needs, :func:`pad2d` and
:func:`dilate_kernel`. :func:`conv2d_loops` is slow on purpose: it is the reference the
fast algorithms are checked against and compared with.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.conv._docs import with_contract
from course_utils.conv._validate import _check_int, normalize_conv_args, pair

__all__ = ["conv2d_loops", "dilate_kernel", "pad2d"]


def _padding4(padding: Any) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair (ph, pw) or a 4-tuple."""
    if isinstance(padding, tuple | list) and len(padding) == 4:
        sides = tuple(_check_int(p, "padding") for p in padding)
    else:
        ph, pw = pair(padding, "padding")
        sides = (ph, ph, pw, pw)
    if min(sides) < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return sides  # type: ignore[return-value]


def pad2d(x: np.ndarray, padding: Any, value: float = 0.0) -> np.ndarray:
    """Pad the last two axes of ``x`` with a constant.

    Inputs:
    - x: array of shape (..., H, W) (any number of leading axes, e.g. (N, C, H, W)).
    - padding: ``p`` (all four sides), ``(ph, pw)`` (top/bottom, left/right) or
      ``(top, bottom, left, right)``; non-negative integers.
    - value: the fill value.

    Returns an array of shape (..., H + top + bottom, W + left + right) with the dtype of
    ``x``. It is always a new array (a copy even when the padding is zero).

    >>> pad2d(np.ones((2, 3)), (1, 0)).shape
    (4, 3)
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"pad2d needs an array with at least 2 dimensions, got x.ndim={x.ndim}")
    top, bottom, left, right = _padding4(padding)
    h, w = x.shape[-2:]
    out = np.full((*x.shape[:-2], h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[..., top : top + h, left : left + w] = x
    return out


def dilate_kernel(w: np.ndarray, dilation: Any) -> np.ndarray:
    """Insert ``dilation - 1`` zeros between neighbouring taps of a kernel.

    A kernel with dilation ``d`` touches every ``d``-th input pixel; it equals an ordinary
    kernel of size ``d*(k - 1) + 1`` that is zero between the taps.

    Inputs:
    - w: kernel of shape (..., kh, kw), e.g. (K, C, kh, kw).
    - dilation: int or pair ``(dh, dw)``, each >= 1.

    Returns an array of shape (..., dh*(kh - 1) + 1, dw*(kw - 1) + 1), dtype of ``w``.

    >>> dilate_kernel(np.ones((2, 2)), 2)
    array([[1., 0., 1.],
           [0., 0., 0.],
           [1., 0., 1.]])
    """
    w = np.asarray(w)
    if w.ndim < 2:
        raise ValueError(f"dilate_kernel needs at least 2 dimensions, got w.ndim={w.ndim}")
    dh, dw = pair(dilation, "dilation")
    if min(dh, dw) < 1:
        raise ValueError(f"dilation must be >= 1, got {(dh, dw)}")
    kh, kw = w.shape[-2:]
    out = np.zeros((*w.shape[:-2], dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=w.dtype)
    out[..., ::dh, ::dw] = w
    return out


@with_contract
def conv2d_loops(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    groups: int = 1,
    b: np.ndarray | None = None,
) -> np.ndarray:
    """2-D convolution (cross-correlation) computed straight from its definition.

    Seven nested Python loops: batch, output channel, output row, output column, and the
    sum over input channel and kernel row/column. Very slow (about a microsecond per
    multiply-add); use it on small inputs, as a reference.

    Inputs:
    {contract_inputs}

    {contract_returns}
    The dtype is float32 if all inputs are float32, float64 otherwise (integers are
    converted to float64). Raises ``ValueError`` for inconsistent shapes or arguments.

    >>> conv2d_loops(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    args = normalize_conv_args(
        x, w, bias, stride, padding, dilation, groups=groups, method="conv2d_loops", b=b
    )
    xpad = pad2d(args.x, args.padding)
    weights, bias = args.w, args.b
    (sh, sw), (dh, dw) = args.stride, args.dilation
    num_images, num_kernels, out_h, out_w = args.out_shape
    channels, kernel_h, kernel_w = weights.shape[1:]
    out = np.zeros(args.out_shape, dtype=args.dtype)
    for n in range(num_images):
        for k in range(num_kernels):
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0 if bias is None else bias[k]
                    for c in range(channels):
                        for u in range(kernel_h):
                            for v in range(kernel_w):
                                pixel = xpad[n, c, i * sh + u * dh, j * sw + v * dw]
                                total += pixel * weights[k, c, u, v]
                    out[n, k, i, j] = total
    return args.finish(out)
