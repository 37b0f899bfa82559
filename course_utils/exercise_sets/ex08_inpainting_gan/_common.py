"""Shared pieces of the inpainting-GAN set: dtype, tolerances, masks."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.checks.cases import Cases

TOL = {"rtol": 1e-10, "atol": 1e-10}
DTYPE = torch.float64


def torch_cases(
    seed: int, *names: str, low: float | None = None, high: float | None = None
) -> Cases:
    """A case builder of float64 tensors (uniform in [low, high) when both are given)."""
    return Cases(seed=seed, names=names, backend="torch", dtype=DTYPE, low=low, high=high)


def _as_mask(holes: np.ndarray) -> torch.Tensor:
    """bool (B, H, W) -> float64 (B, 1, H, W), 1 = hole."""
    return torch.from_numpy(np.asarray(holes, dtype=np.float64))[:, None]


def _box(height: int, width: int, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """bool (H, W) with a hole on rows[0]:rows[1], cols[0]:cols[1]."""
    hole = np.zeros((height, width), dtype=bool)
    hole[rows[0] : rows[1], cols[0] : cols[1]] = True
    return hole


def _disk(height: int, width: int, centre: tuple[float, float], radius: float) -> np.ndarray:
    rows, cols = np.mgrid[:height, :width]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2
