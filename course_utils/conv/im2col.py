"""Convolution as one matrix multiply: im2col ("image to columns") and its inverse col2im.

Every output pixel of a convolution is the dot product of the weights with one patch of
the padded input. Copy each patch into a column of a matrix (``im2col``) and the whole
layer becomes a single GEMM -- the operation BLAS libraries run closest to the machine's
peak:

    out (K, L) = w.reshape(K, C*kh*kw) @ cols (C*kh*kw, L),   L = Ho * Wo

The patches are never gathered with a Python loop: :func:`patch_view` describes all of
them at once as a 6-D strided *view* of the padded input (no data is copied until the
view is reshaped into the matrix). The price is memory: ``cols`` holds every input pixel
``kh*kw / (sh*sw)`` times.

The layout follows ``torch.nn.functional.unfold`` / ``fold``: row ``c*kh*kw + u*kw + v``
of ``cols`` is channel ``c``, kernel tap ``(u, v)``; column ``i*Wo + j`` is output pixel
``(i, j)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from course_utils.conv._docs import with_contract
from course_utils.conv._validate import (
    ConvArgs,
    WindowArgs,
    as_float_array,
    normalize_conv_args,
    normalize_window_args,
    pair,
)
from course_utils.conv.direct import tap_slices
from course_utils.conv.gemm import check_engine, matmul_into
from course_utils.conv.loops import pad2d
from course_utils.timing import stage_medians

__all__ = ["col2im", "conv2d_im2col", "im2col", "patch_view", "profile_im2col"]

#: conv2d_im2col builds the patch matrix for as many images at once as fit in this many
#: bytes, so that the GEMM reads it from cache instead of main memory (a cache-blocking
#: choice: on a 2-core machine with a 32 MiB L3 it made the layer about 1.4x faster than
#: one patch matrix for the whole batch).
PATCH_BLOCK_BYTES = 8 * 2**20


def patch_view(
    xpad: np.ndarray,
    kernel_hw: tuple[int, int],
    out_hw: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """All convolution patches of a padded input as one read-only strided view.

    Inputs:
    - xpad: padded input of shape (N, C, Hp, Wp).
    - kernel_hw: (kh, kw); out_hw: (Ho, Wo) (see ``conv_output_size``);
      stride, dilation: (vertical, horizontal) pairs.

    Returns a view ``p`` of shape (N, C, kh, kw, Ho, Wo) with
    ``p[n, c, u, v, i, j] == xpad[n, c, i*sh + u*dh, j*sw + v*dw]``. No data is copied;
    the view is read-only because its entries alias each other.

    >>> patch_view(np.arange(16.0).reshape(1, 1, 4, 4), (2, 2), (3, 3)).shape
    (1, 1, 2, 2, 3, 3)
    """
    (kernel_h, kernel_w), (sh, sw), (dh, dw) = kernel_hw, stride, dilation
    s_n, s_c, s_h, s_w = xpad.strides
    return as_strided(
        xpad,
        shape=(*xpad.shape[:2], kernel_h, kernel_w, *out_hw),
        strides=(s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w),
        writeable=False,
    )


def _as_batch(x: Any, name: str) -> tuple[np.ndarray, bool]:
    """(N, C, H, W) array and whether the caller passed a 2-D (H, W) image."""
    arr = as_float_array(x, name)
    if arr.ndim not in (2, 4):
        raise ValueError(
            f"{name} must be 2-D (H, W) or 4-D (N, C, H, W), got {name}.ndim={arr.ndim}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got {name}.shape={arr.shape}")
    return (arr[None, None], True) if arr.ndim == 2 else (arr, False)


def _padded(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    return pad2d(x, padding) if max(padding) > 0 else x


class _PaddedBuffer:
    """A zero-padded buffer for ``block`` images, allocated once and refilled per block.

    Only the interior is rewritten (the zero border stays), which saves allocating and
    zeroing a padded copy of every block.
    """

    def __init__(
        self, block: int, image_shape: tuple[int, ...], padding: tuple[int, int], dtype: np.dtype
    ) -> None:
        channels, height, width = image_shape
        self.ph, self.pw = padding
        self.height, self.width = height, width
        shape = (block, channels, height + 2 * self.ph, width + 2 * self.pw)
        self.buffer = np.zeros(shape if max(padding) > 0 else (0,), dtype=dtype)

    def fill(self, images: np.ndarray) -> np.ndarray:
        """Copy ``images`` (count, C, H, W) into the interior; returns the padded view."""
        if self.ph == 0 and self.pw == 0:
            return images  # nothing to pad: read the input in place
        count = images.shape[0]
        interior = (slice(self.ph, self.ph + self.height), slice(self.pw, self.pw + self.width))
        self.buffer[(slice(0, count), slice(None), *interior)] = images
        return self.buffer[:count]


def im2col(
    x: np.ndarray, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> np.ndarray:
    """Unfold every convolution patch of ``x`` into a column (like ``torch.nn.functional.unfold``).

    Inputs:
    - x: input of shape (N, C, H, W), or (H, W) for one single-channel image.
    - kernel_size: int or pair (kh, kw).
    - stride, padding, dilation: int or pair; stride and dilation >= 1, padding >= 0.

    Returns ``cols`` of shape (N, C*kh*kw, L), or (kh*kw, L) for 2-D input, with
    ``L = Ho * Wo`` and ``Ho = floor((H + 2*ph - dh*(kh - 1) - 1) / sh) + 1`` (same for
    ``Wo``). ``cols[n, c*kh*kw + u*kw + v, i*Wo + j] = xpad[n, c, i*sh + u*dh, j*sw + v*dw]``.
    Same dtype as ``x`` (float32 or float64; integers become float64). A new, C-contiguous
    array.

    >>> im2col(np.arange(9.0).reshape(3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    batch, squeeze = _as_batch(x, "x")
    window = normalize_window_args(batch.shape[2:], kernel_size, stride, padding, dilation)
    patches = patch_view(
        _padded(batch, window.padding),
        window.kernel,
        window.out_hw,
        window.stride,
        window.dilation,
    )
    num_images, channels = batch.shape[:2]
    rows = channels * window.kernel[0] * window.kernel[1]
    cols = patches.copy().reshape(num_images, rows, window.num_windows)  # the one copy
    return cols[0] if squeeze else cols


def _cols_as_batch(cols: Any, window: WindowArgs) -> tuple[np.ndarray, bool]:
    """Check ``cols`` against the window geometry; return it as (N, C*kh*kw, L)."""
    arr = as_float_array(cols, "cols")
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"cols must be 2-D (kh*kw, L) or 3-D (N, C*kh*kw, L), got cols.ndim={arr.ndim}"
        )
    squeeze = arr.ndim == 2
    batch = arr[None] if squeeze else arr
    taps = window.kernel[0] * window.kernel[1]
    expected_rows = f"kh*kw = {taps}" if squeeze else f"a multiple of kh*kw = {taps}"
    if batch.shape[1] == 0 or batch.shape[1] % taps or (squeeze and batch.shape[1] != taps):
        raise ValueError(f"cols has {batch.shape[1]} rows, expected {expected_rows}")
    if batch.shape[2] != window.num_windows:
        raise ValueError(
            f"cols has {batch.shape[2]} columns but the window geometry gives "
            f"L = Ho*Wo = {window.out_hw[0]}*{window.out_hw[1]} = {window.num_windows}"
        )
    return batch, squeeze


def col2im(
    cols: np.ndarray,
    output_size: Any,
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
) -> np.ndarray:
    """Fold columns back into an image, summing overlaps (like ``torch.nn.functional.fold``).

    The adjoint of :func:`im2col`: every entry of ``cols`` is added to the pixel it was
    copied from, so pixels covered by several patches receive the sum, and entries that
    came from the zero padding are dropped. ``col2im(im2col(x))`` is therefore ``x`` times
    the number of patches covering each pixel, not ``x``.

    Inputs:
    - cols: (N, C*kh*kw, L), or (kh*kw, L) for a single-channel 2-D image.
    - output_size: int or pair (H, W), the size of the image to rebuild.
    - kernel_size, stride, padding, dilation: as for :func:`im2col`.

    Returns an array of shape (N, C, H, W), or (H, W) for 2-D ``cols``, same dtype as
    ``cols``. ``L`` must equal ``Ho * Wo`` for the given geometry.

    >>> col2im(np.ones((4, 4)), 3, 2)
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    height, width = pair(output_size, "output_size")
    if min(height, width) < 1:
        raise ValueError(f"output_size must be >= 1, got {(height, width)}")
    window = normalize_window_args((height, width), kernel_size, stride, padding, dilation)
    batch, squeeze = _cols_as_batch(cols, window)
    (kernel_h, kernel_w), (ph, pw) = window.kernel, window.padding
    num_images, channels = batch.shape[0], batch.shape[1] // (kernel_h * kernel_w)
    blocks = batch.reshape(num_images, channels, kernel_h, kernel_w, *window.out_hw)
    image = np.zeros((num_images, channels, height + 2 * ph, width + 2 * pw), batch.dtype)
    for u in range(kernel_h):
        for v in range(kernel_w):
            rows, columns = tap_slices(u, v, window.out_hw, window.stride, window.dilation)
            image[:, :, rows, columns] += blocks[:, :, u, v]  # one tap never overlaps itself
    image = image[:, :, ph : ph + height, pw : pw + width]
    return image[0, 0] if squeeze else image


def _images_per_block(bytes_per_image: int, num_images: int, batch_chunk: int | None) -> int:
    if batch_chunk is None:
        return max(1, min(num_images, PATCH_BLOCK_BYTES // max(1, bytes_per_image)))
    if isinstance(batch_chunk, bool) or not isinstance(batch_chunk, int) or batch_chunk < 1:
        raise ValueError(f"batch_chunk must be a positive int or None, got {batch_chunk!r}")
    return min(batch_chunk, num_images)


@with_contract
def conv2d_im2col(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    groups: int = 1,
    b: np.ndarray | None = None,
    batch_chunk: int | None = None,
    engine: str = "numpy",
) -> np.ndarray:
    """2-D convolution (cross-correlation, as ``torch.nn.functional.conv2d``) as one GEMM.

    ``out[n] = w.reshape(K, C*kh*kw) @ im2col(x)[n]`` (+ bias), a batched ``np.matmul``.
    The batch is processed in blocks of ``batch_chunk`` images (default: as many as fit
    in :data:`PATCH_BLOCK_BYTES`); each block is one patch matrix and one batched
    matrix multiply, the patch buffer is reused from block to block and stays in cache.
    ``batch_chunk=N`` gives the textbook single product for the whole batch.

    Inputs:
    {contract_inputs}
    - batch_chunk: images per patch matrix (positive int) or None (automatic).
    - engine: the library that runs the GEMM, ``"numpy"``, ``"torch"`` or ``"scipy"``
      (:mod:`course_utils.conv.gemm`; the planner, :func:`course_utils.conv.plan`, times them).

    {contract_returns}
    The dtype is float32 if all inputs are float32, float64 otherwise (integers become
    float64).
    Extra memory: ``batch_chunk * C*kh*kw * Ho*Wo`` values for the patch matrix.

    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> conv2d_im2col(x, w, padding=1).shape
    (2, 4, 5, 5)
    """
    args = normalize_conv_args(
        x, w, bias, stride, padding, dilation, groups=groups, method="conv2d_im2col", b=b
    )
    engine = check_engine(engine)
    return args.finish(_im2col_gemm(args, batch_chunk, _run_stage, engine))


def _run_stage(name: str, fn: Callable[..., Any], *fn_args: Any, **fn_kwargs: Any) -> Any:
    """Stage runner of a plain call: no timing."""
    return fn(*fn_args, **fn_kwargs)


def _im2col_gemm(
    args: ConvArgs, batch_chunk: int | None, stage: Callable[..., Any], engine: str = "numpy"
) -> np.ndarray:
    """The body of :func:`conv2d_im2col`; ``stage(name, fn, *args)`` runs each step, so that
    :func:`profile_im2col` can time the very same steps. Returns (N, K, Ho, Wo)."""
    num_images, num_kernels, out_h, out_w = args.out_shape
    channels, kernel_h, kernel_w = args.w.shape[1:]
    rows, length = channels * kernel_h * kernel_w, out_h * out_w
    weights = args.w.reshape(num_kernels, rows)
    block = _images_per_block(rows * length * args.dtype.itemsize, num_images, batch_chunk)
    padded = _PaddedBuffer(block, args.x.shape[1:], args.padding, args.dtype)
    cols = np.empty((block, channels, kernel_h, kernel_w, out_h, out_w), dtype=args.dtype)
    out = np.empty((num_images, num_kernels, length), dtype=args.dtype)
    for start in range(0, num_images, block):
        count = min(block, num_images - start)
        filled = stage("pad", padded.fill, args.x[start : start + count])
        patches = patch_view(filled, (kernel_h, kernel_w), args.out_hw, args.stride, args.dilation)
        stage("patch_copy", np.copyto, cols[:count], patches)  # im2col into the reused buffer
        # The product goes straight into its slice of ``out`` (no temporary, no copy).
        matrices = cols[:count].reshape(count, rows, length)
        stage("gemm", matmul_into, weights, matrices, out[start : start + count], engine)
    if args.b is not None:
        stage("bias", np.add, out, args.b[:, None], out=out)
    return out.reshape(args.out_shape)


def profile_im2col(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    groups: int = 1,
    b: np.ndarray | None = None,
    batch_chunk: int | None = None,
    repeat: int = 5,
) -> dict[str, float]:
    """Median seconds of each step of :func:`conv2d_im2col`, summed over the batch blocks.

    Steps: ``pad`` (copy of the images into the zero-bordered buffer), ``patch_copy`` (the
    im2col copy of the strided patch view into the column matrix), ``gemm`` (the batched
    matrix products) and, with a bias, ``bias``. Same arguments as :func:`conv2d_im2col`;
    ``repeat`` timed calls after one untimed warm-up call. The call is the real one (same
    code, same buffers), so the steps add up to its time minus the Python overhead.
    """
    args = normalize_conv_args(
        x, w, bias, stride, padding, dilation, groups=groups, method="profile_im2col", b=b
    )
    return stage_medians(lambda clock: _im2col_gemm(args, batch_chunk, clock), repeat)
