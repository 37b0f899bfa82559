"""Contextual attention, q2: which background patches may be copied."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import keyword_ignored
from course_utils.exercise_sets.ex07_contextual_attention._common import (
    _PATCH_SIZE,
    DTYPE,
    _box_hole,
    _note,
    _random_hole,
    torch_cases,
)

# -- q2: which background patches may be copied ------------------------------------------------


def _known_reference(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    cols = F.unfold(hole.to(DTYPE)[None, None], patch_size, padding=patch_size // 2)[0]
    return cols.amax(dim=0) == 0  # (L,): no hole pixel in the patch


def _q2_holes(rng: np.random.Generator) -> list[tuple[torch.Tensor, int, str]]:
    """(hole, patch_size, description) of the q2 cases."""
    return [
        (_box_hole(7, 8, 3, 3, 2, 2), 3, "a box hole inside the image"),
        (_box_hole(6, 9, 0, 0, 2, 3), 3, "a hole touching the top-left corner"),
        (_random_hole(rng, 9, 7, 0.06), 5, "a free-form hole, patch_size 5"),
        (_random_hole(rng, 8, 10, 0.08), 3, "a free-form hole"),
        (torch.zeros(5, 6, dtype=torch.bool), 3, "no hole: every patch is known"),
        (torch.ones(4, 5, dtype=torch.bool), 3, "all hole: no known patch at all"),
        (_box_hole(6, 6, 2, 0, 3, 6), 1, "patch_size 1, a band across the image"),
        (torch.zeros(1, 1, dtype=torch.bool), 3, "1x1 image without hole, 3x3 patch"),
        (torch.ones(1, 1, dtype=torch.bool), 1, "1x1 image that is all hole"),
        (_box_hole(5, 11, 2, 9, 3, 2), 5, "a hole on the right border, patch_size 5"),
    ]


def _q2_cases() -> list[Case]:
    cases = torch_cases(702, "hole")
    for hole, size, text in _q2_holes(cases.rng):
        note = _note(tuple(hole.shape), f"{int(hole.sum())} hole pixels, {text}")
        cases.add(hole, patch_size=size, note=note)
    return cases.build()


def _known_centre_only(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    return ~hole.flatten()


def _known_inverted(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    return ~_known_reference(hole, patch_size)


def _known_outside_is_hole(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    pad = patch_size // 2
    padded = F.pad(hole.to(DTYPE)[None, None], (pad, pad, pad, pad), value=1.0)
    return F.unfold(padded, patch_size)[0].amax(dim=0) == 0


def _known_as_image(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    return _known_reference(hole, patch_size).view(hole.shape)


def _known_unless_all_hole(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    cols = F.unfold(hole.to(DTYPE)[None, None], patch_size, padding=patch_size // 2)[0]
    return cols.amin(dim=0) == 0  # excluded only when every pixel is hole


def _known_valid(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    return F.unfold(hole.to(DTYPE)[None, None], patch_size)[0].amax(dim=0) == 0


def _wa_known_centre(hole, patch_size=3):
    return (~hole).flatten()


def _wa_known_inverted(hole, patch_size=3):
    cols = F.unfold(hole.double()[None, None], patch_size, padding=patch_size // 2)[0]
    return cols.amax(dim=0) > 0


def _wa_known_pad_with_hole(hole, patch_size=3):
    pad = patch_size // 2
    padded = F.pad(hole.double(), (pad, pad, pad, pad), value=1.0)  # "outside is unknown"
    return F.max_pool2d(padded[None, None], patch_size, stride=1).flatten() == 0


def _wa_known_image(hole, patch_size=3):
    pooled = F.max_pool2d(hole.double()[None, None], patch_size, 1, patch_size // 2)
    return pooled[0, 0] == 0  # (H, W), not flattened


def _wa_known_float(hole, patch_size=3):
    cols = F.unfold(hole.double()[None, None], patch_size, padding=patch_size // 2)[0]
    return (cols.amax(dim=0) == 0).double()


def _wa_known_min(hole, patch_size=3):
    cols = F.unfold(hole.double()[None, None], patch_size, padding=patch_size // 2)[0]
    return cols.min(dim=0).values == 0


def _wa_known_no_padding(hole, patch_size=3):
    return F.max_pool2d(hole.double()[None, None], patch_size, stride=1).flatten() == 0


_KNOWN_SIZE = keyword_ignored(_known_reference, "patch_size", 3, _PATCH_SIZE)

q2 = FunctionProblem(
    "q2",
    "known_patch_mask",
    _known_reference,
    _q2_cases,
    rtol=0.0,
    atol=0.0,  # bool / int64 answers: compared exactly
    hints=[
        "A patch is usable when *none* of its k*k pixels is in the hole. Cut the hole mask "
        "into patches exactly as the features are cut (same size, same zero padding) and ask, "
        "per patch, whether any entry is a hole pixel.",
        "`F.unfold(hole.double()[None, None], k, padding=k // 2)[0]` is (k*k, L); its maximum "
        "over dim 0 is 1 where the patch touches the hole. The zero padding makes pixels "
        "outside the image count as known. Return a bool tensor (compare with 0).",
    ],
    mistakes=[
        Mistake(
            "only the centre pixel of each patch was tested: a patch centred next to the hole "
            "still contains hole pixels and must not be copied.",
            _known_centre_only,
        ),
        Mistake(
            "the mask is inverted: True should mark the patches that are safe to copy.",
            _known_inverted,
        ),
        Mistake(
            "pixels outside the image were counted as hole, so no border patch is usable. The "
            "patches are zero-padded: outside pixels are known (zero) features.",
            _known_outside_is_hole,
        ),
        Mistake(
            "the mask has the shape of the image: flatten it to (L,) = (H * W,) in row-major "
            "order, entry l for the patch centred at (l // W, l % W).",
            _known_as_image,
        ),
        Mistake(
            "a patch was excluded only when all of its pixels are hole: one hole pixel is "
            "enough to make a patch unusable.",
            _known_unless_all_hole,
        ),
        Mistake(
            "there are fewer than L = H * W entries: without padding the patches centred near "
            "the border are missing. Pad by k // 2 (the padding counts as known).",
            _known_valid,
        ),
        _KNOWN_SIZE,
    ],
    wrong_answers=[
        WrongAnswer("tests only the centre pixel", _wa_known_centre, "centre pixel"),
        WrongAnswer("True where the patch touches the hole", _wa_known_inverted, "inverted"),
        WrongAnswer(
            "pads the mask with 1 (outside = hole)", _wa_known_pad_with_hole, "outside the image"
        ),
        WrongAnswer("returns an (H, W) mask", _wa_known_image, "flatten"),
        WrongAnswer("returns 0.0 / 1.0 floats", _wa_known_float, "dtype"),
        WrongAnswer("excludes only all-hole patches", _wa_known_min, "one hole pixel is enough"),
        WrongAnswer("max-pools without padding", _wa_known_no_padding, "without padding"),
        WrongAnswer("patch size hard-coded to 3", _KNOWN_SIZE.wrong, "patch size is ignored"),
    ],
)
