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

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex05_winograd._counting import (
    _count_tiles_reference,
    _mults_reference,
    q4,
    q5,
)
from course_utils.exercise_sets.ex05_winograd._extract import _extract_tiles_reference, q3
from course_utils.exercise_sets.ex05_winograd._f32 import (
    _f32_learner_f23,
    _f32_products,
    _f32_reference,
    q1,
)
from course_utils.exercise_sets.ex05_winograd._tile import (
    _correlate_valid_2d,
    _float32_cases,
    _float_transforms,
    _random_transform_cases,
    _tile_reference,
    _true_transform_cases,
    q2,
)

EXERCISES = ExerciseSet("05_winograd", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup

__all__ = [
    "EXERCISES",
    "_correlate_valid_2d",
    "_count_tiles_reference",
    "_extract_tiles_reference",
    "_f32_learner_f23",
    "_f32_products",
    "_f32_reference",
    "_float32_cases",
    "_float_transforms",
    "_mults_reference",
    "_random_transform_cases",
    "_tile_reference",
    "_true_transform_cases",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "setup",
]
