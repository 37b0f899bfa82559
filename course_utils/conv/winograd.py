"""Winograd minimal filtering F(m x m, r x r) for 3x3 convolutions, in NumPy.

Reference: A. Lavin and S. Gray, "Fast Algorithms for Convolutional Neural Networks",
CVPR 2016 (arXiv:1509.09308, 2015).

**1-D idea.** F(m, r) computes m outputs of an r-tap correlation
``y_i = sum_k d[i + k] g[k]`` (i = 0..m-1) from n = m + r - 1 inputs with only n
multiplications instead of m * r:

    y = AT @ ((G @ g) * (BT @ d))          AT: (m, n), G: (n, r), BT: (n, n)

**2-D.** Nesting the 1-D algorithm on rows and columns gives, for an n x n input tile
``d`` and an r x r filter ``g``, the m x m output tile

    Y = AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T

with n * n multiplications instead of m * m * r * r: 16 instead of 36 for F(2x2, 3x3)
(2.25x fewer), 36 instead of 144 for F(4x4, 3x3) (4x fewer).

**Convolution layer.** The filter transform ``U = G g G^T`` is done once per filter. Summing
over input channels commutes with the output transform, so for every one of the n * n
positions (xi, nu) inside a tile the element-wise stage is a matrix product over channels:

    M[xi, nu] (K x P) = U[xi, nu] (K x C) @ V[xi, nu] (C x P)

where P = N * tiles_h * tiles_w is the number of tiles. That batched GEMM does almost
all the arithmetic; the input and output transforms only read and write every tile once.

Shapes used throughout:

* x: (N, C, H, W), w: (K, C, r, r), b: (K,)
* out: (N, K, H_out, W_out) with H_out = H + 2 * pad - r + 1 (stride 1)
* tiles: tiles_h = ceil(H_out / m), tiles_w = ceil(W_out / m); partial tiles at the border
  are computed on zero padding and cropped away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property, lru_cache
from numbers import Rational

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

from course_utils.conv._threads import (
    blas_threads,
    even_slices,
    run_in_threads,
    single_threaded_blas,
)
from course_utils.timing import StageClock, stage_medians

__all__ = [
    "DEFAULT_POINTS",
    "WinogradFilters",
    "winograd_transforms",
    "transform_filters",
    "conv2d_winograd",
    "multiplication_count",
    "profile_winograd",
]

# Interpolation points, in the order they are used (plus the point at infinity, always).
# Why these: the transforms contain powers of the points (up to a^(n-1)) and the Lagrange
# denominators prod(a_i - a_j); floating-point error grows with the spread of those
# magnitudes, so good points are small, exact in binary, and come in pairs a, -1/a that
# keep the powers of a and of 1/a balanced. That is the recommendation of Barabasz,
# Anderson, Soodhalter and Gregg, "Error analysis and improving the accuracy of Winograd
# convolution for deep neural networks" (2018/2020): 0, -1, 1, 1/2, -2 for F(4, 3) and
# 0, +-1, +-1/2, +-2 for F(6, 3). Lavin & Gray use 0, +-1, +-2 for F(4, 3); on random
# float32 data our F(4x4, 3x3) error is about 1.5x smaller with 0, +-1, 1/2, -2
# (tests/test_winograd.py checks this). F(2, 3) gets 0, +-1 exactly as in Lavin & Gray.
DEFAULT_POINTS: tuple[Fraction, ...] = tuple(
    Fraction(p)
    for p in ("0", "1", "-1", "1/2", "-2", "2", "-1/2", "1/4", "-4", "4", "-1/4", "3/2", "-2/3")
)

# Largest tile side n = m + r - 1 accepted by conv2d_winograd: beyond 8 the transforms
# mix magnitudes so different that float32 results lose most of their digits.
MAX_TILE = 8

FractionMatrix = np.ndarray  # 2-D array of fractions.Fraction, dtype=object


# ---------------------------------------------------------------------------------------
# Exact transforms (Toom-Cook / Lagrange interpolation)
# ---------------------------------------------------------------------------------------


def winograd_transforms(
    m: int, r: int, points: Sequence[int | Fraction | str] | None = None
) -> tuple[FractionMatrix, FractionMatrix, FractionMatrix]:
    """Exact transform matrices (AT, G, BT) of the minimal filtering algorithm F(m, r).

    Construction (Toom-Cook with a point at infinity). Let n = m + r - 1 and choose n - 1
    distinct finite points a_0..a_{n-2}. Linear convolution s = h * g of polynomials
    h (degree m - 1) and g (degree r - 1) has degree n - 1, so it is fixed by its values
    s(a_i) = h(a_i) g(a_i) and its leading coefficient s_{n-1} = h_{m-1} g_{r-1}
    (the value "at infinity"). Lagrange interpolation gives

        s(x) = sum_i s(a_i) N_i(x) / D_i + s_{n-1} * prod_j (x - a_j),
        N_i(x) = prod_{j != i} (x - a_j),  D_i = prod_{j != i} (a_i - a_j).

    Correlation is the transpose of convolution (sum_j d_j s_j = sum_i h_i y_i), which
    swaps the roles of the evaluation and interpolation matrices:

    - row i of BT: the coefficients of N_i(x) (ascending powers); last row: of prod (x - a_j)
    - row i of G:  (1, a_i, ..., a_i^(r-1)) / D_i;                 last row: (0, ..., 0, 1)
    - column i of AT: (1, a_i, ..., a_i^(m-1));                    last column: (0, ..., 0, 1)

    A row's sign is flipped in both G and BT when D_i < 0, so G carries the positive
    Lagrange denominators as in Lavin & Gray.

    Inputs:
    - m: number of outputs per tile (>= 1)
    - r: filter taps (>= 1)
    - points: n - 1 distinct finite points (int, Fraction or a string such as "1/2");
      default: the first n - 1 of DEFAULT_POINTS.

    Returns:
    - AT: (m, n), G: (n, r), BT: (n, n); object arrays of fractions.Fraction, exact, with
      AT @ ((G @ g) * (BT @ d)) == [sum_k d[i + k] g[k] for i in range(m)].
    """
    m, r = _positive_int(m, "m"), _positive_int(r, "r")
    n = m + r - 1
    finite = _interpolation_points(n, points)
    at = np.empty((m, n), dtype=object)
    g_mat = np.empty((n, r), dtype=object)
    bt = np.empty((n, n), dtype=object)
    for i, a in enumerate(finite):
        others = finite[:i] + finite[i + 1 :]
        denominator = math.prod((a - b for b in others), start=Fraction(1))
        sign = 1 if denominator > 0 else -1
        bt[i] = [sign * c for c in _poly_from_roots(others, n)]
        g_mat[i] = [a**k / abs(denominator) for k in range(r)]
        at[:, i] = [a**k for k in range(m)]
    bt[n - 1] = _poly_from_roots(finite, n)
    g_mat[n - 1] = [Fraction(int(k == r - 1)) for k in range(r)]
    at[:, n - 1] = [Fraction(int(k == m - 1)) for k in range(m)]
    return at, g_mat, bt


def _positive_int(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _interpolation_points(n: int, points: Sequence | None) -> list[Fraction]:
    """The n - 1 finite points as Fractions (validated: exact, distinct, right count)."""
    if points is None:
        if n - 1 > len(DEFAULT_POINTS):
            raise ValueError(
                f"F(m, r) with n = m + r - 1 = {n} needs {n - 1} points; the defaults "
                f"provide {len(DEFAULT_POINTS)}. Pass points explicitly."
            )
        return list(DEFAULT_POINTS[: n - 1])
    result = []
    for p in points:
        if isinstance(p, (float, np.floating)):
            raise ValueError(f"points must be exact (int, Fraction or 'p/q' string), got {p!r}")
        if not isinstance(p, (str, Rational, np.integer)):
            raise ValueError(f"points must be int, Fraction or 'p/q' strings, got {p!r}")
        result.append(Fraction(p))  # type: ignore[arg-type]
    if len(result) != n - 1:
        raise ValueError(
            f"F(m, r) needs n - 1 = {n - 1} finite points (the last point is infinity), "
            f"got {len(result)}"
        )
    if len(set(result)) != len(result):
        raise ValueError(f"interpolation points must be distinct, got {result}")
    return result


def _poly_from_roots(roots: Sequence[Fraction], length: int) -> list[Fraction]:
    """Coefficients (ascending powers, zero-padded to ``length``) of prod (x - root)."""
    coeffs = [Fraction(1)]
    for root in roots:
        shifted = [Fraction(0)] + coeffs  # x * p(x)
        coeffs = [s - root * c for s, c in zip(shifted, coeffs + [Fraction(0)], strict=True)]
    return coeffs + [Fraction(0)] * (length - len(coeffs))


@lru_cache(maxsize=32)
def _float_transforms(m: int, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(AT, G, BT) of the default points as read-only float64 arrays."""
    mats = tuple(mat.astype(np.float64) for mat in winograd_transforms(m, r))
    for mat in mats:
        mat.flags.writeable = False
    return mats  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------
# Filter transform
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WinogradFilters:
    """Filters transformed once, ready for :func:`conv2d_winograd`.

    Attributes:
    - U: (n * n, K, C) array, U[xi * n + nu] = (G g G^T)[xi, nu] for every (filter k,
      channel c): one K x C matrix per position inside the n x n tile (n = m + r - 1),
      the left operand of the batched GEMM.
    - m: outputs per tile side; r: filter side; K: output channels; C: input channels.
    - dtype: dtype of U (the transform is computed in float64, then rounded once).
    """

    U: np.ndarray
    m: int
    r: int
    K: int
    C: int
    dtype: np.dtype

    @property
    def n(self) -> int:
        """Tile side n = m + r - 1."""
        return self.m + self.r - 1

    @cached_property
    def UT(self) -> np.ndarray:  # noqa: N802 - the transpose of U
        """U transposed per position, (n * n, C, K), contiguous: the right operand of the
        batched GEMM. Made once per filter bank: NumPy's stacked matmul runs about 1.4x
        faster on this copy than on a transposed view of U."""
        ut = np.ascontiguousarray(self.U.transpose(0, 2, 1))
        ut.flags.writeable = False
        return ut


def transform_filters(
    w: np.ndarray, m: int = 4, dtype: npt.DTypeLike | None = None
) -> WinogradFilters:
    """Transform filters once: U = G g G^T for every (k, c), laid out as (n*n, K, C).

    Inputs:
    - w: filters, shape (K, C, r, r) (r = 3 is the case of interest; any r >= 1 works
      as long as the tile side n = m + r - 1 <= 8)
    - m: outputs per tile side (2, 4 or 6 for 3x3 filters)
    - dtype: dtype of U; default w.dtype if it is float32/float64, else float64

    Returns:
    - WinogradFilters with U of shape (n*n, K, C).
    """
    w = _as_float_array(w, "w")
    if w.ndim != 4 or w.shape[2] != w.shape[3]:
        raise ValueError(f"w must have shape (K, C, r, r) with square filters, got {w.shape}")
    k, c, r, _ = w.shape
    m = _check_tile(m, r)
    dtype = np.dtype(w.dtype if dtype is None else dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    _, g_mat, _ = _float_transforms(m, r)
    n = m + r - 1
    # (n, r) @ (K, C, r, r) @ (r, n) -> (K, C, n, n), in float64 so U is rounded only once.
    u = g_mat @ w.astype(np.float64) @ g_mat.T
    u = np.ascontiguousarray(u.reshape(k, c, n * n).transpose(2, 0, 1), dtype=dtype)
    u.flags.writeable = False
    filters = WinogradFilters(U=u, m=m, r=r, K=k, C=c, dtype=dtype)
    _ = filters.UT  # the GEMM's operand, made now rather than inside the first call
    return filters


def _check_tile(m: int, r: int) -> int:
    m = _positive_int(m, "m")
    if m + r - 1 > MAX_TILE:
        raise ValueError(
            f"tile side n = m + r - 1 = {m + r - 1} exceeds {MAX_TILE}: F({m}, {r}) is too "
            f"inaccurate in floating point; use a smaller m (2, 4 or 6 for 3x3 filters)"
        )
    return m


def _as_float_array(a: object, name: str) -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array, got {type(a).__name__}")
    if a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {a.dtype}")
    return a


# ---------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------


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


def conv2d_winograd(
    x: np.ndarray,
    w: np.ndarray | WinogradFilters,
    b: np.ndarray | None = None,
    padding: int | tuple[int, int] = 0,
    m: int | None = None,
    stride: int = 1,
    *,
    workers: int | None = None,
) -> np.ndarray:
    """2-D convolution (cross-correlation, like ``F.conv2d``) with Winograd F(m x m, r x r).

    Inputs:
    - x: input, shape (N, C, H, W), float32 or float64 (the output keeps this dtype)
    - w: filters (K, C, r, r), or a WinogradFilters from transform_filters (then the
      filter transform is skipped)
    - b: optional bias, shape (K,)
    - padding: zero padding, int or (pad_h, pad_w)
    - m: outputs per tile side, 2, 4 or 6 for 3x3 filters (n = m + r - 1 <= 8);
      default 4, or the m of pre-transformed filters
    - stride: must be 1 (Winograd tiles are dense)
    - workers: threads for batch chunks (default: NumPy's BLAS thread count). A batch
      whose intermediates are large is cut into chunks (see :func:`batch_chunks`) that
      stay in cache from stage to stage; the chunks run the whole pipeline concurrently
      in ``workers`` threads, each with a single-threaded BLAS (steps 1, 2, 4 and 5 are
      memory passes that NumPy runs on one core, so this is what keeps both busy).

    Returns:
    - out: shape (N, K, H_out, W_out), H_out = H + 2 * pad_h - r + 1,
      W_out = W + 2 * pad_w - r + 1.

    Steps (n = m + r - 1, P = N * tiles_h * tiles_w):
    1. pad x into a channels-last buffer (H_p, W_p, N, C) (the only input copy);
    2. input transform V = BT d BT^T of every overlapping n x n tile (tile stride m), as
       two rounds of small matrix products on strided views: V has shape (n*n, P, C);
    3. batched GEMM over channels: M[pos] = V[pos] (P x C) @ U[pos]^T (C x K), (n*n, P, K);
    4. output transform Y = AT M AT^T, written by a strided product straight into the
       (N, K, H_t, W_t) result, H_t = tiles_h * m (the output itself when H_t = H_out);
    5. with partial tiles, crop to (H_out, W_out); add the bias.
    """
    filters, plan = _prepare(x, w, padding, m, stride)
    bias = _check_bias(b, filters.K, x.dtype)
    out = np.empty((plan.n_batch, filters.K, plan.out_h, plan.out_w), dtype=x.dtype)
    chunks = batch_chunks(plan, filters.K, x.dtype.itemsize)
    threads = blas_threads() if workers is None else max(1, int(workers))
    if len(chunks) == 1:
        if threads > 1 and plan.n_batch > 1 and _gemm_flops(plan, filters) >= THREADED_GEMM_FLOPS:
            _pipeline_in_threads(x, filters, bias, plan, out, threads)
        else:
            _winograd_pipeline(x, filters, bias, plan, out, gemm_workers=threads)
        return out

    def run(group: Sequence[slice]) -> None:
        for chunk in group:
            _winograd_pipeline(x[chunk], filters, bias, plan.images(chunk), out[chunk])

    run_in_threads(run, chunks, threads)
    return out


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


def _winograd_pipeline(
    x: np.ndarray,
    filters: WinogradFilters,
    bias: np.ndarray | None,
    plan: _Plan,
    out: np.ndarray,
    gemm_workers: int = 1,
) -> None:
    """Steps 1-5 of :func:`conv2d_winograd` for one batch, written into ``out``.

    The transforms are hundreds of tiny matrix products: a multi-threaded BLAS would wake
    its threads for each of them and lose more than it gains, so they run on one BLAS
    thread. With ``gemm_workers`` > 1 the n*n products of the batched GEMM are shared out
    among that many threads, each with a one-thread BLAS (for the thin products of a
    small batch this beats one multi-threaded BLAS call per product).
    """
    at, _, bt = (mat.astype(x.dtype) for mat in _float_transforms(plan.m, plan.r))
    with single_threaded_blas():
        v = _input_transform(_pad_channels_last(x, plan), bt, plan)
    prod = _gemm_stage(v, filters, plan, gemm_workers)
    with single_threaded_blas():
        if not plan.whole_tiles:
            _to_nchw(_output_transform(prod, at, plan), bias, plan, out)
            return
        _output_transform(prod, at, plan, full=out)  # no partial tiles: write in place
    _add_bias(out, bias)


#: Below this many flops the batched GEMM is too small to pay for a thread hand-off.
THREADED_GEMM_FLOPS = 20_000_000


def _gemm_stage(v: np.ndarray, filters: WinogradFilters, plan: _Plan, workers: int) -> np.ndarray:
    """The batched GEMM, its products shared among ``workers`` threads when it is big
    enough (:data:`THREADED_GEMM_FLOPS`), else one (possibly multi-threaded) BLAS call."""
    if workers > 1 and _gemm_flops(plan, filters) >= THREADED_GEMM_FLOPS:
        return _threaded_batched_gemm(v, filters.UT, workers)
    return _batched_gemm(v, filters.UT, plan)


def _gemm_flops(plan: _Plan, filters: WinogradFilters) -> int:
    """Flops of the batched GEMM: n*n products (P x C) @ (C x K), P = N * tiles."""
    tiles = plan.n_batch * plan.tiles_h * plan.tiles_w
    return 2 * plan.n**2 * tiles * filters.C * filters.K


def _pipeline_in_threads(
    x: np.ndarray,
    filters: WinogradFilters,
    bias: np.ndarray | None,
    plan: _Plan,
    out: np.ndarray,
    workers: int,
) -> None:
    """:func:`_winograd_pipeline` for one chunk, every stage shared among ``workers``
    threads (one-thread BLAS each): the transforms by image ranges, the GEMM by tile
    positions. For a batch too small to cut into chunks of its own."""
    at, _, bt = (mat.astype(x.dtype) for mat in _float_transforms(plan.m, plan.r))
    n, c = plan.n, plan.channels
    groups = even_slices(plan.n_batch, workers)
    v = np.empty((n, n, plan.tiles_h, plan.tiles_w, plan.n_batch * c), dtype=x.dtype)

    def transform_in(part: Sequence[slice]) -> None:
        for group in part:
            sub = plan.images(group)
            view = v[..., group.start * c : group.stop * c]
            _input_transform(_pad_channels_last(x[group], sub), bt, sub, out=view)

    run_in_threads(transform_in, groups, len(groups))
    prod = _threaded_batched_gemm(v.reshape(n * n, -1, c), filters.UT, workers)
    whole = plan.whole_tiles
    full = out if whole else np.empty((plan.n_batch, filters.K, *plan.tiled_shape), x.dtype)

    def transform_out(part: Sequence[slice]) -> None:
        for group in part:
            _output_transform_images(prod, at, plan, group, full[group])
            if whole:
                _add_bias(out[group], bias)
            else:
                _to_nchw(full[group], bias, plan.images(group), out[group])

    run_in_threads(transform_out, groups, len(groups))


def _threaded_batched_gemm(v: np.ndarray, ut: np.ndarray, workers: int) -> np.ndarray:
    """:func:`_batched_gemm` with the positions split into ``workers`` contiguous groups."""
    prod = np.empty((v.shape[0], v.shape[1], ut.shape[2]), dtype=v.dtype)
    groups = even_slices(v.shape[0], workers)

    def run(part: Sequence[slice]) -> None:
        for group in part:
            np.matmul(v[group], ut[group], out=prod[group])

    run_in_threads(run, groups, len(groups))
    return prod


def _add_bias(out: np.ndarray, bias: np.ndarray | None) -> None:
    """out (N, K, H, W) += bias (K,), in place; nothing without a bias."""
    if bias is not None:
        out += bias[:, None, None]


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


def _pad_channels_last(x: np.ndarray, plan: _Plan) -> np.ndarray:
    """Zero-padded copy of x in (H_p, W_p, N, C) layout: N*C contiguous per pixel."""
    hp, wp = plan.padded_shape
    top, left = plan.pad
    bottom, right = top + plan.height, left + plan.width
    padded = np.empty((hp, wp, plan.n_batch, plan.channels), dtype=x.dtype)
    padded[:top] = 0
    padded[bottom:] = 0
    padded[top:bottom, :left] = 0
    padded[top:bottom, right:] = 0
    padded[top:bottom, left:right] = x.transpose(2, 3, 0, 1)
    return padded


def _input_transform(
    padded: np.ndarray, bt: np.ndarray, plan: _Plan, out: np.ndarray | None = None
) -> np.ndarray:
    """V[xi, nu, t, u] = (BT d_tu BT^T)[xi, nu] for every tile (t, u); shape (n*n, P, C).

    ``out``: optional (n, n, tiles_h, tiles_w, N*C) view (contiguous last axis) to write
    V into, e.g. this batch's slice of a larger batch's V; then ``out`` is returned as is.

    d_tu = padded[m t : m t + n, m u : m u + n] is never copied: the rows of every tile
    row-band form a strided (n, W_p * N * C) matrix that BLAS reads in place, and the
    column pass reads (n, N * C) blocks of the row-transformed band the same way.
    """
    n, m = plan.n, plan.m
    hp, wp, nb, c = padded.shape
    item = padded.itemsize
    row = padded.strides[0]
    # Row pass: band t is rows m t .. m t + n - 1 -> T1[t, xi] = sum_k BT[xi, k] row(m t + k).
    bands = as_strided(
        padded, (plan.tiles_h, n, wp * nb * c), (m * row, row, item), writeable=False
    )
    t1 = np.matmul(bt, bands)  # (tiles_h, n, W_p * N * C)
    # Column pass: for band t, row xi, tile u: columns m u .. m u + n - 1.
    s_band, s_xi = t1.strides[:2]
    tiles = as_strided(
        t1,
        (plan.tiles_h, n, plan.tiles_w, n, nb * c),
        (s_band, s_xi, m * nb * c * item, nb * c * item, item),
        writeable=False,
    )
    if out is not None:
        np.matmul(bt, tiles, out=out.transpose(2, 0, 3, 1, 4))
        return out
    v = np.empty((n, n, plan.tiles_h, plan.tiles_w, nb * c), dtype=padded.dtype)
    np.matmul(bt, tiles, out=v.transpose(2, 0, 3, 1, 4))
    return v.reshape(n * n, plan.tiles_h * plan.tiles_w * nb, c)


def _batched_gemm(v: np.ndarray, ut: np.ndarray, plan: _Plan) -> np.ndarray:
    """M[pos] = V[pos] (P x C) @ U[pos]^T (C x K) for all n*n positions: (n*n, P, K).

    ut: (n*n, C, K), the contiguous transpose ``WinogradFilters.UT``."""
    return np.matmul(v, ut)


def _output_transform(
    prod: np.ndarray, at: np.ndarray, plan: _Plan, full: np.ndarray | None = None
) -> np.ndarray:
    """Y = AT M AT^T per tile, written straight into NCHW: shape (N, K, H_t, W_t).

    H_t = tiles_h * m, W_t = tiles_w * m. ``full``: optional C-contiguous
    (N, K, H_t, W_t) array to write into. See :func:`_output_transform_images`.
    """
    if full is None:
        full = np.empty((plan.n_batch, prod.shape[2], *plan.tiled_shape), dtype=prod.dtype)
    _output_transform_images(prod, at, plan, slice(0, plan.n_batch), full)
    return full


def _output_transform_images(
    prod: np.ndarray, at: np.ndarray, plan: _Plan, images: slice, full: np.ndarray
) -> None:
    """Y = AT M AT^T for the tiles of the images ``images`` of the batch, written into
    ``full``, their C-contiguous (count, K, H_t, W_t) block of the NCHW result.

    Both passes are strided matrix products on views of M (no copy). The second writes
    output element (a, b) of tile (t, u), image n, filter k straight to
    ``full[n, k, t m + a, u m + b]`` through a strided view: because the image stride of
    an (N, K, H_t, W_t) array is K times its filter stride, the pair (n, k) is one axis
    with a single stride, and no transpose pass is needed afterwards. Threads can run
    disjoint image ranges of one M at the same time.
    """
    n, m = plan.n, plan.m
    th, tw = plan.tiles_h, plan.tiles_w
    k = prod.shape[2]
    nk = plan.n_batch * k
    nk_part = (images.stop - images.start) * k
    item = prod.itemsize
    width = n * th * tw * nk
    # Row pass: src[(nu, t), u, xi, j] = M[xi * n + nu, (t, u, image), k], j = (image, k).
    base = prod.reshape(-1)[images.start * k :]
    src = as_strided(
        base, (n * th, tw, n, nk_part), (tw * nk * item, nk * item, width * item, item),
        writeable=False,
    )  # fmt: skip
    o1 = np.matmul(at, src)  # (n * th, tw, m, nk_part): [(nu, t), u, a, j]
    # Column pass, contracting nu: result (a, t, u, b, j) lands at [n, k, t m + a, u m + b].
    row = tw * m * item
    strides = (row, m * row, m * item, item, th * m * row)
    target = as_strided(full, (m, th, tw, m, nk_part), strides)
    np.matmul(at, o1.reshape(n, th, tw, m, nk_part).transpose(3, 1, 2, 0, 4), out=target)


def _to_nchw(full: np.ndarray, bias: np.ndarray | None, plan: _Plan, out: np.ndarray) -> None:
    """Crop the full-tile result (N, K, H_t, W_t) into ``out`` (N, K, H_out, W_out) and add
    the bias."""
    cropped = full[:, :, : plan.out_h, : plan.out_w]
    if bias is None:
        np.copyto(out, cropped)
    else:
        np.add(cropped, bias[:, None, None], out=out)


# ---------------------------------------------------------------------------------------
# Counting and profiling
# ---------------------------------------------------------------------------------------


def multiplication_count(
    N: int, C: int, K: int, H: int, W: int, m: int, r: int = 3, padding: int = 1
) -> dict[str, float]:
    """Multiplications of the element-wise stage: direct convolution vs Winograd F(m, r).

    Direct: every output value needs C * r * r products:
        direct = N * K * C * H_out * W_out * r * r
    Winograd: every (tile, k, c) needs n * n products (n = m + r - 1), with
        tiles = ceil(H_out / m) * ceil(W_out / m) (partial border tiles count in full):
        winograd = N * K * C * tiles * n * n
    The transforms are not counted (their cost is O(N C tiles n^2 n) and O(K ...), not
    multiplied by the other channel count). With full tiles the ratio is
    m^2 r^2 / n^2: 2.25 for F(2x2, 3x3), 4 for F(4x4, 3x3), 5.06 for F(6x6, 3x3).

    Returns a dict with out_h, out_w, tiles, direct, winograd and ratio = direct / winograd.
    """
    for name, value in {"N": N, "C": C, "K": K, "H": H, "W": W, "m": m, "r": r}.items():
        _positive_int(value, name)
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be an int >= 0, got {padding!r}")
    out_h, out_w = H + 2 * padding - r + 1, W + 2 * padding - r + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{H}x{W} input with padding {padding} is smaller than the filter")
    n = m + r - 1
    tiles = -(-out_h // m) * -(-out_w // m)
    direct = N * K * C * out_h * out_w * r * r
    winograd = N * K * C * tiles * n * n
    return {
        "out_h": out_h,
        "out_w": out_w,
        "tiles": tiles,
        "direct": direct,
        "winograd": winograd,
        "ratio": direct / winograd,
    }


def profile_winograd(
    x: np.ndarray,
    w: np.ndarray | WinogradFilters,
    b: np.ndarray | None = None,
    padding: int | tuple[int, int] = 0,
    m: int | None = None,
    repeat: int = 5,
) -> dict[str, float]:
    """Median seconds spent in each stage of :func:`conv2d_winograd` on its first batch
    chunk, with the thread settings the real call uses there.

    Stages: pad (channels-last copy), input_transform, gemm, output_transform, to_nchw
    (the crop, or the bias when tiles are whole); plus filter_transform when raw filters
    are given. One untimed warm-up run first. When the batch is cut into several chunks
    (:func:`batch_chunks`), every stage of a chunk runs with a one-thread BLAS and the
    chunks run side by side, so the call takes about (stage sum) x chunks / workers.
    With a single chunk the real call also shares every stage among the threads (the
    transforms by images, the GEMM by positions); here only the GEMM is shared, so the
    transform times are those of one thread doing the whole chunk.
    """

    def run(clock: StageClock) -> None:
        filters = w
        if not isinstance(w, WinogradFilters):
            filters = clock(
                "filter_transform", transform_filters, w, 4 if m is None else m, x.dtype
            )
        filters, plan = _prepare(x, filters, padding, m, 1)
        bias = _check_bias(b, filters.K, x.dtype)
        chunks = batch_chunks(plan, filters.K, x.dtype.itemsize)
        first = chunks[0]
        plan = plan.images(first)
        chunk = x[first]
        at, _, bt = (mat.astype(x.dtype) for mat in _float_transforms(plan.m, plan.r))
        whole = plan.whole_tiles
        out = np.empty((plan.n_batch, filters.K, plan.out_h, plan.out_w), dtype=x.dtype)
        with single_threaded_blas():
            padded = clock("pad", _pad_channels_last, chunk, plan)
            v = clock("input_transform", _input_transform, padded, bt, plan)
        if len(chunks) > 1:
            with single_threaded_blas():
                prod = clock("gemm", _gemm_stage, v, filters, plan, 1)
        else:
            prod = clock("gemm", _gemm_stage, v, filters, plan, blas_threads())
        with single_threaded_blas():
            full = clock("output_transform", _output_transform, prod, at, plan, None)
            if whole:  # the real call wrote into the output already: only the bias is left
                clock("to_nchw", _add_bias, full, bias)
            else:
                clock("to_nchw", _to_nchw, full, bias, plan, out)

    return stage_medians(run, repeat)
