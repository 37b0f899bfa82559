"""The plan of a Winograd call: argument checks, the tile grid, batch chunks, threads.

- :class:`_Plan` -- the geometry of one call: padding, output size, tile grid
  (tiles_h = ceil(H_out / m), tiles_w = ceil(W_out / m));
- :func:`batch_chunks` / :func:`chunk_layout` -- the batch cut into chunks whose
  intermediates V (n*n, P, C) and M (n*n, P, K) stay in cache (:data:`CHUNK_BYTES`);
- :data:`THREADED_GEMM_FLOPS` -- from how many flops the batched GEMM is shared among threads.

The tunables are read from this module at every call (patch them here, not on the package).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from course_utils.conv._threads import blas_threads, even_slices
from course_utils.conv.winograd.algebra import (
    WinogradFilters,
    _as_float_array,
    transform_filters,
)

__all__ = [
    "CHUNK_BYTES",
    "MIN_TILES_PER_CHUNK",
    "THREADED_GEMM_FLOPS",
    "batch_chunks",
    "chunk_layout",
]


@dataclass(frozen=True)
class _Plan:
    """Geometry of one call: padding, output size, tile grid."""

    n_batch: int
    channels: int
    height: int
    width: int
    pad: tuple[int, int]
    out_h: int
    out_w: int
    tiles_h: int
    tiles_w: int
    m: int
    r: int

    @property
    def n(self) -> int:
        return self.m + self.r - 1

    @property
    def padded_shape(self) -> tuple[int, int]:
        """(H_p, W_p) = (tiles_h * m + r - 1, tiles_w * m + r - 1) >= (H + 2 pad, W + 2 pad)."""
        return self.tiles_h * self.m + self.r - 1, self.tiles_w * self.m + self.r - 1

    @property
    def tiled_shape(self) -> tuple[int, int]:
        """(H_t, W_t) = (tiles_h * m, tiles_w * m) >= (H_out, W_out): the whole tiles."""
        return self.tiles_h * self.m, self.tiles_w * self.m

    @property
    def whole_tiles(self) -> bool:
        """True when the tiles cover the output exactly (no partial tiles to crop)."""
        return self.tiled_shape == (self.out_h, self.out_w)

    def images(self, part: slice) -> _Plan:
        """The same plan for the images ``part`` of the batch."""
        return replace(self, n_batch=part.stop - part.start)


#: Target size of a batch chunk's working set (V and M, the two big intermediates):
#: small enough to stay in the caches between the stages of the pipeline.
CHUNK_BYTES = 4 * 2**20
#: ... but every per-position GEMM of a chunk keeps at least this many rows (tiles):
#: thinner products run far below the BLAS peak.
MIN_TILES_PER_CHUNK = 96


def batch_chunks(plan: _Plan, filters: int, itemsize: int) -> list[slice]:
    """Cut the batch into chunks whose V and M fit in about :data:`CHUNK_BYTES`.

    Each chunk keeps at least :data:`MIN_TILES_PER_CHUNK` tile rows per GEMM, so a small
    batch of small images stays one chunk (then the GEMM uses every BLAS thread).
    """
    tiles = plan.tiles_h * plan.tiles_w
    per_image = plan.n * plan.n * tiles * (plan.channels + filters) * itemsize
    images = max(CHUNK_BYTES // max(per_image, 1), -(-MIN_TILES_PER_CHUNK // tiles), 1)
    return even_slices(plan.n_batch, -(-plan.n_batch // images))


def chunk_layout(
    x_shape: tuple[int, int, int, int],
    filters: int,
    padding: int,
    itemsize: int,
    m: int = 4,
    workers: int | None = None,
) -> tuple[int, int]:
    """(largest chunk's images, chunks in flight at once) of a 3x3 conv2d_winograd call
    on an input of shape ``x_shape`` (N, C, H, W): what its peak memory depends on."""
    n_batch, channels, height, width = x_shape
    out_h, out_w = height + 2 * padding - 2, width + 2 * padding - 2
    plan = _Plan(
        n_batch, channels, height, width, (padding, padding), out_h, out_w,
        -(-out_h // m), -(-out_w // m), m, 3,
    )  # fmt: skip
    chunks = batch_chunks(plan, filters, itemsize)
    if len(chunks) == 1:
        return n_batch, 1
    workers = blas_threads() if workers is None else max(1, int(workers))
    return max(c.stop - c.start for c in chunks), min(workers, len(chunks))


#: Below this many flops the batched GEMM is too small to pay for a thread hand-off.
THREADED_GEMM_FLOPS = 20_000_000


def _gemm_in_threads(plan: _Plan, filters: WinogradFilters, workers: int) -> bool:
    """Whether the batched GEMM is shared out among ``workers`` threads: only with more
    than one worker and at least :data:`THREADED_GEMM_FLOPS` of work."""
    return workers > 1 and _gemm_flops(plan, filters) >= THREADED_GEMM_FLOPS


def _gemm_flops(plan: _Plan, filters: WinogradFilters) -> int:
    """Flops of the batched GEMM: n*n products (P x C) @ (C x K), P = N * tiles."""
    tiles = plan.n_batch * plan.tiles_h * plan.tiles_w
    return 2 * plan.n**2 * tiles * filters.C * filters.K


def _prepare(
    x: np.ndarray,
    w: np.ndarray | WinogradFilters,
    padding: int | tuple[int, int],
    m: int | None,
    stride: int,
) -> tuple[WinogradFilters, _Plan]:
    """Validate the arguments, transform raw filters, and plan the tile grid."""
    if stride != 1:
        raise ValueError(f"conv2d_winograd supports stride 1 only, got stride={stride!r}")
    x = _as_float_array(x, "x")
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got shape {x.shape}")
    if isinstance(w, WinogradFilters):
        if m is not None and m != w.m:
            raise ValueError(f"filters were transformed for m={w.m}, but m={m} was requested")
        if w.dtype != x.dtype:
            raise ValueError(
                f"filters were transformed to {w.dtype} but x is {x.dtype}; "
                f"call transform_filters(w, m, dtype=x.dtype)"
            )
        filters = w
    else:
        filters = transform_filters(w, 4 if m is None else m, dtype=x.dtype)
    if x.shape[1] != filters.C:
        raise ValueError(
            f"channel mismatch: x has C={x.shape[1]} channels but the filters expect C={filters.C}"
        )
    pad = _padding_pair(padding)
    out_h = x.shape[2] + 2 * pad[0] - filters.r + 1
    out_w = x.shape[3] + 2 * pad[1] - filters.r + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"input {x.shape[2]}x{x.shape[3]} with padding {pad} is smaller than the "
            f"{filters.r}x{filters.r} filter"
        )
    plan = _Plan(
        n_batch=x.shape[0],
        channels=x.shape[1],
        height=x.shape[2],
        width=x.shape[3],
        pad=pad,
        out_h=out_h,
        out_w=out_w,
        tiles_h=-(-out_h // filters.m),
        tiles_w=-(-out_w // filters.m),
        m=filters.m,
        r=filters.r,
    )
    return filters, plan


def _padding_pair(padding: int | tuple[int, int]) -> tuple[int, int]:
    pair = (padding, padding) if isinstance(padding, (int, np.integer)) else tuple(padding)
    if (
        len(pair) != 2
        or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in pair)
        or min(pair) < 0
    ):
        raise ValueError(f"padding must be an int >= 0 or a pair of them, got {padding!r}")
    return int(pair[0]), int(pair[1])


def _check_bias(b: np.ndarray | None, k: int, dtype: np.dtype) -> np.ndarray | None:
    if b is None:
        return None
    b = np.asarray(b)
    if b.shape != (k,):
        raise ValueError(f"b must have shape (K,) = ({k},), got {b.shape}")
    return b.astype(dtype, copy=False)
