"""q2 of the Winograd set: one 2-D tile, with the transforms the function is given."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers, kernel_flipped
from course_utils.checks.wrong_answers import returns_transpose
from course_utils.conv.winograd import winograd_transforms


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


NAMES = ("d", "g", "AT", "G", "BT")


def _true_transform_cases() -> list[Case]:
    cases = Cases(seed=520, names=NAMES)
    configs = [(2, 3, None), (4, 3, None), (6, 3, None), (4, 3, [0, 1, -1, 2, -2]), (3, 2, None)]
    configs += [(2, 5, None), (1, 3, None)]
    for m, r, points in configs:
        where = "" if points is None else f", points {points}"
        n = m + r - 1
        cases.add(
            (n, n), (r, r), *_float_transforms(m, r, points), note=f"F({m}x{m}, {r}x{r}){where}"
        )
    return cases.build()


def _random_transform_cases() -> list[Case]:
    cases = Cases(seed=540, names=NAMES)
    for m, r in [(2, 3), (4, 3), (3, 2)]:
        n = m + r - 1
        note = "random AT, G, BT: not a Winograd algorithm, only the formula with these "
        note += "matrices gives the expected tile"
        cases.add((n, n), (r, r), (m, n), (n, r), (n, n), note=note)
    return cases.build()


def _float32_cases() -> list[Case]:
    cases = Cases(seed=550, names=NAMES)

    def ints(high: int, *shape: int) -> np.ndarray:
        return cases.rng.integers(-high, high + 1, shape).astype(np.float32)

    transforms = _float_transforms(2, 3, dtype=np.float32)
    cases.add(ints(9, 4, 4), ints(4, 3, 3), *transforms, note="F(2x2, 3x3), small integers")
    mats = [ints(1, *shape) for shape in ((4, 6), (6, 3), (6, 6))]
    cases.add(ints(9, 6, 6), ints(4, 3, 3), *mats, note="random AT, G, BT, all small integers")
    return cases.build()


def _tile_cases() -> list[Case]:
    ramp = np.arange(16.0).reshape(4, 4)
    centre = np.zeros((3, 3))
    centre[1, 1] = 1.0
    first = Cases(seed=0, names=NAMES).add(
        ramp, centre, *_float_transforms(2, 3), note="F(2x2, 3x3), g = centre tap only"
    )
    true_cases = _true_transform_cases()
    # A true transform first, then the random matrices early: a learner who ignores the
    # matrices fails there with the reason, before the remaining sizes.
    return [first, *true_cases[:2], *_random_transform_cases(), *true_cases[2:], *_float32_cases()]


def _tile_definition(d, g, AT, G, BT):
    return _correlate_valid_2d(d, g)


def _tile_no_transpose(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT)) @ AT.T


def _tile_wrong_side(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT.T @ d @ BT)) @ AT.T


def _tile_matmul(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) @ (BT @ d @ BT.T)) @ AT.T


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


def _tile_output_no_transpose(d, g, AT, G, BT):
    return AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT


_TILE_MESSAGES = {
    "definition": "this is the correlation itself (or computed with transforms of your own), "
    "not the formula with the AT, G and BT you were given: the checks also pass matrices "
    "that are not a Winograd algorithm, where only Y = AT [(G g Gᵀ) ⊙ (BT d BTᵀ)] ATᵀ with "
    "those matrices gives the expected tile.",
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
        kernel_flipped(_tile_reference),
        Mistake(_TILE_MESSAGES["no_transpose"], _tile_no_transpose),
        Mistake(_TILE_MESSAGES["wrong_side"], _tile_wrong_side),
        Mistake(_TILE_MESSAGES["matmul"], _tile_matmul),
        Mistake(_TILE_MESSAGES["transposed"], returns_transpose(_tile_reference)),
    ],
    wrong_answers=[
        WrongAnswer("the definition as an einsum", _tile_learner_einsum, "you were given"),
        WrongAnswer(
            "the lesson's formula with its own transforms",
            _tile_learner_own_transforms,
            "you were given",
        ),
        WrongAnswer("BT @ d @ BT", _tile_no_transpose, "transpose on the right"),
        WrongAnswer("BT.T @ d @ BT", _tile_wrong_side, "wrong sides"),
        WrongAnswer("U @ V instead of U * V", _tile_matmul, "element-wise"),
        *common_wrong_answers(_tile_reference, kernel_arg=1, wrong_dtype=np.float64),
        WrongAnswer("AT @ M @ AT", _tile_output_no_transpose, "matmul"),
    ],
)
