"""True (mathematical) convolution of 2-D arrays, built on the course's cross-correlation.

Signal processing flips the kernel, deep learning does not:

    convolve2d(x, w)[i, j]  = sum_{u, v} x[i - u, j - v] * w[u, v]
    cross-correlation[i, j] = sum_{u, v} x[i + u, j + v] * w[u, v]

so a convolution is a cross-correlation with ``w[::-1, ::-1]`` (and the right padding).
:func:`convolve2d` reproduces ``scipy.signal.convolve2d`` (zero boundary) in its three modes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.conv._validate import as_float_array
from course_utils.conv.direct import conv2d_direct
from course_utils.conv.fft import conv2d_fft
from course_utils.conv.loops import pad2d

__all__ = ["convolve2d", "same_padding"]

_METHODS: dict[str, Callable[..., np.ndarray]] = {"direct": conv2d_direct, "fft": conv2d_fft}
_MODES = ("full", "same", "valid")


def same_padding(kernel_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros that make a "same" convolution centred like SciPy's.

    "same" keeps the centre of the "full" output: rows ``(kh-1)//2 ..`` of it. With the
    flipped kernel this means ``kh//2`` zeros above and ``(kh-1)//2`` below (they differ
    only for even kernel sizes), and likewise for the columns.

    >>> same_padding((4, 3))
    (2, 1, 1, 1)
    """
    kernel_h, kernel_w = kernel_hw
    return kernel_h // 2, (kernel_h - 1) // 2, kernel_w // 2, (kernel_w - 1) // 2


def _check_2d(x: np.ndarray, w: np.ndarray) -> None:
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(
            f"convolve2d needs two 2-D arrays, got x.shape={x.shape} and w.shape={w.shape}"
        )
    if x.size == 0 or w.size == 0:
        raise ValueError(f"x and w must not be empty, got x.shape={x.shape}, w.shape={w.shape}")


def convolve2d(
    x: np.ndarray, w: np.ndarray, mode: str = "full", *, method: str = "direct"
) -> np.ndarray:
    """True 2-D convolution (the kernel is flipped), equal to ``scipy.signal.convolve2d``.

    Inputs:
    - x: image of shape (H, W).
    - w: kernel of shape (kh, kw).
    - mode: ``"full"`` (every overlap, shape (H + kh - 1, W + kw - 1)), ``"same"`` (shape
      (H, W), centred as in SciPy, see :func:`same_padding`) or ``"valid"`` (only full
      overlaps, shape (H - kh + 1, W - kw + 1); as in SciPy the arguments are swapped when
      ``w`` is at least as large as ``x`` in both dimensions).
    - method: ``"direct"`` (:func:`conv2d_direct`) or ``"fft"`` (:func:`conv2d_fft`) for the
      underlying cross-correlation.

    Returns the convolution, float32 if both inputs are float32, float64 otherwise
    (integer inputs give float64, where SciPy would return integers).

    >>> convolve2d(np.array([[1.0, 2.0]]), np.array([[1.0, 10.0]]))
    array([[ 1., 12., 20.]])
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {tuple(_METHODS)}, got {method!r}")
    image, kernel = as_float_array(x, "x"), as_float_array(w, "w")
    _check_2d(image, kernel)
    correlate = _METHODS[method]
    kernel_h, kernel_w = kernel.shape
    if mode == "valid":
        if kernel_h <= image.shape[0] and kernel_w <= image.shape[1]:
            return correlate(image, kernel[::-1, ::-1])
        if image.shape[0] <= kernel_h and image.shape[1] <= kernel_w:
            return correlate(kernel, image[::-1, ::-1])  # convolution is commutative
        raise ValueError(
            "for mode='valid' one input must be at least as large as the other in every "
            f"dimension, got x.shape={image.shape} and w.shape={kernel.shape}"
        )
    if mode == "full":
        sides = (kernel_h - 1, kernel_h - 1, kernel_w - 1, kernel_w - 1)
    else:
        sides = same_padding((kernel_h, kernel_w))
    return correlate(pad2d(image, sides), kernel[::-1, ::-1])
