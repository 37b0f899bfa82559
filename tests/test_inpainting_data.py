"""Data sources, random crops and hole masks of the inpainting package."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import io

from course_utils.inpainting.data import RandomCropDataset, folder_images, to_float_rgb
from course_utils.inpainting.masks import free_form_mask, mixed_mask, random_bbox_mask


def test_box_masks_are_per_sample_and_within_size_range():
    masks = random_bbox_mask(32, 40, 50, min_size=5, max_size=(12, 20), margin=2, rng=0)
    assert masks.shape == (32, 40, 50) and masks.dtype == bool
    assert len({m.tobytes() for m in masks}) > 1  # not one mask shared by the batch
    for mask in masks:
        rows, cols = np.nonzero(mask)
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert 5 <= height <= 12 and 5 <= width <= 20
        assert mask.sum() == height * width  # a solid box
        assert rows.min() >= 2 and cols.min() >= 2 and rows.max() < 38 and cols.max() < 48


def test_free_form_masks_are_per_sample_nonempty_and_bounded():
    masks = free_form_mask(16, 64, 48, max_hole_fraction=0.4, rng=1)
    assert masks.shape == (16, 64, 48) and masks.dtype == bool
    fractions = masks.mean(axis=(1, 2))
    assert np.all(fractions > 0) and np.all(fractions <= 0.4)
    assert len({m.tobytes() for m in masks}) == 16


def test_masks_are_reproducible_from_the_seed():
    np.testing.assert_array_equal(mixed_mask(6, 32, 32, rng=5), mixed_mask(6, 32, 32, rng=5))
    assert not np.array_equal(mixed_mask(6, 32, 32, rng=5), mixed_mask(6, 32, 32, rng=6))


def test_box_that_cannot_fit_raises():
    with pytest.raises(ValueError, match="does not fit"):
        random_bbox_mask(1, 16, 16, 10, 20)


def test_to_float_rgb_handles_gray_rgba_and_integers():
    gray = np.array([[0, 255]], dtype=np.uint8)
    np.testing.assert_allclose(to_float_rgb(gray), [[[0, 0, 0], [1, 1, 1]]])
    rgba = np.zeros((2, 2, 4), dtype=np.uint16)
    assert to_float_rgb(rgba).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="shape"):
        to_float_rgb(np.zeros((2, 2, 5)))


def _write_images(folder, count=3, size=(40, 50)):
    rng = np.random.default_rng(0)
    (folder / "nested").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        target = folder / ("nested" if index % 2 else ".") / f"image_{index}.png"
        io.imsave(target, rng.integers(0, 255, (*size, 3), dtype=np.uint8), check_contrast=False)


def test_folder_is_read_recursively(tmp_path):
    _write_images(tmp_path)
    images = folder_images(tmp_path)
    assert len(images) == 3
    assert all(im.shape == (40, 50, 3) and im.dtype == np.float32 for im in images)


def test_corrupt_image_is_a_clear_error_or_skipped(tmp_path):
    _write_images(tmp_path, count=2)
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"this is not a jpeg")
    with pytest.raises(ValueError, match="broken.jpg"):
        folder_images(tmp_path)
    with pytest.warns(UserWarning, match="broken.jpg"):
        images = folder_images(tmp_path, skip_unreadable=True)
    assert len(images) == 2


def test_empty_or_missing_folder_raises(tmp_path):
    with pytest.raises(ValueError, match="no readable images"):
        folder_images(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        folder_images(tmp_path / "missing")


def test_random_crops_are_reproducible_flipped_and_in_range():
    rng = np.random.default_rng(0)
    image = rng.random((40, 60, 3)).astype(np.float32)
    dataset = RandomCropDataset([image], size=16, seed=3, scales=(1.0,))
    crop = dataset[5]
    assert crop.shape == (3, 16, 16) and crop.dtype == torch.float32
    torch.testing.assert_close(crop, dataset[5], rtol=0, atol=0)
    batch = dataset.batch(range(64))
    assert batch.shape == (64, 3, 16, 16)
    assert 0.0 <= float(batch.min()) and float(batch.max()) <= 1.0
    # Every crop is a (possibly mirrored) window of the source image.
    found_flip = False
    for item in batch[:16]:
        window = item.permute(1, 2, 0).numpy()
        matches = [
            np.array_equal(image[r : r + 16, c : c + 16], w)
            for r in range(25)
            for c in range(45)
            for w in (window, window[:, ::-1])
        ]
        assert any(matches)
        found_flip |= not any(
            np.array_equal(image[r : r + 16, c : c + 16], window)
            for r in range(25)
            for c in range(45)
        )
    assert found_flip


def test_dataset_rejects_images_smaller_than_the_crop():
    with pytest.raises(ValueError, match="at least"):
        RandomCropDataset([np.zeros((10, 10, 3), np.float32)], size=16)
