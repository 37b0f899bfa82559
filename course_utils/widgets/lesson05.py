"""Lesson 5 (Winograd): follow one tile through the transforms; tiles, fractions, conditioning.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson05.py`` and ``tests/test_demos_*.py``):

* :func:`fraction_latex` -- an exact transform matrix as a LaTeX ``bmatrix``;
* :func:`transform_stats` -- largest entries and condition numbers of AT, G, BT for F(m, r);
* :func:`tile_grid` -- the tile geometry of one image: output size, tile counts, padded size;
* :func:`plot_tile_layout` -- overlapping n x n input tiles and the m x m output tiles they give;
* :func:`follow_tile` -- one tile through input transform, element-wise product, output transform;
* :func:`plot_tile_trace` -- the matrices of :func:`follow_tile` as heatmaps.

Thin shell: :func:`make_tile_widget` wires a tile-size menu and two tile sliders to
:func:`follow_tile` and :func:`plot_tile_trace`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course_utils.demos.tiles import (
    follow_tile,
    fraction_latex,
    tile_grid,
    transform_stats,
)
from course_utils.viz import SIGNED_CMAP

__all__ = [
    "follow_tile",
    "fraction_latex",
    "make_tile_widget",
    "plot_tile_layout",
    "plot_tile_trace",
    "tile_grid",
    "tile_limits",
    "transform_stats",
]

TILE_COLOURS = ("tab:red", "tab:blue", "tab:green", "tab:orange")


# ---------------------------------------------------------------------------------------
# Exact matrices and their conditioning
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# Tiles over an image
# ---------------------------------------------------------------------------------------


def _pixel_grid(ax: plt.Axes, rows: int, cols: int) -> None:
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="0.85", lw=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_aspect("equal")


def plot_tile_layout(
    height: int,
    width: int,
    m: int,
    r: int = 3,
    padding: int = 1,
    tiles: Sequence[tuple[int, int]] = ((0, 0), (0, 1), (1, 0), (1, 1)),
) -> plt.Figure:
    """Left: the zero-padded input with some n x n input tiles; right: their m x m outputs.

    Grey pixels are the image, white ones the convolution's zero padding, hatched ones the
    extra zeros that complete partial border tiles (and the outputs that get cropped).

    Inputs:
    - height, width: image size; m: outputs per tile; r: filter size; padding: zero padding
    - tiles: (tile_row, tile_col) pairs to draw (at most 4 colours; out-of-range ones skipped)

    Returns the Figure (two axes).
    """
    geo = tile_grid(height, width, m, r, padding)
    n = geo["n"]
    fig, (ax_in, ax_out) = plt.subplots(
        1, 2, figsize=(9, 4.6), gridspec_kw={"width_ratios": [geo["padded_w"], geo["tiles_w"] * m]}
    )
    canvas = np.zeros((geo["padded_h"], geo["padded_w"]))
    canvas[: height + 2 * padding, : width + 2 * padding] = 0.08
    canvas[padding : padding + height, padding : padding + width] = 0.25
    ax_in.imshow(canvas, cmap="Greys", vmin=0, vmax=1)
    _pixel_grid(ax_in, geo["padded_h"], geo["padded_w"])
    _hatch_outside(
        ax_in, height + 2 * padding, width + 2 * padding, geo["padded_h"], geo["padded_w"]
    )
    out_canvas = np.zeros((geo["tiles_h"] * m, geo["tiles_w"] * m))
    out_canvas[: geo["out_h"], : geo["out_w"]] = 0.25
    ax_out.imshow(out_canvas, cmap="Greys", vmin=0, vmax=1)
    _pixel_grid(ax_out, *out_canvas.shape)
    _hatch_outside(ax_out, geo["out_h"], geo["out_w"], *out_canvas.shape)
    for index, (colour, (row, col)) in enumerate(zip(TILE_COLOURS, tiles, strict=False)):
        if not (0 <= row < geo["tiles_h"] and 0 <= col < geo["tiles_w"]):
            continue
        inset = 0.06 * (index + 1)  # keeps overlapping outlines apart
        for ax, size in ((ax_in, n), (ax_out, m)):
            corner = (col * m - 0.5, row * m - 0.5)
            ax.add_patch(Rectangle(corner, size, size, fill=True, fc=colour, alpha=0.22, lw=0))
            ax.add_patch(
                Rectangle(
                    (corner[0] + inset, corner[1] + inset),
                    size - 2 * inset,
                    size - 2 * inset,
                    fill=False,
                    ec=colour,
                    lw=2.2,
                )
            )
    ax_in.set_title(f"padded input: {n}×{n} tiles advance by m = {m} (overlap {r - 1})")
    ax_out.set_title(f"output: {m}×{m} tiles ({geo['tiles_h']}×{geo['tiles_w']} of them)")
    fig.tight_layout()
    return fig


def _hatch_outside(ax: plt.Axes, rows: int, cols: int, total_rows: int, total_cols: int) -> None:
    """Hatch the region below row ``rows`` and right of column ``cols``."""
    style = {"fill": False, "hatch": "///", "ec": "0.6", "lw": 0}
    if total_rows > rows:
        ax.add_patch(Rectangle((-0.5, rows - 0.5), total_cols, total_rows - rows, **style))
    if total_cols > cols:
        ax.add_patch(Rectangle((cols - 0.5, -0.5), total_cols - cols, rows, **style))


# ---------------------------------------------------------------------------------------
# One tile through the algorithm
# ---------------------------------------------------------------------------------------


def _heatmap(ax: plt.Axes, mat: np.ndarray, title: str, numbers: bool) -> None:
    limit = float(np.abs(mat).max()) or 1.0
    ax.imshow(mat, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    if numbers:
        for (i, j), value in np.ndenumerate(mat):
            colour = "white" if abs(value) > 0.6 * limit else "black"
            text = cell_text(value, limit)
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{title}\nmax |value| {limit:.2g}", fontsize=10)


def cell_text(value: float, limit: float) -> str:
    """A heatmap cell's number: 2 significant digits; round-off far below the panel's largest
    value (|value| <= 1e-9 * limit, e.g. 1e-18 left by exact cancellations) is written as 0."""
    if abs(value) <= 1e-9 * limit:
        return "0"
    return f"{value:.2g}"


def plot_tile_trace(trace: dict[str, Any], numbers: bool | None = None) -> plt.Figure:
    """Heatmaps of one tile's journey (the dict of :func:`follow_tile`).

    Top row: the padded image with the input tile (solid) and its output tile (dashed), the
    input tile d, and V = BT d BT^T. Bottom row: U = G g G^T, M = U * V, Y = AT M AT^T, and the
    direct result for comparison. Signed colour maps, centred on zero, one scale per panel
    (its largest absolute value is in the panel's title).
    ``numbers`` writes values in the cells (default: when n <= 6).
    """
    n, m = trace["n"], trace["m"]
    numbers = n <= 6 if numbers is None else numbers
    fig, axes = plt.subplots(2, 4, figsize=(12, 6.6))
    top, left = trace["origin"]
    ax = axes[0, 0]
    ax.imshow(trace["padded"], cmap="gray")
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), n, n, fill=False, ec="tab:red", lw=2))
    ax.add_patch(
        Rectangle((left - 0.5, top - 0.5), m, m, fill=False, ec="tab:orange", lw=1.5, ls="--")
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"tile ({top // m}, {left // m}) of {trace['tiles_h']}×{trace['tiles_w']}")
    axes[0, 3].axis("off")
    error = float(np.abs(trace["Y"] - trace["direct"]).max())
    axes[0, 3].text(
        0.0,
        0.5,
        f"F({m}×{m}, {n - m + 1}×{n - m + 1})\n"
        f"tile n×n = {n}×{n}\n"
        f"{n * n} multiplications (U ⊙ V)\n"
        f"direct: {m * m}·{(n - m + 1) ** 2} = {m * m * (n - m + 1) ** 2}\n"
        f"max |Y − direct| = {error:.1e}",
        va="center",
        fontsize=10,
        family="monospace",
    )
    panels = [
        (axes[0, 1], trace["d"], f"input tile d ({n}×{n})"),
        (axes[0, 2], trace["V"], r"$V = B^T d\, B$"),
        (axes[1, 0], trace["U"], r"$U = G g\, G^T$ (once per filter)"),
        (axes[1, 1], trace["M"], r"$M = U \odot V$"),
        (axes[1, 2], trace["Y"], rf"$Y = A^T M A$ ({m}×{m})"),
        (axes[1, 3], trace["direct"], "direct correlation"),
    ]
    for panel_ax, mat, title in panels:
        _heatmap(panel_ax, mat, title, numbers)
    fig.tight_layout()
    return fig


def tile_limits(
    image_hw: tuple[int, int], r: int, padding: int, m: int, **_: int
) -> dict[str, dict[str, int]]:
    """Maxima of the tile row and column sliders for F(m x m, r x r) over an (H, W) image."""
    geo = tile_grid(*image_hw, m, r, padding)
    return {"row": {"max": geo["tiles_h"] - 1}, "col": {"max": geo["tiles_w"] - 1}}


def make_tile_widget(image: np.ndarray, kernel: np.ndarray, padding: int = 1) -> Any:
    """Pick m and a tile; the figure of :func:`plot_tile_trace` follows it.

    Inputs: image (H, W), kernel (r, r), the zero padding. Returns a ``WidgetShell``; a new m
    moves the tile sliders' maxima and redraws once.
    """
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    controls = {
        "m": widgets.Dropdown(options=[2, 3, 4, 5, 6], value=4, description="m"),
        "row": widgets.IntSlider(value=0, min=0, max=1, description="tile row"),
        "col": widgets.IntSlider(value=0, min=0, max=1, description="tile col"),
    }
    image_hw, r = np.shape(image), np.shape(kernel)[0]
    return WidgetShell(
        controls,
        lambda m, row, col: plot_tile_trace(follow_tile(image, kernel, m, row, col, padding)),
        limits=lambda **v: tile_limits(image_hw, r, padding, **v),
    )
