"""Lesson 04 demos: overlap counts of ``fold(unfold(.))`` and patch matching with ``conv2d``.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson04.py`` and ``tests/test_demos_*.py``):

* :func:`overlap_count` -- how many patches cover each pixel, ``fold(unfold(ones))``;
* :func:`overlap_figure` -- count maps for several (kernel, stride, padding) choices;
* :func:`cosine_similarity_map` / :func:`raw_similarity_map` -- a patch compared with every
  window of an image, computed by ``conv2d`` with the patch as the kernel;
* :func:`overlap_mask`, :func:`best_match`, :func:`match_patch` -- where a patch matches best;
* :func:`match_figure` -- the image, the two similarity maps and the best matches.

Thin shells: :func:`make_overlap_widget` and :func:`make_patch_match_widget` only wire sliders
to those functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from course_utils.demos.matching import (
    best_match,
    cosine_similarity_map,
    match_patch,
    overlap_count,
    overlap_mask,
    raw_similarity_map,
)
from course_utils.viz import as_numpy, show_image, show_matrix

__all__ = [
    "best_match",
    "cosine_similarity_map",
    "make_overlap_widget",
    "make_patch_match_widget",
    "match_figure",
    "match_patch",
    "overlap_count",
    "overlap_figure",
    "overlap_mask",
    "patch_match_view",
    "raw_similarity_map",
]

#: A window whose energy per pixel is below this (or a patch whose norm is) scores 0, not NaN.


def overlap_figure(
    size: tuple[int, int], configs: Sequence[tuple[int, int, int]], size_inches: float = 2.6
) -> plt.Figure:
    """One count map per ``(kernel, stride, padding)`` in ``configs``, numbers in the cells.

    Returns the matplotlib Figure (one panel per configuration).
    """
    if not configs:
        raise ValueError("configs must list at least one (kernel, stride, padding) triple")
    fig, axes = plt.subplots(
        1, len(configs), figsize=(size_inches * len(configs), size_inches + 0.4), squeeze=False
    )
    for ax, (kernel, stride, padding) in zip(axes[0], configs, strict=True):
        count = overlap_count(size, kernel, stride, padding)
        show_matrix(
            count,
            ax=ax,
            title=f"k={kernel}, s={stride}, p={padding}",
            highlight=count == 0,
        )
    fig.suptitle("patches covering each pixel: fold(unfold(ones))", fontweight="bold")
    fig.tight_layout()
    return fig


def _box(ax: plt.Axes, corner: tuple[int, int], size: int, colour: str, style: str = "-") -> None:
    row, col = corner
    ax.add_patch(
        plt.Rectangle(
            (col - 0.5, row - 0.5), size, size, fill=False, ec=colour, lw=2, linestyle=style
        )
    )


def _mark(ax: plt.Axes, corner: tuple[int, int], colour: str) -> None:
    ax.plot(corner[1], corner[0], marker="x", color=colour, markersize=9, mew=2.5)


def match_figure(image: Any, result: dict[str, Any]) -> plt.Figure:
    """Image with the source patch (dashed yellow), the best normalised match (green) and the
    best raw-correlation match (red); next to it both similarity maps with their maxima.
    ``result`` is the dict of :func:`match_patch`. Returns the Figure."""
    size = result["patch"].shape[0]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.9))
    show_image(image, title="yellow: source, green: normalised, red: raw", ax=axes[0])
    _box(axes[0], result["source"], size, "gold", "--")
    _box(axes[0], result["best_raw"], size, "red")
    _box(axes[0], result["best_normalised"], size, "lime")
    name = "zero-mean NCC" if result["zero_mean"] else "cosine similarity"
    for ax, key, title, colour in (
        (axes[1], "normalised", f"normalised: {name}", "lime"),
        (axes[2], "raw", "raw correlation <window, patch>", "red"),
    ):
        shown = np.array(result[key], dtype=np.float64)
        if result["excluded"] is not None:
            shown[result["excluded"]] = np.nan
        im = ax.imshow(shown, cmap="viridis")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        _mark(ax, result["best_" + key], colour)
    fig.tight_layout()
    return fig


# -- thin ipywidgets shells -------------------------------------------------------------------


def make_overlap_widget(size: tuple[int, int] = (9, 9)) -> Any:
    """Sliders for kernel, stride and padding; shows :func:`overlap_figure` for one choice.

    Returns a :class:`~course_utils.widgets.shell.WidgetShell`.
    """
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    controls = {
        "kernel": widgets.IntSlider(value=3, min=1, max=min(size), description="kernel"),
        "stride": widgets.IntSlider(value=1, min=1, max=5, description="stride"),
        "padding": widgets.IntSlider(value=0, min=0, max=2, description="padding"),
    }
    return WidgetShell(
        controls,
        lambda kernel, stride, padding: overlap_figure(
            size, [(kernel, stride, padding)], size_inches=4.0
        ),
    )


def patch_match_view(
    image: np.ndarray, top: int, left: int, size: int, zero_mean: bool, exclude_own: bool
) -> plt.Figure:
    """:func:`match_figure` of :func:`match_patch` for a patch kept inside the (H, W) image
    (``top`` and ``left`` are lowered as far as ``size`` needs)."""
    height, width = image.shape
    top, left = min(top, height - size), min(left, width - size)
    return match_figure(image, match_patch(image, top, left, size, zero_mean, exclude_own))


def make_patch_match_widget(image: Any, size: int = 12) -> Any:
    """Sliders for the patch position and size, checkboxes "zero-mean" and "exclude its own
    neighbourhood"; shows :func:`patch_match_view`. Returns a ``WidgetShell``."""
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    img = as_numpy(image)
    height, width = img.shape
    largest = min(height, width) // 2
    controls = {
        "top": widgets.IntSlider(value=height // 2, min=0, max=height - 2, description="top"),
        "left": widgets.IntSlider(value=width // 2, min=0, max=width - 2, description="left"),
        "size": widgets.IntSlider(value=size, min=2, max=largest, description="size"),
        "zero_mean": widgets.Checkbox(value=True, description="zero-mean"),
        "exclude_own": widgets.Checkbox(value=False, description="exclude own neighbourhood"),
    }
    layout = widgets.VBox(
        [
            widgets.HBox([controls[key] for key in ("top", "left", "size")]),
            widgets.HBox([controls["zero_mean"], controls["exclude_own"]]),
        ]
    )
    return WidgetShell(controls, lambda **v: patch_match_view(img, **v), layout=layout)
