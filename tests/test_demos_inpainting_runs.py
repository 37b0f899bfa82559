"""The computations of :mod:`course_utils.demos.inpainting_runs` (lesson 08)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.demos import inpainting_runs
from course_utils.inpainting import METHODS
from course_utils.inpainting.evaluate import hole_l1, psnr, ssim


def _image(seed: int = 0, shape: tuple[int, int] = (40, 48)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.1, 0.9, shape[1], dtype=np.float32)[None, :, None]
    noise = 0.05 * rng.random((*shape, 3), dtype=np.float32)
    return np.clip(ramp + noise, 0.0, 1.0).astype(np.float32)


def test_box_hole_covers_exactly_the_window() -> None:
    mask = inpainting_runs.hole_mask((40, 48), 5, 7, 12)
    assert mask.dtype == bool and mask.shape == (40, 48)
    assert mask.sum() == 144
    assert mask[5:17, 7:19].all()


def test_free_form_hole_stays_inside_its_window_and_is_seeded() -> None:
    mask = inpainting_runs.hole_mask((40, 48), 10, 20, 16, kind="free-form", seed=3)
    assert mask.any()
    outside = mask.copy()
    outside[10:26, 20:36] = False
    assert not outside.any()
    again = inpainting_runs.hole_mask((40, 48), 10, 20, 16, kind="free-form", seed=3)
    np.testing.assert_array_equal(mask, again)


@pytest.mark.parametrize(
    ("top", "left", "size"), [(30, 0, 12), (0, 40, 12), (-1, 0, 8), (0, -2, 8), (0, 0, 41)]
)
def test_hole_outside_the_image_is_a_clear_error(top: int, left: int, size: int) -> None:
    with pytest.raises(ValueError, match="leaves the 40x48 image"):
        inpainting_runs.hole_mask((40, 48), top, left, size)


def test_bad_kind_and_tiny_hole_are_errors() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        inpainting_runs.hole_mask((40, 48), 0, 0, 8, kind="circle")
    with pytest.raises(ValueError, match="at least 2"):
        inpainting_runs.hole_mask((40, 48), 0, 0, 1)


def test_with_hole_paints_only_the_hole() -> None:
    image = _image()
    mask = inpainting_runs.hole_mask(image.shape[:2], 4, 4, 8)
    shown = inpainting_runs.with_hole(image, mask, (0.0, 1.0, 0.0))
    np.testing.assert_array_equal(shown[~mask], image[~mask])
    assert (shown[mask] == np.array([0.0, 1.0, 0.0], dtype=np.float32)).all()
    assert image[mask].min() > 0.0  # the input itself is untouched


@pytest.mark.parametrize("method", ["telea", "ns", "mean", "gan"])
def test_inpaint_and_score_shape_dtype_known_pixels(method: str) -> None:
    image = _image(1)
    mask = inpainting_runs.hole_mask(image.shape[:2], 8, 10, 16)
    scored = inpainting_runs.inpaint_and_score(image, mask, method)
    result = scored["result"]
    assert result.shape == image.shape and result.dtype == np.float32
    np.testing.assert_array_equal(result[~mask], image[~mask])
    assert 0.0 <= result.min() and result.max() <= 1.0


def test_metrics_match_the_evaluate_functions() -> None:
    image = _image(2)
    mask = inpainting_runs.hole_mask(image.shape[:2], 6, 6, 20, kind="free-form", seed=1)
    scored = inpainting_runs.inpaint_and_score(image, mask, "telea")
    batch, out, holes = image[None], scored["result"][None], mask[None]
    assert scored["hole_l1_x100"] == pytest.approx(hole_l1(batch, out, holes), rel=1e-12)
    assert scored["psnr"] == pytest.approx(psnr(batch, out), rel=1e-12)
    assert scored["ssim"] == pytest.approx(ssim(batch, out), rel=1e-12)
    # hole L1 by hand: mean absolute error over hole pixels and channels, x100
    by_hand = 100.0 * np.abs(scored["result"] - image)[mask].mean()
    assert scored["hole_l1_x100"] == pytest.approx(by_hand, rel=1e-5)


def test_inpaint_and_score_rejects_bad_input() -> None:
    image = _image()
    with pytest.raises(ValueError, match="no hole"):
        inpainting_runs.inpaint_and_score(image, np.zeros(image.shape[:2], dtype=bool))
    with pytest.raises(ValueError, match="need image"):
        inpainting_runs.inpaint_and_score(image, np.zeros((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="method must be"):
        inpainting_runs.inpaint_and_score(
            image, inpainting_runs.hole_mask((40, 48), 0, 0, 4), "magic"
        )


def test_view_image_is_a_downscaled_held_out_photo() -> None:
    image = inpainting_runs.view_image("flower", 96)
    assert image.dtype == np.float32 and image.ndim == 3 and image.shape[2] == 3
    assert max(image.shape[:2]) == 96
    assert 0.0 <= image.min() and image.max() <= 1.0
    with pytest.raises(ValueError, match="name must be"):
        inpainting_runs.view_image("astronaut")  # a training photo, not held out


def test_read_loss_log_keeps_the_last_value_per_step(tmp_path) -> None:
    log = tmp_path / "losses.csv"
    log.write_text(
        "step,name,value\n1,g_loss,3\n1,fine_hole_l1,0.5\n2,g_loss,2\n2,g_loss,1.5\n3,g_loss,1\n"
    )
    curves = inpainting_runs.read_loss_log(log)
    steps, values = curves["g_loss"]
    np.testing.assert_array_equal(steps, [1, 2, 3])
    np.testing.assert_allclose(values, [3.0, 1.5, 1.0])
    assert curves["fine_hole_l1"][1].tolist() == [0.5]


def test_model_card_rows_parse_the_shipped_table() -> None:
    rows = inpainting_runs.model_card_rows()
    assert len(rows) == 2 * len(METHODS)
    assert {row["method"] for row in rows} == set(METHODS)
    gan_box = next(r for r in rows if r["mask"] == "box" and r["method"] == "gan")
    assert 0.0 < gan_box["hole_l1_x100"] < 100.0 and 10.0 < gan_box["psnr"] < 60.0
