"""Convolution through the FFT: a product of spectra instead of a sum over kernel taps.

The convolution theorem turns a *circular* cross-correlation of length ``L`` into an
element-wise product of discrete Fourier transforms,

    r[m] = sum_t x[(m + t) mod L] * w[t]   <=>   R = X * conj(W)

A convolution layer needs the *linear* result (zeros outside the padded image, no
wrap-around). This module gets it from a circular one of a well-chosen length:

* the image, zero-padded at the end to ``L`` per axis, sits at positions ``0 .. H-1``;
* the (dilated) kernel is placed at positions ``-p .. ke-1-p`` modulo ``L`` (``p`` the
  padding, ``ke = d*(k-1)+1`` the dilated kernel size), and flipped, so the product needs
  no complex conjugate: ``R = X * W_flipped``;
* with ``L >= H + p`` a read that falls before the image (into the top/left padding)
  wraps around into the zero tail ``H .. L-1``; with ``L >= s*(Ho-1) + ke - p`` no read of
  a kept output runs past ``L``; ``L >= ke`` and ``L > s*(Ho-1)`` keep the kernel taps
  and the kept outputs from overlapping themselves. So every kept output reads exactly
  the image pixels and zeros that the zero padding prescribes.

Only outputs ``0 .. s*(Ho-1)`` along each axis are kept (then subsampled by the stride),
so ``L`` only needs to cover the valid part, not the ``H + ke - 1`` samples of a full
linear convolution. ``L`` is rounded up with ``scipy.fft.next_fast_len(.., real=True)``.
Cost: ``O(N*C*L^2 log L)`` for the forward transforms, ``O(N*K*C*L^2)`` for the products,
``O(N*K*L^2 log L)`` for the inverse transforms -- independent of the kernel size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft

from course_utils.conv._docs import with_contract
from course_utils.conv._validate import ConvArgs, normalize_conv_args

__all__ = ["conv2d_fft", "fft_lengths"]


def _fft_length(size: int, kernel: int, padding: int, dilation: int, out: int, stride: int):
    """(transform length, input rows used) along one axis; see :func:`fft_lengths`."""
    effective = dilation * (kernel - 1) + 1
    last_kept = stride * (out - 1)  # the largest stride-1 output index that is kept
    used = max(1, min(size, last_kept + effective - padding))  # input rows any output reads
    needed = max(used + padding, last_kept + effective - padding, effective, last_kept + 1)
    return scipy.fft.next_fast_len(needed, real=True), used


def fft_lengths(
    in_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
) -> tuple[int, int]:
    """Transform size ``(L1, L2)`` that :func:`conv2d_fft` uses for an (H, W) input.

    Along each axis ``L`` is the fast FFT length (5-smooth, ``next_fast_len(.., real=True)``)
    of at least ``max(H + p, s*(Ho - 1) + ke - p, ke, s*(Ho - 1) + 1)``, with
    ``ke = d*(k - 1) + 1``: long enough to hold every kept output, the kernel, and to keep
    every kept output clear of circular wrap-around.

    >>> fft_lengths((512, 512), (5, 5))  # a full linear convolution would need 516
    (512, 512)
    """
    image, kernel = np.empty(in_hw), np.empty(kernel_hw)
    args = normalize_conv_args(image, kernel, None, stride, padding, dilation)
    return _fft_shape(args)[0]


def _fft_shape(args: ConvArgs) -> tuple[tuple[int, int], tuple[int, int]]:
    """((L1, L2), (rows used, columns used))."""
    axes = [
        _fft_length(
            args.x.shape[2 + a],
            args.w.shape[2 + a],
            args.padding[a],
            args.dilation[a],
            args.out_hw[a],
            args.stride[a],
        )
        for a in (0, 1)
    ]
    return (axes[0][0], axes[1][0]), (axes[0][1], axes[1][1])


def _kernel_spectrum(args: ConvArgs, lengths: tuple[int, int], workers: int | None) -> np.ndarray:
    """FFT of the flipped, dilated kernel placed at ``(p - d*t) mod L``: (K, C, L1, L2//2+1)."""
    kernel_h, kernel_w = args.w.shape[2:]
    (l1, l2), (ph, pw), (dh, dw) = lengths, args.padding, args.dilation
    rows = (ph - dh * np.arange(kernel_h)) % l1
    cols = (pw - dw * np.arange(kernel_w)) % l2
    placed = np.zeros((*args.w.shape[:2], l1, l2), dtype=args.dtype)
    placed[:, :, rows[:, None], cols[None, :]] = args.w
    return scipy.fft.rfft2(placed, workers=workers, overwrite_x=True)


def _input_spectrum(
    x: np.ndarray, lengths: tuple[int, int], used: tuple[int, int], workers: int | None
) -> np.ndarray:
    """FFT of the input zero-padded to (L1, L2): (N, C, L1, L2//2+1).

    Rows past ``used`` are zero, so the real transform along rows only runs on the used
    rows; zero-padding to ``L1`` happens in the second (column) transform.
    """
    cropped = x[..., : used[0], : used[1]]
    half = scipy.fft.rfft(cropped, n=lengths[1], axis=-1, workers=workers)
    return scipy.fft.fft(half, n=lengths[0], axis=-2, workers=workers, overwrite_x=True)


def _multiply_spectra(x_hat: np.ndarray, w_hat: np.ndarray) -> np.ndarray:
    """Sum over channels of ``x_hat[n, c] * w_hat[k, c]``: (N, K, L1, F2)."""
    if x_hat.shape[:2] == (1, 1) and w_hat.shape[0] == 1:
        return np.multiply(x_hat, w_hat, out=x_hat)  # one image, one kernel: in place
    if x_hat.shape[1] == 1:
        return x_hat * w_hat[None, :, 0]
    return np.einsum("ncxy,kcxy->nkxy", x_hat, w_hat, optimize=True)


def _inverse_kept(
    y_hat: np.ndarray, args: ConvArgs, lengths: tuple[int, int], workers: int | None
) -> np.ndarray:
    """Inverse FFT, computing the last (real) transform only on the kept output rows."""
    (out_h, out_w), (sh, sw) = args.out_hw, args.stride
    columns = scipy.fft.ifft(y_hat, axis=-2, workers=workers, overwrite_x=True)
    kept_rows = columns[..., : sh * (out_h - 1) + 1 : sh, :]
    y = scipy.fft.irfft(kept_rows, n=lengths[1], axis=-1, workers=workers)
    return y[..., : sw * (out_w - 1) + 1 : sw]


@with_contract
def conv2d_fft(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    groups: int = 1,
    b: np.ndarray | None = None,
    workers: int | None = None,
) -> np.ndarray:
    """2-D convolution (cross-correlation, as ``torch.nn.functional.conv2d``) via real FFTs.

    Transforms the input and the flipped kernel (placed so that the circular result equals
    the zero-padded linear one on every kept output, see the module docstring), multiplies
    the spectra and sums over input channels, then transforms back only the rows that are
    kept. Stride subsamples the stride-1 result; dilation spreads the kernel taps.
    Worth it for large kernels: the cost does not grow with ``kh * kw``.

    Inputs:
    {contract_inputs}
    - workers: threads for ``scipy.fft`` (None: the ``scipy.fft.set_workers`` default).

    {contract_returns}
    The dtype is float32 if all inputs are float32 (transforms in complex64), float64
    otherwise (integers are converted to float64). The result may be a view into the
    slightly larger inverse-transform array (as in ``scipy.signal.fftconvolve``). Round-off
    is of order ``eps * log2(L) * ||x|| * ||w||`` -- larger than the direct method's on
    small outputs that sit next to large ones.

    >>> out = conv2d_fft(np.ones((8, 8)), np.ones((3, 3)), padding=1)
    >>> out.shape, round(float(out[0, 0]), 6), round(float(out[4, 4]), 6)
    ((8, 8), 4.0, 9.0)
    """
    args = normalize_conv_args(
        x, w, bias, stride, padding, dilation, groups=groups, method="conv2d_fft", b=b
    )
    lengths, used = _fft_shape(args)
    x_hat = _input_spectrum(args.x, lengths, used, workers)
    w_hat = _kernel_spectrum(args, lengths, workers)
    out = _inverse_kept(_multiply_spectra(x_hat, w_hat), args, lengths, workers)
    if args.b is not None:
        out += args.b[:, None, None]
    return args.finish(out)
