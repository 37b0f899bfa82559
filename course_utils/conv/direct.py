"""Vectorised direct convolution: loop over the kernel taps only ("shift and add").

The definition sums ``kh * kw`` shifted copies of the input:

    out[n, k] = b[k] + sum_{u, v} sum_c w[k, c, u, v] * xpad[n, c, u*dh + sh*i, v*dw + sw*j]

For a fixed tap ``(u, v)`` the pixels ``xpad[..., u*dh::sh, v*dw::sw]`` form a strided slice
(a view, no copy) with exactly the output's height and width. So the whole convolution is
``kh * kw`` vectorised steps: take the slice, mix its channels with the ``K x C`` matrix
``w[:, :, u, v]``, add into the output. The Python loop runs ``kh * kw`` times instead of
``N * K * Ho * Wo * C * kh * kw`` times.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.conv._docs import with_contract
from course_utils.conv._validate import ConvArgs, normalize_conv_args
from course_utils.conv.loops import pad2d

__all__ = ["conv2d_direct", "tap_slices"]


def tap_slices(
    u: int, v: int, out_hw: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[slice, slice]:
    """The (row, column) slices of the padded input that kernel tap ``(u, v)`` multiplies.

    Output pixel ``(i, j)`` reads padded-input pixel ``(u*dh + i*sh, v*dw + j*sw)``, so for
    one tap the pixels read by all outputs are ``xpad[..., rows, cols]`` with the returned
    slices; that view has shape (..., Ho, Wo).

    >>> tap_slices(1, 2, (4, 4), stride=(2, 2), dilation=(1, 1))
    (slice(1, 8, 2), slice(2, 9, 2))
    """
    (out_h, out_w), (sh, sw), (dh, dw) = out_hw, stride, dilation
    rows = slice(u * dh, u * dh + sh * (out_h - 1) + 1, sh)
    cols = slice(v * dw, v * dw + sw * (out_w - 1) + 1, sw)
    return rows, cols


def _initial_output(args: ConvArgs) -> np.ndarray:
    """(N, K, Ho, Wo) array holding the bias (or zeros)."""
    out = np.empty(args.out_shape, dtype=args.dtype)
    out[...] = 0 if args.b is None else args.b[:, None, None]
    return out


def _shift_add_single_channel(xpad: np.ndarray, args: ConvArgs, out: np.ndarray) -> None:
    """C == 1: each tap is a scaled copy of a slice, ``out[:, k] += w[k, 0, u, v] * slice``."""
    kernel_h, kernel_w = args.w.shape[2:]
    scratch = np.empty(out.shape, dtype=out.dtype)
    for u in range(kernel_h):
        for v in range(kernel_w):
            rows, cols = tap_slices(u, v, args.out_hw, args.stride, args.dilation)
            tap = args.w[:, 0, u, v].reshape(1, -1, 1, 1)  # (1, K, 1, 1)
            np.multiply(xpad[:, :, rows, cols], tap, out=scratch)  # (N, 1, Ho, Wo) * tap
            out += scratch


def _shift_add_channels(xpad: np.ndarray, args: ConvArgs, out: np.ndarray) -> None:
    """C > 1: each tap is a (K, C) @ (C, Ho*Wo) product per image, added to the output."""
    num_images, num_kernels, out_h, out_w = args.out_shape
    channels = args.w.shape[1]
    taps = np.ascontiguousarray(args.w.transpose(2, 3, 0, 1))  # (kh, kw, K, C)
    window = np.empty((num_images, channels, out_h, out_w), dtype=out.dtype)
    flat_out = out.reshape(num_images, num_kernels, out_h * out_w)
    flat_window = window.reshape(num_images, channels, out_h * out_w)
    for u in range(taps.shape[0]):
        for v in range(taps.shape[1]):
            rows, cols = tap_slices(u, v, args.out_hw, args.stride, args.dilation)
            np.copyto(window, xpad[:, :, rows, cols])  # contiguous operand for the GEMM
            flat_out += np.matmul(taps[u, v], flat_window)  # (K, C) @ (N, C, L) -> (N, K, L)


@with_contract
def conv2d_direct(
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
    """2-D convolution (cross-correlation, as ``torch.nn.functional.conv2d``), shift-and-add.

    The Python loop runs over the ``kh * kw`` kernel taps only; every step works on whole
    (N, C, Ho, Wo) strided slices of the padded input (see :func:`tap_slices`). With one
    input channel a step is a scaled add; with several it is a ``(K, C)`` matrix product.

    Inputs:
    {contract_inputs}

    {contract_returns}
    The dtype is float32 if all inputs are float32, float64 otherwise (integers are
    converted to float64). Raises ``ValueError`` for inconsistent shapes or arguments.

    >>> conv2d_direct(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), padding=(0, 1)).shape
    (2, 4)
    """
    args = normalize_conv_args(
        x, w, bias, stride, padding, dilation, groups=groups, method="conv2d_direct", b=b
    )
    xpad = pad2d(args.x, args.padding) if max(args.padding) > 0 else args.x
    out = _initial_output(args)
    if args.w.shape[1] == 1:
        _shift_add_single_channel(xpad, args, out)
    else:
        _shift_add_channels(xpad, args, out)
    return args.finish(out)
