"""Lesson 08 demos: holes, inpainting results and metrics are what the lesson says."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from course_utils.widgets import lesson08


def _image(seed: int = 0, shape: tuple[int, int] = (40, 48)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.1, 0.9, shape[1], dtype=np.float32)[None, :, None]
    noise = 0.05 * rng.random((*shape, 3), dtype=np.float32)
    return np.clip(ramp + noise, 0.0, 1.0).astype(np.float32)


def test_figures_and_widget_build() -> None:
    image = _image(3)
    mask = lesson08.hole_mask(image.shape[:2], 8, 8, 12)
    scored = lesson08.inpaint_and_score(image, mask, "ns")
    fig = lesson08.result_figure(image, mask, scored, "ns")
    assert "PSNR" in fig.get_suptitle() and "SSIM" in fig.get_suptitle()
    grid = lesson08.comparison_figure({"a": image[None], "b": image[None]})
    assert len(grid.axes) == 2
    with pytest.raises(ValueError, match="same number"):
        lesson08.comparison_figure({"a": image[None], "b": np.stack([image, image])})
    assert isinstance(lesson08.make_inpainting_widget(), widgets.Widget)
