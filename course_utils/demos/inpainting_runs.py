"""Held-out photos, holes, scored inpainting, loss logs and the model card (lesson 08).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson08`),
tested in ``tests/test_demos_inpainting_runs.py``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from course_utils.inpainting import free_form_mask, inpaint
from course_utils.inpainting.api import WEIGHTS_PATH
from course_utils.inpainting.evaluate import hole_l1, psnr, ssim

__all__ = [
    "HELD_OUT_NAMES",
    "MASK_KINDS",
    "MODEL_CARD_PATH",
    "hole_mask",
    "inpaint_and_score",
    "model_card_rows",
    "read_loss_log",
    "view_image",
    "with_hole",
]


HELD_OUT_NAMES = ("china", "flower", "grace_hopper")


MASK_KINDS = ("box", "free-form")


MODEL_CARD_PATH = Path(WEIGHTS_PATH).with_name("MODEL_CARD.md")


@lru_cache(maxsize=1)
def _held_out_photos() -> tuple[np.ndarray, ...]:
    from course_utils.inpainting import builtin_test_images

    return tuple(builtin_test_images())


def view_image(name: str, longest_side: int = 160) -> np.ndarray:
    """A held-out photo downscaled (area averaging) so its longer side is ``longest_side``.

    name: one of ``HELD_OUT_NAMES``. Returns float32 (H, W, 3) in [0, 1]; the photo is
    returned unscaled when it is already small enough.
    """
    if name not in HELD_OUT_NAMES:
        raise ValueError(f"name must be one of {HELD_OUT_NAMES}, got {name!r}")
    if longest_side < 16:
        raise ValueError(f"longest_side must be at least 16, got {longest_side}")
    photo = _held_out_photos()[HELD_OUT_NAMES.index(name)]
    factor = longest_side / max(photo.shape[:2])
    if factor >= 1.0:
        return photo.astype(np.float32)
    import cv2

    size = (round(photo.shape[1] * factor), round(photo.shape[0] * factor))
    small = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    return np.clip(small, 0.0, 1.0).astype(np.float32)  # area averaging may overshoot by ~1 ulp


def hole_mask(
    shape: tuple[int, int], top: int, left: int, size: int, kind: str = "box", seed: int = 0
) -> np.ndarray:
    """A hole inside the ``size`` x ``size`` window whose top-left corner is (top, left).

    kind "box": the whole window is the hole. kind "free-form": seeded brush strokes drawn
    inside the window (:func:`course_utils.inpainting.free_form_mask`).
    shape: (H, W) of the image. Returns bool (H, W), True = hole. A window that does not lie
    entirely inside the image is a ValueError.
    """
    height, width = shape
    if kind not in MASK_KINDS:
        raise ValueError(f"kind must be one of {MASK_KINDS}, got {kind!r}")
    if size < 2:
        raise ValueError(f"hole size must be at least 2 pixels, got {size}")
    if top < 0 or left < 0 or top + size > height or left + size > width:
        raise ValueError(
            f"a {size}x{size} hole at (top={top}, left={left}) leaves the {height}x{width} image"
        )
    mask = np.zeros((height, width), dtype=bool)
    if kind == "box":
        mask[top : top + size, left : left + size] = True
    else:
        mask[top : top + size, left : left + size] = free_form_mask(1, size, size, rng=seed)[0]
    return mask


def with_hole(
    image: np.ndarray, mask: np.ndarray, colour: Sequence[float] = (1.0, 1.0, 1.0)
) -> np.ndarray:
    """The image (H, W, 3) with the hole (H, W) painted in ``colour``: what the model sees."""
    shown = np.array(image, dtype=np.float32, copy=True)
    shown[np.asarray(mask, dtype=bool)] = np.asarray(colour, dtype=np.float32)
    return shown


def inpaint_and_score(image: np.ndarray, mask: np.ndarray, method: str = "gan") -> dict:
    """Inpaint one image with ``method`` (one of ``METHODS``) and score the result.

    image: float (H, W, 3) in [0, 1]; mask: bool (H, W), True = hole, at least one pixel.
    Returns {"result": float32 (H, W, 3), "hole_l1_x100", "psnr", "ssim"}, the metrics
    computed with the functions of :mod:`course_utils.inpainting.evaluate` (as in its table).
    """
    image = np.asarray(image, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    if image.ndim != 3 or mask.shape != image.shape[:2]:
        raise ValueError(f"need image (H, W, 3) and mask (H, W), got {image.shape}, {mask.shape}")
    if not mask.any():
        raise ValueError("the mask has no hole pixel: nothing to inpaint")
    result = inpaint(image[None], mask[None], method=method)
    batch, out, holes = image[None], result, mask[None]
    return {
        "result": result[0],
        "hole_l1_x100": hole_l1(batch, out, holes),
        "psnr": psnr(batch, out),
        "ssim": ssim(batch, out),
    }


def read_loss_log(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Curves from a trainer's ``losses.csv`` (rows: step, name, value).

    Returns {name: (steps int64 (n,), values float64 (n,))}, sorted by step. A value logged
    twice for the same step (a resumed run) keeps the last one.
    """
    table: dict[str, dict[int, float]] = {}
    with Path(path).open(newline="") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(row["name"], {})[int(row["step"])] = float(row["value"])
    curves = {}
    for name, values in table.items():
        steps = np.array(sorted(values), dtype=np.int64)
        curves[name] = (steps, np.array([values[s] for s in steps], dtype=np.float64))
    return curves


def model_card_rows(path: str | Path = MODEL_CARD_PATH) -> list[dict]:
    """The evaluation table of the model card: rows like :func:`evaluate`'s.

    Returns [{"mask", "method", "hole_l1_x100", "psnr", "ssim", "sharpness", "seconds"}, ...]
    in the card's order (bold markers around method names removed).
    """
    keys = ("hole_l1_x100", "psnr", "ssim", "sharpness", "seconds")
    rows = []
    for line in Path(path).read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(keys) or cells[0] not in MASK_KINDS:
            continue
        try:
            numbers = [float(cell) for cell in cells[2:]]
        except ValueError:
            continue
        values = dict(zip(keys, numbers, strict=True))
        rows.append({"mask": cells[0], "method": cells[1].strip("*"), **values})
    return rows
