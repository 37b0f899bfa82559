"""Contextual attention, q1: the score of every background patch at every position."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers, keyword_ignored
from course_utils.exercise_sets.ex07_contextual_attention._common import (
    _PATCH_SIZE,
    EPS,
    TOL,
    _background_patches,
    _box_hole,
    _note,
    torch_cases,
)

# -- q1: scores of every background patch at every position ----------------------------------


def _scores_reference(
    foreground: torch.Tensor, background: torch.Tensor, patch_size: int = 3
) -> torch.Tensor:
    patches = _background_patches(background, patch_size)  # (L, C, k, k)
    norms = patches.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    kernels = patches / (norms + EPS)
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _q1_specs() -> list[tuple[tuple[int, int, int], int, str, str]]:
    """((C, H, W), patch_size, kind, description) of the q1 cases."""
    return [
        ((1, 7, 8), 3, "flat", "zero and constant (flat) background patches"),
        ((2, 6, 7), 3, "random", "foreground and background differ"),
        ((3, 5, 5), 3, "same", "foreground is background, as in the layer"),
        ((2, 4, 9), 5, "random", "patch_size 5"),
        ((3, 6, 5), 1, "random", "patch_size 1"),
        ((2, 8, 6), 3, "hole", "background zeroed in a hole touching the border"),
        ((1, 1, 1), 1, "random", "1x1 image, patch_size 1"),
        ((2, 1, 1), 3, "random", "1x1 image, 3x3 patches (all padding but the centre)"),
        ((2, 3, 10), 5, "same", "patches larger than the image is tall"),
    ]


def _q1_cases() -> list[Case]:
    cases = torch_cases(701, "foreground", "background")
    for shape, size, kind, text in _q1_specs():
        background = cases.draw(shape)
        foreground = background.clone() if kind == "same" else cases.draw(shape)
        if kind == "flat":
            background[:, :4, :4] = 0.0
            background[:, 3:, 4:] = 0.7
        elif kind == "hole":
            background = background * ~_box_hole(*shape[1:], 0, 2, 3, 3)
        cases.add(foreground, background, patch_size=size, note=_note(shape, text))
    return cases.build()


def _scores_with_norm(
    foreground: torch.Tensor, background: torch.Tensor, patch_size: int, guard
) -> torch.Tensor:
    """Background kernels divided by ``guard(norms)`` instead of ``norms + 1e-4``."""
    patches = _background_patches(background, patch_size)
    norms = patches.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    return F.conv2d(foreground[None], patches / guard(norms), padding=patch_size // 2)[0]


def _scores_unnormalised(foreground, background, patch_size=3):
    return _scores_with_norm(foreground, background, patch_size, lambda n: torch.ones_like(n))


def _scores_no_eps(foreground, background, patch_size=3):
    return _scores_with_norm(foreground, background, patch_size, lambda n: n)


def _scores_squared_norm(foreground, background, patch_size=3):
    return _scores_with_norm(foreground, background, patch_size, lambda n: n**2 + EPS)


def _scores_squared_norm_outside(foreground, background, patch_size=3):
    return _scores_with_norm(foreground, background, patch_size, lambda n: (n + EPS) ** 2)


def _scores_clamped_eps(foreground, background, patch_size=3):
    return _scores_with_norm(foreground, background, patch_size, lambda n: n.clamp_min(EPS))


def _scores_eps_in_sqrt(foreground, background, patch_size=3):
    return _scores_with_norm(foreground, background, patch_size, lambda n: (n**2 + EPS).sqrt())


def _foreground_norms(foreground: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(H, W) norms of the zero-padded foreground patches."""
    energy = (foreground**2).sum(0)[None, None]
    ones = torch.ones(1, 1, patch_size, patch_size, dtype=foreground.dtype)
    return F.conv2d(energy, ones, padding=patch_size // 2)[0, 0].clamp_min(0).sqrt()


def _scores_foreground_normalised(foreground, background, patch_size=3):
    raw = _scores_unnormalised(foreground, background, patch_size)
    return raw / (_foreground_norms(foreground, patch_size) + EPS)


def _scores_both_normalised(foreground, background, patch_size=3):
    scores = _scores_reference(foreground, background, patch_size)
    return scores / (_foreground_norms(foreground, patch_size) + EPS)


def _scores_roles_swapped(foreground, background, patch_size=3):
    return _scores_reference(background, foreground, patch_size)


def _scores_valid_both(foreground, background, patch_size=3):
    channels = background.shape[0]
    cols = F.unfold(background[None], patch_size)[0]  # no padding
    kernels = (cols / (cols.norm(dim=0) + EPS)).t().reshape(-1, channels, patch_size, patch_size)
    return F.conv2d(foreground[None], kernels)[0]


def _scores_valid_unfold(foreground, background, patch_size=3):
    channels = background.shape[0]
    cols = F.unfold(background[None], patch_size)[0]
    kernels = (cols / (cols.norm(dim=0) + EPS)).t().reshape(-1, channels, patch_size, patch_size)
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _scores_valid_conv(foreground, background, patch_size=3):
    patches = _background_patches(background, patch_size)
    norms = patches.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    return F.conv2d(foreground[None], patches / (norms + EPS))[0]


def _scores_untransposed(foreground, background, patch_size=3):
    channels, height, width = background.shape
    cols = F.unfold(background[None], patch_size, padding=patch_size // 2)[0]  # (C*k*k, L)
    cols = cols / (cols.norm(dim=0) + EPS)
    kernels = cols.reshape(height * width, channels, patch_size, patch_size)  # no .t()
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _scores_flipped(foreground, background, patch_size=3):
    patches = _background_patches(background, patch_size)
    norms = patches.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    kernels = (patches / (norms + EPS)).flip(-2, -1)
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


_VALID_PADDING = (
    "the output shape says some patches or positions were lost: with 'valid' windows (no "
    "padding) there are fewer than H * W patches and positions. Every pixel has a patch "
    "centred on it, zero-padded where it leaves the image, both when you cut the background "
    "patches and when you slide them over the foreground."
)
_SQUARED = (
    "the background patches were divided by their squared norm; a normalised kernel has norm "
    "(almost) 1, so divide by the norm itself (plus the small epsilon)."
)
_EPS_GUARD = (
    "the epsilon guard is applied differently (a clamp, `F.normalize`, or inside the square "
    "root): the scores are defined with norm + 1e-4, which changes the values by ~1e-4."
)


# Wrong answers as a learner would write them (each is shown to be rejected by the tests).


def _wa_scores_unnormalised(foreground, background, patch_size=3):
    channels, height, width = background.shape
    cols = F.unfold(background[None], patch_size, padding=patch_size // 2)[0]
    kernels = cols.t().reshape(height * width, channels, patch_size, patch_size)
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _wa_scores_no_eps(foreground, background, patch_size=3):
    channels, height, width = background.shape
    cols = F.unfold(background[None], patch_size, padding=patch_size // 2)[0]
    cols = cols / cols.norm(dim=0)  # 0 / 0 for a zero patch
    kernels = cols.t().reshape(height * width, channels, patch_size, patch_size)
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _wa_scores_normalize(foreground, background, patch_size=3):
    channels, height, width = background.shape
    cols = F.normalize(F.unfold(background[None], patch_size, padding=patch_size // 2)[0], dim=0)
    kernels = cols.t().reshape(height * width, channels, patch_size, patch_size)
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _wa_scores_cosine(foreground, background, patch_size=3):
    pad = patch_size // 2
    fg = F.unfold(foreground[None], patch_size, padding=pad)[0]  # (C*k*k, P)
    bg = F.unfold(background[None], patch_size, padding=pad)[0]  # (C*k*k, L)
    fg = fg / (fg.norm(dim=0) + EPS)
    bg = bg / (bg.norm(dim=0) + EPS)
    return (bg.t() @ fg).reshape(-1, *foreground.shape[1:])


def _wa_scores_no_padding(foreground, background, patch_size=3):
    channels = background.shape[0]
    cols = F.unfold(background[None], patch_size)[0]
    cols = cols / (cols.norm(dim=0) + EPS)
    kernels = cols.t().reshape(-1, channels, patch_size, patch_size)
    return F.conv2d(foreground[None], kernels)[0]


def _wa_scores_flipped(foreground, background, patch_size=3):
    channels, height, width = background.shape
    cols = F.unfold(background[None], patch_size, padding=patch_size // 2)[0]
    cols = cols / (cols.norm(dim=0) + EPS)
    kernels = cols.t().reshape(height * width, channels, patch_size, patch_size)
    kernels = kernels.flip(-2, -1)  # "a convolution flips its kernel"
    return F.conv2d(foreground[None], kernels, padding=patch_size // 2)[0]


def _wa_scores_float32(foreground, background, patch_size=3):
    return _scores_reference(foreground.float(), background.float(), patch_size)


_SCORES_SIZE = keyword_ignored(_scores_reference, "patch_size", 3, _PATCH_SIZE)

q1 = FunctionProblem(
    "q1",
    "patch_scores",
    _scores_reference,
    _q1_cases,
    **TOL,
    hints=[
        "Turn every background patch into a convolution kernel: `F.unfold` with "
        "`padding=patch_size // 2` cuts all L = H*W patches at once as columns. Divide each "
        "column by its own norm (plus 1e-4), reshape the columns into L kernels, and slide "
        "them over the foreground with one `F.conv2d` -- output channel l is patch l's score "
        "at every position.",
        "`cols = F.unfold(background[None], k, padding=k // 2)[0]` is (C*k*k, L); "
        "`cols / (cols.norm(dim=0) + 1e-4)` normalises each column; `.t().reshape(L, C, k, k)` "
        "makes the kernels (row-major l, like unfold). Then "
        "`F.conv2d(foreground[None], kernels, padding=k // 2)[0]` is (L, H, W). The foreground "
        "is not normalised.",
    ],
    mistakes=[
        Mistake(
            "the background patches were not normalised, so bright patches win just for being "
            "bright: divide each background patch by its norm (plus 1e-4).",
            _scores_unnormalised,
        ),
        Mistake(
            "a flat (all-zero) background patch has norm 0, and dividing by it gives NaN: add "
            "the epsilon 1e-4 to every norm before dividing.",
            _scores_no_eps,
        ),
        Mistake(_SQUARED, _scores_squared_norm),
        Mistake(_SQUARED, _scores_squared_norm_outside),
        Mistake(
            "the foreground patches were normalised instead of the background patches: it is "
            "the candidate (background) patch l whose norm must not decide the winner.",
            _scores_foreground_normalised,
        ),
        Mistake(
            "both patches were normalised (a full cosine similarity). Here only the background "
            "patch is divided by its norm: the foreground norm is the same for every l.",
            _scores_both_normalised,
        ),
        Mistake(
            "the roles are swapped: the kernels were cut from the foreground and slid over the "
            "background. Kernels come from the background (the patches you may copy), the "
            "convolution runs over the foreground (the positions to fill).",
            _scores_roles_swapped,
        ),
        Mistake(_VALID_PADDING, _scores_valid_both),
        Mistake(_VALID_PADDING, _scores_valid_unfold),
        Mistake(_VALID_PADDING, _scores_valid_conv),
        Mistake(
            "the kernels were made by reshaping the (C*k*k, L) columns without transposing "
            "them first, so each kernel mixes entries of different patches: transpose to "
            "(L, C*k*k), then reshape to (L, C, k, k).",
            _scores_untransposed,
        ),
        Mistake(
            "the kernels are flipped (upside down and left-right): `F.conv2d` already "
            "computes the inner product of each patch with the window under it (a "
            "cross-correlation), so use the patches as they are.",
            _scores_flipped,
        ),
        _SCORES_SIZE,
        Mistake(_EPS_GUARD, _scores_clamped_eps),
        Mistake(_EPS_GUARD, _scores_eps_in_sqrt),
    ],
    wrong_answers=[
        WrongAnswer("background patches not normalised", _wa_scores_unnormalised, "not normalised"),
        WrongAnswer("divided by the norm without the epsilon", _wa_scores_no_eps, "norm 0"),
        WrongAnswer("F.normalize instead of norm + 1e-4", _wa_scores_normalize, "epsilon guard"),
        WrongAnswer(
            "cosine similarity (foreground normalised too)",
            _wa_scores_cosine,
            "both patches were normalised",
        ),
        WrongAnswer("unfold and conv2d without padding", _wa_scores_no_padding, "padding"),
        WrongAnswer(
            "columns reshaped into kernels without the transpose",
            _scores_untransposed,
            "without transposing",
        ),
        WrongAnswer("kernels flipped", _wa_scores_flipped, "flipped"),
        WrongAnswer("patch size hard-coded to 3", _SCORES_SIZE.wrong, "patch size is ignored"),
        WrongAnswer("computed in float32", _wa_scores_float32, "float32"),
        *common_wrong_answers(_scores_reference, transposed=False),
    ],
)
