"""Paint a hole, fill it: the computations behind lesson 08's painting widget.

The learner paints a mask on a photo (a held-out one, or an upload of their own); every
method then fills the same hole, and because the photo is complete under the paint, each
fill gets its hole L1 against the truth. Pure functions, tested in
``tests/test_demos_paint.py``; the widget (:mod:`course_utils.widgets.paint`) only wires them
to a canvas.

* :func:`square_photo` -- any photo to a ``size`` x ``size`` RGB float image (centre crop,
  then a bilinear resize), with a sentence saying what was done;
* :func:`decode_photo` -- uploaded bytes to an RGB image, or a :class:`PhotoError` that says
  the file is not a readable image;
* :func:`brush_stroke` -- paint (or erase) discs along a mouse path into a boolean mask;
* :func:`compare_fills` -- every method of :data:`PAINT_METHODS` on the hole, with its hole L1
  and time; :func:`comparison_figure` draws them side by side.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence

import numpy as np

__all__ = [
    "PAINT_METHODS",
    "PhotoError",
    "brush_stroke",
    "compare_fills",
    "comparison_figure",
    "decode_photo",
    "example_mask",
    "square_photo",
]

#: The methods the widget compares, the learned one first.
PAINT_METHODS = ("gan", "telea", "ns", "biharmonic")


class PhotoError(ValueError):
    """An uploaded file that is not a usable photo (the message says why)."""


def square_photo(image: np.ndarray, size: int = 256) -> tuple[np.ndarray, str]:
    """``image`` as float32 (size, size, 3) in [0, 1] and a note of what was done.

    Grey images become RGB and an alpha channel is dropped; integer pixels are scaled by
    their type's maximum; a non-square photo is cropped to its centre square; the square is
    resized bilinearly (with a Gaussian pre-filter when shrinking). Photos smaller
    than 16 pixels on a side are refused (:class:`PhotoError`).
    """
    from skimage.transform import resize

    from course_utils.inpainting.data import to_float_rgb

    try:
        rgb = to_float_rgb(image)
    except ValueError as error:
        raise PhotoError(str(error)) from None
    height, width = rgb.shape[:2]
    if min(height, width) < 16:
        raise PhotoError(f"the photo is {width}x{height} pixels; it needs at least 16x16")
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = rgb[top : top + side, left : left + side]
    notes = [] if side == max(height, width) else [f"cropped {width}x{height} to its centre square"]
    if side != size:
        square = resize(square, (size, size), anti_aliasing=side > size, order=1)
        notes.append(f"{'scaled down' if side > size else 'scaled up'} to {size}x{size}")
    note = "; ".join(notes) if notes else f"used as it is ({size}x{size})"
    return np.ascontiguousarray(square, dtype=np.float32), note


def decode_photo(content: bytes, name: str = "the file") -> np.ndarray:
    """The RGB pixels of an uploaded image file; :class:`PhotoError` naming the file when it
    is empty, not an image, or corrupt."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not content:
        raise PhotoError(f"{name} is empty")
    try:
        with Image.open(io.BytesIO(content)) as picture:
            picture.load()
            upright = ImageOps.exif_transpose(picture)  # phone photos store their rotation
            return np.asarray(upright.convert("RGB"))
    except Image.DecompressionBombError:
        raise PhotoError(f"{name} is too large an image to open safely") from None
    except UnidentifiedImageError:
        raise PhotoError(
            f"{name} is not an image file (JPEG, PNG, GIF, BMP, TIFF, WebP, ...)"
        ) from None
    except (OSError, ValueError) as error:
        raise PhotoError(f"{name} is a damaged or truncated image ({error})") from None


def brush_stroke(
    mask: np.ndarray,
    points: Sequence[tuple[float, float]],
    radius: float,
    erase: bool = False,
) -> np.ndarray:
    """Paint (or, with ``erase``, clear) discs of ``radius`` pixels along the polyline
    ``points`` ((x, y) in pixel coordinates) into the boolean ``mask`` (H, W), in place.
    Points are filled in between so that a fast mouse leaves no gaps. Returns ``mask``."""
    if not radius > 0:
        raise ValueError(f"radius must be positive, got {radius}")
    height, width = mask.shape
    rows, cols = np.ogrid[:height, :width]
    path = [np.asarray(p, dtype=np.float64) for p in points]
    centres = path[:1]
    for start, end in zip(path, path[1:], strict=False):
        steps = max(1, int(np.ceil(np.hypot(*(end - start)) / max(radius / 2, 0.5))))
        centres += [start + (end - start) * t for t in np.linspace(0, 1, steps + 1)[1:]]
    for x, y in centres:
        disc = (cols - x) ** 2 + (rows - y) ** 2 <= radius**2
        mask[disc] = not erase
    return mask


def example_mask(size: int = 256) -> np.ndarray:
    """A brush stroke across the middle of a ``size`` x ``size`` image (the figure shown where
    no widget can run)."""
    mask = np.zeros((size, size), dtype=bool)
    path = [(0.25 * size, 0.45 * size), (0.45 * size, 0.55 * size), (0.7 * size, 0.4 * size)]
    return brush_stroke(mask, path, radius=size / 28)


def compare_fills(
    image: np.ndarray, mask: np.ndarray, methods: Sequence[str] = PAINT_METHODS
) -> list[dict]:
    """Fill the hole ``mask`` (H, W) of ``image`` (H, W, 3) with every method; for each a dict
    {"method", "result" (H, W, 3), "hole_l1_x100" (against ``image``), "seconds"}.
    ``ValueError`` if the mask has no hole pixel."""
    from course_utils.inpainting import inpaint
    from course_utils.inpainting.evaluate import hole_l1

    image = np.asarray(image, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask {mask.shape} does not match the image {image.shape[:2]}")
    if not mask.any():
        raise ValueError("paint a hole first: the mask is empty")
    results = []
    for method in methods:
        started = time.perf_counter()
        filled = inpaint(image[None], mask[None], method=method)
        seconds = time.perf_counter() - started
        score = hole_l1(image[None], filled, mask[None])
        results.append(
            {"method": method, "result": filled[0], "hole_l1_x100": score, "seconds": seconds}
        )
    return results


def comparison_figure(image: np.ndarray, mask: np.ndarray, results: Sequence[dict]):
    """One row: the photo with its hole, then every fill titled with its hole L1 and time.
    Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    from course_utils.demos.inpainting_runs import with_hole

    panels = [("your hole", with_hole(image, mask, colour=(1.0, 0.2, 0.2)))]
    panels += [
        (f"{r['method']}\nL1 {r['hole_l1_x100']:.2f}, {r['seconds']:.2f} s", r["result"])
        for r in results
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.7))
    for ax, (title, picture) in zip(np.atleast_1d(axes), panels, strict=True):
        ax.imshow(np.clip(picture, 0, 1), interpolation="antialiased")
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    fig.tight_layout()
    return fig
