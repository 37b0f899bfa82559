"""Hole masks for inpainting: random boxes and free-form brush strokes.

Every function draws an independent mask for each sample of the batch (a batch never
shares one mask). Masks are boolean arrays of shape (N, H, W) with True = hole.
"""

from __future__ import annotations

import math

import numpy as np


def _check_sizes(batch: int, height: int, width: int) -> None:
    if batch < 1 or height < 2 or width < 2:
        raise ValueError(f"need batch >= 1 and height, width >= 2, got {batch}, {height}, {width}")


def random_bbox_mask(
    batch: int,
    height: int,
    width: int,
    min_size: int | tuple[int, int] = 16,
    max_size: int | tuple[int, int] = 32,
    margin: int = 0,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """One random axis-aligned box hole per sample.

    Box height and width are drawn uniformly from [min_size, max_size] (an int or a
    (height, width) pair); the box lies at least ``margin`` pixels inside the image.
    Use min_size == max_size for a fixed box size (e.g. 32x32 in a 64x64 crop).

    Returns: bool array of shape (batch, height, width), True inside each box.
    """
    _check_sizes(batch, height, width)
    rng = np.random.default_rng(rng)
    min_h, min_w = (min_size, min_size) if isinstance(min_size, int) else min_size
    max_h, max_w = (max_size, max_size) if isinstance(max_size, int) else max_size
    if not (1 <= min_h <= max_h and 1 <= min_w <= max_w):
        raise ValueError(f"need 1 <= min_size <= max_size, got {min_size}, {max_size}")
    if max_h + 2 * margin > height or max_w + 2 * margin > width:
        raise ValueError(
            f"box up to {max_h}x{max_w} with margin {margin} does not fit in {height}x{width}"
        )
    masks = np.zeros((batch, height, width), dtype=bool)
    for sample in range(batch):
        box_h = int(rng.integers(min_h, max_h + 1))
        box_w = int(rng.integers(min_w, max_w + 1))
        top = int(rng.integers(margin, height - margin - box_h + 1))
        left = int(rng.integers(margin, width - margin - box_w + 1))
        masks[sample, top : top + box_h, left : left + box_w] = True
    return masks


def _one_free_form(
    height: int,
    width: int,
    rng: np.random.Generator,
    max_strokes: int,
    max_vertices: int,
    max_width: int,
) -> np.ndarray:
    import cv2

    canvas = np.zeros((height, width), dtype=np.uint8)
    reach = 0.25 * min(height, width)  # typical segment length
    for _ in range(int(rng.integers(1, max_strokes + 1))):
        x, y = float(rng.uniform(0, width)), float(rng.uniform(0, height))
        brush = int(rng.integers(max(2, max_width // 3), max_width + 1))
        angle = float(rng.uniform(0, 2 * math.pi))
        for _ in range(int(rng.integers(1, max_vertices + 1))):
            angle += float(rng.uniform(-math.pi / 3, math.pi / 3))
            length = float(rng.uniform(0.3, 1.0)) * reach
            nx = float(np.clip(x + length * math.cos(angle), 0, width - 1))
            ny = float(np.clip(y + length * math.sin(angle), 0, height - 1))
            cv2.line(canvas, (round(x), round(y)), (round(nx), round(ny)), 1, brush)
            cv2.circle(canvas, (round(nx), round(ny)), brush // 2, 1, -1)
            x, y = nx, ny
    return canvas.astype(bool)


def free_form_mask(
    batch: int,
    height: int,
    width: int,
    max_strokes: int = 4,
    max_vertices: int = 5,
    max_width: int | None = None,
    max_hole_fraction: float = 0.5,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Random brush strokes (polylines of thick lines with round joints) per sample.

    ``max_width`` defaults to min(height, width) // 6. A drawing that covers more than
    ``max_hole_fraction`` of the image, or nothing, is redrawn.

    Returns: bool array of shape (batch, height, width), True on the strokes.
    """
    _check_sizes(batch, height, width)
    if not 0.0 < max_hole_fraction <= 1.0:
        raise ValueError(f"max_hole_fraction must be in (0, 1], got {max_hole_fraction}")
    rng = np.random.default_rng(rng)
    max_width = max(2, min(height, width) // 6) if max_width is None else max_width
    masks = np.zeros((batch, height, width), dtype=bool)
    for sample in range(batch):
        for _ in range(100):
            drawn = _one_free_form(height, width, rng, max_strokes, max_vertices, max_width)
            if 0 < drawn.mean() <= max_hole_fraction:
                break
        masks[sample] = drawn
    return masks


def check_box_range(box_range: tuple[float, float]) -> tuple[float, float]:
    """``box_range`` = (low, high) box sides as fractions of the image side, checked:
    0 < low <= high <= 1, else ValueError. Returns it unchanged."""
    low, high = box_range
    if not 0.0 < low <= high <= 1.0:
        raise ValueError(f"box_range must satisfy 0 < low <= high <= 1, got {box_range}")
    return low, high


def mixed_mask(
    batch: int,
    height: int,
    width: int,
    box_fraction: float = 0.5,
    rng: np.random.Generator | int | None = None,
    box_range: tuple[float, float] = (0.25, 0.625),
) -> np.ndarray:
    """Training masks: each sample is a box (probability ``box_fraction``) or free-form.

    Box sides are drawn from ``box_range`` times the shorter image side (default a
    quarter to 5/8, so the 1/2-side evaluation box sits in the middle of the training
    distribution). Returns bool (batch, height, width).
    """
    low, high = check_box_range(box_range)
    rng = np.random.default_rng(rng)
    side = min(height, width)
    small, large = max(1, round(low * side)), max(1, round(high * side))
    masks = np.zeros((batch, height, width), dtype=bool)
    for sample in range(batch):
        if rng.random() < box_fraction:
            masks[sample] = random_bbox_mask(1, height, width, small, large, rng=rng)[0]
        else:
            masks[sample] = free_form_mask(1, height, width, rng=rng)[0]
    return masks
