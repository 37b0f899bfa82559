"""Lesson 08 demos: inpaint held-out photos with the GAN or a classical method, and score it.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson08.py`` and ``tests/test_demos_*.py``):

* :func:`view_image` -- a held-out photo (never trained on), downscaled for quick demos;
* :func:`hole_mask` -- a box or a free-form hole inside a square window of an image;
* :func:`with_hole` -- an image with its hole painted in one colour, for display;
* :func:`inpaint_and_score` -- one method on one image, with hole L1 x100, PSNR and SSIM
  computed by :mod:`course_utils.inpainting.evaluate`;
* :func:`result_figure` -- input / result / truth with the metrics;
* :func:`comparison_figure` -- rows of images, one column per method;
* :func:`read_loss_log` -- the ``losses.csv`` written by the trainer, as curves;
* :func:`model_card_rows` -- the evaluation table of the shipped model's card, parsed.

Thin shell: :func:`make_inpainting_widget` only wires a dropdown and sliders to those.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from course_utils.demos.inpainting_runs import (
    HELD_OUT_NAMES,
    MASK_KINDS,
    hole_mask,
    inpaint_and_score,
    model_card_rows,
    read_loss_log,
    view_image,
    with_hole,
)
from course_utils.inpainting import METHODS
from course_utils.viz import show_image

__all__ = [
    "HELD_OUT_NAMES",
    "MASK_KINDS",
    "comparison_figure",
    "hole_mask",
    "inpaint_and_score",
    "inpainting_view",
    "make_inpainting_widget",
    "model_card_rows",
    "read_loss_log",
    "result_figure",
    "view_image",
    "with_hole",
]

#: Names of the held-out photos, in the order of ``builtin_test_images()``.


def result_figure(image: np.ndarray, mask: np.ndarray, scored: dict, method: str) -> plt.Figure:
    """Input (hole in white), the result of ``method`` and the truth, side by side.

    ``scored`` is the dict of :func:`inpaint_and_score`. Returns the Figure.
    """
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.8))
    show_image(with_hole(image, mask), "input (hole in white)", ax=axes[0])
    show_image(scored["result"], f"{method}", ax=axes[1])
    show_image(image, "truth", ax=axes[2])
    fig.suptitle(
        f"{method}: hole L1 x100 {scored['hole_l1_x100']:.2f}   "
        f"PSNR {scored['psnr']:.2f} dB   SSIM {scored['ssim']:.4f}",
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


def comparison_figure(
    columns: dict[str, np.ndarray], rows: int | None = None, size: float = 1.45
) -> plt.Figure:
    """A grid with one column per entry of ``columns`` (title -> images (N, H, W, 3)).

    Shows the first ``rows`` images of every column (default: all). Returns the Figure.
    """
    if not columns:
        raise ValueError("columns must hold at least one batch of images")
    counts = {len(batch) for batch in columns.values()}
    if len(counts) != 1:
        raise ValueError(f"every column needs the same number of images, got {sorted(counts)}")
    rows = min(counts.pop(), rows or 10**9)
    fig, axes = plt.subplots(
        rows, len(columns), figsize=(size * len(columns), size * rows + 0.3), squeeze=False
    )
    for col, (title, batch) in enumerate(columns.items()):
        for row in range(rows):
            show_image(batch[row], title if row == 0 else None, ax=axes[row, col])
    fig.tight_layout()
    return fig


# -- thin ipywidgets shell --------------------------------------------------------------------


def inpainting_view(
    name: str, kind: str, method: str, top: int, left: int, size: int, longest_side: int = 160
) -> plt.Figure:
    """:func:`result_figure` of one photo, hole and method; the hole is moved up and left as
    far as needed to stay inside the photo."""
    image = view_image(name, longest_side)
    top = min(top, image.shape[0] - size)
    left = min(left, image.shape[1] - size)
    mask = hole_mask(image.shape[:2], top, left, size, kind)
    return result_figure(image, mask, inpaint_and_score(image, mask, method), method)


def make_inpainting_widget(longest_side: int = 160) -> Any:
    """Dropdowns for the held-out photo, the mask kind and the method; sliders for the hole's
    position and size. Shows :func:`inpainting_view`; returns a ``WidgetShell``."""
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    largest = longest_side // 2
    controls = {
        "name": widgets.Dropdown(options=HELD_OUT_NAMES, value="china", description="photo"),
        "kind": widgets.Dropdown(options=MASK_KINDS, value="box", description="mask"),
        "method": widgets.Dropdown(options=METHODS, value="gan", description="method"),
        "top": widgets.IntSlider(value=40, min=0, max=longest_side - 8, description="top"),
        "left": widgets.IntSlider(value=60, min=0, max=longest_side - 8, description="left"),
        "size": widgets.IntSlider(value=32, min=8, max=largest, step=4, description="size"),
    }
    layout = widgets.VBox(
        [
            widgets.HBox([controls[key] for key in ("name", "kind", "method")]),
            widgets.HBox([controls[key] for key in ("top", "left", "size")]),
        ]
    )
    return WidgetShell(
        controls, lambda **v: inpainting_view(**v, longest_side=longest_side), layout=layout
    )
