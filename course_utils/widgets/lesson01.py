"""Lesson 01 demos: slide a kernel over a small image and look inside one output pixel.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson01.py`` and ``tests/test_demos_*.py``):

* :func:`tap_positions` -- which padded-input rows and columns an output pixel reads;
* :func:`window_products` -- the window, the element-wise products and their sum for one
  output pixel, given stride, padding and dilation;
* :func:`draw_window_products` -- a figure of the same (input, kernel, products, output);
* :func:`draw_geometry` -- side-by-side panels showing what stride, padding and dilation do.

:func:`make_window_widget` is a thin ``ipywidgets`` shell: sliders for the output position,
stride, padding and dilation, wired to :func:`draw_window_products`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course_utils.demos.windows import (
    demo_image_and_kernel,
    output_shape_or_none,
    tap_positions,
    window_products,
)
from course_utils.viz import show_matrix

__all__ = [
    "Geometry",
    "demo_image_and_kernel",
    "draw_geometry",
    "draw_window_products",
    "make_window_widget",
    "window_limits",
    "window_view",
    "output_shape_or_none",
    "tap_positions",
    "window_products",
]


def _mask(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Boolean array of ``shape`` that is True at every (row, col) pair of the grid."""
    mask = np.zeros(shape, dtype=bool)
    mask[np.ix_(rows, cols)] = True
    return mask


def draw_window_products(
    x: np.ndarray,
    w: np.ndarray,
    i: int,
    j: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> plt.Figure:
    """Four panels: padded input (window in red), kernel, products, output (pixel in red).

    Inputs as for :func:`window_products`. Returns the matplotlib Figure.
    """
    parts = window_products(x, w, i, j, stride, padding, dilation)
    padded, output = parts["padded"], parts["output"]
    # at least 3 cells wide each, so a 1x1 output's title does not run into its neighbour's
    widths = [max(3, n) for n in (padded.shape[1], w.shape[1], w.shape[1], output.shape[1])]
    fig, axes = plt.subplots(
        1,
        4,
        figsize=(0.42 * sum(widths) + 2.5, 0.42 * padded.shape[0] + 1.2),
        gridspec_kw={"width_ratios": widths},
    )
    show_matrix(
        padded,
        axes[0],
        f"input, padding {padding}",
        highlight=_mask(padded.shape, parts["rows"], parts["cols"]),
    )
    if padding:
        height, width = x.shape
        axes[0].add_patch(
            Rectangle((padding - 0.5, padding - 0.5), width, height, fill=False, ls="--", lw=1)
        )
    show_matrix(w, ax=axes[1], title="kernel")  # signed values: diverging colours about 0
    show_matrix(parts["products"], ax=axes[2], title="window × kernel")
    out_mask = np.zeros(output.shape, dtype=bool)
    out_mask[i, j] = True
    show_matrix(
        output, ax=axes[3], title=f"output ({i}, {j})\n= {parts['sum']:g}", highlight=out_mask
    )
    fig.suptitle(f"stride {stride}, padding {padding}, dilation {dilation}", fontweight="bold")
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class Geometry:
    """One panel of :func:`draw_geometry`: a convolution's hyper-parameters and a caption."""

    stride: int = 1
    padding: int = 0
    dilation: int = 1
    caption: str = ""


DEFAULT_GEOMETRIES = (
    Geometry(caption="stride 1"),
    Geometry(stride=2, caption="stride 2"),
    Geometry(padding=1, caption="padding 1"),
    Geometry(dilation=2, caption="dilation 2"),
)


def _draw_grid(
    ax: plt.Axes,
    in_hw: tuple[int, int],
    padding: int,
    taps: tuple[np.ndarray, np.ndarray],
    frame: int,
) -> None:
    """Input cells (blue), padding cells (white, dashed), taps of two outputs (red, hatched).

    ``taps`` are two boolean masks over the padded input; ``frame`` is the largest padding
    drawn in the figure, so every panel's input cells sit at the same place and size.
    """
    height, width = in_hw[0] + 2 * padding, in_hw[1] + 2 * padding
    shift = frame - padding
    for r in range(height):
        for c in range(width):
            inside = padding <= r < height - padding and padding <= c < width - padding
            ax.add_patch(
                Rectangle(
                    (c + shift, r + shift),
                    1,
                    1,
                    facecolor="#cfe3f5" if inside else "white",
                    edgecolor="#7a9cc0" if inside else "#bbbbbb",
                    ls="-" if inside else "--",
                )
            )
    first, second = taps
    for r, c in zip(*np.nonzero(first), strict=True):
        ax.add_patch(
            Rectangle((c + shift + 0.1, r + shift + 0.1), 0.8, 0.8, color="#d62728", alpha=0.75)
        )
    for r, c in zip(*np.nonzero(second), strict=True):
        ax.add_patch(
            Rectangle(
                (c + shift + 0.1, r + shift + 0.1),
                0.8,
                0.8,
                fill=False,
                hatch="///",
                ec="#1f77b4",
                lw=1.5,
            )
        )
    ax.set_xlim(-0.2, in_hw[1] + 2 * frame + 0.2)
    ax.set_ylim(in_hw[0] + 2 * frame + 0.2, -0.2)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_geometry(
    in_hw: tuple[int, int] = (6, 6),
    kernel_hw: tuple[int, int] = (3, 3),
    geometries: Sequence[Geometry] = DEFAULT_GEOMETRIES,
) -> plt.Figure:
    """What stride, padding and dilation do, one panel per :class:`Geometry`.

    Each panel shows the (padded) input grid; red squares are the pixels read by output
    (0, 0), hatched blue squares those read by its right neighbour (0, 1). The title gives
    the output size from ``conv_output_size``.

    Inputs:
    - in_hw: input size (H, W); kernel_hw: kernel size (kh, kw).
    - geometries: the settings to draw (each must give an output at least 1 pixel wide).

    Returns the matplotlib Figure (one axes per geometry).
    """
    fig, axes = plt.subplots(1, len(geometries), figsize=(2.7 * len(geometries), 3.1))
    axes = np.atleast_1d(axes)
    frame = max(geo.padding for geo in geometries)
    for ax, geo in zip(axes, geometries, strict=True):
        shape = output_shape_or_none(in_hw, kernel_hw, geo.stride, geo.padding, geo.dilation)
        if shape is None:
            raise ValueError(f"the kernel does not fit for {geo}")
        padded_hw = (in_hw[0] + 2 * geo.padding, in_hw[1] + 2 * geo.padding)
        first = _mask(padded_hw, *tap_positions(0, 0, kernel_hw, geo.stride, geo.dilation))
        second = np.zeros(padded_hw, dtype=bool)
        if shape[1] > 1:
            second = _mask(padded_hw, *tap_positions(0, 1, kernel_hw, geo.stride, geo.dilation))
        _draw_grid(ax, in_hw, geo.padding, (first, second), frame)
        caption = geo.caption or f"s={geo.stride}, p={geo.padding}, d={geo.dilation}"
        ax.set_title(f"{caption}\n{in_hw[0]}×{in_hw[1]} → {shape[0]}×{shape[1]}")
    fig.suptitle(
        f"{kernel_hw[0]}×{kernel_hw[1]} kernel: pixels read by output (0, 0) (red) "
        "and (0, 1) (hatched)",
        fontweight="bold",
    )
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


def window_view(
    x: np.ndarray, w: np.ndarray, row: int, col: int, stride: int, padding: int, dilation: int
) -> plt.Figure | str:
    """What the window widget shows for one setting: :func:`draw_window_products`, or a
    message when the dilated kernel does not fit (inputs as for :func:`window_products`)."""
    if output_shape_or_none(x.shape, w.shape, stride, padding, dilation) is None:
        return "The dilated kernel does not fit in the padded input: add padding."
    return draw_window_products(x, w, row, col, stride, padding, dilation)


def window_limits(
    in_hw: tuple[int, int], kernel_hw: tuple[int, int], stride: int, padding: int, dilation: int
) -> dict[str, dict[str, int]]:
    """Maxima of the output row and column sliders: the output size less one (unchanged, {},
    when the kernel does not fit)."""
    shape = output_shape_or_none(in_hw, kernel_hw, stride, padding, dilation)
    if shape is None:
        return {}
    return {"row": {"max": shape[0] - 1}, "col": {"max": shape[1] - 1}}


def make_window_widget(x: np.ndarray | None = None, w: np.ndarray | None = None) -> Any:
    """Sliders (output row/column, stride, padding, dilation) over :func:`window_view`.

    Inputs: x (H, W) and w (kh, kw); defaults from :func:`demo_image_and_kernel`.
    Returns a :class:`~course_utils.widgets.shell.WidgetShell` (display it in a notebook).
    """
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    if x is None or w is None:
        x, w = demo_image_and_kernel()
    style = {"description_width": "70px"}
    controls = {
        "row": widgets.IntSlider(0, 0, 0, description="out row", style=style),
        "col": widgets.IntSlider(0, 0, 0, description="out col", style=style),
        "stride": widgets.IntSlider(1, 1, 3, description="stride", style=style),
        "padding": widgets.IntSlider(0, 0, 2, description="padding", style=style),
        "dilation": widgets.IntSlider(1, 1, 3, description="dilation", style=style),
    }
    names = list(controls)
    layout = widgets.HBox(
        [
            widgets.VBox([controls[n] for n in names[:2]]),
            widgets.VBox([controls[n] for n in names[2:]]),
        ]
    )
    return WidgetShell(
        controls,
        lambda **v: window_view(x, w, **v),
        limits=lambda row, col, **geo: window_limits(x.shape, w.shape, **geo),
        layout=layout,
    )
