"""Images for training and testing the inpainting model, with no download.

Training photos come from the images bundled inside scikit-image (``skimage.data``);
only functions whose file ships with the wheel are used (some ``skimage.data``
functions fetch files with ``pooch`` and are deliberately absent). Test photos are
kept strictly apart: scikit-learn's ``china.jpg`` / ``flower.jpg`` and matplotlib's
``grace_hopper.jpg``. Any folder of the user's own pictures works as well.

All images are float32 arrays of shape (H, W, 3) with values in [0, 1].
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

# skimage.data functions bundled with the wheel (checked offline for 0.26). Colour photos
# first, then gray textures/photos that are converted to three equal channels.
SKIMAGE_COLOUR = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "stereo_motorcycle",
)
SKIMAGE_GRAY = ("camera", "brick", "grass", "gravel", "moon", "coins", "clock", "cell")
SKLEARN_TEST = ("china.jpg", "flower.jpg")
MATPLOTLIB_TEST = ("grace_hopper.jpg",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")


def to_float_rgb(image: np.ndarray) -> np.ndarray:
    """Convert a gray, RGB or RGBA array of any dtype to float32 RGB in [0, 1].

    Inputs: image of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); integer dtypes are
    scaled by their maximum value, floats are clipped to [0, 1], alpha is dropped.
    Returns: array of shape (H, W, 3), float32.
    """
    array = np.asarray(image)
    if array.dtype == bool:
        array = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.float32) / float(np.iinfo(array.dtype).max)
    array = np.clip(array.astype(np.float32), 0.0, 1.0)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an image of shape (H, W[, 1|3|4]), got {array.shape}")
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return np.ascontiguousarray(array[:, :, :3])


def builtin_training_images() -> list[np.ndarray]:
    """Photos bundled with scikit-image (never the test photos), as float RGB (H, W, 3)."""
    from skimage import data as skdata

    images = []
    for name in SKIMAGE_COLOUR + SKIMAGE_GRAY:
        loaded = getattr(skdata, name)()
        if name == "stereo_motorcycle":  # (left, right, disparity)
            images.extend(to_float_rgb(view) for view in loaded[:2])
        else:
            images.append(to_float_rgb(loaded))
    return images


def builtin_test_images() -> list[np.ndarray]:
    """Held-out photos: scikit-learn's china/flower and matplotlib's grace_hopper."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg
    from sklearn.datasets import load_sample_image

    images = [to_float_rgb(load_sample_image(name)) for name in SKLEARN_TEST]
    for name in MATPLOTLIB_TEST:
        with cbook.get_sample_data(name) as handle:
            images.append(to_float_rgb(mpimg.imread(handle, format="jpg")))
    return images


def read_image(path: str | Path) -> np.ndarray:
    """Read one image file as float RGB (H, W, 3); a clear ValueError if unreadable."""
    from skimage import io

    try:
        return to_float_rgb(io.imread(str(path)))
    except Exception as error:  # noqa: BLE001 - any decoder failure becomes one clear error
        raise ValueError(f"cannot read image file {path}: {error}") from error


def folder_images(folder: str | Path, skip_unreadable: bool = False) -> list[np.ndarray]:
    """All images below ``folder`` (recursively, common formats), as float RGB arrays.

    An unreadable file raises ValueError naming it, or is skipped with a warning when
    ``skip_unreadable`` is True. An empty folder is a ValueError.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"image folder {root} does not exist or is not a directory")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    images = []
    for path in paths:
        try:
            images.append(read_image(path))
        except ValueError as error:
            if not skip_unreadable:
                raise
            warnings.warn(f"skipping {path}: {error}", stacklevel=2)
    if not images:
        raise ValueError(f"no readable images ({', '.join(IMAGE_SUFFIXES)}) under {root}")
    return images


def load_images(source: str, skip_unreadable: bool = False) -> list[np.ndarray]:
    """``"builtin"`` (scikit-image training photos), ``"test"`` (held-out) or a folder path."""
    if source == "builtin":
        return builtin_training_images()
    if source == "test":
        return builtin_test_images()
    return folder_images(source, skip_unreadable=skip_unreadable)


def _downscale(image: np.ndarray, factor: float) -> np.ndarray:
    import cv2

    height, width = image.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class RandomCropDataset(Dataset):
    """Random square crops with random horizontal flips, reproducible per index.

    Item ``index`` is drawn from a generator seeded by ``(seed, index)``, so the same
    index always gives the same crop: training that resumes at step ``s`` sees the
    same batches as an uninterrupted run, and distributed ranks use disjoint seeds.
    Each image also appears at the downscaled ``scales`` (if still large enough) so
    that crops show whole objects as well as fine texture.

    Inputs: images, a list of float arrays (H, W, 3) in [0, 1].
    Item: tensor of shape (3, size, size), float32 in [0, 1].
    """

    def __init__(
        self,
        images: Sequence[np.ndarray],
        size: int = 64,
        seed: int = 0,
        length: int = 1_000_000,
        scales: Sequence[float] = (1.0, 0.7, 0.5, 0.35),
    ) -> None:
        if size < 8:
            raise ValueError(f"crop size must be at least 8, got {size}")
        self.size, self.seed, self.length = size, seed, length
        self.images = []
        for image in images:
            for scale in scales:
                scaled = image if scale == 1.0 else _downscale(image, scale)
                if min(scaled.shape[:2]) >= size:
                    self.images.append(np.ascontiguousarray(scaled))
        if not self.images:
            raise ValueError(f"no image is at least {size}x{size} pixels")
        # Sample images in proportion to their area, so big photos give more crops.
        areas = np.array([im.shape[0] * im.shape[1] for im in self.images], dtype=np.float64)
        self.weights = np.sqrt(areas) / np.sqrt(areas).sum()

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> torch.Tensor:
        rng = np.random.default_rng([self.seed, int(index)])
        image = self.images[rng.choice(len(self.images), p=self.weights)]
        top = rng.integers(0, image.shape[0] - self.size + 1)
        left = rng.integers(0, image.shape[1] - self.size + 1)
        crop = image[top : top + self.size, left : left + self.size]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        return torch.from_numpy(np.ascontiguousarray(crop).transpose(2, 0, 1).copy())

    def batch(self, indices: Sequence[int]) -> torch.Tensor:
        """Stack items ``indices`` into a batch of shape (N, 3, size, size)."""
        return torch.stack([self[i] for i in indices])
