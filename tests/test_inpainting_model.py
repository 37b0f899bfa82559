"""Generator, losses, inpaint() and metrics of the inpainting package."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.inpainting.api import (
    METHODS,
    WEIGHTS_PATH,
    default_weights_available,
    generator_from_state_dict,
    inpaint,
    inpaint_with_generator,
)
from course_utils.inpainting.evaluate import hole_l1, psnr, ssim
from course_utils.inpainting.losses import reconstruction_loss, spatial_discount
from course_utils.inpainting.masks import random_bbox_mask
from course_utils.inpainting.networks import Critics, Generator, crop_boxes, local_boxes


def _small_generator(seed: int = 0) -> Generator:
    """A narrow generator whose output convs are random (not the zero correction of a
    fresh one), so that every layer reaches the output."""
    torch.manual_seed(seed)
    generator = Generator(width=8, coarse_width=4)
    with torch.no_grad():
        for stage in (generator.coarse, generator.refine):
            torch.nn.init.normal_(stage.to_rgb.weight, std=0.2)
    return generator.eval()


@pytest.fixture(scope="module")
def tiny_generator() -> Generator:
    return _small_generator()


def _images_and_masks(count: int, height: int, width: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.random((count, height, width, 3)).astype(np.float32)
    side = min(height, width) // 2
    masks = random_bbox_mask(count, height, width, side // 2, side, rng=rng)
    return images, masks


@pytest.mark.parametrize(("height", "width"), [(16, 16), (64, 64), (32, 48)])
def test_generator_shapes(tiny_generator, height, width):
    image = torch.rand(2, 3, height, width) * 2 - 1
    mask = torch.zeros(2, 1, height, width)
    mask[:, :, : height // 2, : width // 2] = 1
    with torch.no_grad():
        coarse, fine, maps = tiny_generator(image, mask, return_attention=True)
    assert coarse.shape == fine.shape == image.shape
    assert float(fine.abs().max()) <= 1.0
    assert maps.attention.shape[0] == 2


def test_generator_rejects_sizes_that_are_not_padded(tiny_generator):
    with pytest.raises(ValueError, match="multiples of 8"):
        tiny_generator(torch.zeros(1, 3, 20, 20), torch.zeros(1, 1, 20, 20))


@pytest.mark.parametrize(("height", "width"), [(67, 91), (64, 64), (13, 9)])
def test_gan_inpaint_any_size_keeps_known_pixels(tiny_generator, height, width):
    images, masks = _images_and_masks(3, height, width)
    out = inpaint_with_generator(tiny_generator, images, masks)
    assert out.shape == images.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[~masks], images[~masks])
    assert np.all((out >= 0) & (out <= 1))


def test_gan_masks_are_per_sample(tiny_generator):
    images, masks = _images_and_masks(2, 32, 32)
    changed = masks.copy()
    changed[1] = np.roll(changed[1], 5, axis=1)
    first = inpaint_with_generator(tiny_generator, images, masks)
    second = inpaint_with_generator(tiny_generator, images, changed)
    np.testing.assert_allclose(first[0], second[0], atol=1e-6)  # sample 0 is unaffected
    assert not np.allclose(first[1], second[1])


@pytest.mark.parametrize("method", [m for m in METHODS if m != "gan"])
def test_classical_methods_keep_known_pixels(method):
    images, masks = _images_and_masks(2, 33, 27)
    out = inpaint(images, masks, method=method)
    assert out.shape == images.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[~masks], images[~masks])
    assert np.isfinite(out).all()


def test_classical_methods_fill_a_smooth_image_well():
    ramp = np.linspace(0.2, 0.8, 32, dtype=np.float32)
    image = np.repeat(np.stack([ramp] * 3, axis=-1)[None, None], 32, axis=1)  # (1, 32, 32, 3)
    masks = np.zeros((1, 32, 32), dtype=bool)
    masks[0, 12:20, 12:20] = True
    for method in ("telea", "ns", "biharmonic", "classical", "pullpush"):
        out = inpaint(image, masks, method=method)
        # A linear ramp is harmonic: diffusion-type fills reproduce it to ~2% (of range).
        assert hole_l1(image, out, masks) < 2.0, method
    mean = inpaint(image, masks, method="mean")
    np.testing.assert_allclose(mean[0, 15, 15], image[0][~masks[0]].mean(axis=0), rtol=1e-5)


def test_inpaint_rejects_bad_input():
    images, masks = _images_and_masks(1, 16, 16)
    with pytest.raises(ValueError, match="bool"):
        inpaint(images, masks.astype(np.uint8), method="mean")
    with pytest.raises(ValueError, match="method"):
        inpaint(images, masks, method="magic")
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        inpaint(images[0], masks[0], method="mean")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        inpaint(images * 3, masks, method="mean")


def test_metrics_match_hand_computation():
    images = np.zeros((2, 8, 8, 3), dtype=np.float32)
    outputs = images.copy()
    masks = np.zeros((2, 8, 8), dtype=bool)
    masks[:, :2, :2] = True
    outputs[0, :2, :2] = 0.1
    outputs[1, :2, :2] = 0.3
    assert hole_l1(images, outputs, masks) == pytest.approx(20.0)
    mse0 = 4 * 3 * 0.01 / (64 * 3)  # PSNR = 10 log10(1 / MSE)
    mse1 = 4 * 3 * 0.09 / (64 * 3)
    expected = np.mean([10 * np.log10(1 / mse0), 10 * np.log10(1 / mse1)])
    assert psnr(images, outputs) == pytest.approx(expected, rel=1e-4)
    assert ssim(images, images) == pytest.approx(1.0)


def test_spatial_discount_decays_into_the_hole():
    mask = torch.zeros(1, 1, 9, 9)
    mask[:, :, 2:7, 2:7] = 1
    weights = spatial_discount(mask, gamma=0.5)
    assert float(weights[0, 0, 0, 0]) == 0.0
    assert float(weights[0, 0, 2, 2]) == pytest.approx(0.5)  # border: distance 1
    assert float(weights[0, 0, 3, 3]) == pytest.approx(0.25)
    assert float(weights[0, 0, 4, 4]) == pytest.approx(0.125)  # centre: distance 3


def test_reconstruction_loss_is_zero_for_perfect_output():
    target = torch.rand(2, 3, 8, 8)
    mask = torch.zeros(2, 1, 8, 8)
    mask[:, :, 2:5, 2:5] = 1
    loss, parts = reconstruction_loss(target, target, target, mask)
    assert float(loss) == 0.0 and set(parts) >= {"fine_hole_l1", "coarse_valid_l1"}
    loss, _ = reconstruction_loss(target + 1, target, target, mask)
    assert float(loss) > 0


def test_local_crops_cover_each_samples_hole():
    mask = torch.zeros(2, 1, 32, 32)
    mask[0, :, 2:6, 3:9] = 1
    mask[1, :, 20:30, 24:31] = 1
    boxes = local_boxes(mask, 16)
    assert boxes.tolist() == [[0, 0], [16, 16]]
    crops = crop_boxes(mask, boxes, 16)
    assert torch.equal(crops.sum(dim=(1, 2, 3)), mask.sum(dim=(1, 2, 3)))
    scores = Critics(16, width=4)(torch.rand(2, 3, 32, 32), boxes)
    assert scores[0].shape == (2, 1, 2, 2) and scores[1].shape == (2, 1, 1, 1)


def test_the_generator_weights_ship_with_the_package():
    assert default_weights_available(), f"missing {WEIGHTS_PATH}"
    assert (WEIGHTS_PATH.parent / "MODEL_CARD.md").is_file()
    assert WEIGHTS_PATH.stat().st_size < 10 * 2**20  # a state dict of a few MB


def test_shipped_weights_load_with_weights_only():
    state = torch.load(WEIGHTS_PATH, map_location="cpu", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    generator = generator_from_state_dict(state)
    assert generator.state_dict().keys() == state.keys()


def test_a_state_dict_of_another_model_is_a_clear_error():
    with pytest.raises(ValueError, match="not a state dict of this course's Generator"):
        generator_from_state_dict({"coarse_encoder.0.0.weight": torch.zeros(16, 5, 5, 5)})


def test_a_fresh_generator_returns_the_classical_prefill():
    torch.manual_seed(0)
    images, masks = _images_and_masks(2, 32, 40)
    fresh = inpaint_with_generator(Generator(width=8, coarse_width=4), images, masks)
    np.testing.assert_allclose(fresh, inpaint(images, masks, method="classical"), atol=1e-5)


def test_both_stages_keep_the_known_pixels(tiny_generator):
    torch.manual_seed(2)
    image = torch.rand(2, 3, 32, 32) * 2 - 1
    mask = torch.zeros(2, 1, 32, 32)
    mask[0, :, 4:20, 8:24] = 1
    mask[1, :, 16:30, 2:12] = 1
    with torch.no_grad():
        coarse, fine = tiny_generator(image, mask)
    known = (1 - mask).bool().expand_as(image)
    torch.testing.assert_close(coarse[known], image[known])
    torch.testing.assert_close(fine[known], image[known])
    assert not torch.allclose(coarse, fine)  # the refinement stage changes the hole


@pytest.mark.parametrize(("height", "width"), [(67, 91), (256, 256)])
def test_shipped_gan_inpaints_any_size(height, width):
    images, masks = _images_and_masks(1, height, width, seed=3)
    out = inpaint(images, masks, method="gan")
    assert out.shape == images.shape
    np.testing.assert_array_equal(out[~masks], images[~masks])
    assert np.isfinite(out).all()


def test_shipped_gan_beats_mean_fill_on_a_photo_crop():
    from course_utils.inpainting.evaluate import evaluation_set

    images, boxes, _ = evaluation_set(per_image=4)
    gan = hole_l1(images, inpaint(images, boxes, method="gan"), boxes)
    mean = hole_l1(images, inpaint(images, boxes, method="mean"), boxes)
    assert gan < mean


def test_evaluate_cli_reports_every_method_and_the_latency(tmp_path, capsys):
    import json

    from course_utils.inpainting.evaluate import main

    torch.manual_seed(0)
    weights = tmp_path / "generator.pt"
    torch.save(Generator(width=8, coarse_width=4).state_dict(), weights)
    argv = ["--checkpoint", str(weights), "--per-image", "1", "--size", "32"]
    assert main([*argv, "--latency-size", "40", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {(row["mask"], row["method"]) for row in report["rows"]} == {
        (mask, method) for mask in ("box", "free-form") for method in METHODS
    }
    assert all(np.isfinite(row["hole_l1_x100"]) for row in report["rows"])
    assert report["latency"]["size"] == 40 and report["latency"]["median_s"] > 0
    assert main([*argv, "--methods", "mean,telea", "--latency-size", "0"]) == 0
    table = capsys.readouterr().out
    assert "| box | telea |" in table and "inference" not in table


def test_the_hole_content_never_reaches_the_output(tiny_generator):
    torch.manual_seed(1)
    image = torch.rand(2, 3, 32, 32) * 2 - 1
    mask = torch.zeros(2, 1, 32, 32)
    mask[:, :, 8:24, 4:20] = 1
    scribbled = image.clone()
    scribbled[:, :, 8:24, 4:20] = 5.0  # whatever the hole holds
    with torch.no_grad():
        first, second = tiny_generator(image, mask), tiny_generator(scribbled, mask)
    for a, b in zip(first, second, strict=True):
        torch.testing.assert_close(a, b)
