"""q3 of the Winograd set: the overlapping input tiles of a whole image."""

from __future__ import annotations

import math

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers
from course_utils.checks.wrong_answers import WrongAnswer, returns_transpose


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
    cases = Cases(seed=530, names=("x", "m", "r"))
    cases.add((9, 13), 4, 3, note="non-square, partial tiles")
    cases.add((6, 6), 4, 3, note="one F(4,3) tile exactly")
    cases.add((10, 10), 4, 3, note="output 8x8: 2x2 full tiles")
    cases.add((3, 3), 2, 3, note="image as large as the kernel: a 1x1 output")
    cases.add((12, 7), 6, 3, note="F(6,3), tall image")
    cases.add((7, 11), 2, 3, note="F(2,3)")
    cases.add((11, 8), 3, 2, note="F(3,2), r = 2")
    cases.add((9, 9), 2, 5, note="F(2,5), r = 5")
    cases.add((5, 20), 4, 3, note="wide image, one tile row")
    cases.add((10, 15), 4, 3, dtype=np.float32, note="float32 image")
    cases.add((8, 13), 3, 2, dtype=np.float32, note="float32 image, F(3,2)")
    pixels = cases.rng.integers(1, 256, (11, 9)).astype(np.uint8)
    cases.add(pixels, 2, 3, note="uint8 image (a photograph's pixels)")
    return cases.build()


def _tiles_no_overlap(x, m, r):
    return _tiles_with_stride(x, m, r, m + r - 1)


def _tiles_stride_two(x, m, r):
    return _tiles_with_stride(x, m, r, 2)


def _tiles_floor(x, m, r):
    return _tiles_with_stride(x, m, r, m, rounding=math.floor)


def _tiles_grid_transposed(x, m, r):
    return np.ascontiguousarray(_extract_tiles_reference(x, m, r).transpose(1, 0, 2, 3))


def _tiles_padded_again(x, m, r):
    return _extract_tiles_reference(np.pad(x, r // 2), m, r)


def _tiles_square_only(x, m, r):
    rows = math.ceil((x.shape[0] - r + 1) / m)
    return _tiles_with_stride(x, m, r, m, counts=(rows, rows))


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
    # Pure copying (float64, float32 and uint8 images): the result must be exact and keep
    # the dtype of x.
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
        Mistake(_EXTRACT_MESSAGES["each"], returns_transpose(_extract_tiles_reference)),
        Mistake(_EXTRACT_MESSAGES["again"], _tiles_padded_again),
        Mistake(_EXTRACT_MESSAGES["square"], _tiles_square_only),
    ],
    wrong_answers=[
        WrongAnswer("tiles advance by n", _tiles_no_overlap, "do not overlap"),
        WrongAnswer("tiles advance by 2", _tiles_stride_two, "stride is 2"),
        WrongAnswer("partial tiles dropped", _tiles_floor, "partial tiles"),
        WrongAnswer("tile grid transposed", _tiles_grid_transposed, "tile grid is transposed"),
        WrongAnswer("x padded once more", _tiles_padded_again, "padded again"),
        WrongAnswer("tile columns from the height", _tiles_square_only, "from the height"),
        *common_wrong_answers(_extract_tiles_reference, wrong_dtype=np.float64, as_list=True),
    ],
)
