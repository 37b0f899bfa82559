"""Lesson 5 (Winograd): follow one tile through the transforms; tiles, fractions, conditioning.

Pure functions (tested in ``tests/test_widgets_lesson05.py``):

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
from fractions import Fraction
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course_utils.conv.winograd import winograd_transforms
from course_utils.viz import SIGNED_CMAP

__all__ = [
    "fraction_latex",
    "transform_stats",
    "tile_grid",
    "plot_tile_layout",
    "follow_tile",
    "plot_tile_trace",
    "make_tile_widget",
]

TILE_COLOURS = ("tab:red", "tab:blue", "tab:green", "tab:orange")


# ---------------------------------------------------------------------------------------
# Exact matrices and their conditioning
# ---------------------------------------------------------------------------------------


def _fraction_tex(value: Fraction) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\tfrac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def fraction_latex(matrix: np.ndarray, name: str | None = None) -> str:
    """An exact matrix as LaTeX, e.g. ``A^T = \\begin{bmatrix} 1 & \\tfrac{1}{2} \\end{bmatrix}``.

    Inputs:
    - matrix: 2-D array of fractions.Fraction (or ints), shape (rows, cols)
    - name: optional left-hand side, e.g. ``"A^T"``

    Returns:
    - the LaTeX source (no surrounding ``$``).
    """
    mat = np.asarray(matrix, dtype=object)
    if mat.ndim != 2:
        raise ValueError(f"fraction_latex needs a 2-D matrix, got shape {mat.shape}")
    rows = [" & ".join(_fraction_tex(Fraction(v)) for v in row) for row in mat]
    body = "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"
    return f"{name} = {body}" if name else body


def transform_stats(m: int, r: int = 3, points: Sequence | None = None) -> dict[str, float]:
    """How large and how ill-conditioned the transforms of F(m, r) are.

    Inputs:
    - m: outputs per tile; r: filter taps; points: interpolation points (None: defaults)

    Returns a dict with:
    - m, n: outputs per tile and tile size n = m + r - 1
    - max_AT, max_G, max_BT: largest absolute entry of each matrix
    - cond_AT, cond_G, cond_BT: 2-norm condition numbers (ratio of extreme singular values;
      AT is m x n and G is n x r, so theirs are those of a rectangular matrix)
    """
    at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(m, r, points))
    stats: dict[str, float] = {"m": m, "n": m + r - 1}
    for name, mat in (("AT", at), ("G", g_mat), ("BT", bt)):
        stats[f"max_{name}"] = float(np.abs(mat).max())
        stats[f"cond_{name}"] = float(np.linalg.cond(mat))
    return stats


# ---------------------------------------------------------------------------------------
# Tiles over an image
# ---------------------------------------------------------------------------------------


def tile_grid(height: int, width: int, m: int, r: int = 3, padding: int = 0) -> dict[str, int]:
    """Geometry of Winograd F(m x m, r x r) tiles over one (H, W) image, stride 1.

    Output tile (t, u) covers outputs [t m, t m + m) x [u m, u m + m); it is computed from the
    input tile padded[t m : t m + n, u m : u m + n] (n = m + r - 1): input tiles advance by m
    and neighbours overlap by r - 1 rows/columns. Border tiles that stick out of the output
    are computed on zeros and cropped.

    Returns a dict with n, out_h, out_w, tiles_h = ceil(out_h / m), tiles_w, tiles (their
    product), padded_h = tiles_h * m + r - 1, padded_w (the zero-padded input the tiles read).
    """
    n = m + r - 1
    out_h, out_w = height + 2 * padding - r + 1, width + 2 * padding - r + 1
    if min(m, r, out_h, out_w) < 1:
        raise ValueError(
            f"need m, r >= 1 and a filter that fits: H={height}, W={width}, r={r}, "
            f"padding={padding}, m={m}"
        )
    tiles_h, tiles_w = -(-out_h // m), -(-out_w // m)
    return {
        "n": n,
        "out_h": out_h,
        "out_w": out_w,
        "tiles_h": tiles_h,
        "tiles_w": tiles_w,
        "tiles": tiles_h * tiles_w,
        "padded_h": tiles_h * m + r - 1,
        "padded_w": tiles_w * m + r - 1,
    }


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


def follow_tile(
    image: np.ndarray, kernel: np.ndarray, m: int, tile_row: int, tile_col: int, padding: int = 1
) -> dict[str, Any]:
    """Compute one output tile of a single-channel convolution with Winograd F(m x m, r x r).

    Inputs:
    - image: (H, W) float array; kernel: (r, r) float array (cross-correlation, like F.conv2d)
    - m: outputs per tile side; tile_row, tile_col: which tile (0-based)
    - padding: zero padding of the convolution

    Returns a dict with:
    - padded: (padded_h, padded_w) the zero-padded image the tiles read (see tile_grid)
    - origin: (row, col) of the tile's top-left pixel in ``padded`` (= tile index * m)
    - d: (n, n) input tile;  V = BT d BT^T: (n, n) input transform
    - U = G g G^T: (n, n) filter transform;  M = U * V: (n, n) element-wise product
    - Y = AT M AT^T: (m, m) output tile;  direct: (m, m) the same outputs by the definition
    - AT (m, n), G (n, r), BT (n, n): the float64 transforms;  m, n, tiles_h, tiles_w
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"need image (H, W) and kernel (r, r), got {image.shape}, {kernel.shape}")
    r = kernel.shape[0]
    geo = tile_grid(*image.shape, m, r, padding)
    if not (0 <= tile_row < geo["tiles_h"] and 0 <= tile_col < geo["tiles_w"]):
        raise ValueError(
            f"tile ({tile_row}, {tile_col}) is outside the {geo['tiles_h']}x{geo['tiles_w']} grid"
        )
    padded = np.zeros((geo["padded_h"], geo["padded_w"]))
    padded[padding : padding + image.shape[0], padding : padding + image.shape[1]] = image
    at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(m, r))
    n, top, left = geo["n"], tile_row * m, tile_col * m
    d = padded[top : top + n, left : left + n]
    v = bt @ d @ bt.T
    u = g_mat @ kernel @ g_mat.T
    prod = u * v
    direct = np.array(
        [[np.sum(d[i : i + r, j : j + r] * kernel) for j in range(m)] for i in range(m)]
    )
    return {
        "padded": padded,
        "origin": (top, left),
        "d": d.copy(),
        "V": v,
        "U": u,
        "M": prod,
        "Y": at @ prod @ at.T,
        "direct": direct,
        "AT": at,
        "G": g_mat,
        "BT": bt,
        "m": m,
        "n": n,
        "tiles_h": geo["tiles_h"],
        "tiles_w": geo["tiles_w"],
    }


def _heatmap(ax: plt.Axes, mat: np.ndarray, title: str, numbers: bool) -> None:
    limit = float(np.abs(mat).max()) or 1.0
    ax.imshow(mat, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    if numbers:
        for (i, j), value in np.ndenumerate(mat):
            colour = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{title}\nmax |value| {limit:.2g}", fontsize=9)


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


def make_tile_widget(image: np.ndarray, kernel: np.ndarray, padding: int = 1) -> Any:
    """Pick m and a tile; the figure of :func:`plot_tile_trace` follows it. Returns a VBox."""
    import ipywidgets as widgets
    from IPython.display import display

    m_menu = widgets.Dropdown(options=[2, 3, 4, 5, 6], value=4, description="m")
    row = widgets.IntSlider(value=0, min=0, max=1, description="tile row")
    col = widgets.IntSlider(value=0, min=0, max=1, description="tile col")
    out = widgets.Output()

    def limits(m: int) -> None:
        geo = tile_grid(*np.shape(image), m, np.shape(kernel)[0], padding)
        row.max, col.max = geo["tiles_h"] - 1, geo["tiles_w"] - 1

    def draw(*_: Any) -> None:
        with out:
            out.clear_output(wait=True)
            trace = follow_tile(image, kernel, m_menu.value, row.value, col.value, padding)
            fig = plot_tile_trace(trace)
            display(fig)
            plt.close(fig)

    def on_m(change: dict) -> None:
        limits(change["new"])
        draw()

    limits(m_menu.value)
    m_menu.observe(on_m, names="value")
    row.observe(draw, names="value")
    col.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([m_menu, row, col]), out])
