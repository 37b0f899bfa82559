"""Contextual attention, q4: paste the attended patches back."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers, keyword_ignored
from course_utils.exercise_sets.ex07_contextual_attention._common import (
    _PATCH_SIZE,
    DTYPE,
    EPS,
    TOL,
    _background_patches,
    _box_hole,
    _note,
    torch_cases,
)
from course_utils.exercise_sets.ex07_contextual_attention._known import _known_reference
from course_utils.exercise_sets.ex07_contextual_attention._scores import _scores_reference
from course_utils.exercise_sets.ex07_contextual_attention._softmax import _softmax_reference

# -- q4: paste the attended patches back -------------------------------------------------------


def _coverage(height: int, width: int, patch_size: int) -> torch.Tensor:
    """(H, W): how many k x k windows centred on image pixels cover each pixel."""
    ones = torch.ones(1, 1, height, width, dtype=DTYPE)
    kernel = torch.ones(1, 1, patch_size, patch_size, dtype=DTYPE)
    return F.conv_transpose2d(ones, kernel, padding=patch_size // 2)[0, 0]


def _paste(attention: torch.Tensor, background: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Sum of the pasted patches, (C, H, W), before any averaging."""
    patches = _background_patches(background, patch_size)  # (L, C, k, k)
    return F.conv_transpose2d(attention[None], patches, padding=patch_size // 2)[0]


def _rebuild_reference(
    attention: torch.Tensor, background: torch.Tensor, patch_size: int = 3
) -> torch.Tensor:
    height, width = background.shape[1:]
    return _paste(attention, background, patch_size) / _coverage(height, width, patch_size)


def _own_patch_attention(height: int, width: int) -> torch.Tensor:
    """(L, H, W) one-hot attention: every position attends to the patch centred on itself."""
    return torch.eye(height * width, dtype=DTYPE).view(height * width, height, width)


def _q4_cases() -> list[Case]:
    cases = torch_cases(704, "attention", "background")

    def add(attention, background, size, text):
        note = _note(tuple(attention.shape), text)
        cases.add(attention, background, patch_size=size, note=note)

    def soft(count, height, width):
        return torch.softmax(3.0 * cases.draw((count, height, width)), dim=0)

    add(soft(30, 5, 6), cases.draw((2, 5, 6)), 3, "random soft attention")
    add(_own_patch_attention(4, 7), cases.draw((3, 4, 7)), 3, "each position takes its own patch")
    add(soft(28, 4, 7), cases.draw((2, 4, 7)), 5, "patch_size 5")
    add(soft(15, 3, 5), cases.draw((2, 3, 5)), 1, "patch_size 1")
    add(torch.ones(1, 1, 1, dtype=DTYPE), cases.draw((3, 1, 1)), 1, "1x1 image, patch_size 1")
    add(torch.ones(1, 1, 1, dtype=DTYPE), cases.draw((2, 1, 1)), 3, "1x1 image, 3x3 patch")
    # attention from a real hole: positions without any known patch get zero attention
    features = cases.draw((2, 6, 5))
    hole = _box_hole(6, 5, 0, 1, 3, 3)
    known = _known_reference(hole, 3)
    attention = _softmax_reference(_scores_reference(features, features * ~hole), known)
    add(attention, features * ~hole, 3, "attention of a hole touching the border")
    partial = soft(24, 4, 6)
    partial[:, 1:3, 2:5] = 0.0
    add(partial, cases.draw((2, 4, 6)), 3, "some positions attend to nothing")
    return cases.build()


def _rebuild_by_taps(attention, background, patch_size=3):
    return _paste(attention, background, patch_size) / patch_size**2


def _rebuild_sum(attention, background, patch_size=3):
    return _paste(attention, background, patch_size)


def _rebuild_flipped(attention, background, patch_size=3):
    height, width = background.shape[1:]
    patches = _background_patches(background, patch_size)  # (L, C, k, k)
    flipped = F.conv2d(attention[None], patches.transpose(0, 1), padding=patch_size // 2)[0]
    return flipped / _coverage(height, width, patch_size)


def _rebuild_flipped_by_taps(attention, background, patch_size=3):
    height, width = background.shape[1:]
    coverage = _coverage(height, width, patch_size)
    return _rebuild_flipped(attention, background, patch_size) * coverage / patch_size**2


def _rebuild_normalised(attention, background, patch_size=3):
    height, width = background.shape[1:]
    patches = _background_patches(background, patch_size)
    norms = patches.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    pasted = F.conv_transpose2d(attention[None], patches / (norms + EPS), padding=patch_size // 2)
    return pasted[0] / _coverage(height, width, patch_size)


def _rebuild_unpadded(attention, background, patch_size=3):
    height, width = background.shape[1:]
    patches = _background_patches(background, patch_size)
    pasted = F.conv_transpose2d(attention[None], patches)[0]  # (C, H + k - 1, W + k - 1)
    ones = torch.ones(1, 1, height, width, dtype=DTYPE)
    window = torch.ones(1, 1, patch_size, patch_size, dtype=DTYPE)
    return pasted / F.conv_transpose2d(ones, window)[0]


_FLIPPED = (
    "the pasted patches are flipped (upside down and left-right): sliding the patches with a "
    "convolution reads them backwards; pasting is the transposed operation."
)


def _wa_rebuild_conv2d(attention, background, patch_size=3):
    channels, height, width = background.shape
    pad = patch_size // 2
    cols = F.unfold(background[None], patch_size, padding=pad)[0]
    kernels = cols.t().reshape(height * width, channels, patch_size, patch_size)
    pasted = F.conv2d(attention[None], kernels.transpose(0, 1), padding=pad)[0]
    ones = torch.ones(1, 1, height, width, dtype=background.dtype)
    window = torch.ones(1, 1, patch_size, patch_size, dtype=background.dtype)
    return pasted / F.conv2d(ones, window, padding=pad)[0]


def _wa_rebuild_float32(attention, background, patch_size=3):
    return _rebuild_reference(attention.float(), background.float(), patch_size).float()


_REBUILD_SIZE = keyword_ignored(_rebuild_reference, "patch_size", 3, _PATCH_SIZE)

q4 = FunctionProblem(
    "q4",
    "rebuild_from_patches",
    _rebuild_reference,
    _q4_cases,
    **TOL,
    hints=[
        "Pasting weighted patches is the transpose of cutting them: with the raw background "
        "patches as kernels, `F.conv_transpose2d` adds attention[l, i, j] times patch l, "
        "centred at (i, j), for every l and position. Then divide every pixel by how many "
        "windows were pasted onto it.",
        "Kernels: `F.unfold(background[None], k, padding=k // 2)[0].t().reshape(L, C, k, k)` "
        "(not normalised). `F.conv_transpose2d(attention[None], kernels, padding=k // 2)[0]` "
        "is (C, H, W). The coverage is the same transposed convolution of an (H, W) image of "
        "ones with a (k, k) kernel of ones: k*k inside, less near the borders.",
    ],
    mistakes=[
        Mistake(
            "you divided by k*k everywhere, but near the border fewer windows cover a pixel "
            "(the padded part of a window is pasted nowhere).",
            _rebuild_by_taps,
        ),
        Mistake(
            "the overlapping pastes were summed, not averaged: each pixel receives one paste "
            "from every window that covers it.",
            _rebuild_sum,
        ),
        Mistake(_FLIPPED, _rebuild_flipped),
        Mistake(_FLIPPED, _rebuild_flipped_by_taps),
        Mistake(
            "the pasted patches were normalised, like the kernels of the matching step: paste "
            "the raw background patches, so that the hole gets the background's own values.",
            _rebuild_normalised,
        ),
        Mistake(
            "the output is (C, H + k - 1, W + k - 1): the pasted patches stick out of the "
            "image. Give `conv_transpose2d` padding=k // 2 (for the pastes and the coverage) "
            "to crop them back to H x W.",
            _rebuild_unpadded,
        ),
        _REBUILD_SIZE,
    ],
    wrong_answers=[
        WrongAnswer("divides by k*k", _rebuild_by_taps, "divided by k*k"),
        WrongAnswer("sums the overlapping pastes", _rebuild_sum, "summed"),
        WrongAnswer("conv2d instead of conv_transpose2d", _wa_rebuild_conv2d, "flipped"),
        WrongAnswer("pastes the normalised patches", _rebuild_normalised, "normalised"),
        WrongAnswer("conv_transpose2d without padding", _rebuild_unpadded, "padding=k // 2"),
        WrongAnswer("patch size hard-coded to 3", _REBUILD_SIZE.wrong, "patch size is ignored"),
        WrongAnswer("computed in float32", _wa_rebuild_float32, "float32"),
        *common_wrong_answers(_rebuild_reference, mutate_arg=1, transposed=False),
    ],
)
