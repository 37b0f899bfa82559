"""The computations of :mod:`course_utils.demos.matching` (lesson 04)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.conv import col2im, im2col
from course_utils.demos import matching


def test_overlap_count_small_example() -> None:
    expected = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    count = matching.overlap_count((3, 3), 2)
    assert count.dtype == np.int64
    np.testing.assert_array_equal(count, expected)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding"),
    [((8, 8), 3, 1, 0), ((7, 9), 3, 2, 1), ((8, 7), 2, 3, 0), ((5, 5), 5, 1, 0)],
)
def test_overlap_count_equals_col2im_of_im2col_of_ones(size, kernel, stride, padding) -> None:
    ones = np.ones(size)
    expected = col2im(im2col(ones, kernel, stride, padding), size, kernel, stride, padding)
    np.testing.assert_array_equal(matching.overlap_count(size, kernel, stride, padding), expected)


def test_overlap_count_gaps_and_totals() -> None:
    # stride 3 > kernel 2 on 7 pixels: windows at 0 and 3 cover rows/cols 0, 1, 3, 4 only
    count = matching.overlap_count((7, 7), 2, stride=3)
    covered = np.array([1, 1, 0, 1, 1, 0, 0], dtype=bool)
    np.testing.assert_array_equal(count > 0, np.outer(covered, covered))
    # every window contributes kh*kw pixel visits (no padding)
    count = matching.overlap_count((9, 6), 3, stride=2)
    windows = ((9 - 3) // 2 + 1) * ((6 - 3) // 2 + 1)
    assert count.sum() == windows * 9


def _image(seed: int = 0, shape: tuple[int, int] = (20, 24)) -> np.ndarray:
    return np.random.default_rng(seed).random(shape)


def test_raw_similarity_is_conv2d_with_the_patch_as_kernel() -> None:
    image = _image()
    patch = image[3:8, 4:10]
    raw = matching.raw_similarity_map(image, patch)
    assert raw.shape == (16, 19)
    i, j = 7, 11
    assert raw[i, j] == pytest.approx(np.sum(image[i : i + 5, j : j + 6] * patch))


def test_cosine_similarity_values_and_invariance() -> None:
    image = _image(1)
    patch = image[5:10, 2:6]
    cosine = matching.cosine_similarity_map(image, patch)
    assert cosine.shape == (16, 21)
    assert cosine[5, 2] == pytest.approx(1.0, abs=1e-12)
    assert cosine.max() <= 1.0 + 1e-12
    window = image[0:5, 0:4]
    expected = np.sum(window * patch) / (np.linalg.norm(window) * np.linalg.norm(patch))
    assert cosine[0, 0] == pytest.approx(expected, rel=1e-12)
    # a brighter image (positive gain) leaves the cosine similarity unchanged
    np.testing.assert_allclose(matching.cosine_similarity_map(3.0 * image, patch), cosine)


def test_zero_mean_similarity_is_pearson_correlation_and_offset_invariant() -> None:
    image = _image(5)
    patch = image[2:6, 7:12]
    zncc = matching.cosine_similarity_map(image, patch, zero_mean=True)
    assert zncc.shape == (17, 20)
    assert zncc[2, 7] == pytest.approx(1.0, abs=1e-12)
    window = image[10:14, 3:8]
    expected = np.corrcoef(window.ravel(), patch.ravel())[0, 1]
    assert zncc[10, 3] == pytest.approx(expected, rel=1e-9)
    # brightness offset and gain change nothing; an inverted image gives -1 at the source
    np.testing.assert_allclose(
        matching.cosine_similarity_map(0.5 * image + 2.0, patch, zero_mean=True), zncc, atol=1e-9
    )
    inverted = matching.cosine_similarity_map(1.0 - image, patch, zero_mean=True)
    assert inverted[2, 7] == pytest.approx(-1.0, abs=1e-9)


def test_cosine_similarity_of_a_black_window_is_zero_not_nan() -> None:
    image = _image(2)
    image[:6, :6] = 0.0
    cosine = matching.cosine_similarity_map(image, image[8:12, 8:12])
    assert np.isfinite(cosine).all()
    assert cosine[0, 0] == 0.0
    image[:6, :6] = 0.7  # a flat grey window has no zero-mean direction either
    zncc = matching.cosine_similarity_map(image, image[8:12, 8:12], zero_mean=True)
    assert np.isfinite(zncc).all()
    assert zncc[0, 0] == 0.0


def test_best_match_and_exclusion() -> None:
    sim = np.zeros((5, 6))
    sim[1, 4], sim[3, 0] = 2.0, 1.0
    assert matching.best_match(sim) == (1, 4)
    mask = matching.overlap_mask(sim.shape, 1, 4, (2, 2))
    assert mask[1, 4] and mask[0, 3] and mask[2, 5] and not mask[3, 4] and not mask[1, 2]
    assert matching.best_match(sim, mask) == (3, 0)
    with pytest.raises(ValueError, match="every position"):
        matching.best_match(sim, np.ones_like(sim, dtype=bool))


def test_match_patch_normalised_beats_brightness() -> None:
    image = 0.4 * _image(3, (30, 30))
    image[0:6, 20:26] = 1.0  # a bright flat block
    result = matching.match_patch(image, 15, 5, 6, zero_mean=False)
    assert result["source"] == (15, 5)
    assert result["best_normalised"] == (15, 5)
    raw_row, raw_col = result["best_raw"]
    assert abs(raw_row - 0) <= 5 and abs(raw_col - 20) <= 5  # plain correlation goes bright
    excluded = matching.match_patch(image, 15, 5, 6, exclude_own=True)
    row, col = excluded["best_normalised"]
    assert abs(row - 15) >= 6 or abs(col - 5) >= 6
    with pytest.raises(ValueError, match="leaves the image"):
        matching.match_patch(image, 28, 0, 6)


def test_unfold_fold_round_trip_matches_count() -> None:
    """The identity the lesson is built on: fold(unfold(x)) == count * x."""
    x = torch.randn(1, 1, 7, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    folded = F.fold(F.unfold(x, 3, stride=2), (7, 8), 3, stride=2)
    count = torch.from_numpy(matching.overlap_count((7, 8), 3, stride=2)).double()
    torch.testing.assert_close(folded[0, 0], count * x[0, 0])
