"""Evaluation of inpainting methods on fixed, seeded held-out crops.

CLI: ``python -m course_utils.inpainting evaluate --checkpoint PATH [--json]``.

The evaluation set is built only from the test photos (scikit-learn's china/flower and
matplotlib's grace_hopper; never used in training): ``per_image`` random crops of
``size`` x ``size`` per photo, each paired with a ``size/2`` x ``size/2`` box hole at a
random position and with a free-form stroke mask. Every method sees the same crops and
masks, and is scored with the same metrics:

* hole L1 x 100: mean absolute error over hole pixels (and channels) of [0, 1] images,
  times 100 (the mmagic convention);
* PSNR (dB) and SSIM of the whole image, from ``skimage.metrics`` (data_range = 1,
  SSIM with a 7x7 window over the three channels), averaged over images;
* sharpness: the mean gradient magnitude inside the holes of the result divided by the
  same of the ground truth (pooled over the set; 1 = as much detail as the truth, below 1
  blurrier), so that "blurry" is measured rather than argued.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from course_utils.timing import Timing, benchmark

from .api import METHODS, WEIGHTS_PATH, inpaint
from .data import builtin_test_images
from .masks import free_form_mask, random_bbox_mask

EVAL_SEED = 2018


def evaluation_set(
    size: int = 64, per_image: int = 32, seed: int = EVAL_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed test crops and masks.

    Returns images (N, size, size, 3) float32 in [0, 1], box masks and free-form masks,
    both bool (N, size, size), with N = 3 * per_image.
    """
    rng = np.random.default_rng(seed)
    crops = []
    for image in builtin_test_images():
        for _ in range(per_image):
            top = rng.integers(0, image.shape[0] - size + 1)
            left = rng.integers(0, image.shape[1] - size + 1)
            crops.append(image[top : top + size, left : left + size])
    images = np.stack(crops).astype(np.float32)
    count = len(images)
    boxes = random_bbox_mask(count, size, size, size // 2, size // 2, rng=rng)
    strokes = free_form_mask(count, size, size, rng=rng)
    return images, boxes, strokes


def hole_l1(images: np.ndarray, outputs: np.ndarray, masks: np.ndarray) -> float:
    """Mean |output - image| over hole pixels and channels, x100 ([0, 1] images).

    images, outputs: (N, H, W, 3); masks: (N, H, W) bool. Pooled over all hole pixels.
    """
    holes = masks.sum() * images.shape[-1]
    if holes == 0:
        raise ValueError("masks contain no hole pixel")
    error = np.abs(outputs.astype(np.float64) - images.astype(np.float64))
    return float(100.0 * (error * masks[..., None]).sum() / holes)


def _gradient_magnitude(images: np.ndarray) -> np.ndarray:
    """|grad| of the grey level (mean of the channels) of (N, H, W, 3) images: (N, H, W),
    central differences inside, one-sided at the border (``np.gradient``)."""
    grey = np.asarray(images, dtype=np.float64).mean(axis=-1)
    rows, cols = np.gradient(grey, axis=(1, 2))
    return np.hypot(rows, cols)


def hole_sharpness(images: np.ndarray, outputs: np.ndarray, masks: np.ndarray) -> float:
    """Mean gradient magnitude of ``outputs`` over the hole pixels divided by that of the
    ground truth ``images`` (same pixels, pooled over the batch): 1 = as detailed as the
    truth, below 1 blurrier, above 1 noisier. images, outputs: (N, H, W, 3); masks: (N, H, W)
    bool. ``ValueError`` if the truth is flat in every hole (nothing to compare with)."""
    masks = np.asarray(masks, dtype=bool)
    truth = _gradient_magnitude(images)[masks].mean()
    if not truth > 0:
        raise ValueError("the ground truth has no gradient inside the holes")
    return float(_gradient_magnitude(outputs)[masks].mean() / truth)


def psnr(images: np.ndarray, outputs: np.ndarray) -> float:
    """Mean PSNR (dB) over the batch, skimage.metrics.peak_signal_noise_ratio."""
    from skimage.metrics import peak_signal_noise_ratio

    return float(
        np.mean(
            [
                peak_signal_noise_ratio(a, b, data_range=1.0)
                for a, b in zip(images, outputs, strict=True)
            ]
        )
    )


def ssim(images: np.ndarray, outputs: np.ndarray) -> float:
    """Mean SSIM over the batch, skimage.metrics.structural_similarity (RGB)."""
    from skimage.metrics import structural_similarity

    return float(
        np.mean(
            [
                structural_similarity(a, b, data_range=1.0, channel_axis=2)
                for a, b in zip(images, outputs, strict=True)
            ]
        )
    )


def evaluate(
    checkpoint: str = str(WEIGHTS_PATH),
    methods: tuple[str, ...] = METHODS,
    size: int = 64,
    per_image: int = 32,
) -> list[dict]:
    """Metrics of every method on the box and the free-form masks.

    Returns rows {"mask", "method", "hole_l1_x100", "psnr", "ssim", "sharpness", "seconds"}.
    """
    images, boxes, strokes = evaluation_set(size, per_image)
    rows = []
    for mask_name, masks in (("box", boxes), ("free-form", strokes)):
        for method in methods:
            started = time.perf_counter()
            outputs = inpaint(images, masks, method=method, weights=checkpoint)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "mask": mask_name,
                    "method": method,
                    "hole_l1_x100": hole_l1(images, outputs, masks),
                    "psnr": psnr(images, outputs),
                    "ssim": ssim(images, outputs),
                    "sharpness": hole_sharpness(images, outputs, masks),
                    "seconds": seconds,
                }
            )
    return rows


def inference_seconds(
    checkpoint: str = str(WEIGHTS_PATH), size: int = 256, repeat: int = 5, seed: int = EVAL_SEED
) -> Timing:
    """Time ``inpaint(method="gan")`` on one ``size`` x ``size`` test image with a box hole.

    The image is a crop (or an edge-padded copy) of the first test photo, the hole a
    ``size/4`` square at a seeded position; the timing is the median of ``repeat`` calls
    after one warm-up call (weights loaded and cached before timing).
    """
    photo = builtin_test_images()[0]
    image = photo[:size, :size]
    pad = ((0, size - image.shape[0]), (0, size - image.shape[1]), (0, 0))
    image = np.pad(image, pad, mode="edge")[None].astype(np.float32)
    mask = random_bbox_mask(1, size, size, size // 4, size // 4, rng=np.random.default_rng(seed))
    return benchmark(inpaint, image, mask, "gan", checkpoint, repeat=repeat, warmup=1)


def format_table(rows: list[dict]) -> str:
    """Markdown table of :func:`evaluate` rows."""
    lines = [
        "| mask | method | hole L1 x100 (lower better) | PSNR dB | SSIM | sharpness | time s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['mask']} | {row['method']} | {row['hole_l1_x100']:.3f} | "
            f"{row['psnr']:.2f} | {row['ssim']:.4f} | {row['sharpness']:.3f} | "
            f"{row['seconds']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point of ``evaluate``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.inpainting evaluate",
        description="Compare the GAN with classical inpainting on fixed held-out crops.",
    )
    parser.add_argument(
        "--checkpoint", default=str(WEIGHTS_PATH), help="generator file (generator.pt)"
    )
    parser.add_argument("--size", type=int, default=64, help="crop size (box hole = size/2)")
    parser.add_argument("--per-image", type=int, default=32, help="crops per test photo")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--latency-size",
        type=int,
        default=256,
        help="also time the GAN on one image of this size (0 = skip)",
    )
    args = parser.parse_args(argv)
    methods = tuple(name.strip() for name in args.methods.split(",") if name.strip())
    rows = evaluate(args.checkpoint, methods, args.size, args.per_image)
    latency = None
    if args.latency_size and "gan" in methods:
        latency = inference_seconds(args.checkpoint, args.latency_size)
    if args.json:
        report: dict = {"rows": rows}
        if latency is not None:
            report["latency"] = {
                "size": args.latency_size,
                "median_s": latency.median,
                "min_s": latency.min,
                "max_s": latency.max,
                "repeat": latency.repeat,
                "threads": latency.threads,
            }
        print(json.dumps(report, indent=2))
        return 0
    print(format_table(rows))
    if latency is not None:
        size = args.latency_size
        print(f"\nGAN inference on one {size}x{size} image: {latency}")
    return 0
