"""Lesson 03 (im2col): which input pixels end up in which column of the patch matrix.

Pure functions compute everything (index matrices, masks, figures); the widget only wires
sliders to :func:`draw_im2col`.

* :func:`source_indices` -- the column matrix of an (H, W) image whose pixel values are their
  own flat indices: entry ``[r, l]`` says which input pixel column ``l`` holds in row ``r``
  (``-1`` for a zero of the padding).
* :func:`patch_mask`, :func:`column_mask` -- the patch of one output pixel in the padded image,
  and its column in the matrix.
* :func:`draw_im2col` -- both side by side, colour-coded by source pixel.
* :func:`stride_selection_masks`, :func:`draw_stride_bug` -- which output pixels a correct
  strided im2col keeps, and which ones ``cols[:, ::stride]`` keeps instead.
* :func:`make_im2col_widget` -- the thin ipywidgets shell.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from course_utils.demos.im2col_index import (
    column_index,
    column_mask,
    output_shape,
    padded_indices,
    patch_mask,
    source_indices,
    stride_selection_masks,
)
from course_utils.viz import show_matrix

__all__ = [
    "column_index",
    "column_mask",
    "draw_im2col",
    "draw_stride_bug",
    "im2col_limits",
    "im2col_view",
    "make_im2col_widget",
    "output_shape",
    "padded_indices",
    "patch_mask",
    "pixel_colours",
    "source_indices",
    "stride_selection_masks",
]

PAD_LABEL = "·"  # how an entry copied from the zero padding is written in the figures


def pixel_colours(num_pixels: int) -> ListedColormap:
    """One light colour per input pixel (``tab20`` up to 20 pixels, a lightened ``turbo``
    beyond); entries that came from the padding are drawn light grey ("bad" values)."""
    if num_pixels <= 20:
        colours = plt.get_cmap("tab20")(np.arange(num_pixels))
        colours[:, :3] = 0.7 * colours[:, :3] + 0.3  # light enough for black digits
    else:
        colours = plt.get_cmap("turbo")(np.linspace(0.05, 0.95, num_pixels))
        colours[:, :3] = 0.45 * colours[:, :3] + 0.55  # light enough for black digits
    return ListedColormap(colours).with_extremes(bad="0.92")


def _draw_labels(
    ax: plt.Axes, labels: np.ndarray, num_pixels: int, highlight: np.ndarray | None, title: str
) -> plt.Axes:
    """show_matrix of pixel indices, coloured by index, padding entries written as a dot."""
    values = np.where(labels < 0, np.nan, labels.astype(np.float64))
    show_matrix(values, ax=ax, title=title, highlight=highlight, cmap=pixel_colours(num_pixels))
    ax.images[-1].set_clim(-0.5, num_pixels - 0.5)
    for text in ax.texts:
        if text.get_text() == "nan":
            text.set_text(PAD_LABEL)
            text.set_fontsize(14)
        text.set_color("black")
    return ax


def draw_im2col(
    height: int = 4,
    width: int = 4,
    kernel: int = 3,
    stride: int = 1,
    padding: int = 0,
    out_row: int | None = 0,
    out_col: int | None = 0,
) -> plt.Figure:
    """The padded image (each pixel labelled with its flat index) next to its im2col matrix.

    Every entry of the matrix carries the index and colour of the input pixel it was copied
    from. If ``out_row`` and ``out_col`` are given, the patch of that output pixel is outlined
    in the image and its column in the matrix. Returns the figure (two axes).
    """
    out_h, out_w = output_shape(height, width, kernel, stride, padding)
    labels = padded_indices(height, width, padding)
    cols = source_indices(height, width, kernel, stride, padding)
    image_highlight = matrix_highlight = None
    title_suffix = ""
    if out_row is not None and out_col is not None:
        image_highlight = patch_mask(height, width, kernel, out_row, out_col, stride, padding)
        column = column_index(out_row, out_col, out_w)
        matrix_highlight = column_mask(cols.shape, column)
        title_suffix = f"\noutput pixel ({out_row}, {out_col}) = column {column}"
    image_w = 0.5 * labels.shape[1] + 1.0
    matrix_w = 0.5 * cols.shape[1] + 1.0
    fig, (ax_image, ax_cols) = plt.subplots(
        1,
        2,
        figsize=(image_w + matrix_w, 0.5 * max(labels.shape[0], cols.shape[0]) + 1.4),
        gridspec_kw={"width_ratios": [labels.shape[1], cols.shape[1]]},
    )
    _draw_labels(
        ax_image,
        labels,
        height * width,
        image_highlight,
        f"padded input {labels.shape[0]}×{labels.shape[1]} (pixel index)" + title_suffix,
    )
    _draw_labels(
        ax_cols,
        cols,
        height * width,
        matrix_highlight,
        f"im2col matrix {cols.shape[0]}×{cols.shape[1]}\n"
        f"(k·k = {cols.shape[0]} rows, Ho·Wo = {out_h}·{out_w} columns)",
    )
    ax_cols.set_xlabel("column l = i·Wo + j (output pixel)")
    ax_cols.set_ylabel("row r = u·k + v (kernel tap)")
    fig.tight_layout()
    return fig


def draw_stride_bug(
    height: int = 5, width: int = 5, kernel: int = 3, stride: int = 2
) -> plt.Figure:
    """Two panels over the stride-1 output grid: the pixels a correct strided im2col keeps,
    and the ones ``[:, ::stride]`` keeps. Each cell shows its column index ``i*Wo1 + j``."""
    correct, sliced = stride_selection_masks(height, width, kernel, stride)
    grid = np.arange(correct.size).reshape(correct.shape)
    fig, axes = plt.subplots(1, 2, figsize=(1.0 + 1.1 * correct.shape[1], 1.0 + 0.55 * len(grid)))
    titles = (
        f"correct: rows and columns ::{stride}\n{int(correct.sum())} columns",
        f"cols[:, ::{stride}]\n{int(sliced.sum())} columns",
    )
    for ax, mask, title in zip(axes, (correct, sliced), titles, strict=True):
        show_matrix(mask.astype(np.float64), ax=ax, title=title, highlight=mask, cmap="Greys")
        ax.images[-1].set_clim(0.0, 4.0)  # kept cells light grey, the others white
        for text, index, keep in zip(ax.texts, grid.ravel(), mask.ravel(), strict=True):
            text.set_text(str(index))
            text.set_color("black")
            text.set_alpha(1.0 if keep else 0.3)
        ax.set_xlabel("j (stride-1 output column)")
    axes[0].set_ylabel("i (stride-1 output row)")
    fig.suptitle(
        f"{height}×{width} image, {kernel}×{kernel} kernel, stride {stride}", fontweight="bold"
    )
    fig.tight_layout()
    return fig


def im2col_view(
    height: int, width: int, kernel: int, stride: int, padding: int, out_row: int, out_col: int
) -> plt.Figure | str:
    """What the im2col widget shows: :func:`draw_im2col`, or why there is no output."""
    try:
        output_shape(height, width, kernel, stride, padding)
    except ValueError as error:
        return f"No output: {error}"
    return draw_im2col(height, width, kernel, stride, padding, out_row, out_col)


def im2col_limits(
    height: int, width: int, kernel: int, stride: int, padding: int, **_: int
) -> dict[str, dict[str, int]]:
    """Maxima of the output-pixel sliders: the output size less one ({} when none)."""
    try:
        out_h, out_w = output_shape(height, width, kernel, stride, padding)
    except ValueError:
        return {}
    return {"out_row": {"max": out_h - 1}, "out_col": {"max": out_w - 1}}


def make_im2col_widget() -> Any:
    """Sliders for the geometry and the output pixel, wired to :func:`im2col_view`.

    Returns a :class:`~course_utils.widgets.shell.WidgetShell`; the output-pixel sliders'
    maxima follow :func:`im2col_limits`.
    """
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    style = {"description_width": "90px"}

    def slider(description: str, value: int, low: int, high: int) -> widgets.IntSlider:
        return widgets.IntSlider(
            value=value, min=low, max=high, description=description, style=style
        )

    geometry = {
        "height": slider("image H", 4, 1, 7),
        "width": slider("image W", 4, 1, 7),
        "kernel": slider("kernel k", 3, 1, 4),
        "stride": slider("stride", 1, 1, 3),
        "padding": slider("padding", 0, 0, 2),
    }
    pixel = {"out_row": slider("output row", 0, 0, 1), "out_col": slider("output col", 0, 0, 1)}
    layout = widgets.HBox(
        [widgets.VBox(list(geometry.values())), widgets.VBox(list(pixel.values()))]
    )
    return WidgetShell({**geometry, **pixel}, im2col_view, limits=im2col_limits, layout=layout)
