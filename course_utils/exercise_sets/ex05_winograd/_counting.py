"""q4 and q5 of the Winograd set: the tiles and the multiplications of a layer, with
rectangular tiles F(m_h x m_w, r_h x r_w)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import Cases, keep
from course_utils.checks.wrong_answers import WrongAnswer
from course_utils.conv.winograd import multiplication_count

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


LAYER_NAMES = ("N", "H", "W", "tile", "kernel", "padding")


def _random_layer(rng: np.random.Generator) -> tuple:
    tile = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
    kernel = (int(rng.choice([1, 3, 5])), int(rng.choice([1, 3, 5])))
    padding = int(rng.integers(0, 3))
    h = int(rng.integers(max(1, kernel[0] - 2 * padding), 40))
    w = int(rng.integers(max(1, kernel[1] - 2 * padding), 40))
    return int(rng.integers(1, 9)), h, w, keep(tile), keep(kernel), padding


def _layer_cases() -> list[Case]:
    cases = Cases(seed=560, names=LAYER_NAMES)

    def add(n: int, h: int, w: int, tile: Pair, kernel: Pair, padding: int, note: str = ""):
        cases.add(n, h, w, keep(tile), keep(kernel), padding, note=note)

    add(3, 19, 25, (4, 2), (3, 1), 3, "every typical mistake gives a different count")
    add(3, 17, 26, (4, 2), (3, 2), 2)
    add(2, 30, 45, (4, 4), (3, 3), 1)
    add(8, 28, 28, (4, 4), (3, 3), 1, "whole tiles")
    add(1, 7, 7, (6, 6), (3, 3), 1, "one partial tile each way")
    add(5, 3, 3, (2, 2), (3, 3), 0, "3x3 image, no padding: a 1x1 output")
    add(2, 20, 9, (2, 6), (1, 3), 0)
    add(4, 11, 31, (3, 4), (5, 3), 2)
    add(1, 1, 64, (1, 4), (1, 3), 1, "one row")
    cases.add_random(10, _random_layer, note="random layer")
    return cases.build()


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
    cases = Cases(seed=570, names=("N", "C", "K", "H", "W", "tile", "kernel", "padding"))
    layers = Cases(seed=0, names=LAYER_NAMES)  # labels q4's layers
    note = "every typical mistake gives a different count"
    cases.add(3, 5, 7, 19, 25, keep((4, 2)), keep((3, 1)), 3, note=note)
    for layer in _layer_cases()[1:]:
        n, h, w, tile, kernel, padding = layer.args
        c, k = int(cases.rng.integers(2, 65)), int(cases.rng.integers(2, 129))
        if c == k:
            k += 1
        note = layer.label[len(layers.label(layer.args, {})) :].strip()[1:-1]  # q4's note
        cases.add(n, c, k, h, w, keep(tile), keep(kernel), padding, note=note)
    return cases.build()


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
