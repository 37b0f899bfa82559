"""``inpaint``: one entry point for the trained GAN and the classical baselines.

Images are float32 arrays (N, H, W, 3) in [0, 1]; masks are bool (N, H, W) with
True = hole. Every method returns an array of the same shape whose known pixels are
*exactly* the input pixels (only the hole is written).

Methods:
    "gan"        the shipped generator (``weights/deepfill_tiny_64.pt``), any H, W
                 (the input is padded to a multiple of 8 with edge replication and the
                 result cropped back). Trained at 64x64: it is most at home with holes
                 of up to ~40 px; memory of the contextual attention grows as (H*W/64)**2.
    "telea"      OpenCV ``cv2.inpaint`` with INPAINT_TELEA (fast marching, Telea 2004).
    "ns"         OpenCV ``cv2.inpaint`` with INPAINT_NS (Navier-Stokes, Bertalmio 2001).
    "biharmonic" scikit-image ``restoration.inpaint_biharmonic``.
    "mean"       the mean colour of the image's known pixels.
    "classical"  the mean of the "telea", "ns" and "biharmonic" fills: the pre-fill that
                 the generator starts from and corrects, listed to show what the learned
                 part adds.
    "pullpush"   pull-push interpolation (:mod:`.prefill`), a smooth pyramid fill.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .models import load_model, model_from_payload
from .networks import Generator
from .prefill import biharmonic_fill, classical_mean_fill, opencv_fill, pull_push_fill

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "deepfill_tiny_64.pt"
METHODS = ("gan", "telea", "ns", "biharmonic", "mean", "classical", "pullpush")


def _check(images: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images)
    masks = np.asarray(masks)
    if images.ndim != 4 or images.shape[3] != 3:
        raise ValueError(f"images must be (N, H, W, 3), got shape {images.shape}")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"images must be float in [0, 1], got dtype {images.dtype}")
    if masks.dtype != bool:
        raise ValueError(f"masks must be bool (True = hole), got dtype {masks.dtype}")
    if masks.shape != images.shape[:3]:
        raise ValueError(f"masks must be (N, H, W) = {images.shape[:3]}, got {masks.shape}")
    if not np.isfinite(images).all() or images.min() < 0.0 or images.max() > 1.0:
        raise ValueError("images must be finite and within [0, 1]")
    return images.astype(np.float32, copy=False), masks


def default_weights_available(path: str | Path = WEIGHTS_PATH) -> bool:
    """True when the shipped generator weights exist."""
    return Path(path).is_file()


def generator_from_state_dict(state: dict[str, torch.Tensor]) -> Generator:
    """A :class:`Generator` with a bare state dict ``state`` loaded (files from before the
    model config was stored; its widths come from :func:`.models.legacy_model_config`)."""
    return model_from_payload(state)


@lru_cache(maxsize=4)
def load_generator(path: str | Path = WEIGHTS_PATH) -> nn.Module:
    """The generator stored in ``path``, built from the model config the file holds
    (:func:`.models.load_model`; read with ``torch.load(weights_only=True)``, cached).

    The model takes (image, mask) and returns (coarse, fine) like :class:`Generator`,
    and has its ``size_multiple``.
    """
    return load_model(path)


def inpaint_with_generator(
    generator: nn.Module,
    images: np.ndarray,
    masks: np.ndarray,
    device: torch.device | str = "cpu",
    chunk: int = 16,
) -> np.ndarray:
    """Fill holes with ``generator`` at any size (pads to its size multiple, crops back).

    images: (N, H, W, 3) float in [0, 1]; masks: (N, H, W) bool. Returns (N, H, W, 3)
    float32 with the known pixels copied from ``images``.
    """
    images, masks = _check(images, masks)
    count, height, width, _ = images.shape
    multiple = generator.size_multiple
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    generator.eval()
    parameter = next(generator.parameters())
    results = []
    with torch.no_grad():
        for start in range(0, count, chunk):
            x = torch.from_numpy(images[start : start + chunk]).permute(0, 3, 1, 2)
            m = torch.from_numpy(masks[start : start + chunk]).unsqueeze(1).float()
            x = F.pad(x * 2.0 - 1.0, (0, pad_w, 0, pad_h), mode="replicate")
            m = F.pad(m, (0, pad_w, 0, pad_h))  # padding counts as known
            x, m = x.to(device, parameter.dtype), m.to(device, parameter.dtype)
            _, fine = generator(x, m)
            fine = ((fine[:, :, :height, :width] + 1.0) / 2.0).clamp(0.0, 1.0)
            results.append(fine.permute(0, 2, 3, 1).cpu().numpy())
    filled = np.concatenate(results).astype(np.float32)
    return np.where(masks[..., None], filled, images)


def _classical(image: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    if not mask.any():
        return image
    if method == "mean":
        if mask.all():
            return np.full_like(image, 0.5)
        return np.broadcast_to(image[~mask].mean(axis=0), image.shape).astype(np.float32)
    if method == "pullpush":
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]
        hole = torch.from_numpy(mask)[None, None].float()
        return pull_push_fill(x, hole)[0].permute(1, 2, 0).numpy()
    if method == "biharmonic":
        return biharmonic_fill(image, mask).astype(np.float32)
    if method == "classical":
        return classical_mean_fill(image, mask)
    return opencv_fill(image, mask, method).astype(np.float32)


def inpaint(
    images: np.ndarray,
    masks: np.ndarray,
    method: str = "gan",
    weights: str | Path = WEIGHTS_PATH,
) -> np.ndarray:
    """Inpaint the holes of a batch of images.

    Inputs:
        images: float array (N, H, W, 3) in [0, 1].
        masks: bool array (N, H, W), True = hole, one mask per image.
        method: one of ``METHODS``: "gan", "telea", "ns", "biharmonic", "mean",
            "classical", "pullpush".
        weights: generator file used by "gan" (default: the shipped weights; a
            ``generator.pt`` written by ``train``).
    Returns:
        float32 array (N, H, W, 3); pixels where the mask is False equal the input exactly.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    images, masks = _check(images, masks)
    if method == "gan":
        return inpaint_with_generator(load_generator(str(weights)), images, masks)
    filled = np.stack([_classical(im, m, method) for im, m in zip(images, masks, strict=True)])
    return np.where(masks[..., None], filled, images).astype(np.float32)
