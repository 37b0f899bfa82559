"""Overlap counts of fold(unfold(.)) and patch matching by conv2d (lesson 04).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson04`),
tested in ``tests/test_demos_matching.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.viz import as_numpy

__all__ = [
    "NORM_FLOOR",
    "best_match",
    "cosine_similarity_map",
    "match_patch",
    "overlap_count",
    "overlap_mask",
    "raw_similarity_map",
]


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
