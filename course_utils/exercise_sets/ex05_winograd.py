"""Checks for ``exercises/05_winograd.ipynb``: F(3, 2) by hand, one 2-D tile, tiling, counting.

Conventions (as in the lesson and ``course_utils.conv.winograd``): cross-correlation,
``y_i = sum_k d[i + k] g[k]``; a tile of n = m + r - 1 inputs gives m outputs; input tiles
advance by m, so neighbouring tiles overlap by r - 1.

What each check makes sure of -- the method the exercise asks for, not only the numbers:

* q1 ``f3_2_outputs(m)``: the lesson derives F(2, 3); the exercise is F(3, 2). The function
  receives the four products and returns the three outputs, so it cannot compute them from d
  and g directly. Besides the products of real inputs, the cases are unit vectors and random
  vectors that are the products of no particular d and g: only the right combination (the rows
  of AT) passes; F(2, 3)'s combination pasted from the lesson, sign errors and extra factors
  1/2 are named.
* q2 ``winograd_tile(d, g, AT, G, BT)``: besides the true transforms, random matrices of the
  right shapes (no Winograd algorithm), where only the formula with the *given* matrices gives
  the expected tile; the correlation itself, or transforms of one's own, are named. Float32
  inputs must give a float32 tile.
* q3 ``extract_tiles(x, m, r)``: non-square images, several tile sizes, and float64, float32
  and uint8 images (the spec keeps the dtype of ``x``).
* q4/q5 ``count_tiles`` / ``count_winograd_mults``: functions of the layer with rectangular
  tiles F(m_h x m_w, r_h x r_w), checked on many layers (batch, padding, partial tiles,
  1-row outputs), so the output size has to be computed every time; the package's
  ``multiplication_count`` (square tiles only) does not answer them.

Tolerances: q1 and q2 compute in float64 with O(1) data (q1: round-off < 1e-14; q2 grows with
the tile, F(6x6, 3x3) has entries up to 32 in AT, measured errors ~1e-14), so 1e-12 and 1e-9
accept any order of the operations and reject every real mistake, whose errors are O(1). The
float32 cases of q2 use small integers and exactly representable transforms, so every order of
the operations gives the same float32 values. q3 copies values (exact); q4/q5 are integers,
compared exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake
from course_utils.checks.wrong_answers import (
    WrongAnswer,
    mutates_input,
    returns_list,
    returns_transpose,
)
from course_utils.conv.winograd import multiplication_count, winograd_transforms

# ---------------------------------------------------------------------------------------
# q1: F(3, 2) by hand: the outputs from the four products
# ---------------------------------------------------------------------------------------


def _f32_products(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The four products of F(3, 2) for d (4,) and g (2,), as the exercise states them."""
    return np.array(
        [
            (d[0] - d[2]) * g[0],
            (d[1] + d[2]) * (g[0] + g[1]) / 2,
            (d[2] - d[1]) * (g[0] - g[1]) / 2,
            (d[3] - d[1]) * g[1],
        ]
    )


def _f32_reference(m: np.ndarray) -> np.ndarray:
    """y (3,) from the products m (4,): the rows of AT of F(3, 2)."""
    return np.array([m[0] + m[1] + m[2], m[1] - m[2], m[1] + m[2] + m[3]])


def _f32_cases() -> list[Case]:
    examples = [
        ([1.0, 2.0, 3.0, 4.0], [1.0, -1.0], "d=[1,2,3,4], g=[1,-1]"),
        ([3.0, -1.0, 4.0, 2.0], [2.0, 5.0], "d=[3,-1,4,2], g=[2,5]"),
        ([0.0, 0.0, 1.0, 0.0], [1.0, 2.0], "d = unit pulse, g=[1,2]"),
    ]
    cases = [
        Case((_f32_products(np.array(d), np.array(g)),), label=f"m = the products of {text}")
        for d, g, text in examples
    ]
    for index in range(4):
        unit = np.zeros(4)
        unit[index] = 1.0
        cases.append(Case((unit,), label=f"m = {unit.tolist()}: only m{index + 1} is not zero"))
    for seed in range(3):
        m = np.random.default_rng(500 + seed).standard_normal(4)
        cases.append(
            Case(
                (m,),
                label=f"m = four random numbers (seed {seed}): the combination holds for any m",
            )
        )
    return cases


def _f32_f23_copied(m):
    return np.array([m[0] + m[1] + m[2], m[1] - m[2] - m[3]])


def _f32_y1_sum(m):
    return np.array([m[0] + m[1] + m[2], m[1] + m[2], m[1] + m[2] + m[3]])


def _f32_halves(m):
    return np.array([m[0] + (m[1] + m[2]) / 2, (m[1] - m[2]) / 2, (m[1] + m[2]) / 2 + m[3]])


def _f32_y2_m4_sign(m):
    return np.array([m[0] + m[1] + m[2], m[1] - m[2], m[1] + m[2] - m[3]])


def _f32_y0_m3_sign(m):
    return np.array([m[0] + m[1] - m[2], m[1] - m[2], m[1] + m[2] + m[3]])


def _f32_reversed(m):
    return _f32_reference(m)[::-1].copy()


def _f32_learner_f23(m):
    """A learner's answer that pastes the lesson's F(2, 3) combination."""
    m1, m2, m3, m4 = m
    return np.array([m1 + m2 + m3, m2 - m3 - m4])


def _f32_learner_in_place(m):
    """A learner's answer that reuses m's storage for the sums."""
    m[1], m[2] = m[1] + m[2], m[1] - m[2]
    return np.array([m[0] + m[1], m[2], m[1] + m[3]])


_F32_MESSAGES = {
    "f23": "that is F(2, 3)'s combination, two outputs: F(3, 2) has three outputs y0, y1, y2; "
    "expand its products to find theirs.",
    "y1": "y1 = d1 g0 + d2 g1 is a difference of two products, not a sum: expand m2 + m3 and "
    "m2 − m3.",
    "halves": "the factors 1/2 are already inside m2 and m3: the outputs need none.",
    "y2": "y0 and y1 are right but y2 is not: check the sign with which m4 enters y2.",
    "y0": "y1 and y2 are right but y0 is not: check the sign with which m3 enters y0.",
    "reversed": "the outputs are in reverse order: y[0] is y0 = d0 g0 + d1 g1.",
}

q1 = FunctionProblem(
    "q1",
    "f3_2_outputs",
    _f32_reference,
    _f32_cases,
    # float64, two or three additions of O(1) numbers: round-off < 1e-15; 1e-12 accepts any
    # order of the additions and rejects every real mistake (errors of O(1)).
    rtol=1e-12,
    atol=1e-12,
    hints=[
        "Expand y0 = d0 g0 + d1 g1, y1 = d1 g0 + d2 g1 and y2 = d2 g0 + d3 g1, and expand "
        "m2 + m3 and m2 − m3 on paper (the 1/2 cancels). Each y is a sum or difference of some "
        "of the m's, with coefficients ±1.",
        "y1 needs only m2 and m3; y0 and y2 each add one more product to m2 + m3. (The matrix "
        "AT of `winograd_transforms(3, 2)` holds the whole combination.)",
    ],
    mistakes=[
        Mistake(_F32_MESSAGES["f23"], _f32_f23_copied),
        Mistake(_F32_MESSAGES["y1"], _f32_y1_sum),
        Mistake(_F32_MESSAGES["halves"], _f32_halves),
        Mistake(_F32_MESSAGES["y2"], _f32_y2_m4_sign),
        Mistake(_F32_MESSAGES["y0"], _f32_y0_m3_sign),
        Mistake(_F32_MESSAGES["reversed"], _f32_reversed),
    ],
    wrong_answers=[
        WrongAnswer("the lesson's F(2, 3) combination", _f32_learner_f23, "F(2, 3)"),
        WrongAnswer("y1 = m2 + m3", _f32_y1_sum, "not a sum"),
        WrongAnswer("halves again", _f32_halves, "1/2"),
        WrongAnswer("wrong sign of m4 in y2", _f32_y2_m4_sign, "enters y2"),
        WrongAnswer("wrong sign of m3 in y0", _f32_y0_m3_sign, "enters y0"),
        WrongAnswer("outputs reversed", _f32_reversed, "reverse order"),
        WrongAnswer("a list", returns_list(_f32_reference), "NumPy array"),
        WrongAnswer("sums written into m", _f32_learner_in_place, "in place"),
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
    """Y = AT [(G g G^T) * (BT d BT^T)] AT^T with the matrices given (any matrices)."""
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T


def _float_transforms(m: int, r: int, points=None, dtype=np.float64) -> list[np.ndarray]:
    return [mat.astype(dtype) for mat in winograd_transforms(m, r, points)]


def _true_transform_cases() -> list[Case]:
    cases = []
    configs = [(2, 3, None), (4, 3, None), (6, 3, None), (4, 3, [0, 1, -1, 2, -2]), (3, 2, None)]
    configs += [(2, 5, None), (1, 3, None)]
    for index, (m, r, points) in enumerate(configs):
        rng = np.random.default_rng(520 + index)
        n = m + r - 1
        d, g = rng.standard_normal((n, n)), rng.standard_normal((r, r))
        where = "" if points is None else f", points {points}"
        cases.append(
            Case(
                (d, g, *_float_transforms(m, r, points)),
                label=f"F({m}x{m}, {r}x{r}){where}: d ({n}, {n}), g ({r}, {r})",
            )
        )
    return cases


def _random_transform_cases() -> list[Case]:
    cases = []
    for index, (m, r) in enumerate([(2, 3), (4, 3), (3, 2)]):
        rng = np.random.default_rng(540 + index)
        n = m + r - 1
        d, g = rng.standard_normal((n, n)), rng.standard_normal((r, r))
        at, g_mat, bt = (rng.standard_normal(s) for s in ((m, n), (n, r), (n, n)))
        cases.append(
            Case(
                (d, g, at, g_mat, bt),
                label=f"random AT ({m}, {n}), G ({n}, {r}), BT ({n}, {n}): not a Winograd "
                "algorithm, only the formula with these matrices gives the expected tile",
            )
        )
    return cases


def _float32_cases() -> list[Case]:
    rng = np.random.default_rng(550)
    d = rng.integers(-9, 10, (4, 4)).astype(np.float32)
    g = rng.integers(-4, 5, (3, 3)).astype(np.float32)
    exact = Case(
        (d, g, *_float_transforms(2, 3, dtype=np.float32)),
        label="F(2x2, 3x3), float32 inputs: d, g small integers",
    )
    d6 = rng.integers(-9, 10, (6, 6)).astype(np.float32)
    g3 = rng.integers(-4, 5, (3, 3)).astype(np.float32)
    mats = [rng.integers(-1, 2, s).astype(np.float32) for s in ((4, 6), (6, 3), (6, 6))]
    random = Case(
        (d6, g3, *mats), label="random AT (4, 6), G (6, 3), BT (6, 6), all float32 (integers)"
    )
    return [exact, random]


def _tile_cases() -> list[Case]:
    ramp = np.arange(16.0).reshape(4, 4)
    centre = np.zeros((3, 3))
    centre[1, 1] = 1.0
    first = Case((ramp, centre, *_float_transforms(2, 3)), label="F(2x2, 3x3), g = centre tap only")
    true_cases = _true_transform_cases()
    # A true transform first, then the random matrices early: a learner who ignores the
    # matrices fails there with the reason, before the remaining sizes.
    return [first, *true_cases[:2], *_random_transform_cases(), *true_cases[2:], *_float32_cases()]


def _tile_definition(d, g, AT, G, BT):
    return _correlate_valid_2d(d, g)


def _tile_flipped(d, g, AT, G, BT):
    return _tile_reference(d, g[::-1, ::-1], AT, G, BT)


def _tile_no_transpose(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT)) @ AT.T


def _tile_wrong_side(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT.T @ d @ BT)) @ AT.T


def _tile_matmul(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) @ (BT @ d @ BT.T)) @ AT.T


def _tile_transposed(d, g, AT, G, BT):
    return _tile_reference(d, g, AT, G, BT).T


def _tile_learner_einsum(d, g, AT, G, BT):
    """A learner's answer: the definition as one einsum, the matrices unused."""
    r = g.shape[0]
    m = d.shape[0] - r + 1
    windows = np.lib.stride_tricks.sliding_window_view(d, (r, r))[:m, :m]
    return np.einsum("ijuv,uv->ij", windows, g)


def _tile_learner_own_transforms(d, g, AT, G, BT):
    """A learner's answer: the lesson's formula with transforms built from the shapes."""
    r = g.shape[0]
    m = d.shape[0] - r + 1
    at, g_mat, bt = _float_transforms(m, r, dtype=d.dtype)
    return at @ ((g_mat @ g @ g_mat.T) * (bt @ d @ bt.T)) @ at.T


def _tile_learner_float64(d, g, AT, G, BT):
    """A learner's answer that converts everything to float64."""
    d, g, AT, G, BT = (np.asarray(a, dtype=float) for a in (d, g, AT, G, BT))
    return _tile_reference(d, g, AT, G, BT)


def _tile_output_no_transpose(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT


_TILE_MESSAGES = {
    "definition": "this is the correlation itself (or computed with transforms of your own), "
    "not the formula with the AT, G and BT you were given: the checks also pass matrices "
    "that are not a Winograd algorithm, where only Y = AT [(G g Gᵀ) ⊙ (BT d BTᵀ)] ATᵀ with "
    "those matrices gives the expected tile.",
    "flipped": "the kernel is flipped: frameworks compute cross-correlation, use g as it is.",
    "no_transpose": "the transpose on the right of the input transform is missing: Bᵀ d B is "
    "BT @ d @ BT.T.",
    "wrong_side": "the input transform is on the wrong sides: Bᵀ d B multiplies by BT on the left.",
    "matmul": "the middle stage is a matrix product; it must be element-wise (`*`): that is "
    "where the n×n multiplications happen.",
    "transposed": "the output tile is transposed: Y = AT M ATᵀ keeps rows as rows (check the "
    "order of your transforms and any .T).",
}

q2 = FunctionProblem(
    "q2",
    "winograd_tile",
    _tile_reference,
    _tile_cases,
    # float64 cases: round-off grows with the tile. F(6x6, 3x3) has entries up to 32 in AT
    # and 21/4 in BT (condition numbers ~140 and ~30 per side), which amplifies eps = 2.2e-16
    # by at most ~1e4 here (measured differences between orders of the products ~1e-14);
    # the random matrices are O(1). 1e-9 is far above that and far below the O(1) errors of
    # any wrong formula. float32 cases: integer data and transforms with entries 0, ±1, ±1/2,
    # every intermediate exactly representable, so all orders agree exactly.
    rtol=1e-9,
    atol=1e-9,
    hints=[
        "Three steps: transform the filter (left and right multiplication with G), transform "
        "the input tile (with BT), multiply the two n×n results entry by entry, and transform "
        "back with AT. Use the matrices your function is given, whatever they are.",
        "In NumPy: U = G @ g @ G.T, V = BT @ d @ BT.T, M = U * V (not @), Y = AT @ M @ AT.T. "
        "Each transform multiplies on the left by a matrix and on the right by its transpose.",
    ],
    mistakes=[
        Mistake(_TILE_MESSAGES["definition"], _tile_definition),
        Mistake(_TILE_MESSAGES["flipped"], _tile_flipped),
        Mistake(_TILE_MESSAGES["no_transpose"], _tile_no_transpose),
        Mistake(_TILE_MESSAGES["wrong_side"], _tile_wrong_side),
        Mistake(_TILE_MESSAGES["matmul"], _tile_matmul),
        Mistake(_TILE_MESSAGES["transposed"], _tile_transposed),
    ],
    wrong_answers=[
        WrongAnswer("the definition as an einsum", _tile_learner_einsum, "you were given"),
        WrongAnswer(
            "the lesson's formula with its own transforms",
            _tile_learner_own_transforms,
            "you were given",
        ),
        WrongAnswer("kernel flipped", _tile_flipped, "flipped"),
        WrongAnswer("BT @ d @ BT", _tile_no_transpose, "transpose on the right"),
        WrongAnswer("BT.T @ d @ BT", _tile_wrong_side, "wrong sides"),
        WrongAnswer("U @ V instead of U * V", _tile_matmul, "element-wise"),
        WrongAnswer("output transposed", returns_transpose(_tile_reference), "transposed"),
        WrongAnswer("float64 for float32 inputs", _tile_learner_float64, "dtype float64"),
        WrongAnswer("AT @ M @ AT", _tile_output_no_transpose, "matmul"),
        WrongAnswer("changes d in place", mutates_input(_tile_reference), "in place"),
    ],
)

# ---------------------------------------------------------------------------------------
# q3: the input tiles of a whole image
# ---------------------------------------------------------------------------------------


def _tile_counts(x: np.ndarray, m: int, r: int, rounding=math.ceil) -> tuple[int, int]:
    out_h, out_w = x.shape[0] - r + 1, x.shape[1] - r + 1
    return rounding(out_h / m), rounding(out_w / m)


def _tiles_with_stride(
    x: np.ndarray,
    m: int,
    r: int,
    step: int,
    rounding=math.ceil,
    counts: tuple[int, int] | None = None,
) -> np.ndarray:
    """Tiles of size n = m + r - 1 at origins (step t, step u), zero padded bottom/right."""
    n = m + r - 1
    th, tw = counts or _tile_counts(x, m, r, rounding)
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
        ((9, 13), 4, 3, np.float64, "non-square, partial tiles"),
        ((6, 6), 4, 3, np.float64, "one F(4,3) tile exactly"),
        ((10, 10), 4, 3, np.float64, "output 8x8: 2x2 full tiles"),
        ((3, 3), 2, 3, np.float64, "image as large as the kernel: a 1x1 output"),
        ((12, 7), 6, 3, np.float64, "F(6,3), tall image"),
        ((7, 11), 2, 3, np.float64, "F(2,3)"),
        ((11, 8), 3, 2, np.float64, "F(3,2), r = 2"),
        ((9, 9), 2, 5, np.float64, "F(2,5), r = 5"),
        ((5, 20), 4, 3, np.float64, "wide image, one tile row"),
        ((10, 15), 4, 3, np.float32, "float32 image"),
        ((8, 13), 3, 2, np.float32, "float32 image, F(3,2)"),
        ((11, 9), 2, 3, np.uint8, "uint8 image (a photograph's pixels)"),
    ]
    cases = []
    for index, (shape, m, r, dtype, text) in enumerate(shapes):
        rng = np.random.default_rng(530 + index)
        if dtype is np.uint8:
            x = rng.integers(1, 256, shape).astype(np.uint8)
        else:
            x = rng.integers(-9, 10, shape).astype(dtype)
        name = np.dtype(dtype).name
        cases.append(Case((x, m, r), label=f"x {shape} {name}, m={m}, r={r} ({text})"))
    return cases


def _tiles_no_overlap(x, m, r):
    return _tiles_with_stride(x, m, r, m + r - 1)


def _tiles_stride_two(x, m, r):
    return _tiles_with_stride(x, m, r, 2)


def _tiles_floor(x, m, r):
    return _tiles_with_stride(x, m, r, m, rounding=math.floor)


def _tiles_grid_transposed(x, m, r):
    return np.ascontiguousarray(_extract_tiles_reference(x, m, r).transpose(1, 0, 2, 3))


def _tiles_each_transposed(x, m, r):
    return np.ascontiguousarray(_extract_tiles_reference(x, m, r).swapaxes(-1, -2))


def _tiles_padded_again(x, m, r):
    return _extract_tiles_reference(np.pad(x, r // 2), m, r)


def _tiles_square_only(x, m, r):
    rows = math.ceil((x.shape[0] - r + 1) / m)
    return _tiles_with_stride(x, m, r, m, counts=(rows, rows))


def _tiles_learner_float64(x, m, r):
    """A learner's answer whose padded buffer is np.zeros without a dtype."""
    n = m + r - 1
    th, tw = math.ceil((x.shape[0] - r + 1) / m), math.ceil((x.shape[1] - r + 1) / m)
    padded = np.zeros((th * m + r - 1, tw * m + r - 1))
    padded[: x.shape[0], : x.shape[1]] = x
    return np.array(
        [[padded[t * m : t * m + n, u * m : u * m + n] for u in range(tw)] for t in range(th)]
    )


_EXTRACT_MESSAGES = {
    "overlap": "the tiles do not overlap: input tiles advance by m (the outputs they produce), "
    "not by their own size m + r − 1, so neighbours share r − 1 rows and columns.",
    "two": "the tile stride is 2 whatever m is: that is right for F(2, 3) only; tiles advance "
    "by m.",
    "partial": "the partial tiles at the bottom/right border are missing: round the number of "
    "tiles up, and read zeros beyond the image.",
    "grid": "the tile grid is transposed: tiles[t, u] is the tile in tile row t (down the "
    "image) and tile column u (across).",
    "each": "each tile is transposed: tiles[t, u] must be the block of x itself, rows as rows.",
    "again": "x is zero-padded again: it already holds the convolution's padding; only the "
    "partial tiles read extra zeros, at the bottom and right.",
    "square": "the number of tile columns comes from the height: count tiles_h from H and "
    "tiles_w from W (the checks use non-square images).",
}

q3 = FunctionProblem(
    "q3",
    "extract_tiles",
    _extract_tiles_reference,
    _extract_cases,
    # Pure copying of integer-valued data (float64, float32 and uint8): the result must be
    # exact and keep the dtype of x.
    rtol=0.0,
    atol=0.0,
    hints=[
        "Output tile (t, u) holds outputs t·m … t·m + m − 1; which input rows do those outputs "
        "read with an r-tap filter? Tiles that stick out at the bottom/right still count "
        "(round up) and read zeros there.",
        "tiles_h = ceil((H − r + 1) / m); copy x into a zero array (dtype=x.dtype) of height "
        "tiles_h·m + r − 1 (same for the width), then tile (t, u) is "
        "padded[t·m : t·m + n, u·m : u·m + n] with n = m + r − 1. Consecutive tiles start m "
        "apart, so they overlap by r − 1.",
    ],
    mistakes=[
        Mistake(_EXTRACT_MESSAGES["overlap"], _tiles_no_overlap),
        Mistake(_EXTRACT_MESSAGES["two"], _tiles_stride_two),
        Mistake(_EXTRACT_MESSAGES["partial"], _tiles_floor),
        Mistake(_EXTRACT_MESSAGES["grid"], _tiles_grid_transposed),
        Mistake(_EXTRACT_MESSAGES["each"], _tiles_each_transposed),
        Mistake(_EXTRACT_MESSAGES["again"], _tiles_padded_again),
        Mistake(_EXTRACT_MESSAGES["square"], _tiles_square_only),
    ],
    wrong_answers=[
        WrongAnswer("tiles advance by n", _tiles_no_overlap, "do not overlap"),
        WrongAnswer("tiles advance by 2", _tiles_stride_two, "stride is 2"),
        WrongAnswer("partial tiles dropped", _tiles_floor, "partial tiles"),
        WrongAnswer("tile grid transposed", _tiles_grid_transposed, "tile grid is transposed"),
        WrongAnswer("each tile transposed", _tiles_each_transposed, "each tile is transposed"),
        WrongAnswer("x padded once more", _tiles_padded_again, "padded again"),
        WrongAnswer("tile columns from the height", _tiles_square_only, "from the height"),
        WrongAnswer(
            "float64 buffer for a float32 image",
            _tiles_learner_float64,
            "dtype float64, expected dtype float32",
        ),
        WrongAnswer("a nested list", returns_list(_extract_tiles_reference), "NumPy array"),
        WrongAnswer("changes x in place", mutates_input(_extract_tiles_reference), "in place"),
    ],
)

# ---------------------------------------------------------------------------------------
# q4, q5: counting tiles and multiplications of a layer (rectangular tiles)
# ---------------------------------------------------------------------------------------

Pair = tuple[int, int]


def _out_size(size: int, kernel: int, padding: int, change: int = 0, sides: int = 2) -> int:
    return size + sides * padding - kernel + 1 + change


def _count_tiles(
    N: int,
    H: int,
    W: int,
    tile: Pair,
    kernel: Pair,
    padding: int = 0,
    *,
    rounding: Callable[[float], int] = math.ceil,
    per_image: bool = False,
    step: Pair | None = None,
    padded_sides: int = 2,
    size_change: int = 0,
) -> int:
    """Reference (and its typical variants): N * ceil(H_out / m_h) * ceil(W_out / m_w)."""
    (m_h, m_w), (r_h, r_w) = tile, kernel
    out_h = _out_size(H, r_h, padding, size_change, padded_sides)
    out_w = _out_size(W, r_w, padding, size_change, padded_sides)
    step_h, step_w = step or (m_h, m_w)
    tiles = rounding(out_h / step_h) * rounding(out_w / step_w)
    return tiles if per_image else N * tiles


def _count_tiles_reference(
    N: int, H: int, W: int, tile: Pair, kernel: Pair, padding: int = 0
) -> int:
    """Output tiles of F(m_h x m_w, r_h x r_w) over a batch of N images, H x W, padded."""
    return _count_tiles(N, H, W, tile, kernel, padding)


def _layer_cases() -> list[Case]:
    fixed = [
        # First a layer on which every typical mistake gives a different count.
        ((3, 19, 25, (4, 2), (3, 1), 3), "N=3, 19x25, F(4x2, 3x1), padding 3"),
        ((3, 17, 26, (4, 2), (3, 2), 2), "N=3, 17x26, F(4x2, 3x2), padding 2"),
        ((2, 30, 45, (4, 4), (3, 3), 1), "N=2, 30x45, F(4x4, 3x3), padding 1"),
        ((8, 28, 28, (4, 4), (3, 3), 1), "N=8, 28x28, F(4x4, 3x3): whole tiles"),
        ((1, 7, 7, (6, 6), (3, 3), 1), "N=1, 7x7, F(6x6, 3x3): one partial tile each way"),
        ((5, 3, 3, (2, 2), (3, 3), 0), "N=5, 3x3 image, no padding: a 1x1 output"),
        ((2, 20, 9, (2, 6), (1, 3), 0), "N=2, 20x9, F(2x6, 1x3)"),
        ((4, 11, 31, (3, 4), (5, 3), 2), "N=4, 11x31, F(3x4, 5x3), padding 2"),
        ((1, 1, 64, (1, 4), (1, 3), 1), "N=1, 1x64 (one row), F(1x4, 1x3), padding 1"),
    ]
    cases = [Case(args, label=text) for args, text in fixed]
    rng = np.random.default_rng(560)
    for _ in range(10):
        tile = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        kernel = (int(rng.choice([1, 3, 5])), int(rng.choice([1, 3, 5])))
        padding = int(rng.integers(0, 3))
        h = int(rng.integers(max(1, kernel[0] - 2 * padding), 40))
        w = int(rng.integers(max(1, kernel[1] - 2 * padding), 40))
        n = int(rng.integers(1, 9))
        cases.append(
            Case(
                (n, h, w, tile, kernel, padding),
                label=f"N={n}, {h}x{w}, F({tile[0]}x{tile[1]}, {kernel[0]}x{kernel[1]}), "
                f"padding {padding}",
            )
        )
    return cases


def _tiles_variant(**change: Any) -> Callable[..., int]:
    def wrong(N, H, W, tile, kernel, padding=0):
        return _count_tiles(N, H, W, tile, kernel, padding, **change)

    return wrong


def _tiles_by_input_size(N, H, W, tile, kernel, padding=0):
    step = (tile[0] + kernel[0] - 1, tile[1] + kernel[1] - 1)
    return _count_tiles(N, H, W, tile, kernel, padding, step=step)


def _tiles_swapped(N, H, W, tile, kernel, padding=0):
    return _count_tiles(N, H, W, tile[::-1], kernel[::-1], padding)


def _tiles_square(N, H, W, tile, kernel, padding=0):
    return _count_tiles(N, H, W, (tile[0],) * 2, (kernel[0],) * 2, padding)


def _tiles_ignore_kernel(N, H, W, tile, kernel, padding=0):
    return _count_tiles(N, H, W, tile, (1, 1), padding)


def _tiles_learner_np_ceil(N, H, W, tile, kernel, padding=0):
    """A learner's answer with np.ceil, which returns floats."""
    out_h, out_w = H + 2 * padding - kernel[0] + 1, W + 2 * padding - kernel[1] + 1
    return N * np.ceil(out_h / tile[0]) * np.ceil(out_w / tile[1])


def _tiles_learner_package(N, H, W, tile, kernel, padding=0):
    """A learner's answer through the lesson's multiplication_count (square tiles only)."""
    return N * multiplication_count(N, 1, 1, H, W, tile[0], kernel[0], padding)["tiles"]


_TILES_MESSAGES = {
    "partial": "too few tiles: the partial tiles at the border are computed too (on zeros), "
    "so round up.",
    "batch": "that is the count for one image; the batch has N of them.",
    "input": "tiles are counted by input-tile size: output tiles are m_h×m_w and input tiles "
    "overlap.",
    "padding": "the padding is ignored: the output has H + 2·padding − r_h + 1 rows.",
    "one_side": "the padding is counted on one side only: it is added at the top and the "
    "bottom (left and right), 2·padding in all.",
    "off_by_one": "the output size is off by one: H_out = H + 2·padding − r_h + 1.",
    "swapped": "rows and columns are mixed up: m_h and r_h go with the height H, m_w and r_w "
    "with the width W.",
    "square": "this uses the row sizes m_h, r_h for both directions: tiles and filters need "
    "not be square (the checks use F(4x2, 3x2), F(2x6, 1x3), ...).",
    "kernel": "the output size ignores the filter: a valid correlation with r_h rows gives "
    "H + 2·padding − r_h + 1 output rows.",
}

q4 = FunctionProblem(
    "q4",
    "count_tiles",
    _count_tiles_reference,
    _layer_cases,
    # An exact integer, compared exactly (a float such as 120.0 is "expected an int").
    hints=[
        "First the output size in each direction (padding on both sides, a valid correlation "
        "with the filter's rows or columns), then how many m_h×m_w output tiles cover it, then "
        "the whole batch.",
        "H_out = H + 2·padding − r_h + 1 and W_out = W + 2·padding − r_w + 1; per image "
        "ceil(H_out / m_h) · ceil(W_out / m_w) (partial tiles count in full; `math.ceil` or "
        "`-(-a // b)` give ints); times N.",
    ],
    mistakes=[
        Mistake(_TILES_MESSAGES["partial"], _tiles_variant(rounding=math.floor)),
        Mistake(_TILES_MESSAGES["batch"], _tiles_variant(per_image=True)),
        Mistake(_TILES_MESSAGES["input"], _tiles_by_input_size),
        Mistake(_TILES_MESSAGES["padding"], _tiles_variant(padded_sides=0)),
        Mistake(_TILES_MESSAGES["one_side"], _tiles_variant(padded_sides=1)),
        Mistake(_TILES_MESSAGES["off_by_one"], _tiles_variant(size_change=-1)),
        Mistake(_TILES_MESSAGES["swapped"], _tiles_swapped),
        Mistake(_TILES_MESSAGES["square"], _tiles_square),
        Mistake(_TILES_MESSAGES["kernel"], _tiles_ignore_kernel),
    ],
    wrong_answers=[
        WrongAnswer("rounds down", _tiles_variant(rounding=math.floor), "partial tiles"),
        WrongAnswer("one image", _tiles_variant(per_image=True), "one image"),
        WrongAnswer("steps by the input tile", _tiles_by_input_size, "input-tile size"),
        WrongAnswer("padding ignored", _tiles_variant(padded_sides=0), "padding is ignored"),
        WrongAnswer("padding on one side", _tiles_variant(padded_sides=1), "one side only"),
        WrongAnswer("forgot + 1", _tiles_variant(size_change=-1), "off by one"),
        WrongAnswer("height with m_w", _tiles_swapped, "mixed up"),
        WrongAnswer("square tiles only", _tiles_square, "both directions"),
        WrongAnswer(
            "multiplication_count of the lesson", _tiles_learner_package, "both directions"
        ),
        WrongAnswer("output size without the filter", _tiles_ignore_kernel, "ignores the filter"),
        WrongAnswer("np.ceil gives a float", _tiles_learner_np_ceil, "expected an int"),
    ],
)


def _count_mults(
    N: int,
    C: int,
    K: int,
    H: int,
    W: int,
    tile: Pair,
    kernel: Pair,
    padding: int = 0,
    *,
    tiles: int | None = None,
    per_tile: int | None = None,
    channels: int | None = None,
) -> int:
    (m_h, m_w), (r_h, r_w) = tile, kernel
    tiles = _count_tiles(N, H, W, tile, kernel, padding) if tiles is None else tiles
    per_tile = (m_h + r_h - 1) * (m_w + r_w - 1) if per_tile is None else per_tile
    return tiles * (K * C if channels is None else channels) * per_tile


def _mults_reference(
    N: int, C: int, K: int, H: int, W: int, tile: Pair, kernel: Pair, padding: int = 0
) -> int:
    """Multiplications of the element-wise stage: tiles (whole batch) * K * C * n_h * n_w."""
    return _count_mults(N, C, K, H, W, tile, kernel, padding)


def _mult_cases() -> list[Case]:
    rng = np.random.default_rng(570)
    first = (3, 5, 7, 19, 25, (4, 2), (3, 1), 3)  # every typical mistake differs here
    cases = [Case(first, label="C=5, K=7, N=3, 19x25, F(4x2, 3x1), padding 3")]
    for layer in _layer_cases()[1:]:
        n, h, w, tile, kernel, padding = layer.args
        c, k = int(rng.integers(2, 65)), int(rng.integers(2, 129))
        if c == k:
            k += 1
        cases.append(
            Case(
                (n, c, k, h, w, tile, kernel, padding),
                label=f"C={c}, K={k}, {layer.label}",
            )
        )
    return cases


def _mults_direct(N, C, K, H, W, tile, kernel, padding=0):
    out_h, out_w = _out_size(H, kernel[0], padding), _out_size(W, kernel[1], padding)
    return N * K * C * out_h * out_w * kernel[0] * kernel[1]


def _mults_m_squared(N, C, K, H, W, tile, kernel, padding=0):
    return _count_mults(N, C, K, H, W, tile, kernel, padding, per_tile=tile[0] * tile[1])


def _mults_floor(N, C, K, H, W, tile, kernel, padding=0):
    tiles = _count_tiles(N, H, W, tile, kernel, padding, rounding=math.floor)
    return _count_mults(N, C, K, H, W, tile, kernel, padding, tiles=tiles)


def _mults_without_c(N, C, K, H, W, tile, kernel, padding=0):
    return _count_mults(N, C, K, H, W, tile, kernel, padding, channels=K)


def _mults_without_k(N, C, K, H, W, tile, kernel, padding=0):
    return _count_mults(N, C, K, H, W, tile, kernel, padding, channels=C)


def _mults_one_image(N, C, K, H, W, tile, kernel, padding=0):
    tiles = _count_tiles(N, H, W, tile, kernel, padding, per_image=True)
    return _count_mults(N, C, K, H, W, tile, kernel, padding, tiles=tiles)


def _mults_square(N, C, K, H, W, tile, kernel, padding=0):
    return _count_mults(N, C, K, H, W, (tile[0],) * 2, (kernel[0],) * 2, padding)


def _mults_learner_pow(N, C, K, H, W, tile, kernel, padding=0):
    """A learner's answer with math.pow for the tile area of a square tile (a float)."""
    tiles = _count_tiles(N, H, W, tile, kernel, padding)
    n_h, n_w = tile[0] + kernel[0] - 1, tile[1] + kernel[1] - 1
    return tiles * K * C * math.pow(n_h * n_w, 1)


def _mults_learner_package(N, C, K, H, W, tile, kernel, padding=0):
    """A learner's answer through the lesson's multiplication_count (square tiles only)."""
    return multiplication_count(N, C, K, H, W, tile[0], kernel[0], padding)["winograd"]


_MULTS_MESSAGES = {
    "direct": "that is the direct convolution's count (N·K·C·H_out·W_out·r_h·r_w), not Winograd's.",
    "m_squared": "each tile costs n_h×n_w products (n = m + r − 1), not m_h×m_w: the "
    "element-wise product is taken in the transformed domain.",
    "partial": "the partial border tiles are missing (round the tile counts up).",
    "no_c": "the input channels are missing: every (k, c) pair has its own products.",
    "no_k": "the output channels are missing: every (k, c) pair has its own products.",
    "one_image": "that is one image's count; the batch has N images.",
    "square": "this uses the row sizes m_h, r_h for both directions: a tile of F(m_h×m_w, "
    "r_h×r_w) costs (m_h + r_h − 1)·(m_w + r_w − 1) products.",
}

q5 = FunctionProblem(
    "q5",
    "count_winograd_mults",
    _mults_reference,
    _mult_cases,
    # An exact integer, compared exactly.
    hints=[
        "The element-wise stage multiplies, for every tile of the batch, every (output "
        "channel, input channel) pair, at every position of the transformed n_h×n_w tile. "
        "Transforms are not counted.",
        "count_tiles(...) · K · C · (m_h + r_h − 1) · (m_w + r_w − 1). Compare with the direct "
        "count N · K · C · H_out · W_out · r_h · r_w.",
    ],
    mistakes=[
        Mistake(_MULTS_MESSAGES["direct"], _mults_direct),
        Mistake(_MULTS_MESSAGES["m_squared"], _mults_m_squared),
        Mistake(_MULTS_MESSAGES["partial"], _mults_floor),
        Mistake(_MULTS_MESSAGES["no_c"], _mults_without_c),
        Mistake(_MULTS_MESSAGES["no_k"], _mults_without_k),
        Mistake(_MULTS_MESSAGES["one_image"], _mults_one_image),
        Mistake(_MULTS_MESSAGES["square"], _mults_square),
    ],
    wrong_answers=[
        WrongAnswer("the direct count", _mults_direct, "direct convolution"),
        WrongAnswer("m_h·m_w per tile", _mults_m_squared, "not m_h×m_w"),
        WrongAnswer("partial tiles dropped", _mults_floor, "partial"),
        WrongAnswer("no input channels", _mults_without_c, "input channels"),
        WrongAnswer("no output channels", _mults_without_k, "output channels"),
        WrongAnswer("one image", _mults_one_image, "one image"),
        WrongAnswer("square tiles only", _mults_square, "both directions"),
        WrongAnswer(
            "multiplication_count of the lesson", _mults_learner_package, "both directions"
        ),
        WrongAnswer("math.pow gives a float", _mults_learner_pow, "expected an int"),
    ],
)

EXERCISES = ExerciseSet("05_winograd", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
