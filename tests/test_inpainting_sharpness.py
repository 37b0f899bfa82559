"""The sharpness figure of the evaluation (course_utils.inpainting.evaluate.hole_sharpness):
detail inside the hole relative to the ground truth's, so "blurry" is a number."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from course_utils.inpainting.evaluate import hole_sharpness


@pytest.fixture()
def textured() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.random((3, 32, 32, 3))
    masks = np.zeros((3, 32, 32), dtype=bool)
    masks[:, 8:24, 8:24] = True
    return images, masks


def test_the_truth_itself_scores_one_a_blur_less_and_noise_more(textured) -> None:
    images, masks = textured
    assert hole_sharpness(images, images, masks) == pytest.approx(1.0)
    blurred = ndimage.gaussian_filter(images, sigma=(0, 2, 2, 0))
    assert hole_sharpness(images, blurred, masks) < 0.5
    flat = np.where(masks[..., None], images[masks].mean(axis=0), images)
    assert hole_sharpness(images, flat, masks) < 0.2  # only the hole's border has gradient
    noisy = images + np.random.default_rng(1).normal(0, 0.5, images.shape)
    assert hole_sharpness(images, noisy, masks) > 1.0


def test_the_figure_pools_the_batch_and_needs_detail_in_the_truth(textured) -> None:
    images, masks = textured
    halves = [
        hole_sharpness(images[i : i + 1], images[i : i + 1] * 0.5, masks[i : i + 1])
        for i in range(3)
    ]
    assert halves == pytest.approx([0.5] * 3)  # gradients scale with the contrast
    with pytest.raises(ValueError, match="no gradient"):
        hole_sharpness(np.zeros_like(images), images, masks)
