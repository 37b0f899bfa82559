"""The algebra of Winograd's F(m, r): exact transforms, the filter transform, the count.

- :func:`winograd_transforms` -- exact (AT, G, BT) of F(m, r) by Toom-Cook / Lagrange
  interpolation, from the points :data:`DEFAULT_POINTS` or your own;
- :func:`transform_filters` -- U = G g G^T for a filter bank, laid out as (n*n, K, C) for
  the batched GEMM (:class:`WinogradFilters`);
- :func:`multiplication_count` -- products of the element-wise stage, direct vs Winograd.

Shapes: AT (m, n), G (n, r), BT (n, n) with n = m + r - 1; filters w (K, C, r, r).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from numbers import Rational

import numpy as np
import numpy.typing as npt

from course_utils.conv._validate import tile_grid

__all__ = [
    "DEFAULT_POINTS",
    "MAX_TILE",
    "FractionMatrix",
    "WinogradFilters",
    "multiplication_count",
    "transform_filters",
    "winograd_transforms",
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
# Counting
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
    tiles_h, tiles_w = tile_grid((out_h, out_w), m)
    tiles = tiles_h * tiles_w
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
