"""Lesson 01 demos: slide a kernel over a small image and look inside one output pixel.

Pure functions (tested in ``tests/test_widgets_lesson01.py``):

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

from course_utils.conv import conv2d_direct, conv_output_size, pad2d
from course_utils.viz import show_matrix

__all__ = [
    "Geometry",
    "demo_image_and_kernel",
    "draw_geometry",
    "draw_window_products",
    "make_window_widget",
    "output_shape_or_none",
    "tap_positions",
    "window_products",
]


def tap_positions(
    i: int, j: int, kernel_hw: tuple[int, int], stride: int = 1, dilation: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the *padded* input that output pixel ``(i, j)`` reads.

    Output ``(i, j)`` multiplies kernel tap ``(u, v)`` with padded-input pixel
    ``(i*stride + u*dilation, j*stride + v*dilation)``.

    Inputs:
    - i, j: output row and column (>= 0).
    - kernel_hw: kernel size (kh, kw).
    - stride, dilation: integers >= 1 (the same along both axes).

    Returns ``(rows, cols)``: integer arrays of shape (kh,) and (kw,).

    >>> tap_positions(1, 0, (2, 3), stride=2, dilation=2)
    (array([2, 4]), array([0, 2, 4]))
    """
    kernel_h, kernel_w = kernel_hw
    rows = i * stride + dilation * np.arange(kernel_h)
    cols = j * stride + dilation * np.arange(kernel_w)
    return rows, cols


def output_shape_or_none(
    in_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> tuple[int, int] | None:
    """(Ho, Wo) of the convolution, or ``None`` when the dilated kernel does not fit.

    Inputs: in_hw = (H, W), kernel_hw = (kh, kw); stride, padding, dilation as integers.
    """
    try:
        return (
            conv_output_size(in_hw[0], kernel_hw[0], stride, padding, dilation),
            conv_output_size(in_hw[1], kernel_hw[1], stride, padding, dilation),
        )
    except ValueError:
        return None


def window_products(
    x: np.ndarray,
    w: np.ndarray,
    i: int,
    j: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> dict[str, Any]:
    """Everything that goes into output pixel ``(i, j)`` of a 2-D cross-correlation.

    Inputs:
    - x: image of shape (H, W); w: kernel of shape (kh, kw).
    - i, j: the output position, ``0 <= i < Ho``, ``0 <= j < Wo``.
    - stride, padding, dilation: integers (same along both axes), as in ``conv2d``.

    Returns a dict with
    - ``"padded"``: the zero-padded image, shape (H + 2p, W + 2p);
    - ``"rows"``, ``"cols"``: the padded-input rows (kh,) and columns (kw,) that are read;
    - ``"window"``: those pixels, shape (kh, kw);
    - ``"products"``: ``window * w``, shape (kh, kw);
    - ``"sum"``: the output value (a float), the sum of the products;
    - ``"output"``: the whole output, shape (Ho, Wo) (so ``output[i, j] == sum``).

    Raises ``ValueError`` if the kernel does not fit or ``(i, j)`` is outside the output.
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    output = conv2d_direct(x, w, stride=stride, padding=padding, dilation=dilation)
    out_h, out_w = output.shape
    if not (0 <= i < out_h and 0 <= j < out_w):
        raise ValueError(f"output position ({i}, {j}) is outside the {out_h}x{out_w} output")
    padded = pad2d(x, padding)
    rows, cols = tap_positions(i, j, w.shape, stride, dilation)
    window = padded[np.ix_(rows, cols)]
    products = window * w
    return {
        "padded": padded,
        "rows": rows,
        "cols": cols,
        "window": window,
        "products": products,
        "sum": float(products.sum()),
        "output": output,
    }


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
    widths = [padded.shape[1], w.shape[1], w.shape[1], output.shape[1]]
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
    show_matrix(w, ax=axes[1], title="kernel", cmap="Oranges")
    show_matrix(parts["products"], ax=axes[2], title="window × kernel", cmap="Greens")
    out_mask = np.zeros(output.shape, dtype=bool)
    out_mask[i, j] = True
    show_matrix(
        output, ax=axes[3], title=f"output ({i}, {j}) = {parts['sum']:g}", highlight=out_mask
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


def demo_image_and_kernel(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small integer image (5, 6) and an asymmetric 3x3 integer kernel for the demos.

    Small integers keep every product readable in the figures. Returns float64 arrays
    of shapes (5, 6) and (3, 3).
    """
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 10, size=(5, 6)).astype(np.float64)
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [0.0, 1.0, 0.0]])
    return image, kernel


def make_window_widget(x: np.ndarray | None = None, w: np.ndarray | None = None) -> Any:
    """Sliders (output row/column, stride, padding, dilation) over :func:`draw_window_products`.

    Inputs: x (H, W) and w (kh, kw); defaults from :func:`demo_image_and_kernel`.
    Returns an ``ipywidgets.VBox`` (display it in a notebook).
    """
    import ipywidgets as widgets

    if x is None or w is None:
        x, w = demo_image_and_kernel()
    style = {"description_width": "70px"}
    row = widgets.IntSlider(0, 0, 0, description="out row", style=style)
    col = widgets.IntSlider(0, 0, 0, description="out col", style=style)
    stride = widgets.IntSlider(1, 1, 3, description="stride", style=style)
    padding = widgets.IntSlider(0, 0, 2, description="padding", style=style)
    dilation = widgets.IntSlider(1, 1, 3, description="dilation", style=style)
    out = widgets.Output()

    updating = {"now": False}  # setting a slider's max may change its value: draw once only

    def redraw(_: Any = None) -> None:
        if updating["now"]:
            return
        shape = output_shape_or_none(x.shape, w.shape, stride.value, padding.value, dilation.value)
        updating["now"] = True
        try:
            if shape is not None:
                row.max, col.max = shape[0] - 1, shape[1] - 1
        finally:
            updating["now"] = False
        with out:
            out.clear_output(wait=True)
            if shape is None:
                print("The dilated kernel does not fit in the padded input: add padding.")
                return
            draw_window_products(
                x, w, row.value, col.value, stride.value, padding.value, dilation.value
            )
            plt.show()

    for slider in (row, col, stride, padding, dilation):
        slider.observe(redraw, names="value")
    redraw()
    controls = widgets.HBox([widgets.VBox([row, col]), widgets.VBox([stride, padding, dilation])])
    return widgets.VBox([controls, out])
