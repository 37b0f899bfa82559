"""Kernels, spectra and wrap-around of FFT convolution (lesson 02).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson02`),
tested in ``tests/test_demos_spectra.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft

from course_utils.conv import conv2d_fft, conv_output_size, fft_lengths

__all__ = [
    "KERNEL_KINDS",
    "demo_image",
    "fft_flops_model",
    "log_magnitude",
    "make_kernel",
    "placed_kernel",
    "shapes_image",
    "spectra_demo",
    "wraparound_demo",
]


KERNEL_KINDS = ("box blur", "Gaussian", "motion blur", "edge", "Laplacian", "sharpen")


_NEEDS_THREE = ("edge", "Laplacian", "sharpen")


def demo_image(size: int = 256) -> np.ndarray:
    """scikit-image's bundled ``camera`` photo (no download), as float64 in [0, 1].

    Inputs: size, the side of the square result (1 .. 512); the 512x512 photo is reduced by
    averaging blocks when ``size`` divides 512, otherwise by picking evenly spaced pixels.
    Returns an array of shape (size, size), float64.
    """
    from skimage import data as skdata

    if not 1 <= size <= 512:
        raise ValueError(f"size must be between 1 and 512, got {size}")
    photo = skdata.camera().astype(np.float64) / 255.0
    if 512 % size == 0:
        factor = 512 // size
        return photo.reshape(size, factor, size, factor).mean(axis=(1, 3))
    index = np.linspace(0, 511, size).round().astype(int)
    return photo[np.ix_(index, index)]


def shapes_image(size: int = 128) -> np.ndarray:
    """A dark test image with bright shapes that touch its edges (to show wrap-around).

    A disc cut by the top edge, a bar along the left edge and a square in the middle, on a
    black background: a circular (unpadded) blur smears the disc into the bottom rows and
    the bar into the right columns, where the image itself is black.
    Inputs: size (>= 8), the side of the square image.
    Returns an array of shape (size, size), float64 in [0, 1].
    """
    if size < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    rows, cols = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size))
    image[(rows - 0.02) ** 2 + (cols - 0.62) ** 2 < 0.16**2] = 1.0  # disc at the top edge
    image[(rows > 0.35) & (rows < 0.8) & (cols < 0.08)] = 0.7  # bar along the left edge
    image[(np.abs(rows - 0.55) < 0.1) & (np.abs(cols - 0.5) < 0.1)] = 0.5  # square, centre
    return image


def _gaussian_1d(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred coordinates t (size,) and a normalised Gaussian g (size,) with sigma = size/6."""
    t = np.arange(size) - (size - 1) / 2
    sigma = max(size / 6.0, 0.5)
    g = np.exp(-0.5 * (t / sigma) ** 2)
    return t, g / g.sum()


def make_kernel(kind: str, size: int) -> np.ndarray:
    """A square demo kernel.

    Inputs:
    - kind: one of :data:`KERNEL_KINDS`:
      ``"box blur"`` (all taps 1/size^2), ``"Gaussian"`` (sigma = size/6, sums to 1),
      ``"motion blur"`` (a horizontal line through the centre row, sums to 1),
      ``"edge"`` (horizontal derivative of a Gaussian, zero sum, positive taps sum to 1),
      ``"Laplacian"`` (Laplacian of a Gaussian, zero sum, negative taps sum to -1),
      ``"sharpen"`` (2 * delta - Gaussian, sums to 1).
    - size: kernel side, >= 1 (>= 3 for edge, Laplacian and sharpen).

    Returns an array of shape (size, size), float64.
    """
    if kind not in KERNEL_KINDS:
        raise ValueError(f"kind must be one of {KERNEL_KINDS}, got {kind!r}")
    if size < (3 if kind in _NEEDS_THREE else 1):
        raise ValueError(f"a {kind!r} kernel needs size >= {3 if kind in _NEEDS_THREE else 1}")
    t, g = _gaussian_1d(size)
    if kind == "box blur":
        return np.full((size, size), 1.0 / size**2)
    if kind == "Gaussian":
        return np.outer(g, g)
    if kind == "motion blur":
        kernel = np.zeros((size, size))
        kernel[size // 2, :] = 1.0 / size
        return kernel
    if kind == "edge":
        kernel = np.outer(g, t * g)
        return kernel / kernel[kernel > 0].sum()
    if kind == "Laplacian":
        r2 = t[:, None] ** 2 + t[None, :] ** 2
        sigma2 = max(size / 6.0, 0.5) ** 2
        kernel = (r2 / sigma2 - 2.0) * np.exp(-0.5 * r2 / sigma2)
        kernel -= kernel.mean()
        return kernel / -kernel[kernel < 0].sum()
    sharpen = -np.outer(g, g)  # "sharpen": 2 * delta - Gaussian
    sharpen[(size - 1) // 2, (size - 1) // 2] += 2.0
    return sharpen


def placed_kernel(
    kernel: np.ndarray,
    lengths: tuple[int, int],
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """The flipped, dilated kernel on an ``L1 x L2`` grid, tap ``(u, v)`` at ``(p - d*u) mod L``.

    With this layout the circular convolution ``ifft2(fft2(x, s=L) * fft2(placed))`` equals
    the zero-padded cross-correlation ``conv2d(x, kernel, padding=p, dilation=d)`` on every
    output that lies clear of wrap-around (all of them when ``L`` is long enough; see
    :func:`course_utils.conv.fft_lengths`). It is the layout ``conv2d_fft`` uses.

    Inputs: kernel (kh, kw); lengths (L1, L2) with L >= the dilated kernel size;
    padding and dilation as (vertical, horizontal) pairs.
    Returns an array of shape (L1, L2), dtype of ``kernel``.
    """
    kernel_h, kernel_w = kernel.shape
    (l1, l2), (ph, pw), (dh, dw) = lengths, padding, dilation
    if dh * (kernel_h - 1) + 1 > l1 or dw * (kernel_w - 1) + 1 > l2:
        raise ValueError(f"the dilated kernel does not fit in a {l1}x{l2} grid")
    rows = (ph - dh * np.arange(kernel_h)) % l1
    cols = (pw - dw * np.arange(kernel_w)) % l2
    placed = np.zeros((l1, l2), dtype=kernel.dtype)
    placed[rows[:, None], cols[None, :]] = kernel
    return placed


def log_magnitude(spectrum: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    """``log10 |spectrum|`` with the zero frequency moved to the centre (``fftshift``).

    Inputs: spectrum (L1, L2), complex; floor: magnitudes below ``floor`` times the largest
    one are raised to it, so exact zeros give a finite value.
    Returns an array of shape (L1, L2), float64.
    """
    magnitude = np.abs(np.asarray(spectrum))
    lowest = floor * float(magnitude.max()) if magnitude.max() > 0 else floor
    return np.log10(np.maximum(scipy.fft.fftshift(magnitude), lowest))


def spectra_demo(image: np.ndarray, kernel: np.ndarray) -> dict[str, Any]:
    """Everything the spectra widget shows, for a 'same'-padded cross-correlation.

    The padding is ``(kh // 2, kw // 2)`` (the output keeps the image size for odd kernels)
    and the transform size is the one :func:`course_utils.conv.conv2d_fft` uses.

    Inputs: image (H, W) and kernel (kh, kw), kh <= H + 2*(kh//2) (same for kw).
    Returns a dict with:
    - ``"image"`` (H, W) and ``"kernel"`` (kh, kw): the inputs as float64;
    - ``"lengths"``: the transform size (L1, L2); ``"padding"``: (kh // 2, kw // 2);
    - ``"image_spectrum"``, ``"kernel_spectrum"``, ``"product_spectrum"``: (L1, L2) centred
      log10 magnitudes (see :func:`log_magnitude`); the product's is the sum of the others;
    - ``"output"`` (Ho, Wo): the inverse transform of the product, cropped to the output size;
      equal to ``conv2d_fft(image, kernel, padding=padding)``.
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    padding = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    lengths = fft_lengths(image.shape, kernel.shape, padding=padding)
    image_hat = scipy.fft.fft2(image, s=lengths)
    kernel_hat = scipy.fft.fft2(placed_kernel(kernel, lengths, padding))
    product = image_hat * kernel_hat
    out_h = conv_output_size(image.shape[0], kernel.shape[0], padding=padding[0])
    out_w = conv_output_size(image.shape[1], kernel.shape[1], padding=padding[1])
    floor = 1e-8
    return {
        "image": image,
        "kernel": kernel,
        "lengths": lengths,
        "padding": padding,
        "image_spectrum": log_magnitude(image_hat, floor),
        "kernel_spectrum": log_magnitude(kernel_hat, floor),
        "product_spectrum": log_magnitude(image_hat, floor) + log_magnitude(kernel_hat, floor),
        "output": scipy.fft.ifft2(product).real[:out_h, :out_w],
    }


def wraparound_demo(image: np.ndarray, kernel: np.ndarray) -> dict[str, np.ndarray]:
    """The 'same' cross-correlation computed with and without zero padding.

    Inputs: image (H, W) and kernel (kh, kw) with kh <= H and kw <= W.
    Returns a dict of (H + 2*(kh//2) - kh + 1, ...)-shaped float64 arrays (the image size
    for odd kernels):
    - ``"linear"``: ``conv2d_fft(image, kernel, padding=(kh//2, kw//2))``, zeros outside;
    - ``"circular"``: the product of spectra of size exactly (H, W), no padding: reads past
      one edge wrap around to the opposite edge;
    - ``"difference"``: circular - linear (non-zero only in bands along the edges).
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    padding = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    linear = conv2d_fft(image, kernel, padding=padding)
    spectrum = scipy.fft.rfft2(image) * scipy.fft.rfft2(placed_kernel(kernel, image.shape, padding))
    circular = scipy.fft.irfft2(spectrum, s=image.shape)[: linear.shape[0], : linear.shape[1]]
    return {"linear": linear, "circular": circular, "difference": circular - linear}


def fft_flops_model(lengths: tuple[int, int]) -> float:
    """Flop model of one FFT convolution (one image, one kernel) on an ``L1 x L2`` grid.

    Three real 2-D transforms (image, kernel, inverse) at ``2.5 * N * log2(N)`` flops each
    (half the classic ``5 N log2 N`` of a complex FFT of ``N = L1*L2`` points), plus the
    complex product on the ``L1 * (L2//2 + 1)`` stored frequencies at 6 flops each.

    >>> round(fft_flops_model((512, 512)))
    36178944
    """
    l1, l2 = lengths
    points = l1 * l2
    return 3 * 2.5 * points * np.log2(points) + 6 * l1 * (l2 // 2 + 1)
