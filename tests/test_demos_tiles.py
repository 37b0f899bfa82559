"""The computations of :mod:`course_utils.demos.tiles` (lesson 05)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.conv.winograd import winograd_transforms
from course_utils.demos import tiles


def test_fraction_latex_writes_exact_fractions() -> None:
    mat = np.array([[Fraction(1), Fraction(-1, 2)], [Fraction(0), Fraction(16, 15)]], dtype=object)
    text = tiles.fraction_latex(mat, "G")
    assert text == (
        "G = \\begin{bmatrix} 1 & -\\tfrac{1}{2} \\\\ 0 & \\tfrac{16}{15} \\end{bmatrix}"
    )
    at, _, _ = winograd_transforms(2, 3)
    assert tiles.fraction_latex(at) == (
        "\\begin{bmatrix} 1 & 1 & 1 & 0 \\\\ 0 & 1 & -1 & 1 \\end{bmatrix}"
    )
    with pytest.raises(ValueError, match="2-D"):
        tiles.fraction_latex(np.zeros(3))


def test_transform_stats_values_and_growth() -> None:
    f23 = tiles.transform_stats(2)
    assert (f23["m"], f23["n"]) == (2, 4)
    assert f23["max_AT"] == 1.0 and f23["max_G"] == 1.0 and f23["max_BT"] == 1.0
    assert f23["cond_BT"] == pytest.approx(1 + np.sqrt(2))  # singular values of F(2,3)'s BT
    f63 = tiles.transform_stats(6)
    assert f63["max_AT"] == 32.0  # (±2)^5 from the point 2 (or -2)
    conds = [tiles.transform_stats(m)["cond_AT"] for m in (2, 3, 4, 5, 6)]
    assert conds == sorted(conds) and conds[-1] > 50 * conds[0]
    lavin = tiles.transform_stats(4, points=[0, 1, -1, 2, -2])
    assert lavin["max_AT"] == 8.0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((28, 28, 4, 3, 1), (6, 28, 28, 7, 7, 30, 30)),
        ((14, 14, 4, 3, 1), (6, 14, 14, 4, 4, 18, 18)),
        ((5, 9, 2, 3, 0), (4, 3, 7, 2, 4, 6, 10)),
        ((3, 3, 6, 3, 0), (8, 1, 1, 1, 1, 8, 8)),
    ],
)
def test_tile_grid(args, expected) -> None:
    geo = tiles.tile_grid(*args)
    keys = ("n", "out_h", "out_w", "tiles_h", "tiles_w", "padded_h", "padded_w")
    assert tuple(geo[k] for k in keys) == expected
    assert geo["tiles"] == geo["tiles_h"] * geo["tiles_w"]


def test_tile_grid_rejects_too_small_input() -> None:
    with pytest.raises(ValueError, match="fits"):
        tiles.tile_grid(2, 5, 2, 3, 0)


@pytest.mark.parametrize("m", [2, 3, 4, 6])
def test_follow_tile_matches_torch_everywhere(m: int) -> None:
    rng = np.random.default_rng(m)
    image, kernel = rng.standard_normal((11, 13)), rng.standard_normal((3, 3))
    full = F.conv2d(
        torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None], padding=1
    )[0, 0].numpy()
    geo = tiles.tile_grid(11, 13, m, 3, 1)
    for row in range(geo["tiles_h"]):
        for col in range(geo["tiles_w"]):
            trace = tiles.follow_tile(image, kernel, m, row, col)
            n = m + 2
            assert trace["d"].shape == trace["V"].shape == trace["U"].shape == (n, n)
            assert trace["Y"].shape == trace["direct"].shape == (m, m)
            np.testing.assert_allclose(trace["M"], trace["U"] * trace["V"])
            np.testing.assert_allclose(trace["Y"], trace["direct"], atol=1e-12)
            top, left = trace["origin"]
            assert (top, left) == (row * m, col * m)
            # Output pixels inside the image agree with torch; the rest are cropped away.
            rows = slice(top, min(top + m, 11))
            cols = slice(left, min(left + m, 13))
            got = trace["Y"][: rows.stop - top, : cols.stop - left]
            np.testing.assert_allclose(got, full[rows, cols], atol=1e-12)


def test_follow_tile_identity_kernel_returns_the_pixels() -> None:
    image = np.arange(36.0).reshape(6, 6)
    kernel = np.zeros((3, 3))
    kernel[1, 1] = 1.0
    trace = tiles.follow_tile(image, kernel, 2, 1, 2)  # outputs rows 2-3, cols 4-5
    np.testing.assert_allclose(trace["Y"], image[2:4, 4:6], atol=1e-13)


def test_follow_tile_rejects_tiles_outside_the_grid() -> None:
    with pytest.raises(ValueError, match="outside"):
        tiles.follow_tile(np.zeros((8, 8)), np.zeros((3, 3)), 4, 2, 0)
