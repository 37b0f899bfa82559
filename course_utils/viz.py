"""One plotting style for the whole course: images, batches, kernels, feature maps, matrices.

Every function accepts NumPy arrays or torch tensors, returns the matplotlib ``Figure`` (or the
``Axes`` it drew on) so lessons can add to it, and raises ``ValueError`` for shapes it cannot show.

Layouts understood:

* an image: ``(H, W)`` grey, ``(H, W, 3|4)`` colour (channels last), or ``(3, H, W)`` (torch's
  channels first);
* a batch: ``(N, H, W)``, ``(N, H, W, 3)`` or ``(N, C, H, W)`` with C in {1, 3};
* kernels: ``(kh, kw)``, ``(K, kh, kw)`` or ``(K, C, kh, kw)`` (shown as K·C small maps);
* feature maps: ``(C, H, W)`` or ``(1, C, H, W)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Colormap

COURSE_STYLE = {
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.interpolation": "nearest",
    "font.size": 10,
    "legend.frameon": False,
}
IMAGE_CMAP = "gray"
PHOTO_DPI = 85  # use_course_style(photos=True): a little smaller, for lessons full of photos
SIGNED_CMAP = "RdBu_r"  # kernels and feature maps: red positive, blue negative, white zero


def use_course_style(photos: bool = False) -> None:
    """Apply the course's matplotlib style (lessons call this once at the top).

    ``photos=True`` (a lesson whose figures are mostly photographs) draws at
    :data:`PHOTO_DPI` and makes the notebook store its figures as JPEG, several times smaller
    than PNG for photos, so the lesson stays light with all its outputs."""
    mpl.rcParams.update(COURSE_STYLE)
    if photos:
        mpl.rcParams["figure.dpi"] = PHOTO_DPI
        _store_figures_as_jpeg()


def _store_figures_as_jpeg(quality: int = 65) -> None:
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - no IPython: nothing is stored
        return
    if get_ipython() is not None:
        set_matplotlib_formats("jpeg", pil_kwargs={"quality": quality})


def as_numpy(array: Any) -> np.ndarray:
    """A NumPy copy of an array or a torch tensor (detached, on the CPU)."""
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def to_hwc(image: Any) -> np.ndarray:
    """An image as ``(H, W)`` or ``(H, W, C)``; converts channels-first ``(C, H, W)``."""
    img = as_numpy(image)
    if img.ndim == 3 and img.shape[0] in (1, 3, 4) and img.shape[-1] not in (1, 3, 4):
        img = np.moveaxis(img, 0, -1)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] not in (3, 4)):
        raise ValueError(
            f"cannot show an array of shape {img.shape} as an image: "
            "expected (H, W), (H, W, 3), (H, W, 4) or (3, H, W)"
        )
    return img


def show_image(
    image: Any,
    title: str | None = None,
    ax: plt.Axes | None = None,
    cmap: str | None = None,
    signed: bool = False,
) -> plt.Axes:
    """Draw one image without axes ticks. ``signed=True`` centres a diverging colour map on 0."""
    img = to_hwc(image)
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    kwargs: dict[str, Any] = {}
    if img.ndim == 2:
        kwargs["cmap"] = cmap or (SIGNED_CMAP if signed else IMAGE_CMAP)
        if signed:
            limit = float(np.abs(img).max()) or 1.0
            kwargs.update(vmin=-limit, vmax=limit)
    elif img.dtype.kind == "f":
        img = np.clip(img, 0.0, 1.0)
    ax.imshow(img, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def show_grid(
    images: Sequence[Any],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    suptitle: str | None = None,
    signed: bool = False,
    size: float = 2.2,
) -> plt.Figure:
    """A titled grid of images; the building block of the other ``show_*`` functions."""
    count = len(images)
    if count == 0:
        raise ValueError("nothing to show: the list of images is empty")
    if titles is not None and len(titles) != count:
        raise ValueError(f"{count} images but {len(titles)} titles")
    ncols = ncols or min(count, 8)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False
    )
    for index, ax in enumerate(axes.flat):
        if index < count:
            show_image(images[index], titles[index] if titles else None, ax=ax, signed=signed)
        else:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    fig.tight_layout()
    return fig


def show_batch(batch: Any, titles: Sequence[str] | None = None, **kwargs: Any) -> plt.Figure:
    """A batch ``(N, H, W)``, ``(N, H, W, 3)`` or ``(N, C, H, W)`` as a grid."""
    array = as_numpy(batch)
    if array.ndim not in (3, 4):
        raise ValueError(f"a batch must have 3 or 4 dimensions, got shape {array.shape}")
    return show_grid(list(array), titles, **kwargs)


def show_kernels(weights: Any, suptitle: str | None = "kernels", **kwargs: Any) -> plt.Figure:
    """Kernels ``(kh, kw)``, ``(K, kh, kw)`` or ``(K, C, kh, kw)`` with a signed colour map."""
    w = as_numpy(weights)
    if w.ndim == 2:
        w = w[None]
    if w.ndim == 4:
        k, c = w.shape[:2]
        titles = [f"out {i}, in {j}" for i in range(k) for j in range(c)]
        return show_grid(
            list(w.reshape(k * c, *w.shape[2:])),
            titles,
            suptitle=suptitle,
            signed=True,
            ncols=c if c > 1 else None,
            **kwargs,
        )
    if w.ndim != 3:
        raise ValueError(f"kernels must be (kh, kw), (K, kh, kw) or (K, C, kh, kw); got {w.shape}")
    titles = [f"kernel {i}" for i in range(len(w))]
    return show_grid(list(w), titles, suptitle=suptitle, signed=True, **kwargs)


def show_feature_maps(
    maps: Any, suptitle: str | None = "feature maps", **kwargs: Any
) -> plt.Figure:
    """Feature maps ``(C, H, W)`` or ``(1, C, H, W)``, one panel per channel."""
    array = as_numpy(maps)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"feature maps must be (C, H, W) or (1, C, H, W); got {array.shape}")
    titles = [f"channel {i}" for i in range(len(array))]
    return show_grid(list(array), titles, suptitle=suptitle, signed=True, **kwargs)


def _matrix_colours(
    m: np.ndarray, vmin: float | None, vmax: float | None
) -> tuple[str, float | None, float | None]:
    """Blues for non-negative values; for signed ones the diverging map, symmetric about 0."""
    finite = m[np.isfinite(m)] if np.issubdtype(m.dtype, np.floating) else m
    if finite.size == 0 or finite.min() >= 0:
        return "Blues", vmin, vmax
    limit = float(np.abs(finite).max())
    return SIGNED_CMAP, -limit if vmin is None else vmin, limit if vmax is None else vmax


def _unsigned_zero(text: str) -> str:
    """ "-0", "-0.0", "-0.00" -> without the minus sign (a value that rounds to zero)."""
    return text[1:] if re.fullmatch(r"-0(\.0*)?", text) else text


def show_matrix(
    matrix: Any,
    ax: plt.Axes | None = None,
    title: str | None = None,
    fmt: str = "{:.0f}",
    highlight: Any = None,
    cmap: str | Colormap | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> plt.Axes:
    """A small matrix with its numbers written in the cells; ``highlight`` is a boolean mask
    (same shape) of cells to outline in red -- used to show patches, columns and products.
    ``cmap`` defaults to a sequential map ("Blues") for non-negative values and to the
    diverging :data:`SIGNED_CMAP` centred on 0 when some value is negative. ``vmin``/``vmax``
    fix the colour scale; each number is written in white on dark cells and in black on light
    ones, and a value that rounds to zero is written without a sign."""
    m = as_numpy(matrix)
    if m.ndim != 2:
        raise ValueError(f"show_matrix needs a 2-D array, got shape {m.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * m.shape[1] + 1, 0.45 * m.shape[0] + 1))
    if cmap is None:
        cmap, vmin, vmax = _matrix_colours(m, vmin, vmax)
    image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax)
    for (i, j), value in np.ndenumerate(m):
        shade = float(np.mean(image.cmap(image.norm(value))[:3]))  # cell brightness, 0..1
        colour = "white" if shade < 0.5 else "black"
        text = _unsigned_zero(fmt.format(value))
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=colour)
    if highlight is not None:
        mask = as_numpy(highlight).astype(bool)
        if mask.shape != m.shape:
            raise ValueError(f"highlight has shape {mask.shape}, matrix has {m.shape}")
        for i, j in zip(*np.nonzero(mask), strict=True):
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=2))
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax
