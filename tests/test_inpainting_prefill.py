"""Classical pre-fills: pull-push interpolation and the Telea/Navier-Stokes/biharmonic
mean that the generator starts from."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.inpainting.prefill import classical_fill, pull_push_fill


def _box_mask(batch: int, height: int, width: int, top: int, left: int, side: int):
    mask = torch.zeros(batch, 1, height, width)
    mask[:, :, top : top + side, left : left + side] = 1.0
    return mask


@pytest.mark.parametrize(("height", "width"), [(64, 64), (67, 91), (1, 1), (5, 3)])
def test_known_pixels_are_kept_exactly(height, width):
    torch.manual_seed(0)
    image = torch.rand(2, 3, height, width)
    mask = (torch.rand(2, 1, height, width) > 0.5).float()
    filled = pull_push_fill(image, mask)
    assert filled.shape == image.shape and torch.isfinite(filled).all()
    known = mask.expand_as(image) == 0
    assert torch.equal(filled[known], image[known])


def test_a_constant_image_is_filled_with_its_constant_whatever_the_hole_held():
    image = torch.full((1, 3, 32, 40), 0.25)
    image[:, :, 8:24, 8:24] = 99.0  # hole content must be ignored
    filled = pull_push_fill(image, _box_mask(1, 32, 40, 8, 8, 16))
    torch.testing.assert_close(filled, torch.full_like(filled, 0.25))


def test_the_fill_follows_the_colours_around_the_hole():
    # left half dark, right half bright: the hole's left part must be darker than its right
    image = torch.zeros(1, 1, 32, 32)
    image[..., 16:] = 1.0
    filled = pull_push_fill(image, _box_mask(1, 32, 32, 8, 8, 16))
    hole = filled[0, 0, 8:24, 8:24]
    assert hole[:, :4].mean() < 0.4 < 0.6 < hole[:, -4:].mean()
    assert hole.min() >= 0.0 and hole.max() <= 1.0  # a convex blend, no overshoot


def test_masks_are_per_sample_and_an_all_hole_sample_gives_zeros():
    image = torch.stack([torch.full((3, 16, 16), 0.5), torch.full((3, 16, 16), -0.5)])
    mask = torch.zeros(2, 1, 16, 16)
    mask[0] = 1.0  # sample 0: nothing known
    mask[1, :, 4:8, 4:8] = 1.0
    filled = pull_push_fill(image, mask)
    assert torch.equal(filled[0], torch.zeros(3, 16, 16))
    torch.testing.assert_close(filled[1], image[1])


def test_shape_errors_are_clear():
    with pytest.raises(ValueError, match="mask"):
        pull_push_fill(torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 9))
    with pytest.raises(ValueError, match="need image"):
        pull_push_fill(torch.zeros(3, 8, 8), torch.zeros(1, 8, 8))


def test_classical_fill_is_the_mean_of_telea_navier_stokes_and_biharmonic():
    from course_utils.inpainting.api import inpaint

    rng = np.random.default_rng(5)
    pictures = rng.random((2, 24, 20, 3)).astype(np.float32)
    holes = np.zeros((2, 24, 20), dtype=bool)
    holes[0, 4:12, 6:14] = True
    holes[1, 10:22, 2:9] = True
    methods = ("telea", "ns", "biharmonic")
    expected = sum(inpaint(pictures, holes, method) for method in methods) / 3
    image = torch.from_numpy(pictures).permute(0, 3, 1, 2) * 2 - 1
    mask = torch.from_numpy(holes)[:, None].float()
    filled = classical_fill(image, mask)
    assert filled.dtype == image.dtype and filled.shape == image.shape
    np.testing.assert_allclose(((filled + 1) / 2).permute(0, 2, 3, 1).numpy(), expected, atol=1e-5)
    known = (mask == 0).expand_as(image)
    assert torch.equal(filled[known], image[known])


def test_classical_fill_ignores_the_hole_content_and_rejects_bad_shapes():
    image = torch.rand(1, 3, 16, 16) * 2 - 1
    mask = torch.zeros(1, 1, 16, 16)
    mask[..., 4:10, 5:12] = 1
    scribbled = torch.where(mask.bool(), torch.full_like(image, 0.9), image)
    assert torch.equal(classical_fill(image, mask), classical_fill(scribbled, mask))
    assert torch.equal(classical_fill(image, torch.zeros_like(mask)), image)
    with pytest.raises(ValueError, match="does not match"):
        classical_fill(image, torch.zeros(1, 1, 16, 15))


def test_mean_fill_paints_each_hole_with_its_images_mean_known_colour() -> None:
    from course_utils.inpainting.prefill import mean_fill

    image = torch.rand(2, 3, 8, 8) * 2 - 1
    mask = torch.zeros(2, 1, 8, 8)
    mask[0, :, 2:5, 3:6] = 1.0
    mask[1] = 1.0  # no known pixel at all
    filled = mean_fill(image, mask)
    known = mask[0, 0] == 0
    expected = image[0][:, known].mean(dim=1)
    torch.testing.assert_close(filled[0, :, 3, 4], expected)
    torch.testing.assert_close(filled[0][:, known], image[0][:, known])  # known unchanged
    assert torch.equal(filled[1], torch.zeros(3, 8, 8))


def test_an_untrained_generator_returns_its_pre_fill_whichever_it_is() -> None:
    from course_utils.inpainting.models import build_model, deepfill_config, load_model, save_model
    from course_utils.inpainting.networks import Generator
    from course_utils.inpainting.prefill import mean_fill

    torch.manual_seed(0)
    image = torch.rand(1, 3, 16, 16) * 2 - 1
    mask = torch.zeros(1, 1, 16, 16)
    mask[..., 4:11, 5:12] = 1.0
    generator = build_model(deepfill_config(width=4, coarse_width=2, prefill="mean"))
    assert isinstance(generator, Generator) and generator.prefill == "mean"
    _, fine = generator(image, mask)
    torch.testing.assert_close(fine, mean_fill(image, mask))  # zero-initialised corrections
    with pytest.raises(ValueError, match="prefill must be one of"):
        Generator(width=4, prefill="median")
    assert "prefill" not in deepfill_config().options  # files of older code stay equal
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "g.pt"
        save_model(path, deepfill_config(width=4, coarse_width=2, prefill="mean"), generator)
        assert load_model(path).prefill == "mean"
