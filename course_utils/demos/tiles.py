"""Winograd tiles: exact transforms as LaTeX, conditioning, one tile's journey (lesson 05).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson05`),
tested in ``tests/test_demos_tiles.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from course_utils.conv.winograd import winograd_transforms

__all__ = [
    "follow_tile",
    "fraction_latex",
    "tile_grid",
    "transform_stats",
]


def _fraction_tex(value: Fraction) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\tfrac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def fraction_latex(matrix: np.ndarray, name: str | None = None) -> str:
    """An exact matrix as LaTeX, e.g. ``A^T = \\begin{bmatrix} 1 & \\tfrac{1}{2} \\end{bmatrix}``.

    Inputs:
    - matrix: 2-D array of fractions.Fraction (or ints), shape (rows, cols)
    - name: optional left-hand side, e.g. ``"A^T"``

    Returns:
    - the LaTeX source (no surrounding ``$``).
    """
    mat = np.asarray(matrix, dtype=object)
    if mat.ndim != 2:
        raise ValueError(f"fraction_latex needs a 2-D matrix, got shape {mat.shape}")
    rows = [" & ".join(_fraction_tex(Fraction(v)) for v in row) for row in mat]
    body = "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"
    return f"{name} = {body}" if name else body


def transform_stats(m: int, r: int = 3, points: Sequence | None = None) -> dict[str, float]:
    """How large and how ill-conditioned the transforms of F(m, r) are.

    Inputs:
    - m: outputs per tile; r: filter taps; points: interpolation points (None: defaults)

    Returns a dict with:
    - m, n: outputs per tile and tile size n = m + r - 1
    - max_AT, max_G, max_BT: largest absolute entry of each matrix
    - cond_AT, cond_G, cond_BT: 2-norm condition numbers (ratio of extreme singular values;
      AT is m x n and G is n x r, so theirs are those of a rectangular matrix)
    """
    at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(m, r, points))
    stats: dict[str, float] = {"m": m, "n": m + r - 1}
    for name, mat in (("AT", at), ("G", g_mat), ("BT", bt)):
        stats[f"max_{name}"] = float(np.abs(mat).max())
        stats[f"cond_{name}"] = float(np.linalg.cond(mat))
    return stats


def tile_grid(height: int, width: int, m: int, r: int = 3, padding: int = 0) -> dict[str, int]:
    """Geometry of Winograd F(m x m, r x r) tiles over one (H, W) image, stride 1.

    Output tile (t, u) covers outputs [t m, t m + m) x [u m, u m + m); it is computed from the
    input tile padded[t m : t m + n, u m : u m + n] (n = m + r - 1): input tiles advance by m
    and neighbours overlap by r - 1 rows/columns. Border tiles that stick out of the output
    are computed on zeros and cropped.

    Returns a dict with n, out_h, out_w, tiles_h = ceil(out_h / m), tiles_w, tiles (their
    product), padded_h = tiles_h * m + r - 1, padded_w (the zero-padded input the tiles read).
    """
    n = m + r - 1
    out_h, out_w = height + 2 * padding - r + 1, width + 2 * padding - r + 1
    if min(m, r, out_h, out_w) < 1:
        raise ValueError(
            f"need m, r >= 1 and a filter that fits: H={height}, W={width}, r={r}, "
            f"padding={padding}, m={m}"
        )
    tiles_h, tiles_w = -(-out_h // m), -(-out_w // m)
    return {
        "n": n,
        "out_h": out_h,
        "out_w": out_w,
        "tiles_h": tiles_h,
        "tiles_w": tiles_w,
        "tiles": tiles_h * tiles_w,
        "padded_h": tiles_h * m + r - 1,
        "padded_w": tiles_w * m + r - 1,
    }


def follow_tile(
    image: np.ndarray, kernel: np.ndarray, m: int, tile_row: int, tile_col: int, padding: int = 1
) -> dict[str, Any]:
    """Compute one output tile of a single-channel convolution with Winograd F(m x m, r x r).

    Inputs:
    - image: (H, W) float array; kernel: (r, r) float array (cross-correlation, like F.conv2d)
    - m: outputs per tile side; tile_row, tile_col: which tile (0-based)
    - padding: zero padding of the convolution

    Returns a dict with:
    - padded: (padded_h, padded_w) the zero-padded image the tiles read (see tile_grid)
    - origin: (row, col) of the tile's top-left pixel in ``padded`` (= tile index * m)
    - d: (n, n) input tile;  V = BT d BT^T: (n, n) input transform
    - U = G g G^T: (n, n) filter transform;  M = U * V: (n, n) element-wise product
    - Y = AT M AT^T: (m, m) output tile;  direct: (m, m) the same outputs by the definition
    - AT (m, n), G (n, r), BT (n, n): the float64 transforms;  m, n, tiles_h, tiles_w
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"need image (H, W) and kernel (r, r), got {image.shape}, {kernel.shape}")
    r = kernel.shape[0]
    geo = tile_grid(*image.shape, m, r, padding)
    if not (0 <= tile_row < geo["tiles_h"] and 0 <= tile_col < geo["tiles_w"]):
        raise ValueError(
            f"tile ({tile_row}, {tile_col}) is outside the {geo['tiles_h']}x{geo['tiles_w']} grid"
        )
    padded = np.zeros((geo["padded_h"], geo["padded_w"]))
    padded[padding : padding + image.shape[0], padding : padding + image.shape[1]] = image
    at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(m, r))
    n, top, left = geo["n"], tile_row * m, tile_col * m
    d = padded[top : top + n, left : left + n]
    v = bt @ d @ bt.T
    u = g_mat @ kernel @ g_mat.T
    prod = u * v
    direct = np.array(
        [[np.sum(d[i : i + r, j : j + r] * kernel) for j in range(m)] for i in range(m)]
    )
    return {
        "padded": padded,
        "origin": (top, left),
        "d": d.copy(),
        "V": v,
        "U": u,
        "M": prod,
        "Y": at @ prod @ at.T,
        "direct": direct,
        "AT": at,
        "G": g_mat,
        "BT": bt,
        "m": m,
        "n": n,
        "tiles_h": geo["tiles_h"],
        "tiles_w": geo["tiles_w"],
    }
