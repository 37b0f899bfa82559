"""Lesson 04 demos: overlap counts of ``fold(unfold(.))`` and patch matching with ``conv2d``.

Pure functions (tested in ``tests/test_widgets_lesson04.py``):

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
import torch
import torch.nn.functional as F

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
    "raw_similarity_map",
]

#: A window whose energy per pixel is below this (or a patch whose norm is) scores 0, not NaN.
NORM_FLOOR = 1e-12


def overlap_count(
    size: tuple[int, int], kernel_size: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """How many sliding windows cover each pixel: ``fold(unfold(ones))``.

    Inputs:
    - size: (H, W) of the image.
    - kernel_size, stride, padding: the window geometry (ints, same on both axes).

    Returns an int64 array of shape (H, W). Pixels no window reaches (stride > kernel,
    or a stride that does not divide evenly) count 0.
    """
    ones = torch.ones(1, 1, *size, dtype=torch.float64)
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    cols = F.unfold(ones, **geometry)  # (1, kh*kw, L)
    count = F.fold(cols, output_size=size, **geometry)  # (1, 1, H, W)
    return count[0, 0].round().to(torch.int64).numpy()


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


def _as_image_tensor(array: Any, name: str) -> torch.Tensor:
    tensor = torch.as_tensor(as_numpy(array), dtype=torch.float64)
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be 2-D (H, W), got shape {tuple(tensor.shape)}")
    return tensor


def raw_similarity_map(image: Any, patch: Any) -> np.ndarray:
    """Plain correlation of ``patch`` with every window of ``image`` (``conv2d``, patch = kernel).

    Inputs: image (H, W), patch (ph, pw) with ph <= H, pw <= W (arrays or tensors).
    Returns float64 array (H - ph + 1, W - pw + 1); entry (i, j) is
    ``sum(image[i:i+ph, j:j+pw] * patch)``.
    """
    img, kernel = _as_image_tensor(image, "image"), _as_image_tensor(patch, "patch")
    return F.conv2d(img[None, None], kernel[None, None])[0, 0].numpy()


def cosine_similarity_map(image: Any, patch: Any, zero_mean: bool = False) -> np.ndarray:
    """Normalised cross-correlation of ``patch`` with every window of ``image``, via ``conv2d``.

    ``zero_mean=False``: cosine similarity ``<x_ij, p> / (||x_ij|| * ||p||)`` (the score of
    contextual attention). ``zero_mean=True``: the same after subtracting the mean of the
    window and of the patch (Pearson correlation, classic template matching); invariant to
    brightness *offsets* as well as gains. The window sums come from ``conv2d`` with a
    kernel of ones, so each map costs two or three convolutions.

    Inputs: image (H, W), patch (ph, pw). Returns float64 array (H - ph + 1, W - pw + 1),
    values in [-1, 1]; windows (or a patch) with zero norm score 0.
    """
    img, kernel = _as_image_tensor(image, "image"), _as_image_tensor(patch, "patch")
    ones = torch.ones_like(kernel)[None, None]
    if zero_mean:
        kernel = kernel - kernel.mean()
    dots = F.conv2d(img[None, None], kernel[None, None])[0, 0]
    energy = F.conv2d(img[None, None] ** 2, ones)[0, 0]
    if zero_mean:
        sums = F.conv2d(img[None, None], ones)[0, 0]
        energy = energy - sums**2 / kernel.numel()
    # windows with (almost) no energy -- flat, or black -- have no direction: score 0
    ok = (energy > NORM_FLOOR * kernel.numel()) & (kernel.norm() > NORM_FLOOR)
    denominator = energy.clamp_min(NORM_FLOOR).sqrt() * kernel.norm().clamp_min(NORM_FLOOR)
    similarity = torch.where(ok, dots / denominator, 0.0)
    return similarity.clamp(-1.0, 1.0).numpy()


def overlap_mask(
    map_shape: tuple[int, int], top: int, left: int, patch_hw: tuple[int, int]
) -> np.ndarray:
    """Boolean (Ho, Wo) mask of window positions whose window overlaps the patch at (top, left).

    Used to look for the best match *elsewhere* (as contextual attention borrows from
    the known region, never from the hole itself).
    """
    rows = np.arange(map_shape[0])[:, None]
    cols = np.arange(map_shape[1])[None, :]
    ph, pw = patch_hw
    return (np.abs(rows - top) < ph) & (np.abs(cols - left) < pw)


def best_match(similarity: np.ndarray, excluded: np.ndarray | None = None) -> tuple[int, int]:
    """(row, col) of the largest entry of a 2-D ``similarity`` map, skipping ``excluded``."""
    scores = np.array(similarity, dtype=np.float64)
    if excluded is not None:
        if excluded.all():
            raise ValueError("every position is excluded: nothing left to match")
        scores[excluded] = -np.inf
    row, col = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(row), int(col)


def match_patch(
    image: Any, top: int, left: int, size: int, zero_mean: bool = True, exclude_own: bool = False
) -> dict[str, Any]:
    """Cut a ``size`` x ``size`` patch at (top, left) and look for it in the whole image.

    Returns a dict with
    - ``patch``: (size, size) float64 array;
    - ``normalised``: :func:`cosine_similarity_map` (with ``zero_mean``), and ``raw``:
      :func:`raw_similarity_map`, both (H - size + 1, W - size + 1);
    - ``best_normalised`` / ``best_raw``: (row, col) of their maxima (top-left corners);
    - ``source``: (top, left); ``zero_mean``; ``excluded``: the mask of windows that overlap
      the source (None unless ``exclude_own``).
    """
    img = as_numpy(image).astype(np.float64)
    height, width = img.shape
    if not (1 <= size <= min(height, width)):
        raise ValueError(f"size must be in [1, {min(height, width)}], got {size}")
    if not (0 <= top <= height - size and 0 <= left <= width - size):
        raise ValueError(f"the patch at ({top}, {left}) of size {size} leaves the image")
    patch = img[top : top + size, left : left + size]
    normalised = cosine_similarity_map(img, patch, zero_mean=zero_mean)
    raw = raw_similarity_map(img, patch)
    excluded = overlap_mask(raw.shape, top, left, (size, size)) if exclude_own else None
    if excluded is not None and excluded.all():
        excluded = None  # the patch overlaps every window: nothing else to compare with
    return {
        "patch": patch,
        "normalised": normalised,
        "raw": raw,
        "best_normalised": best_match(normalised, excluded),
        "best_raw": best_match(raw, excluded),
        "source": (top, left),
        "zero_mean": zero_mean,
        "excluded": excluded,
    }


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
    """Sliders for kernel, stride and padding; shows :func:`overlap_figure` for one choice."""
    import ipywidgets as widgets

    controls = {
        "kernel": widgets.IntSlider(value=3, min=1, max=min(size), description="kernel"),
        "stride": widgets.IntSlider(value=1, min=1, max=5, description="stride"),
        "padding": widgets.IntSlider(value=0, min=0, max=2, description="padding"),
    }

    def draw(kernel: int, stride: int, padding: int) -> None:
        overlap_figure(size, [(kernel, stride, padding)], size_inches=4.0)
        plt.show()

    output = widgets.interactive_output(draw, controls)
    return widgets.VBox([widgets.HBox(list(controls.values())), output])


def make_patch_match_widget(image: Any, size: int = 12) -> Any:
    """Sliders for the patch position and size, checkboxes "zero-mean" and "exclude its own
    neighbourhood"; shows :func:`match_figure` of :func:`match_patch`."""
    import ipywidgets as widgets

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

    def draw(top: int, left: int, size: int, zero_mean: bool, exclude_own: bool) -> None:
        top, left = min(top, height - size), min(left, width - size)
        match_figure(img, match_patch(img, top, left, size, zero_mean, exclude_own))
        plt.show()

    output = widgets.interactive_output(draw, controls)
    sliders = widgets.HBox([controls[key] for key in ("top", "left", "size")])
    boxes = widgets.HBox([controls["zero_mean"], controls["exclude_own"]])
    return widgets.VBox([sliders, boxes, output])
