"""Lesson 08 demos: inpaint held-out photos with the GAN or a classical method, and score it.

Pure functions (tested in ``tests/test_widgets_lesson08.py``):

* :func:`view_image` -- a held-out photo (never trained on), downscaled for quick demos;
* :func:`hole_mask` -- a box or a free-form hole inside a square window of an image;
* :func:`with_hole` -- an image with its hole painted in one colour, for display;
* :func:`inpaint_and_score` -- one method on one image, with hole L1 x100, PSNR and SSIM
  computed by :mod:`course_utils.inpainting.evaluate`;
* :func:`result_figure` -- input / result / truth with the metrics;
* :func:`comparison_figure` -- rows of images, one column per method;
* :func:`read_loss_log` -- the ``losses.csv`` written by the trainer, as curves;
* :func:`model_card_rows` -- the evaluation table of the shipped model's card, parsed.

Thin shell: :func:`make_inpainting_widget` only wires a dropdown and sliders to those.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from course_utils.inpainting import METHODS, free_form_mask, inpaint
from course_utils.inpainting.api import WEIGHTS_PATH
from course_utils.inpainting.evaluate import hole_l1, psnr, ssim
from course_utils.viz import show_image

__all__ = [
    "HELD_OUT_NAMES",
    "MASK_KINDS",
    "comparison_figure",
    "hole_mask",
    "inpaint_and_score",
    "make_inpainting_widget",
    "model_card_rows",
    "read_loss_log",
    "result_figure",
    "view_image",
    "with_hole",
]

#: Names of the held-out photos, in the order of ``builtin_test_images()``.
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


def result_figure(image: np.ndarray, mask: np.ndarray, scored: dict, method: str) -> plt.Figure:
    """Input (hole in white), the result of ``method`` and the truth, side by side.

    ``scored`` is the dict of :func:`inpaint_and_score`. Returns the Figure.
    """
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.8))
    show_image(with_hole(image, mask), "input (hole in white)", ax=axes[0])
    show_image(scored["result"], f"{method}", ax=axes[1])
    show_image(image, "truth", ax=axes[2])
    fig.suptitle(
        f"{method}: hole L1 x100 {scored['hole_l1_x100']:.2f}   "
        f"PSNR {scored['psnr']:.2f} dB   SSIM {scored['ssim']:.4f}",
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


def comparison_figure(
    columns: dict[str, np.ndarray], rows: int | None = None, size: float = 1.45
) -> plt.Figure:
    """A grid with one column per entry of ``columns`` (title -> images (N, H, W, 3)).

    Shows the first ``rows`` images of every column (default: all). Returns the Figure.
    """
    if not columns:
        raise ValueError("columns must hold at least one batch of images")
    counts = {len(batch) for batch in columns.values()}
    if len(counts) != 1:
        raise ValueError(f"every column needs the same number of images, got {sorted(counts)}")
    rows = min(counts.pop(), rows or 10**9)
    fig, axes = plt.subplots(
        rows, len(columns), figsize=(size * len(columns), size * rows + 0.3), squeeze=False
    )
    for col, (title, batch) in enumerate(columns.items()):
        for row in range(rows):
            show_image(batch[row], title if row == 0 else None, ax=axes[row, col])
    fig.tight_layout()
    return fig


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

    Returns [{"mask", "method", "hole_l1_x100", "psnr", "ssim", "seconds"}, ...] in the
    card's order (bold markers around method names removed).
    """
    rows = []
    for line in Path(path).read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] not in MASK_KINDS:
            continue
        try:
            numbers = [float(cell) for cell in cells[2:]]
        except ValueError:
            continue
        rows.append(
            {
                "mask": cells[0],
                "method": cells[1].strip("*"),
                "hole_l1_x100": numbers[0],
                "psnr": numbers[1],
                "ssim": numbers[2],
                "seconds": numbers[3],
            }
        )
    return rows


# -- thin ipywidgets shell --------------------------------------------------------------------


def make_inpainting_widget(longest_side: int = 160) -> Any:
    """Dropdowns for the held-out photo, the mask kind and the method; sliders for the hole's
    position and size. Shows :func:`result_figure` of :func:`inpaint_and_score`."""
    import ipywidgets as widgets

    largest = longest_side // 2
    controls = {
        "name": widgets.Dropdown(options=HELD_OUT_NAMES, value="china", description="photo"),
        "kind": widgets.Dropdown(options=MASK_KINDS, value="box", description="mask"),
        "method": widgets.Dropdown(options=METHODS, value="gan", description="method"),
        "top": widgets.IntSlider(value=40, min=0, max=longest_side - 8, description="top"),
        "left": widgets.IntSlider(value=60, min=0, max=longest_side - 8, description="left"),
        "size": widgets.IntSlider(value=32, min=8, max=largest, step=4, description="size"),
    }

    def draw(name: str, kind: str, method: str, top: int, left: int, size: int) -> None:
        image = view_image(name, longest_side)
        top = min(top, image.shape[0] - size)  # keep the hole inside this photo
        left = min(left, image.shape[1] - size)
        mask = hole_mask(image.shape[:2], top, left, size, kind)
        result_figure(image, mask, inpaint_and_score(image, mask, method), method)
        plt.show()

    output = widgets.interactive_output(draw, controls)
    menus = widgets.HBox([controls[key] for key in ("name", "kind", "method")])
    sliders = widgets.HBox([controls[key] for key in ("top", "left", "size")])
    return widgets.VBox([menus, sliders, output])
