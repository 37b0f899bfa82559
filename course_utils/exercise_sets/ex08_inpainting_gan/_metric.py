"""Inpainting GAN, q5 and q6: the evaluation metric and compositing."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex08_inpainting_gan._common import (
    TOL,
    _as_mask,
    _box,
    torch_cases,
)
from course_utils.inpainting.evaluate import hole_l1 as engine_hole_l1
from course_utils.inpainting.masks import free_form_mask

# -- q5: the evaluation metric -------------------------------------------------------------------


def _hole_l1_reference(images: np.ndarray, outputs: np.ndarray, masks: np.ndarray) -> float:
    return engine_hole_l1(images, outputs, masks)


def _hole_l1_specs(rng: np.random.Generator) -> list[tuple[np.ndarray, str]]:
    """(masks (N, H, W) bool, description) of the q5 cases."""
    return [
        (_box(8, 8, (2, 6), (3, 6))[None], "one image, one box"),
        (
            np.stack(
                [
                    _box(13, 17, (2, 5), (3, 5)),
                    _box(13, 17, (4, 12), (1, 14)),
                    _box(13, 17, (0, 13), (10, 17)),
                ]
            ),
            "odd size 13x17, holes of very different sizes",
        ),
        (
            np.stack([_box(10, 12, (4, 5), (7, 8)), _box(10, 12, (0, 8), (0, 9))]),
            "a 1-pixel hole and a large hole touching the border",
        ),
        (
            np.stack([np.zeros((9, 11), dtype=bool), _box(9, 11, (3, 7), (2, 9))]),
            "image 1 has no hole",
        ),
        (free_form_mask(4, 24, 24, rng=rng), "4 free-form holes"),
    ]


def _hole_l1_cases() -> list[Case]:
    cases = Cases(seed=8050, names=("images", "outputs", "masks"), low=0.0, high=1.0)
    specs = _hole_l1_specs(cases.rng)
    for index, (masks, text) in enumerate(specs):
        images = cases.draw((*masks.shape, 3))
        outputs = np.clip(images + 0.3 * cases.rng.standard_normal(images.shape), 0.0, 1.0)
        if index == len(specs) - 1:  # an inpainting result: the known pixels are the image's
            outputs = np.where(masks[..., None], outputs, images)
            text += ", outputs equal to the images outside the holes"
        cases.add(images, outputs, masks, note=text)
    return cases.build()


def _hole_error(images: np.ndarray, outputs: np.ndarray, masks: np.ndarray) -> np.ndarray:
    return np.abs(outputs - images) * masks[..., None]


def _hole_l1_whole_count(images, outputs, masks) -> float:
    return float(100.0 * _hole_error(images, outputs, masks).mean())


def _hole_l1_everywhere(images, outputs, masks) -> float:
    return float(100.0 * np.abs(outputs - images).mean())


def _hole_l1_per_image(images, outputs, masks) -> float:
    error = _hole_error(images, outputs, masks).sum(axis=(1, 2, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(100.0 * np.mean(error / (3 * masks.sum(axis=(1, 2)))))


def _hole_l1_no_channels(images, outputs, masks) -> float:
    return float(100.0 * _hole_error(images, outputs, masks).sum() / masks.sum())


def _hole_l1_no_percent(images, outputs, masks) -> float:
    return _hole_l1_reference(images, outputs, masks) / 100.0


def _wa_hole_l1_in_place(images, outputs, masks):
    outputs -= images  # reuses the caller's array
    np.abs(outputs, out=outputs)
    return float(100.0 * (outputs * masks[..., None]).sum() / (3 * masks.sum()))


q5 = FunctionProblem(
    "q5",
    "hole_l1",
    _hole_l1_reference,
    _hole_l1_cases,
    **TOL,
    hints=[
        "Only the hole is scored: add up |output - image| over the hole pixels of every image "
        "and every colour channel, divide by how many numbers you added, and multiply by 100. "
        "Pool all the images' hole pixels together (a large hole weighs more than a small one).",
        "`error = np.abs(outputs - images) * masks[..., None]` zeroes the known pixels (the "
        "mask broadcasts over the 3 channels); the count is `3 * masks.sum()`. Return "
        "`float(100 * error.sum() / count)`.",
    ],
    mistakes=[
        Mistake(
            "the hole error was divided by the number of all pixels: the mean must be taken "
            "over the hole pixels only.",
            _hole_l1_whole_count,
        ),
        Mistake(
            "the error of the known pixels was counted too: only the hole is scored.",
            _hole_l1_everywhere,
        ),
        Mistake(
            "this is the mean of per-image scores: pool the hole pixels of all images "
            "instead, so every hole pixel counts the same.",
            _hole_l1_per_image,
        ),
        Mistake(
            "the value is 3 times too large: the mean runs over the hole pixels *and* the "
            "colour channels.",
            _hole_l1_no_channels,
        ),
        Mistake(
            "the value is 100 times too small: the metric is reported x100.",
            _hole_l1_no_percent,
        ),
    ],
    wrong_answers=[
        WrongAnswer("divides by every pixel", _hole_l1_whole_count, "number of all pixels"),
        WrongAnswer("scores the known pixels too", _hole_l1_everywhere, "known pixels"),
        WrongAnswer("mean of per-image scores", _hole_l1_per_image, "per-image"),
        WrongAnswer("forgets the 3 channels in the count", _hole_l1_no_channels, "3 times"),
        WrongAnswer("not multiplied by 100", _hole_l1_no_percent, "100 times"),
        WrongAnswer("subtracts in place", _wa_hole_l1_in_place, "in place"),
        *common_wrong_answers(_hole_l1_reference, transposed=False),
    ],
)


# -- q6: compositing -----------------------------------------------------------------------------


def _composite_reference(
    output: torch.Tensor, image: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    return output * mask + image * (1.0 - mask)


def _composite_cases() -> list[Case]:
    cases = torch_cases(806, "output", "image", "mask", low=0.0, high=1.0)
    specs = [
        (free_form_mask(2, 16, 16, rng=cases.rng), "2 free-form holes"),
        (free_form_mask(3, 13, 17, rng=cases.rng), "odd size 13x17, 3 samples"),
        (
            np.stack([_box(9, 9, (4, 5), (4, 5)), np.zeros((9, 9), dtype=bool)]),
            "a 1-pixel hole; sample 2 has no hole",
        ),
        (_box(10, 14, (0, 10), (6, 14))[None], "a hole touching the border"),
    ]
    for holes, text in specs:
        batch, height, width = holes.shape
        shape = (batch, 3, height, width)
        cases.add(shape, shape, _as_mask(holes), note=text)
    return cases.build()


def _composite_inverted(output, image, mask) -> torch.Tensor:
    return _composite_reference(output, image, 1.0 - mask)


def _composite_hole_only(output, image, mask) -> torch.Tensor:
    return output * mask


def _composite_first_mask(output, image, mask) -> torch.Tensor:
    return _composite_reference(output, image, mask[:1])


def _composite_added(output, image, mask) -> torch.Tensor:
    return output * mask + image


def _wa_composite_in_place(output, image, mask):
    hole = mask.expand_as(image) > 0.5
    image[hole] = output[hole]  # writes into the caller's image
    return image


def _wa_composite_float32(output, image, mask):
    return _composite_reference(output.float(), image.float(), mask.float())


q6 = FunctionProblem(
    "q6",
    "composite",
    _composite_reference,
    _composite_cases,
    **TOL,
    hints=[
        "Every pixel comes from exactly one of the two images: the hole from the generator's "
        "output, everything else from the original. A 0/1 mask can select between them by "
        "multiplication.",
        "`output * mask + image * (1 - mask)`; the mask (B, 1, H, W) broadcasts over the 3 "
        "channels.",
    ],
    mistakes=[
        Mistake(
            "the mask is inverted: the known pixels came from the output and the hole from "
            "the original image (1 = hole).",
            _composite_inverted,
        ),
        Mistake(
            "the known pixels are black: add back the original image outside the hole.",
            _composite_hole_only,
        ),
        Mistake(
            "every sample used the first sample's mask: each image of the batch has its own "
            "hole (no `mask[0]`).",
            _composite_first_mask,
        ),
        Mistake(
            "the original image was added on top of the hole: multiply it by (1 - mask) so that "
            "it only fills the known pixels.",
            _composite_added,
        ),
    ],
    wrong_answers=[
        WrongAnswer("mask inverted", _composite_inverted, "inverted"),
        WrongAnswer("only output * mask", _composite_hole_only, "black"),
        WrongAnswer("mask[0] for every sample", _composite_first_mask, "first sample"),
        WrongAnswer("image not multiplied by 1 - mask", _composite_added, "on top"),
        WrongAnswer("pastes into the image in place", _wa_composite_in_place, "in place"),
        WrongAnswer("computed in float32", _wa_composite_float32, "float32"),
        *common_wrong_answers(_composite_reference, transposed=False),
    ],
)
