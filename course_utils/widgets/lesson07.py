"""Lesson 07 demos: where contextual attention looks for one hole position, and what it pastes.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson07.py`` and ``tests/test_demos_*.py``):

* :func:`load_photo` -- a built-in scikit-image photo, resized, as float RGB (H, W, 3);
* :func:`copy_paste_example` -- an image whose hole content exists exactly elsewhere;
* :func:`position_attention` -- scores, known patches, attention heatmap, best match and the
  pasted patch for one position (rate 1, no propagation: the same numbers as
  :class:`course_utils.inpainting.ContextualAttention` with ``rate=1, fuse=False``);
* :func:`colour_wheel` -- the legend of :func:`course_utils.inpainting.flow_to_rgb`;
* :func:`attention_figure` -- the image, the heatmap with the best patch outlined, and the
  pasted patch next to the true one.

Thin shell: :func:`make_attention_widget` only wires sliders to those functions.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from course_utils.demos.attention import (
    EPS,
    colour_wheel,
    copy_paste_example,
    load_photo,
    position_attention,
)
from course_utils.viz import as_numpy, show_image

__all__ = [
    "EPS",
    "attention_figure",
    "attention_view",
    "colour_wheel",
    "copy_paste_example",
    "load_photo",
    "make_attention_widget",
    "position_attention",
]

#: Added to background patch norms, as in the course's layer (flat black patches give no NaN).


def _box(ax: plt.Axes, centre: tuple[int, int], size: int, colour: str, style: str = "-") -> None:
    row, col = centre
    half = size // 2
    ax.add_patch(
        plt.Rectangle(
            (col - half - 0.5, row - half - 0.5),
            size,
            size,
            fill=False,
            ec=colour,
            lw=2,
            linestyle=style,
        )
    )


def attention_figure(image: Any, hole: Any, result: dict[str, Any]) -> plt.Figure:
    """Three panels: the image (hole greyed, the position's patch dashed cyan, the best patch
    green); the attention heatmap over patch centres (unknown patches grey); the true and
    the pasted 3x3 patch, enlarged. ``result`` comes from :func:`position_attention`."""
    picture = np.array(as_numpy(image), dtype=np.float64)
    if picture.ndim == 3 and picture.shape[0] in (1, 3) and picture.shape[-1] not in (1, 3):
        picture = np.moveaxis(picture, 0, -1)
    mask = as_numpy(hole).astype(bool)
    size = result["pasted_patch"].shape[-1]
    shown = picture.copy()
    shown[mask] = 0.5 * shown[mask] + 0.25  # grey veil over the hole
    fig, axes = plt.subplots(
        1, 3, figsize=(12, 3.6), gridspec_kw={"width_ratios": [1.0, 1.15, 0.75]}
    )
    show_image(shown, "hole (veiled), position (cyan), best (green)", ax=axes[0])
    _box(axes[0], result["position"], size, "cyan", "--")
    _box(axes[0], result["best"], size, "lime")
    heat = np.where(result["known"], result["heatmap"], np.nan)
    cmap = plt.get_cmap("magma").with_extremes(bad="0.75")
    im = axes[1].imshow(heat, cmap=cmap, vmin=0.0)
    fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.03)
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    peak = float(np.nanmax(heat))
    axes[1].set_title(f"attention, lambda = {result['scale']:g} (max {peak:.3f})")
    _box(axes[1], result["best"], size, "lime")
    pair = np.concatenate(
        [
            np.moveaxis(result["true_patch"], 0, -1),
            np.ones((size, 1, result["true_patch"].shape[0])),
            np.moveaxis(result["pasted_patch"], 0, -1),
        ],
        axis=1,
    )
    show_image(np.clip(pair, 0.0, 1.0), "true patch | pasted patch", ax=axes[2])
    fig.tight_layout()
    return fig


# -- thin ipywidgets shell ----------------------------------------------------------------------


def attention_view(
    image: Any, mask: np.ndarray, row: int, col: int, scale: float
) -> list[plt.Figure | str]:
    """What the attention widget shows for one hole position: :func:`attention_figure` and
    the pasted pixel next to the true one, or a message for a known pixel.

    Inputs: image (3, H, W) or (H, W, 3), mask (H, W) bool, a position, the softmax scale.
    """
    if not mask[row, col]:
        return [f"({row}, {col}) is a known pixel: pick a position inside the hole"]
    result = position_attention(image, mask, row, col, scale)
    half = result["true_patch"].shape[-1] // 2
    true_pixel = result["true_patch"][:, half, half]
    return [
        attention_figure(image, mask, result),
        f"pasted pixel {np.round(result['pasted_pixel'], 3)}, "
        f"pixel in the image {np.round(true_pixel, 3)}",
    ]


def make_attention_widget(image: Any, hole: Any, scale: float = 10.0) -> Any:
    """Sliders for a position inside the hole's bounding box and for the softmax scale
    (log slider, 0.1 to 1000); shows :func:`attention_view`. Returns a ``WidgetShell``."""
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    mask = as_numpy(hole).astype(bool)
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        raise ValueError("the hole is empty: nothing to fill")
    controls = {
        "row": widgets.IntSlider(
            value=int(np.median(rows)), min=int(rows.min()), max=int(rows.max()), description="row"
        ),
        "col": widgets.IntSlider(
            value=int(np.median(cols)), min=int(cols.min()), max=int(cols.max()), description="col"
        ),
        "scale": widgets.FloatLogSlider(
            value=scale, base=10, min=-1, max=3, step=0.1, description="lambda"
        ),
    }
    return WidgetShell(controls, lambda **v: attention_view(image, mask, **v))
