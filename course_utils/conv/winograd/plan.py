"""The plan of a Winograd call: argument checks, the tile grid, batch chunks, threads.

- :class:`_Plan` -- the geometry of one call: padding, output size, tile grid
  (tiles_h = ceil(H_out / m), tiles_w = ceil(W_out / m)), all from the package's one
  argument check (:mod:`course_utils.conv._validate`);
- :func:`batch_chunks` / :func:`work_items` / :func:`chunk_layout` -- the batch cut into
  chunks (and a large image into bands of tile rows) whose intermediates V (n*n, P, C)
  and M (n*n, P, K) stay in cache (:data:`CHUNK_BYTES`);
- :data:`THREADED_GEMM_FLOPS` -- from how many flops the batched GEMM is shared among threads.

The tunables are read from this module at every call (patch them here, not on the package).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
from course_utils.conv.gemm import check_engine
from course_utils.conv.winograd.algebra import WinogradFilters
from course_utils.conv.winograd.cache import prepared_filters

__all__ = [
    "CHUNK_BYTES",
    "GEMM_ORIENTATIONS",
    "GemmChoice",
    "MIN_TILES_PER_CHUNK",
    "THREADED_GEMM_FLOPS",
    "batch_chunks",
    "chunk_layout",
    "tile_row_bands",
    "work_items",
]


#: How the batched GEMM is oriented: ``"tiles"`` computes M[pos] = V[pos] (P x C) @
#: U[pos]^T (C x K); ``"filters"`` computes its transpose M[pos]^T = U[pos] (K x C) @
#: V[pos]^T (C x P), written into the same (n*n, P, K) array through a transposed view.
GEMM_ORIENTATIONS = ("tiles", "filters")


@dataclass(frozen=True)
class GemmChoice:
    """How one call runs its batched GEMM and cuts its batch (the planner's knobs).

    - engine: a name of :data:`course_utils.conv.gemm.GEMM_ENGINES`;
    - orientation: one of :data:`GEMM_ORIENTATIONS`;
    - chunk_bytes: target bytes of a batch chunk's V and M (None: :data:`CHUNK_BYTES`).
    """

    engine: str = "numpy"
    orientation: str = "tiles"
    chunk_bytes: int | None = None

    def __post_init__(self) -> None:
        check_engine(self.engine)
        if self.orientation not in GEMM_ORIENTATIONS:
            raise ValueError(
                f"orientation must be one of {', '.join(GEMM_ORIENTATIONS)}, "
                f"got {self.orientation!r}"
            )
        bytes_ = self.chunk_bytes
        if bytes_ is not None and (
            isinstance(bytes_, bool) or not isinstance(bytes_, int | np.integer) or bytes_ < 1
        ):
            raise ValueError(f"chunk_bytes must be a positive int or None, got {bytes_!r}")


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
    gemm: GemmChoice = field(default_factory=lambda: GemmChoice())

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

    def band(self, rows: slice) -> tuple[_Plan, slice, slice]:
        """The plan of the tile rows ``rows`` alone: (band plan, the input rows it reads,
        the output rows it writes). The band reads x rows from ``m t0 - pad_top`` to
        ``m t1 + r - 1 - pad_top`` (clipped to the image; its own top padding is what is
        left of the image's) and writes output rows ``m t0`` up to ``m t1`` (clipped)."""
        m, top = self.m, self.pad[0]
        out0, out1 = rows.start * m, min(rows.stop * m, self.out_h)
        x0, x1 = max(0, out0 - top), min(self.height, rows.stop * m + self.r - 1 - top)
        band = replace(self, height=max(0, x1 - x0), pad=(max(0, top - out0), self.pad[1]),
                       out_h=out1 - out0, tiles_h=rows.stop - rows.start)  # fmt: skip
        return band, slice(x0, max(x0, x1)), slice(out0, out1)


#: Target size of a batch chunk's working set (V and M, the two big intermediates):
#: small enough to stay in the caches between the stages of the pipeline.
CHUNK_BYTES = 4 * 2**20
#: ... but every per-position GEMM of a chunk keeps at least this many rows (tiles):
#: thinner products run far below the BLAS peak.
MIN_TILES_PER_CHUNK = 96


def _chunk_budget(plan: _Plan) -> int:
    return CHUNK_BYTES if plan.gemm.chunk_bytes is None else plan.gemm.chunk_bytes


def _tile_row_bytes(plan: _Plan, filters: int, itemsize: int) -> int:
    """Bytes of V and M for one row of tiles of one image."""
    return plan.n * plan.n * plan.tiles_w * (plan.channels + filters) * itemsize


def batch_chunks(plan: _Plan, filters: int, itemsize: int) -> list[slice]:
    """Cut the batch into chunks whose V and M fit in about the chunk budget
    (``plan.gemm.chunk_bytes``, default :data:`CHUNK_BYTES`).

    Each chunk keeps at least :data:`MIN_TILES_PER_CHUNK` tile rows per GEMM, so a small
    batch of small images stays one chunk (then the GEMM uses every BLAS thread). An
    image larger than the budget is one chunk here; :func:`work_items` cuts it into bands.
    """
    tiles = plan.tiles_h * plan.tiles_w
    per_image = plan.tiles_h * _tile_row_bytes(plan, filters, itemsize)
    images = max(_chunk_budget(plan) // max(per_image, 1), -(-MIN_TILES_PER_CHUNK // tiles), 1)
    return even_slices(plan.n_batch, -(-plan.n_batch // images))


def tile_row_bands(plan: _Plan, filters: int, itemsize: int) -> list[slice]:
    """The tile rows of one image cut into bands whose V and M fit in the chunk budget
    (at least :data:`MIN_TILES_PER_CHUNK` tiles each): one band when a whole image fits."""
    per_row = _tile_row_bytes(plan, filters, itemsize)
    rows = max(_chunk_budget(plan) // max(per_row, 1), -(-MIN_TILES_PER_CHUNK // plan.tiles_w), 1)
    return even_slices(plan.tiles_h, -(-plan.tiles_h // rows))


def work_items(plan: _Plan, filters: int, itemsize: int) -> list[tuple[slice, slice]]:
    """(images, tile rows) of every piece of work: the batch chunks of
    :func:`batch_chunks`, and when one image alone exceeds the budget, each image's
    bands of :func:`tile_row_bands` (so that V and M of a piece stay in cache)."""
    chunks = batch_chunks(plan, filters, itemsize)
    bands = tile_row_bands(plan, filters, itemsize)
    if len(bands) == 1:
        return [(chunk, bands[0]) for chunk in chunks]
    return [(slice(i, i + 1), band) for i in range(plan.n_batch) for band in bands]


def chunk_layout(
    x_shape: tuple[int, int, int, int],
    filters: int,
    padding: int,
    itemsize: int,
    m: int = 4,
    workers: int | None = None,
    chunk_bytes: int | None = None,
) -> tuple[int, int, int]:
    """(largest piece's images, its tile rows, pieces in flight at once) of a 3x3
    conv2d_winograd call on an input of shape ``x_shape`` (N, C, H, W): what its peak
    memory depends on (see :func:`work_items`)."""
    geometry = conv_geometry(x_shape[2:], (3, 3), padding=padding)
    plan = _plan(
        x_shape, geometry.padding, geometry.out_hw, m, 3, GemmChoice(chunk_bytes=chunk_bytes)
    )
    items = work_items(plan, filters, itemsize)
    images = max(c.stop - c.start for c, _ in items)
    rows = max(r.stop - r.start for _, r in items)
    if len(items) == 1:
        return images, rows, 1
    workers = blas_threads() if workers is None else max(1, int(workers))
    return images, rows, min(workers, len(items))


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
    gemm: GemmChoice | None = None,
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
    plan = _plan(args.x.shape, args.padding, args.out_hw, filters.m, filters.r, gemm)
    return filters, plan, args


def _plan(
    x_shape: tuple[int, ...],
    pad: tuple[int, int],
    out_hw: tuple[int, int],
    m: int,
    r: int,
    gemm: GemmChoice | None = None,
) -> _Plan:
    """The plan of an (N, C, H, W) input padded by ``pad``, output (H_out, W_out)."""
    tiles_h, tiles_w = tile_grid(out_hw, m)
    n_batch, channels, height, width = x_shape
    gemm = GemmChoice() if gemm is None else gemm
    return _Plan(n_batch, channels, height, width, pad, *out_hw, tiles_h, tiles_w, m, r, gemm)
