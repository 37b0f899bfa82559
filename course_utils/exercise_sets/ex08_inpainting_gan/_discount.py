"""Inpainting GAN, q1: spatially discounted weights."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers, keyword_ignored
from course_utils.exercise_sets.ex08_inpainting_gan._common import (
    TOL,
    _as_mask,
    _box,
    _disk,
    torch_cases,
)
from course_utils.inpainting import losses
from course_utils.inpainting.masks import free_form_mask

# -- q1: spatially discounted weights ------------------------------------------------------------


def _discount_reference(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return losses.spatial_discount(mask, gamma)


def _discount_masks(rng: np.random.Generator) -> list[tuple[np.ndarray, float | None, str]]:
    """(holes (B, H, W) bool, gamma or None for the default, description) of the q1 cases."""
    ring = _disk(15, 15, (7, 7), 6.5) & ~_disk(15, 15, (7, 7), 1.5)
    row = np.zeros((1, 1, 9), dtype=bool)
    row[0, 0, 1:8] = True
    scattered = rng.random((12, 10)) < 0.25
    scattered[0, 0] = False  # keep one known pixel for sure
    return [
        (_box(5, 6, (2, 3), (3, 4))[None], 0.9, "a 1-pixel hole"),
        (_disk(11, 11, (5, 5), 4.2)[None], 0.8, "a round hole: diagonal neighbours matter"),
        (
            (_box(9, 12, (0, 6), (0, 5)) | _disk(9, 12, (4, 4), 3.5))[None],
            0.9,
            "a hole touching the top-left border",
        ),
        (
            free_form_mask(3, 24, 24, max_width=8, rng=rng),
            None,
            "3 samples with different free-form holes, default gamma",
        ),
        (free_form_mask(2, 13, 17, max_width=5, rng=rng), 0.7, "odd size 13x17, 2 samples"),
        (ring[None], 0.9, "a ring-shaped hole around a known island"),
        (
            np.stack([np.zeros((12, 10), dtype=bool), scattered]),
            0.5,
            "sample 1 has no hole, sample 2 many scattered holes",
        ),
        (row, 0.9, "a 1x9 image (one row)"),
        (
            _box(20, 16, (3, 20), (2, 16))[None] | _disk(20, 16, (12, 4), 5)[None],
            0.95,
            "a large hole touching the bottom and right borders",
        ),
    ]


def _discount_cases() -> list[Case]:
    cases = torch_cases(801, "mask")
    for holes, gamma, text in _discount_masks(cases.rng):
        cases.add(_as_mask(holes), note=text, **({} if gamma is None else {"gamma": gamma}))
    return cases.build()


def _distances(mask: torch.Tensor, metric: str, border_known: bool = False) -> torch.Tensor:
    """Distance of every hole pixel to the nearest known pixel (0 outside), per sample."""
    holes = mask[:, 0].numpy() > 0.5
    out = np.zeros(holes.shape, dtype=np.float64)
    for index, hole in enumerate(holes):
        if border_known:
            hole = np.pad(hole, 1, constant_values=False)
        if metric == "euclidean":
            distance = ndimage.distance_transform_edt(hole)
        else:
            distance = ndimage.distance_transform_cdt(hole, metric=metric).astype(np.float64)
        out[index] = distance[1:-1, 1:-1] if border_known else distance
    return torch.from_numpy(out)[:, None]


def _weights(mask: torch.Tensor, distance: torch.Tensor, gamma: float) -> torch.Tensor:
    return torch.pow(torch.full_like(mask, gamma), distance) * mask


def _discount_euclidean(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return _weights(mask, _distances(mask, "euclidean"), gamma)


def _discount_city_block(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return _weights(mask, _distances(mask, "taxicab"), gamma)


def _discount_from_zero(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return _weights(mask, (_distances(mask, "chessboard") - 1).clamp_min(0), gamma)


def _discount_ones_outside(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return torch.pow(torch.full_like(mask, gamma), _distances(mask, "chessboard"))


def _discount_inverse(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return _weights(mask, -_distances(mask, "chessboard"), gamma)


def _discount_border_known(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return _weights(mask, _distances(mask, "chessboard", border_known=True), gamma)


def _discount_first_sample(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    distance = _distances(mask[:1], "chessboard")  # the first sample's hole for everyone
    return torch.pow(torch.full_like(mask, gamma), distance) * mask


def _discount_half_steps(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    """The growing loop stopped after max(H, W) // 2 steps: deeper pixels keep d = 0."""
    distance = _distances(mask, "chessboard")
    distance[distance > max(mask.shape[2:]) // 2] = 0.0
    return _weights(mask, distance, gamma)


def _wa_discount_euclidean(mask, gamma=0.99):
    out = torch.zeros_like(mask)
    for index, hole in enumerate(mask[:, 0].numpy() > 0.5):
        distance = ndimage.distance_transform_edt(hole)
        out[index, 0] = torch.from_numpy(gamma**distance * hole)
    return out


def _wa_discount_cross(mask, gamma=0.99):
    cross = torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]], dtype=mask.dtype)
    known = 1.0 - mask
    distance = torch.zeros_like(mask)
    for step in range(1, sum(mask.shape[2:]) + 1):
        grown = (F.conv2d(known, cross[None, None], padding=1) > 0).to(mask.dtype)
        distance += step * (grown - known)
        known = grown
    return gamma**distance * mask


def _learner_discount(mask, gamma, first_step=1, pad_known=False, steps=None):
    known = 1.0 - mask
    distance = torch.zeros_like(mask)
    for step in range(first_step, first_step + (steps or max(mask.shape[2:]))):
        if pad_known:  # "outside the image is known"
            grown = F.max_pool2d(F.pad(known, (1, 1, 1, 1), value=1.0), 3, stride=1)
        else:
            grown = F.max_pool2d(known, 3, stride=1, padding=1)
        distance = distance + step * (grown - known)
        known = grown
    return distance


def _discount_wrong_side(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    """The roles of hole and known swapped: gamma**d on the known pixels, d = their chessboard
    distance to the hole (1 where no pixel of the hole is reached)."""
    return gamma ** _learner_discount(1.0 - mask, gamma) * (1.0 - mask)


def _wa_discount_from_zero(mask, gamma=0.99):
    return gamma ** _learner_discount(mask, gamma, first_step=0) * mask


def _wa_discount_everywhere(mask, gamma=0.99):
    return gamma ** _learner_discount(mask, gamma)


def _wa_discount_padded_known(mask, gamma=0.99):
    return gamma ** _learner_discount(mask, gamma, pad_known=True) * mask


def _wa_discount_first_sample(mask, gamma=0.99):
    return gamma ** _learner_discount(mask[0:1], gamma) * mask


def _wa_discount_half_steps(mask, gamma=0.99):
    return gamma ** _learner_discount(mask, gamma, steps=max(mask.shape[2:]) // 2) * mask


def _wa_discount_float32(mask, gamma=0.99):
    return (gamma ** _learner_discount(mask.float(), gamma) * mask.float()).float()


_FIXED_GAMMA = keyword_ignored(
    _discount_reference,
    "gamma",
    0.99,
    "gamma is ignored: the weights are gamma**d with the `gamma` you are given (the check "
    "uses several values).",
)

q1 = FunctionProblem(
    "q1",
    "spatial_discount",
    _discount_reference,
    _discount_cases,
    **TOL,
    hints=[
        "Grow the known region one ring of pixels at a time: after step s it contains every "
        "pixel within chessboard distance s of a known pixel. A hole pixel's d is the step at "
        "which it is reached. One step of growth is a 3x3 maximum over the known map.",
        "Start from `known = 1 - mask`. Repeat `grown = F.max_pool2d(known, 3, stride=1, "
        "padding=1)`: the pixels where `grown - known` is 1 get d = the step number; stop when "
        "nothing is left to reach (at most max(H, W) steps). max_pool2d pads with -inf, so "
        "outside the image never counts as known. Finally `gamma ** d * mask`.",
    ],
    mistakes=[
        Mistake(
            "the distances look Euclidean: use the chessboard distance, where a diagonal step "
            "counts 1 like a horizontal or vertical one.",
            _discount_euclidean,
        ),
        Mistake(
            "the distances look like city-block (4-neighbour) distances: a diagonal neighbour "
            "of a known pixel is at distance 1 too.",
            _discount_city_block,
        ),
        Mistake(
            "the weights are 1 on the border of the hole: there d should be 1, not 0 (the "
            "first ring reached is one step away from the known pixels).",
            _discount_from_zero,
        ),
        Mistake(
            "the weights outside the hole are not 0: the discount only applies inside the hole.",
            _discount_ones_outside,
        ),
        Mistake(
            "the weights grow with the distance: pixels far from any known pixel should count "
            "less, not more (check the sign of the exponent).",
            _discount_inverse,
        ),
        Mistake(
            "pixels outside the image were treated as known: a hole touching the image border "
            "is only reached from the known pixels inside the image.",
            _discount_border_known,
        ),
        Mistake(
            "the discount was computed on the wrong side: the known pixels got the weights "
            "gamma**d and the hole 0. The weights belong to the hole pixels, with d the "
            "distance of a hole pixel to the nearest known pixel.",
            _discount_wrong_side,
        ),
        Mistake(
            "every sample got the distances of the first sample's hole: each sample of the "
            "batch has its own hole, so compute its own distances (no `mask[0]`).",
            _discount_first_sample,
        ),
        _FIXED_GAMMA,
        Mistake(
            "the pixels deepest in the hole got weight 1: the growing stopped before it reached "
            "them (d stayed 0). A hole touching the border can be up to max(H, W) - 1 pixels "
            "deep: keep growing until every pixel is reached.",
            _discount_half_steps,
        ),
    ],
    wrong_answers=[
        WrongAnswer("scipy's Euclidean distance transform", _wa_discount_euclidean, "Euclidean"),
        WrongAnswer("grows with a 4-neighbour cross", _wa_discount_cross, "city-block"),
        WrongAnswer(
            "d = 0 on the border of the hole", _wa_discount_from_zero, "border of the hole"
        ),
        WrongAnswer(
            "weights not zeroed outside the hole", _wa_discount_everywhere, "outside the hole"
        ),
        WrongAnswer(
            "pads the known map with 1 (outside = known)",
            _wa_discount_padded_known,
            "outside the image were treated as known",
        ),
        WrongAnswer("hole and known swapped", _discount_wrong_side, "wrong side"),
        WrongAnswer("uses mask[0] for the whole batch", _wa_discount_first_sample, "first sample"),
        WrongAnswer("gamma fixed at 0.99", _FIXED_GAMMA.wrong, "gamma is ignored"),
        WrongAnswer("max(H, W) // 2 growing steps", _wa_discount_half_steps, "stopped"),
        WrongAnswer("computed in float32", _wa_discount_float32, "float32"),
        *common_wrong_answers(_discount_reference, transposed=False),
    ],
)
