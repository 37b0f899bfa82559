"""Shared pieces of the contextual-attention set: dtype, tolerances, holes, patches, labels."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks.cases import Cases

TOL = {"rtol": 1e-9, "atol": 1e-12}
DTYPE = torch.float64
EPS = 1e-4  # added to background patch norms, as in ContextualAttention(eps=1e-4)
_NON_SQUARE = "non-square"


def torch_cases(seed: int, *names: str) -> Cases:
    """A case builder of float64 tensors (without a batch axis)."""
    return Cases(seed=seed, names=names, backend="torch", dtype=DTYPE)


def _box_hole(height: int, width: int, top: int, left: int, rows: int, cols: int) -> torch.Tensor:
    """(H, W) bool, True inside the rows x cols box with top-left corner (top, left)."""
    hole = torch.zeros(height, width, dtype=torch.bool)
    hole[top : top + rows, left : left + cols] = True
    return hole


def _random_hole(
    rng: np.random.Generator, height: int, width: int, fraction: float
) -> torch.Tensor:
    """(H, W) bool, a free-form hole: random pixels grown by one 3x3 dilation."""
    seeds = torch.from_numpy(rng.random((1, 1, height, width)) < fraction)
    return F.max_pool2d(seeds.to(DTYPE), 3, stride=1, padding=1)[0, 0] > 0


def _note(shape: tuple[int, ...], text: str) -> str:
    """A case's note, with "non-square" when H != W (a message refers to square maps)."""
    return f"{text}, {_NON_SQUARE}" if shape[-1] != shape[-2] else text


def _background_patches(background: torch.Tensor, patch_size: int) -> torch.Tensor:
    """The L = H * W zero-padded patches of background (C, H, W) as (L, C, k, k) kernels."""
    channels, height, width = background.shape
    cols = F.unfold(background[None], patch_size, padding=patch_size // 2)[0]  # (C*k*k, L)
    return cols.t().reshape(height * width, channels, patch_size, patch_size)


_PATCH_SIZE = (
    "the patch size is ignored: the patches are always 3x3. Cut, pad and slide k x k patches "
    "with k = patch_size."
)
