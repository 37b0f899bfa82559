"""Tolerances, the case builders and the helpers shared by the references and mistakes of
the im2col set (they work for any dtype)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.checks.cases import IMAGE_KERNEL_EDGES, Cases, Edge, random_image_kernel

EXACT = {"rtol": 0.0, "atol": 0.0}
GEMM_TOL = {"rtol": 1e-10, "atol": 1e-10}

#: How the int64 cases are described: it says why code that goes through floats fails them.
KEEPS_DTYPE = (
    "im2col only copies, so the result keeps x's dtype; the course's im2col and F.unfold "
    "turn integers into floats or refuse them"
)


# -- cases: x and the kernel size as the ints kh, kw ---------------------------------------------


def image_cases(seed: int) -> Cases:
    """A builder whose cases are ``(x, kh, kw)`` (float64 images unless said otherwise)."""
    return Cases(seed, names=("x", "kh", "kw"))


def random_image_size(rng: np.random.Generator) -> tuple:
    """A random image shape (H, W) with a kernel size kh, kw that fits in it."""
    image, (kh, kw) = random_image_kernel(rng)
    return image, kh, kw


def add_big_int64(cases: Cases, shape: tuple[int, ...], *args: int, **kwargs: int) -> None:
    """A case whose x is int64 with values just above 2**60: float64 cannot hold them."""
    x = (2**60 + cases.rng.integers(0, 1000, size=shape)).astype(np.int64)
    cases.add(x, *args, note=f"values above 2**53: {KEEPS_DTYPE}", **kwargs)


def add_kernel_edges(
    cases: Cases,
    channels: int | None = None,
    edges: Iterable[Edge] = IMAGE_KERNEL_EDGES,
    **kwargs: int,
) -> None:
    """The edge image/kernel shapes, the kernel given as its size kh, kw (and x with
    ``channels`` channels when given)."""
    for edge in edges:
        image, (kh, kw) = edge.args
        shape = image if channels is None else (channels, *image)
        cases.add(shape, kh, kw, note=edge.note, **kwargs)


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
) -> np.ndarray:
    """A learner's loop im2col (the wrong answers vary its pieces)."""
    out_h, out_w = out_hw or (x.shape[0] - kh + 1, x.shape[1] - kw + 1)
    cols = np.empty((kh * kw, out_h * out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            cols[:, i * out_w + j] = x[i : i + kh, j : j + kw].ravel(order=order)
    return cols
