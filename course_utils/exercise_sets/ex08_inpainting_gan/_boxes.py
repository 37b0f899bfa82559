"""Inpainting GAN, q4: the local critic's crops."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex08_inpainting_gan._common import (
    _as_mask,
    _box,
    _disk,
    torch_cases,
)
from course_utils.inpainting import networks
from course_utils.inpainting.masks import free_form_mask

# -- q4: the local critic's crops ---------------------------------------------------------------


def _boxes_reference(mask: torch.Tensor, size: int) -> torch.Tensor:
    return networks.local_boxes(mask, size)


def _boxes_specs(rng: np.random.Generator) -> list[tuple[np.ndarray, int, str]]:
    """(holes (B, H, W) bool, crop size, description) of the q4 cases."""
    return [
        # first a case on which every known mistake differs from the answer, so that a right
        # answer of the wrong dtype is not mistaken for one of them
        (
            np.stack(
                [
                    _box(20, 24, (8, 12), (9, 15)),
                    _box(20, 24, (2, 9), (14, 20)),
                    _box(20, 24, (13, 18), (3, 7)),
                ]
            ),
            10,
            "3 samples with different holes",
        ),
        (_box(16, 16, (5, 11), (6, 10))[None], 8, "one hole in the middle"),
        (
            np.stack([_box(18, 22, (0, 4), (0, 3)), _box(18, 22, (2, 7), (1, 5))]),
            10,
            "holes touching or near the top-left corner",
        ),
        (
            np.stack([_box(18, 22, (14, 18), (19, 22)), _box(18, 22, (10, 17), (16, 21))]),
            9,
            "holes touching or near the bottom-right corner",
        ),
        (
            np.stack([_box(13, 17, (6, 7), (11, 12)), _box(13, 17, (0, 1), (16, 17))]),
            5,
            "odd size 13x17, 1-pixel holes",
        ),
        (
            np.stack([_box(13, 17, (3, 7), (2, 9)), np.zeros((13, 17), dtype=bool)]),
            6,
            "sample 2 has no hole",
        ),
        (
            np.stack([_box(12, 20, (2, 6), (1, 8)), _box(12, 20, (5, 12), (12, 20))]),
            12,
            "crop as tall as the image",
        ),
        (free_form_mask(4, 32, 32, rng=rng), 16, "4 free-form holes"),
        (
            np.stack([_box(15, 15, (2, 14), (3, 5)), _disk(15, 15, (9, 3), 2.5)]),
            7,
            "holes larger than the crop",
        ),
    ]


def _boxes_cases() -> list[Case]:
    cases = torch_cases(804, "mask", "size")
    for holes, size, text in _boxes_specs(cases.rng):
        cases.add(_as_mask(holes), size, note=text)
    return cases.build()


def _bounding_boxes(mask: torch.Tensor) -> list[tuple[int, int, int, int] | None]:
    """(row min, row max, col min, col max) of every sample's hole, None if it has none."""
    found = []
    for sample in mask[:, 0] > 0.5:
        rows, cols = torch.nonzero(sample, as_tuple=True)
        if rows.numel() == 0:
            found.append(None)
        else:
            found.append((int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())))
    return found


def _corners(mask: torch.Tensor, size: int, centres: list[tuple[int, int]], clamp: bool = True):
    height, width = mask.shape[2:]
    corners = []
    for centre_r, centre_c in centres:
        top, left = centre_r - size // 2, centre_c - size // 2
        if clamp:
            top, left = min(max(top, 0), height - size), min(max(left, 0), width - size)
        corners.append((top, left))
    return torch.tensor(corners, dtype=torch.int64)


def _centres(mask: torch.Tensor, corner: bool = False) -> list[tuple[int, int]]:
    height, width = mask.shape[2:]
    centres = []
    for bounds in _bounding_boxes(mask):
        if bounds is None:
            centres.append((height // 2, width // 2))
        elif corner:
            centres.append((bounds[0], bounds[2]))
        else:
            centres.append(((bounds[0] + bounds[1]) // 2, (bounds[2] + bounds[3]) // 2))
    return centres


def _boxes_first_sample(mask: torch.Tensor, size: int) -> torch.Tensor:
    one = _boxes_reference(mask[:1], size)
    return one.expand(mask.shape[0], 2).clone()


def _boxes_unclamped(mask: torch.Tensor, size: int) -> torch.Tensor:
    return _corners(mask, size, _centres(mask), clamp=False)


def _boxes_left_top(mask: torch.Tensor, size: int) -> torch.Tensor:
    return _boxes_reference(mask, size).flip(1)


def _boxes_on_corner(mask: torch.Tensor, size: int) -> torch.Tensor:
    return _corners(mask, size, _centres(mask, corner=True))


def _boxes_centroid(mask: torch.Tensor, size: int) -> torch.Tensor:
    height, width = mask.shape[2:]
    centres = []
    for sample, bounds in zip(mask[:, 0] > 0.5, _bounding_boxes(mask), strict=True):
        if bounds is None:
            centres.append((height // 2, width // 2))
            continue
        rows, cols = torch.nonzero(sample, as_tuple=True)
        centres.append((int(rows.double().mean()), int(cols.double().mean())))
    return _corners(mask, size, centres)


def _boxes_corner_on_centre(mask: torch.Tensor, size: int) -> torch.Tensor:
    height, width = mask.shape[2:]
    corners = [
        (min(max(row, 0), height - size), min(max(col, 0), width - size))
        for row, col in _centres(mask)
    ]
    return torch.tensor(corners, dtype=torch.int64)


def _boxes_sides_swapped(mask: torch.Tensor, size: int) -> torch.Tensor:
    height, width = mask.shape[2:]
    corners = []
    for centre_r, centre_c in _centres(mask):
        top, left = centre_r - size // 2, centre_c - size // 2
        corners.append((min(max(top, 0), width - size), min(max(left, 0), height - size)))
    return torch.tensor(corners, dtype=torch.int64)


def _wa_boxes_first_sample(mask, size):
    height, width = mask.shape[2:]
    rows, cols = torch.nonzero(mask[0, 0] > 0.5, as_tuple=True)  # the first sample only
    if rows.numel() == 0:
        centre_r, centre_c = height // 2, width // 2
    else:
        centre_r = (int(rows.min()) + int(rows.max())) // 2
        centre_c = (int(cols.min()) + int(cols.max())) // 2
    top = min(max(centre_r - size // 2, 0), height - size)
    left = min(max(centre_c - size // 2, 0), width - size)
    return torch.tensor([[top, left]] * mask.shape[0], dtype=torch.int64)


def _wa_boxes_float(mask, size):
    return torch.tensor(_boxes_reference(mask, size).tolist(), dtype=torch.float32)


q4 = FunctionProblem(
    "q4",
    "local_boxes",
    _boxes_reference,
    _boxes_cases,
    hints=[
        "Work sample by sample: every image of the batch has its own hole, so its own crop. "
        "Find the hole's bounding box from the coordinates of its pixels, put the crop's "
        "centre on the bounding box's centre, then move the crop back inside the image if it "
        "sticks out. A sample without a hole uses the image centre.",
        "`rows, cols = torch.nonzero(mask[b, 0] > 0.5, as_tuple=True)`; centre row "
        "`(rows.min() + rows.max()) // 2` (same for columns); `top = centre_r - size // 2`, "
        "then `min(max(top, 0), H - size)` (same for `left` with W). Collect the (top, left) "
        "pairs and return `torch.tensor(pairs, dtype=torch.int64)`.",
    ],
    mistakes=[
        Mistake(
            "every sample got the same crop: the crop must follow each sample's own hole, "
            "not the first sample's.",
            _boxes_first_sample,
        ),
        Mistake(
            "some crops stick out of the image: shift each crop so it lies inside (corner "
            "between 0 and the image size minus the crop size).",
            _boxes_unclamped,
        ),
        Mistake("the two columns are swapped: return (top, left), row first.", _boxes_left_top),
        Mistake(
            "the crops are centred on the hole's top-left corner, not on the centre of its "
            "bounding box.",
            _boxes_on_corner,
        ),
        Mistake(
            "the crops are centred on the hole's centre of mass (the mean of its pixels), not "
            "on the centre of its bounding box.",
            _boxes_centroid,
        ),
        Mistake(
            "the crop's top-left corner was put on the centre of the hole: subtract size // 2 "
            "so that the crop is centred on it.",
            _boxes_corner_on_centre,
        ),
        Mistake(
            "the crops were shifted inside with the image's height and width swapped: top "
            "lies in [0, H - size], left in [0, W - size].",
            _boxes_sides_swapped,
        ),
    ],
    wrong_answers=[
        WrongAnswer("mask[0]'s crop for every sample", _wa_boxes_first_sample, "same crop"),
        WrongAnswer("not shifted inside the image", _boxes_unclamped, "stick out"),
        WrongAnswer("(left, top)", _boxes_left_top, "swapped"),
        WrongAnswer("centred on the bounding box's corner", _boxes_on_corner, "top-left corner"),
        WrongAnswer("centred on the centre of mass", _boxes_centroid, "centre of mass"),
        WrongAnswer("no size // 2", _boxes_corner_on_centre, "subtract size // 2"),
        WrongAnswer(
            "clamped with H and W swapped", _boxes_sides_swapped, "height and width swapped"
        ),
        WrongAnswer("float corners", _wa_boxes_float, "float32"),
        *common_wrong_answers(_boxes_reference, transposed=False, as_list=True),
    ],
)
