"""The computations of :mod:`course_utils.demos.attention` (lesson 07)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.demos import attention
from course_utils.inpainting import ContextualAttention, flow_to_rgb


def _photo(seed: int = 0, shape: tuple[int, int] = (24, 32)) -> np.ndarray:
    """Random texture: every 3x3 patch is unique, so exact copies are the only best matches."""
    return np.random.default_rng(seed).random((*shape, 3))


def _example(seed: int = 0) -> dict:
    return attention.copy_paste_example(_photo(seed), source=(2, 3), target=(12, 18), block=8)


def test_load_photo_shape_and_range() -> None:
    photo = attention.load_photo("chelsea", (20, 30))
    assert photo.shape == (20, 30, 3)
    assert photo.dtype == np.float64
    assert 0.0 <= photo.min() and photo.max() <= 1.0
    with pytest.raises(ValueError, match="unknown built-in photo"):
        attention.load_photo("no-such-photo")


def test_copy_paste_example_copies_and_cuts_the_hole() -> None:
    example = _example()
    image, hole = example["image"], example["hole"]
    assert image.shape == (24, 32, 3) and hole.shape == (24, 32) and hole.dtype == bool
    np.testing.assert_array_equal(image[2:10, 3:11], image[12:20, 18:26])
    assert hole.sum() == 6 * 6 and hole[3:9, 4:10].all()
    assert example["offset"] == (10, 15)
    with pytest.raises(ValueError, match="overlap"):
        attention.copy_paste_example(_photo(), source=(2, 3), target=(5, 6), block=8)
    with pytest.raises(ValueError, match="leaves the image"):
        attention.copy_paste_example(_photo(), source=(20, 3), target=(2, 18), block=8)


def test_position_attention_shapes_and_distribution() -> None:
    example = _example(1)
    result = attention.position_attention(example["image"], example["hole"], 5, 6, scale=10.0)
    heat, known = result["heatmap"], result["known"]
    assert heat.shape == known.shape == result["scores"].shape == (24, 32)
    assert result["pasted_patch"].shape == (3, 3, 3) and result["pasted_pixel"].shape == (3,)
    assert heat[known].sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(heat[~known] == 0.0)
    assert np.all(heat >= 0.0)
    # known patches: no hole pixel in the 3x3 window (the 6x6 hole grows by one pixel)
    assert not known[2:10, 3:11].any() and known[1, :].all() and known[:, 2].all()
    assert known.sum() == 24 * 32 - 8 * 8


def test_position_attention_equals_the_course_layer() -> None:
    example = _example(2)
    image = torch.from_numpy(example["image"]).permute(2, 0, 1)[None]
    mask = torch.from_numpy(example["hole"])[None, None].double()
    layer = ContextualAttention(rate=1, softmax_scale=3.0, fuse=False)
    for centre in (False, True):
        features = image - image.mean(dim=(2, 3), keepdim=True) if centre else image
        _, maps = layer(features, features, mask, return_attention=True)
        for row, col in [(3, 4), (5, 7), (8, 9)]:
            result = attention.position_attention(
                example["image"], example["hole"], row, col, 3.0, centre=centre
            )
            expected = maps.attention[0, :, row, col].view(24, 32).numpy()
            np.testing.assert_allclose(result["heatmap"], expected, rtol=1e-10, atol=1e-14)


def test_copy_paste_top_match_is_the_known_source() -> None:
    example = _example(3)
    d_row, d_col = example["offset"]
    rows, cols = np.nonzero(example["hole"])
    for row, col in zip(rows, cols, strict=True):
        result = attention.position_attention(example["image"], example["hole"], row, col, 100.0)
        assert result["best"] == (row + d_row, col + d_col)
    # a sharp softmax pastes (almost) exactly the true patch
    sharp = attention.position_attention(example["image"], example["hole"], 5, 6, 1e4)
    np.testing.assert_allclose(sharp["pasted_patch"], sharp["true_patch"], atol=1e-9)


def test_larger_scale_sharpens_the_attention() -> None:
    example = _example(4)
    peaks = [
        attention.position_attention(example["image"], example["hole"], 6, 6, scale)[
            "heatmap"
        ].max()
        for scale in (1.0, 10.0, 100.0)
    ]
    assert peaks[0] < peaks[1] < peaks[2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row": 0, "col": 0}, "not in the hole"),
        ({"row": 30, "col": 5}, "outside"),
        ({"row": 5, "col": 6, "scale": 0.0}, "positive"),
        ({"row": 5, "col": 6, "patch_size": 2}, "odd"),
    ],
)
def test_position_attention_rejects_bad_input(kwargs, message) -> None:
    example = _example()
    with pytest.raises(ValueError, match=message):
        attention.position_attention(example["image"], example["hole"], **kwargs)


def test_position_attention_rejects_bad_shapes_and_full_holes() -> None:
    image = _photo()
    with pytest.raises(ValueError, match="hole must be"):
        attention.position_attention(image, np.ones((5, 5), dtype=bool), 1, 1)
    with pytest.raises(ValueError, match="image must be"):
        attention.position_attention(image[:, :, 0], np.ones((24, 32), dtype=bool), 1, 1)
    with pytest.raises(ValueError, match="no background patch"):
        attention.position_attention(image, np.ones((24, 32), dtype=bool), 1, 1)


def test_colour_wheel_matches_flow_to_rgb() -> None:
    wheel = attention.colour_wheel(5)
    assert wheel.shape == (11, 11, 3)
    np.testing.assert_allclose(wheel[5, 5], 1.0)  # zero displacement is white
    np.testing.assert_allclose(
        wheel[5, 10], flow_to_rgb(np.array([0.0, 1.0]).reshape(2, 1, 1), max_magnitude=1.0)[0, 0]
    )
    with pytest.raises(ValueError, match="radius"):
        attention.colour_wheel(0)
