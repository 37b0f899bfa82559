"""Contextual attention at one hole position (lesson 07).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson07`),
tested in ``tests/test_demos_attention.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.inpainting.attention import flow_to_rgb
from course_utils.viz import as_numpy

__all__ = [
    "EPS",
    "colour_wheel",
    "copy_paste_example",
    "load_photo",
    "position_attention",
]


EPS = 1e-4


def load_photo(name: str = "chelsea", size: tuple[int, int] = (48, 72)) -> np.ndarray:
    """A photo bundled with scikit-image (no download), area-resized to ``size`` = (H, W).

    Returns float64 RGB of shape (H, W, 3) in [0, 1].
    """
    import cv2
    from skimage import data

    from course_utils.inpainting.data import to_float_rgb

    if name not in {"chelsea", "astronaut", "coffee", "brick", "rocket", "grass", "gravel"}:
        raise ValueError(f"unknown built-in photo {name!r}")
    photo = to_float_rgb(getattr(data, name)())
    resized = cv2.resize(photo, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return np.clip(resized.astype(np.float64), 0.0, 1.0)


def _as_chw(image: Any) -> torch.Tensor:
    """(H, W, 3) array or (C, H, W) tensor -> float64 tensor (C, H, W)."""
    if isinstance(image, torch.Tensor):
        tensor = image.detach().to(torch.float64)
    else:
        tensor = torch.from_numpy(np.asarray(image, dtype=np.float64))
        if tensor.ndim == 3 and tensor.shape[-1] in (1, 3):
            tensor = tensor.permute(2, 0, 1)
    if tensor.ndim != 3:
        raise ValueError(f"image must be (H, W, 3) or (C, H, W), got shape {tuple(tensor.shape)}")
    return tensor.contiguous()


def _as_hole(hole: Any, height: int, width: int) -> torch.Tensor:
    mask = torch.as_tensor(as_numpy(hole)).bool()
    if mask.shape != (height, width):
        raise ValueError(f"hole must be a (H, W) = {(height, width)} mask, got {tuple(mask.shape)}")
    return mask


def copy_paste_example(
    image: Any, source: tuple[int, int], target: tuple[int, int], block: int = 12, margin: int = 1
) -> dict[str, Any]:
    """Copy a ``block`` x ``block`` square from ``source`` to ``target`` (top-left corners),
    then cut a hole over the original: the hole is the source square without a ``margin``
    pixel frame, so every 3x3 patch around a hole pixel (margin >= 1) has an exact copy
    around the target.

    Inputs: image (H, W, 3) array. Returns a dict with
    - ``image``: float64 (H, W, 3), the image after copying (hole pixels still hold the truth);
    - ``hole``: bool (H, W), True in the hole;
    - ``offset``: (d_row, d_col) = target - source, where the hole's content now also lives;
    - ``source``, ``target``, ``block``.
    """
    picture = np.array(as_numpy(image), dtype=np.float64)
    if picture.ndim != 3:
        raise ValueError(f"image must be (H, W, 3), got shape {picture.shape}")
    height, width = picture.shape[:2]
    if block < 2 * margin + 1 or margin < 0:
        raise ValueError(f"block {block} is too small for a margin of {margin}")
    for name, (row, col) in (("source", source), ("target", target)):
        if not (0 <= row <= height - block and 0 <= col <= width - block):
            raise ValueError(f"the {name} block at {(row, col)} of size {block} leaves the image")
    gap = block + 1  # the target patches must not touch the hole (patch size 3)
    if abs(source[0] - target[0]) < gap and abs(source[1] - target[1]) < gap:
        raise ValueError("source and target blocks overlap (or touch): nothing would be known")
    (sr, sc), (tr, tc) = source, target
    picture[tr : tr + block, tc : tc + block] = picture[sr : sr + block, sc : sc + block]
    hole = np.zeros((height, width), dtype=bool)
    hole[sr + margin : sr + block - margin, sc + margin : sc + block - margin] = True
    return {
        "image": picture,
        "hole": hole,
        "offset": (tr - sr, tc - sc),
        "source": source,
        "target": target,
        "block": block,
    }


def position_attention(
    image: Any,
    hole: Any,
    row: int,
    col: int,
    scale: float = 10.0,
    patch_size: int = 3,
    centre: bool = True,
) -> dict[str, Any]:
    """Contextual attention of one hole position over all background patches (rate 1).

    The image is both foreground and background (its hole pixels act as the guess being
    matched). Score of the patch centred at l: <f, b_l> / (||b_l|| + EPS), f = the patch at
    (row, col); attention = softmax of ``scale`` * score over the known patches only.
    With ``centre`` the mean colour of the image is subtracted first (RGB values are all
    positive, so raw patches all point the same way; centred ones have both signs, like
    learned features), and added back to the pasted patch.

    Inputs:
    - image: (H, W, 3) array or (C, H, W) tensor; hole: (H, W) bool, True = unknown.
    - row, col: a position inside the hole; scale: softmax scale lambda > 0.
    - centre: match mean-free colours (the same numbers as the layer applied to
      ``image - mean``).
    Returns a dict with
    - ``scores``, ``heatmap``: float64 (H, W), indexed by the centre of the background patch;
      the heatmap sums to 1 over known patches and is exactly 0 on the others;
    - ``known``: bool (H, W), patches that contain no hole pixel;
    - ``best``: (row, col) of the most-attended patch centre;
    - ``pasted_patch``: (C, k, k), the attention-weighted sum of patches; ``pasted_pixel``:
      (C,), its centre; ``true_patch``: (C, k, k), the patch at (row, col) in ``image``.
    """
    features = _as_chw(image)
    channels, height, width = features.shape
    mask = _as_hole(hole, height, width)
    if patch_size < 1 or patch_size % 2 == 0:
        raise ValueError(f"patch_size must be odd and positive, got {patch_size}")
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"position {(row, col)} is outside the {height}x{width} image")
    if not mask[row, col]:
        raise ValueError(f"position {(row, col)} is not in the hole: pick a hole pixel")
    if not scale > 0:
        raise ValueError(f"the softmax scale must be positive, got {scale}")
    half = patch_size // 2
    true_patch = F.unfold(features[None], patch_size, padding=half)[0][:, row * width + col]
    mean = features.mean(dim=(1, 2), keepdim=True) if centre else features.new_zeros(1, 1, 1)
    features = features - mean
    patches = F.unfold(features[None], patch_size, padding=half)[0]  # (C*k*k, L)
    unit = patches / (patches.norm(dim=0, keepdim=True) + EPS)
    scores = patches[:, row * width + col] @ unit  # (L,)
    touched = F.unfold(mask[None, None].to(features.dtype), patch_size, padding=half)[0]
    known = touched.amax(dim=0) == 0  # (L,)
    if not known.any():
        raise ValueError("no background patch is free of the hole: nothing to attend to")
    logits = torch.where(known, scale * scores, -torch.inf)
    heat = torch.softmax(logits, dim=0)  # exactly 0 where logits are -inf
    pasted = (patches @ heat).view(channels, patch_size, patch_size) + mean
    best = int(torch.argmax(heat))
    return {
        "scores": scores.view(height, width).numpy(),
        "heatmap": heat.view(height, width).numpy(),
        "known": known.view(height, width).numpy(),
        "best": (best // width, best % width),
        "pasted_patch": pasted.numpy(),
        "pasted_pixel": pasted[:, half, half].numpy(),
        "true_patch": true_patch.view(channels, patch_size, patch_size).numpy(),
        "position": (row, col),
        "scale": float(scale),
    }


def colour_wheel(radius: int = 20) -> np.ndarray:
    """The legend of :func:`flow_to_rgb`: displacement (d_row, d_col) of each pixel from the
    centre of a (2r+1, 2r+1) square, coloured; outside the disc white.

    Returns float32 RGB (2r+1, 2r+1, 3).
    """
    if radius < 1:
        raise ValueError(f"radius must be >= 1, got {radius}")
    steps = np.arange(-radius, radius + 1, dtype=np.float64)
    d_row, d_col = np.meshgrid(steps, steps, indexing="ij")
    rgb = flow_to_rgb(np.stack([d_row, d_col]), max_magnitude=radius)
    rgb[np.hypot(d_row, d_col) > radius] = 1.0
    return rgb
