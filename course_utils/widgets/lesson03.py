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

from course_utils.conv import conv_output_size, im2col
from course_utils.viz import show_matrix

__all__ = [
    "column_index",
    "column_mask",
    "draw_im2col",
    "draw_stride_bug",
    "make_im2col_widget",
    "output_shape",
    "padded_indices",
    "patch_mask",
    "pixel_colours",
    "source_indices",
    "stride_selection_masks",
]

PAD_LABEL = "·"  # how an entry copied from the zero padding is written in the figures


def output_shape(
    height: int, width: int, kernel: int, stride: int = 1, padding: int = 0
) -> tuple[int, int]:
    """(Ho, Wo) of a square ``kernel`` sliding over an (H, W) image.

    Raises ``ValueError`` (from ``conv_output_size``) when the kernel does not fit in the
    padded image.

    >>> output_shape(4, 4, 3)
    (2, 2)
    """
    return (
        conv_output_size(height, kernel, stride, padding),
        conv_output_size(width, kernel, stride, padding),
    )


def padded_indices(height: int, width: int, padding: int = 0) -> np.ndarray:
    """Flat index of every pixel of the zero-padded image, ``-1`` in the padding.

    Returns an int array of shape (H + 2p, W + 2p); the inner (H, W) block is
    ``arange(H*W).reshape(H, W)``.
    """
    labels = np.full((height + 2 * padding, width + 2 * padding), -1, dtype=np.int64)
    labels[padding : padding + height, padding : padding + width] = np.arange(
        height * width
    ).reshape(height, width)
    return labels


def source_indices(
    height: int, width: int, kernel: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Which input pixel every entry of the im2col matrix is a copy of.

    Inputs:
    - height, width: image size (H, W); kernel: side k of a square kernel;
    - stride (>= 1), padding (>= 0): ints, the same in both directions.

    Returns an int array of shape (k*k, Ho*Wo): entry ``[u*k + v, i*Wo + j]`` is the flat
    index ``y*W + x`` of the input pixel at padded position ``(i*stride + u, j*stride + v)``,
    or ``-1`` if that position lies in the zero padding. It is ``im2col`` applied to the
    image of indices (the padding value shifted to -1).
    """
    labels = padded_indices(height, width, 0).astype(np.float64) + 1.0  # padding zeros -> 0
    cols = im2col(labels, kernel, stride=stride, padding=padding)
    return cols.astype(np.int64) - 1


def column_index(out_row: int, out_col: int, out_width: int) -> int:
    """Column of the im2col matrix that holds output pixel (out_row, out_col): row-major.

    >>> column_index(1, 0, 2)
    2
    """
    if not 0 <= out_col < out_width or out_row < 0:
        raise ValueError(
            f"output pixel ({out_row}, {out_col}) is outside an output of width {out_width}"
        )
    return out_row * out_width + out_col


def patch_mask(
    height: int,
    width: int,
    kernel: int,
    out_row: int,
    out_col: int,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """Boolean mask of shape (H + 2p, W + 2p): the patch that output pixel (out_row, out_col)
    reads, in the coordinates of the padded image."""
    out_h, out_w = output_shape(height, width, kernel, stride, padding)
    if not (0 <= out_row < out_h and 0 <= out_col < out_w):
        raise ValueError(
            f"output pixel ({out_row}, {out_col}) is outside the {out_h}x{out_w} output"
        )
    mask = np.zeros((height + 2 * padding, width + 2 * padding), dtype=bool)
    top, left = out_row * stride, out_col * stride
    mask[top : top + kernel, left : left + kernel] = True
    return mask


def column_mask(shape: tuple[int, int], column: int) -> np.ndarray:
    """Boolean mask of a matrix of ``shape`` (rows, L) that is True on column ``column``."""
    mask = np.zeros(shape, dtype=bool)
    mask[:, column] = True
    return mask


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


def stride_selection_masks(
    height: int, width: int, kernel: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which stride-1 output pixels a stride-``stride`` im2col needs, and which ones
    ``cols_stride1[:, ::stride]`` keeps.

    Both are boolean arrays of shape (Ho1, Wo1), the stride-1 output grid (no padding).
    The correct selection keeps every ``stride``-th row *and* column of that grid; slicing
    the flattened column index keeps every ``stride``-th pixel in row-major order instead.
    """
    out_h, out_w = output_shape(height, width, kernel)
    correct = np.zeros((out_h, out_w), dtype=bool)
    correct[::stride, ::stride] = True
    sliced = np.zeros(out_h * out_w, dtype=bool)
    sliced[::stride] = True
    return correct, sliced.reshape(out_h, out_w)


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


def make_im2col_widget() -> Any:
    """Sliders for the geometry and the output pixel, wired to :func:`draw_im2col`.

    Returns an ``ipywidgets.VBox``. The only logic in the shell is keeping the output-pixel
    sliders inside the output (their maxima follow :func:`output_shape`).
    """
    import ipywidgets as widgets

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
    out = widgets.Output()
    state = {"adjusting": False}

    def redraw(_: Any = None) -> None:
        if state["adjusting"]:  # a slider maximum is being moved below; one redraw follows
            return
        values = {name: control.value for name, control in geometry.items()}
        with out:
            out.clear_output(wait=True)
            try:
                out_h, out_w = output_shape(**values)
            except ValueError as error:
                print(f"No output: {error}")
                return
            state["adjusting"] = True
            try:
                pixel["out_row"].max, pixel["out_col"].max = out_h - 1, out_w - 1
            finally:
                state["adjusting"] = False
            draw_im2col(**values, out_row=pixel["out_row"].value, out_col=pixel["out_col"].value)
            plt.show()

    for control in (*geometry.values(), *pixel.values()):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [
            widgets.HBox(
                [widgets.VBox(list(geometry.values())), widgets.VBox(list(pixel.values()))]
            ),
            out,
        ]
    )
