"""Losses of the inpainting GAN.

Reconstruction (Yu et al. 2018, Sec. 3): spatially discounted L1 inside the hole
(pixels far from any known pixel are less constrained, weight gamma**distance) plus
plain L1 outside, applied to both the coarse and the refined output.

Adversarial: hinge loss with spectrally normalised critics (Miyato et al. 2018) instead
of the paper's WGAN-GP (Gulrajani et al., "Improved Training of Wasserstein GANs",
NeurIPS 2017). Why: the gradient penalty needs a double backward through both critics
on interpolated images, roughly doubling the critic cost per step, which matters when
training on a CPU; spectral normalisation bounds the critics' Lipschitz constant with one
power iteration per layer and forward, and the hinge loss is the standard pairing.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def spatial_discount(
    mask: torch.Tensor, gamma: float = 0.99, max_distance: int = 64
) -> torch.Tensor:
    """Weights gamma**d inside the hole, d = chessboard distance to the nearest known
    pixel (1 on the hole border); 0 outside the hole.

    mask: (B, 1, H, W), 1 = hole. Returns (B, 1, H, W). A sample with no known pixel
    gets d = max_distance + 1 everywhere, as does any pixel more than max_distance
    from a known pixel.
    """
    known = 1.0 - mask
    distance = torch.zeros_like(mask)
    reached = known
    for _ in range(max_distance):
        if bool((reached > 0).all()):
            break
        grown = F.max_pool2d(reached, 3, stride=1, padding=1)
        distance = distance + (1.0 - grown)  # +1 for every pixel not yet reached
        reached = grown
    distance = (distance + 1.0) * mask
    return torch.pow(torch.full_like(mask, gamma), distance) * mask


def reconstruction_loss(
    coarse: torch.Tensor,
    fine: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor,
    gamma: float = 0.99,
    hole_weight: float = 1.2,
    valid_weight: float = 1.2,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Discounted hole L1 + L1 on the known region, for the coarse and fine outputs.

    coarse, fine, target: (B, 3, H, W); mask: (B, 1, H, W) with 1 = hole. Each term
    is normalised by the area it covers. Returns (loss, {name: value}).
    """
    discount = spatial_discount(mask, gamma)
    hole_area = mask.sum().clamp_min(1.0) * 3
    valid_area = (1.0 - mask).sum().clamp_min(1.0) * 3
    parts = {}
    total = coarse.new_zeros(())
    for name, output in (("coarse", coarse), ("fine", fine)):
        error = (output - target).abs()
        hole = (error * discount).sum() / hole_area
        valid = (error * (1.0 - mask)).sum() / valid_area
        total = total + hole_weight * hole + valid_weight * valid
        parts[f"{name}_hole_l1"] = float(hole.detach())
        parts[f"{name}_valid_l1"] = float(valid.detach())
    return total, parts


def critic_hinge_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))."""
    return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()


def generator_hinge_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """-mean(D(fake))."""
    return -fake_scores.mean()
