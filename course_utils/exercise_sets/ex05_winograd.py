"""Checks for ``exercises/05_winograd.ipynb``: F(2, 3) by hand, one 2-D tile, tiling, counting.

Conventions (as in the lesson and ``course_utils.conv.winograd``): cross-correlation,
``y_i = sum_k d[i + k] g[k]``; a tile of n = m + r - 1 inputs gives m outputs; input tiles
advance by m, so neighbouring tiles overlap by r - 1.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, ValueProblem
from course_utils.conv.winograd import winograd_transforms

# ---------------------------------------------------------------------------------------
# q1: F(2, 3) by hand
# ---------------------------------------------------------------------------------------


def _f23_products(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The four products of Lavin & Gray's F(2, 3): shape (4,)."""
    return np.array(
        [
            (d[0] - d[2]) * g[0],
            (d[1] + d[2]) * (g[0] + g[1] + g[2]) / 2,
            (d[2] - d[1]) * (g[0] - g[1] + g[2]) / 2,
            (d[1] - d[3]) * g[2],
        ]
    )


def _f23_reference(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(products (4,), y (2,)) with y the valid correlation of d (4,) with g (3,)."""
    p = _f23_products(d, g)
    return p, np.array([p[0] + p[1] + p[2], p[1] - p[2] - p[3]])


def _f23_cases() -> list[Case]:
    cases = [
        Case((np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, -1.0])), label="d=[1,2,3,4]"),
        Case(
            (np.array([3.0, -1.0, 4.0, 2.0]), np.array([2.0, 5.0, -3.0])),
            label="d=[3,-1,4,2], g=[2,5,-3]",
        ),
        Case((np.array([0.0, 0.0, 1.0, 0.0]), np.array([1.0, 2.0, 3.0])), label="d = unit pulse"),
    ]
    for seed in range(6):
        rng = np.random.default_rng(500 + seed)
        d, g = rng.standard_normal(4), rng.standard_normal(3)
        cases.append(Case((d, g), label=f"random d (4,), g (3,), seed {seed}"))
    return cases


def _f23_flipped(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _f23_reference(d, g[::-1])


def _f23_m3_sign(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = _f23_products(d, g)
    p[2] = -p[2]  # (d1 - d2) instead of (d2 - d1)
    return p, np.array([p[0] + p[1] + p[2], p[1] - p[2] - p[3]])


def _f23_no_half(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = _f23_products(d, g)
    p[1:3] *= 2
    return p, np.array([p[0] + p[1] + p[2], p[1] - p[2] - p[3]])


def _f23_y1_m4_sign(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = _f23_products(d, g)
    return p, np.array([p[0] + p[1] + p[2], p[1] - p[2] + p[3]])


q1 = FunctionProblem(
    "q1",
    "f23",
    _f23_reference,
    _f23_cases,
    # float64: a dozen additions and four products of O(1) numbers, round-off < 1e-15;
    # 1e-12 accepts any order of the additions and rejects every real mistake.
    rtol=1e-12,
    atol=1e-12,
    hints=[
        "Compute the four products m1..m4 exactly as given, then expand y0 = d0 g0 + d1 g1 + "
        "d2 g2 and y1 = d1 g0 + d2 g1 + d3 g2 and match terms: each y is a sum or difference "
        "of three of the m's.",
        "y0 needs m1, m2 and m3; y1 needs m2, m3 and m4. Expand m2 + m3 and m2 − m3 on paper "
        "to fix the signs; every coefficient 1/2 must cancel.",
    ],
    mistakes=[
        Mistake(
            "the kernel is flipped: this is a convolution; we want the cross-correlation "
            "y_i = sum_k d[i + k] g[k].",
            _f23_flipped,
        ),
        Mistake("the sign inside m3 is reversed: it is (d2 − d1), not (d1 − d2).", _f23_m3_sign),
        Mistake("the factor 1/2 in m2 and m3 is missing.", _f23_no_half),
        Mistake(
            "y0 is right but y1 is not: check the sign with which m4 enters y1.", _f23_y1_m4_sign
        ),
    ],
)

# ---------------------------------------------------------------------------------------
# q2: one 2-D tile with given transforms
# ---------------------------------------------------------------------------------------


def _correlate_valid_2d(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation of d (n, n) with g (r, r): shape (n - r + 1, n - r + 1)."""
    r = g.shape[0]
    m = d.shape[0] - r + 1
    out = np.zeros((m, m))
    for u in range(r):
        for v in range(r):
            out += g[u, v] * d[u : u + m, v : v + m]
    return out


def _tile_reference(
    d: np.ndarray, g: np.ndarray, AT: np.ndarray, G: np.ndarray, BT: np.ndarray
) -> np.ndarray:
    """What the tile must be: the definition (the transforms are exact, so they agree)."""
    return _correlate_valid_2d(d, g)


def _tile_cases() -> list[Case]:
    cases = []
    configs = [(2, 3, None), (4, 3, None), (6, 3, None), (4, 3, [0, 1, -1, 2, -2]), (3, 2, None)]
    configs += [(2, 5, None), (1, 3, None)]
    for index, (m, r, points) in enumerate(configs):
        at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(m, r, points))
        rng = np.random.default_rng(520 + index)
        n = m + r - 1
        d, g = rng.standard_normal((n, n)), rng.standard_normal((r, r))
        where = "" if points is None else f", points {points}"
        cases.append(
            Case(
                (d, g, at, g_mat, bt),
                label=f"F({m}x{m}, {r}x{r}){where}: d ({n}, {n}), g ({r}, {r})",
            )
        )
    at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(2, 3))
    ramp = np.arange(16.0).reshape(4, 4)
    centre = np.zeros((3, 3))
    centre[1, 1] = 1.0
    cases.insert(0, Case((ramp, centre, at, g_mat, bt), label="F(2x2, 3x3), g = centre tap only"))
    return cases


def _tile_flipped(d, g, AT, G, BT):
    return AT @ ((G @ g[::-1, ::-1] @ G.T) * (BT @ d @ BT.T)) @ AT.T


def _tile_no_transpose(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT)) @ AT.T


def _tile_wrong_side(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT.T @ d @ BT)) @ AT.T


def _tile_matmul(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) @ (BT @ d @ BT.T)) @ AT.T


q2 = FunctionProblem(
    "q2",
    "winograd_tile",
    _tile_reference,
    _tile_cases,
    # float64, compared with the definition. Round-off grows with the tile: F(6x6, 3x3) has
    # entries up to 32 in AT and 21/4 in BT (condition numbers ~140 and ~30 per side), which
    # amplifies eps = 2.2e-16 by at most ~1e4 here (measured errors ~1e-14). 1e-9 is far above
    # that and far below the O(1) errors of any wrong formula.
    rtol=1e-9,
    atol=1e-9,
    hints=[
        "Three steps: transform the filter (left and right multiplication with G), transform "
        "the input tile (with BT), multiply the two n×n results entry by entry, and transform "
        "back with AT.",
        "In NumPy: U = G @ g @ G.T, V = BT @ d @ BT.T, M = U * V (not @), Y = AT @ M @ AT.T. "
        "Each transform multiplies on the left by a matrix and on the right by its transpose.",
    ],
    mistakes=[
        Mistake(
            "the kernel is flipped: frameworks compute cross-correlation, use g as it is.",
            _tile_flipped,
        ),
        Mistake(
            "the transpose on the right of the input transform is missing: Bᵀ d B is "
            "BT @ d @ BT.T.",
            _tile_no_transpose,
        ),
        Mistake(
            "the input transform is on the wrong sides: Bᵀ d B multiplies by BT on the left.",
            _tile_wrong_side,
        ),
        Mistake(
            "the middle stage is a matrix product; it must be element-wise (`*`): that is "
            "where the n×n multiplications happen.",
            _tile_matmul,
        ),
    ],
)

# ---------------------------------------------------------------------------------------
# q3: the input tiles of a whole image
# ---------------------------------------------------------------------------------------


def _tile_counts(x: np.ndarray, m: int, r: int, rounding=math.ceil) -> tuple[int, int]:
    out_h, out_w = x.shape[0] - r + 1, x.shape[1] - r + 1
    return rounding(out_h / m), rounding(out_w / m)


def _tiles_with_stride(x: np.ndarray, m: int, r: int, step: int, rounding=math.ceil) -> np.ndarray:
    """Tiles of size n = m + r - 1 at origins (step t, step u), zero padded bottom/right."""
    n = m + r - 1
    th, tw = _tile_counts(x, m, r, rounding)
    height = max(x.shape[0], (th - 1) * step + n)
    width = max(x.shape[1], (tw - 1) * step + n)
    padded = np.zeros((height, width), dtype=x.dtype)
    padded[: x.shape[0], : x.shape[1]] = x
    tiles = np.zeros((th, tw, n, n), dtype=x.dtype)
    for t in range(th):
        for u in range(tw):
            tiles[t, u] = padded[t * step : t * step + n, u * step : u * step + n]
    return tiles


def _extract_tiles_reference(x: np.ndarray, m: int, r: int) -> np.ndarray:
    """tiles[t, u] = padded[t m : t m + n, u m : u m + n], shape (tiles_h, tiles_w, n, n)."""
    return _tiles_with_stride(x, m, r, m)


def _extract_cases() -> list[Case]:
    shapes = [
        ((6, 6), 4, 3, "one F(4,3) tile exactly"),
        ((10, 10), 4, 3, "output 8x8: 2x2 full tiles"),
        ((9, 13), 4, 3, "non-square, partial tiles"),
        ((3, 3), 2, 3, "image as large as the kernel: a 1x1 output"),
        ((12, 7), 6, 3, "F(6,3), tall image"),
        ((7, 11), 2, 3, "F(2,3)"),
        ((11, 8), 3, 2, "F(3,2), r = 2"),
        ((9, 9), 2, 5, "F(2,5), r = 5"),
        ((5, 20), 4, 3, "wide image, one tile row"),
    ]
    cases = []
    for index, (shape, m, r, text) in enumerate(shapes):
        rng = np.random.default_rng(530 + index)
        x = rng.integers(-9, 10, shape).astype(np.float64)
        cases.append(Case((x, m, r), label=f"x {shape}, m={m}, r={r} ({text})"))
    return cases


q3 = FunctionProblem(
    "q3",
    "extract_tiles",
    _extract_tiles_reference,
    _extract_cases,
    # Pure copying of integer-valued floats: the result must be exact.
    rtol=0.0,
    atol=0.0,
    hints=[
        "Output tile (t, u) holds outputs t·m … t·m + m − 1; which input rows do those outputs "
        "read with an r-tap filter? Tiles that stick out at the bottom/right still count "
        "(round up) and read zeros there.",
        "tiles_h = ceil((H − r + 1) / m); copy x into a zero array of height tiles_h·m + r − 1 "
        "(same for the width), then tile (t, u) is padded[t·m : t·m + n, u·m : u·m + n] with "
        "n = m + r − 1. Consecutive tiles start m apart, so they overlap by r − 1.",
    ],
    mistakes=[
        Mistake(
            "the tiles do not overlap: input tiles advance by m (the outputs they produce), "
            "not by their own size m + r − 1, so neighbours share r − 1 rows and columns.",
            lambda x, m, r: _tiles_with_stride(x, m, r, m + r - 1),
        ),
        Mistake(
            "the tile stride is 2 whatever m is: that is right for F(2, 3) only; tiles advance "
            "by m.",
            lambda x, m, r: _tiles_with_stride(x, m, r, 2),
        ),
        Mistake(
            "the partial tiles at the bottom/right border are missing: round the number of "
            "tiles up, and read zeros beyond the image.",
            lambda x, m, r: _tiles_with_stride(x, m, r, m, rounding=math.floor),
        ),
    ],
)

# ---------------------------------------------------------------------------------------
# q4, q5: counting tiles and multiplications of one layer
# ---------------------------------------------------------------------------------------

LAYER = {"N": 2, "C": 64, "K": 128, "H": 30, "W": 45, "padding": 1, "m": 4, "r": 3}


def _layer_tiles(rounding=math.ceil, per_image: bool = False, step: int | None = None) -> int:
    L = LAYER
    out_h = L["H"] + 2 * L["padding"] - L["r"] + 1
    out_w = L["W"] + 2 * L["padding"] - L["r"] + 1
    step = step or L["m"]
    tiles = rounding(out_h / step) * rounding(out_w / step)
    return tiles if per_image else L["N"] * tiles


def _layer_mults(tiles: int | None = None, per_tile: int | None = None, channels=True) -> int:
    L = LAYER
    tiles = _layer_tiles() if tiles is None else tiles
    per_tile = (L["m"] + L["r"] - 1) ** 2 if per_tile is None else per_tile
    return tiles * L["K"] * (L["C"] if channels else 1) * per_tile


_DIRECT_MULTS = LAYER["N"] * LAYER["K"] * LAYER["C"] * LAYER["H"] * LAYER["W"] * LAYER["r"] ** 2

q4 = ValueProblem(
    "q4",
    "n_tiles",
    _layer_tiles(),
    hints=[
        "First the output size (padding 1 keeps 30×45), then how many m×m output tiles cover "
        "it in each direction, then the whole batch.",
        "Per image: ceil(H_out / m) · ceil(W_out / m); partial tiles count in full. Multiply "
        "by N: every image of the batch has its own tiles.",
    ],
    mistakes=[
        Mistake(
            "too few tiles: the partial tiles at the border are computed too (on zeros), so "
            "round up; and check the output size.",
            _layer_tiles(rounding=math.floor),
        ),
        Mistake(
            "that is the count for one image; the batch has N of them.",
            _layer_tiles(per_image=True),
        ),
        Mistake(
            "tiles are counted by input-tile size: output tiles are m×m and input tiles overlap.",
            _layer_tiles(step=LAYER["m"] + LAYER["r"] - 1),
        ),
    ],
)

q5 = ValueProblem(
    "q5",
    "n_winograd_mults",
    _layer_mults(),
    hints=[
        "The element-wise stage multiplies, for every tile, every (output channel, input "
        "channel) pair and every position of the n×n transformed tile. Transforms are not "
        "counted.",
        "tiles (from q4, whole batch) · K · C · (m + r − 1)². Compare with the direct count "
        "N · K · C · H_out · W_out · r².",
    ],
    mistakes=[
        Mistake("that is the direct convolution's count, not Winograd's.", _DIRECT_MULTS),
        Mistake(
            "each tile costs n×n products (n = m + r − 1), not m×m: the element-wise product is "
            "taken in the transformed n×n domain.",
            _layer_mults(per_tile=LAYER["m"] ** 2),
        ),
        Mistake(
            "the partial border tiles are missing (round the tile counts up).",
            _layer_mults(tiles=_layer_tiles(rounding=math.floor)),
        ),
        Mistake(
            "the input channels are missing: every (k, c) pair has its own products.",
            _layer_mults(channels=False),
        ),
    ],
)

EXERCISES = ExerciseSet("05_winograd", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
