"""Pull-push interpolation: a smooth classical fill that the generator starts from.

Pull (Gortler et al., "The Lumigraph", SIGGRAPH 1996): build a pyramid of half-resolution
images in which every pixel is the weighted mean of its 2x2 children, with a confidence
``w`` = min(1, sum of the children's confidences) (known pixels start at 1, hole pixels
at 0). Push: from the coarsest level back up, every pixel keeps ``w`` of its own value
and takes ``1 - w`` from the bilinearly upsampled coarser level. Known pixels (w = 1)
stay exactly as they are; a hole gets a smooth blend of the colours around it, from
ever coarser levels the deeper it lies. Cost: O(H W), any size, any mask, no learning.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

EPS = 1e-8


def _pull(image: torch.Tensor, weight: torch.Tensor):
    """Pyramid levels [(value, confidence), ...] from full resolution down to 1 pixel."""
    levels = [(image, weight)]
    while max(image.shape[-2:]) > 1:
        mean_weight = F.avg_pool2d(weight, 2, ceil_mode=True)
        mean_value = F.avg_pool2d(image * weight, 2, ceil_mode=True)
        image = mean_value / mean_weight.clamp_min(EPS)
        weight = (4.0 * mean_weight).clamp(max=1.0)
        levels.append((image, weight))
    return levels


def pull_push_fill(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Fill the holes of ``image`` by pull-push interpolation of its known pixels.

    Inputs:
        image: (B, C, H, W) float; values in the hole are ignored.
        mask: (B, 1, H, W), 1 = hole, 0 = known; one mask per sample.
    Returns (B, C, H, W): known pixels unchanged, hole pixels interpolated. A sample
    without any known pixel is filled with zeros.
    """
    if image.dim() != 4 or mask.dim() != 4 or mask.shape[1] != 1:
        raise ValueError(
            f"need image (B, C, H, W) and mask (B, 1, H, W), got {image.shape}, {mask.shape}"
        )
    if mask.shape[0] != image.shape[0] or mask.shape[-2:] != image.shape[-2:]:
        raise ValueError(f"mask {tuple(mask.shape)} does not match image {tuple(image.shape)}")
    known = 1.0 - mask.to(image.dtype)
    levels = _pull(image * known, known)
    filled = levels[-1][0]
    for value, weight in reversed(levels[:-1]):
        coarse = F.interpolate(filled, size=value.shape[-2:], mode="bilinear", align_corners=False)
        filled = weight * value + (1.0 - weight) * coarse
    return torch.where(mask.bool(), filled, image)
