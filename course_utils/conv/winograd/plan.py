"""The plan of a Winograd call: argument checks, the tile grid, batch chunks, threads.

- :class:`_Plan` -- the geometry of one call: padding, output size, tile grid
  (tiles_h = ceil(H_out / m), tiles_w = ceil(W_out / m)), all from the package's one
  argument check (:mod:`course_utils.conv._validate`);
- :func:`batch_chunks` / :func:`chunk_layout` -- the batch cut into chunks whose
  intermediates V (n*n, P, C) and M (n*n, P, K) stay in cache (:data:`CHUNK_BYTES`);
- :data:`THREADED_GEMM_FLOPS` -- from how many flops the batched GEMM is shared among threads.

The tunables are read from this module at every call (patch them here, not on the package).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from course_utils.conv._threads import blas_threads, even_slices
from course_utils.conv._validate import (
    ConvArgs,
    conv_geometry,
    normalize_conv_args,
    reject_setting,
    tile_grid,
)
from course_utils.conv.winograd.algebra import WinogradFilters
from course_utils.conv.winograd.cache import prepared_filters

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
    geometry = conv_geometry(x_shape[2:], (3, 3), padding=padding)
    plan = _plan(x_shape, geometry.padding, geometry.out_hw, m, 3)
    n_batch = x_shape[0]
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
    x: Any,
    w: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    m: int | None = None,
    groups: Any = 1,
    b: Any = None,
    method: str = "conv2d_winograd",
) -> tuple[WinogradFilters, _Plan, ConvArgs]:
    """Validate the arguments (:func:`course_utils.conv._validate.normalize_conv_args`),
    transform raw filters (or reuse them, :mod:`.cache`), and plan the tile grid. Returns
    (filters, plan, args); the arrays to use are ``args.x`` (N, C, H, W) and ``args.b``."""
    stand_in = w
    if isinstance(w, WinogradFilters):
        if m is not None and m != w.m:
            raise ValueError(f"filters were transformed for m={w.m}, but m={m} was requested")
        stand_in = np.broadcast_to(np.zeros((), w.dtype), (w.K, w.C, w.r, w.r))  # no copy
    args = normalize_conv_args(
        x, stand_in, bias, stride, padding, dilation, groups=groups, method=method, b=b
    )
    if args.stride != (1, 1):
        reject_setting(method, "stride", stride, "1 (Winograd tiles are dense)")
    if args.dilation != (1, 1):
        reject_setting(method, "dilation", dilation, "1 (the transforms are for dense filters)")
    if isinstance(w, WinogradFilters):
        if w.dtype != args.dtype:
            raise ValueError(
                f"filters were transformed to {w.dtype} but x is {args.dtype}; "
                f"call transform_filters(w, m, dtype=x.dtype)"
            )
        filters = w
    else:
        filters = prepared_filters(args.w, 4 if m is None else m, args.dtype)
    return filters, _plan(args.x.shape, args.padding, args.out_hw, filters.m, filters.r), args


def _plan(
    x_shape: tuple[int, ...], pad: tuple[int, int], out_hw: tuple[int, int], m: int, r: int
) -> _Plan:
    """The plan of an (N, C, H, W) input padded by ``pad``, output (H_out, W_out)."""
    tiles_h, tiles_w = tile_grid(out_hw, m)
    n_batch, channels, height, width = x_shape
    return _Plan(n_batch, channels, height, width, pad, *out_hw, tiles_h, tiles_w, m, r)
