"""Checks for ``exercises/07_contextual_attention.ipynb``: the five steps of contextual attention
(Yu et al. 2018) at rate 1 on single feature maps -- score every background patch against every
position, find the usable (hole-free) patches, take a masked softmax, paste the attended patches
back with overlap averaging, and read off where each position copied from.

Conventions (shared with :class:`course_utils.inpainting.ContextualAttention` at ``rate=1``,
``fuse=False``, ``eps=1e-4``): inputs are float64 tensors without a batch axis; the L = H * W
background patches are zero-padded "same" patches (padding ``patch_size // 2``) indexed by the
row-major index l = r * W + c of their centre. A position with no known patch to attend to
(in q3 this happens when no patch at all is known) gets all-zero attention: never NaN, and not
weights spread over patches that may not be copied.

Tolerances. q1, q3 and q4 (float answers): ``rtol=1e-9``, ``atol=1e-12``. Every answer is a sum
of at most C * k * k = 75 products of O(1) numbers, a softmax, or an average of at most 25 such
sums; in float64 any summation order (``conv2d``, ``conv_transpose2d``, ``fold``, a loop) agrees
to ~1e-14 relative. The softmax cases include logits of about +-1000 (scores of +-100 at scale
10): a softmax that subtracts the maximum computes ``exp(x - max)`` from a difference exact to
~1e-13 absolute, so its weights agree to ~1e-13 relative however it is written; 1e-9 leaves four
orders of magnitude of margin. ``atol`` only matters for attention weights that underflow:
excluding unknown patches with ``-inf`` or with a large finite penalty (``-1e4``, as the layer
does) gives weights below 1e-12 either way, so both are accepted. Every wrong normalisation,
axis, flip or padding gives errors of order 1e-4 or more (the smallest is a different epsilon
guard in q1, ~1e-4 / ||patch||), and an unstable softmax gives NaN, far outside these
tolerances. q2 (bool) and q5 (int64) are compared exactly.

Wrong answers. Each problem declares, as ``wrong_answers``, the code a learner plausibly writes
instead of the answer (unnormalised or zero-norm-NaN scores, ``valid`` padding, kernels reshaped
without the transpose, a flipped paste, a softmax without the max shift or over the wrong axis,
patch indices divided by H instead of W, float32, a hard-coded patch size, inputs changed in
place, ...); ``tests/test_exercise_sets.py`` shows each is rejected with a message that names
its mistake. Most are recognised by a :class:`Mistake` that computes the same wrong result; the
cases are built so that each one shows: large scores, fully masked inputs, non-square maps
(marked "non-square" in the case labels), patch sizes 1 and 5, flat and zero patches.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.wrong_answers import mutates_input
from course_utils.inpainting.attention import attention_offsets

TOL = {"rtol": 1e-9, "atol": 1e-12}
DTYPE = torch.float64
EPS = 1e-4  # added to background patch norms, as in ContextualAttention(eps=1e-4)


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=DTYPE)


def _box_hole(height: int, width: int, top: int, left: int, rows: int, cols: int) -> torch.Tensor:
    """(H, W) bool, True inside the rows x cols box with top-left corner (top, left)."""
    hole = torch.zeros(height, width, dtype=torch.bool)
    hole[top : top + rows, left : left + cols] = True
    return hole


def _random_hole(gen: torch.Generator, height: int, width: int, fraction: float) -> torch.Tensor:
    """(H, W) bool, a free-form hole: random pixels grown by one 3x3 dilation."""
    seeds = torch.rand(1, 1, height, width, generator=gen, dtype=DTYPE) < fraction
    return F.max_pool2d(seeds.to(DTYPE), 3, stride=1, padding=1)[0, 0] > 0


def _shape_text(shape: tuple[int, ...]) -> str:
    """``(C, H, W)`` as text, with ", non-square" when H != W (read by the wrong answers)."""
    return f"{tuple(shape)}" + (", non-square" if shape[-1] != shape[-2] else "")


def _background_patches(background: torch.Tensor, patch_size: int) -> torch.Tensor:
    """The L = H * W zero-padded patches of background (C, H, W) as (L, C, k, k) kernels."""
    channels, height, width = background.shape
    cols = F.unfold(background[None], patch_size, padding=patch_size // 2)[0]  # (C*k*k, L)
    return cols.t().reshape(height * width, channels, patch_size, patch_size)


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
    gen = torch.Generator().manual_seed(701)
    cases = []
    for (channels, height, width), size, kind, text in _q1_specs():
        background = _randn(gen, channels, height, width)
        foreground = background.clone() if kind == "same" else _randn(gen, channels, height, width)
        if kind == "flat":
            background[:, :4, :4] = 0.0
            background[:, 3:, 4:] = 0.7
        elif kind == "hole":
            hole = _box_hole(height, width, 0, 2, 3, 3)
            background = background * ~hole
        shape = _shape_text((channels, height, width))
        label = f"foreground and background {shape}, patch_size={size} ({text})"
        cases.append(Case((foreground, background), {"patch_size": size}, label))
    return cases


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


def _scores_size_three(foreground, background, patch_size=3):
    return _scores_reference(foreground, background, 3)


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
_PATCH_SIZE = (
    "the patch size is ignored: the patches are always 3x3. Cut, pad and slide k x k patches "
    "with k = patch_size."
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
        Mistake(_PATCH_SIZE, _scores_size_three),
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
        WrongAnswer("patch size hard-coded to 3", _scores_size_three, "patch size is ignored"),
        WrongAnswer("computed in float32", _wa_scores_float32, "float32"),
    ],
)


# -- q2: which background patches may be copied ------------------------------------------------


def _known_reference(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    cols = F.unfold(hole.to(DTYPE)[None, None], patch_size, padding=patch_size // 2)[0]
    return cols.amax(dim=0) == 0  # (L,): no hole pixel in the patch


def _q2_holes() -> list[tuple[torch.Tensor, int, str]]:
    """(hole, patch_size, description) of the q2 cases."""
    gen = torch.Generator().manual_seed(702)
    return [
        (_box_hole(7, 8, 3, 3, 2, 2), 3, "a box hole inside the image"),
        (_box_hole(6, 9, 0, 0, 2, 3), 3, "a hole touching the top-left corner"),
        (_random_hole(gen, 9, 7, 0.06), 5, "a free-form hole, patch_size 5"),
        (torch.zeros(5, 6, dtype=torch.bool), 3, "no hole: every patch is known"),
        (torch.ones(4, 5, dtype=torch.bool), 3, "all hole: no known patch at all"),
        (_box_hole(6, 6, 2, 0, 3, 6), 1, "patch_size 1, a band across the image"),
        (torch.zeros(1, 1, dtype=torch.bool), 3, "1x1 image without hole, 3x3 patch"),
        (torch.ones(1, 1, dtype=torch.bool), 1, "1x1 image that is all hole"),
        (_box_hole(5, 11, 2, 9, 3, 2), 5, "a hole on the right border, patch_size 5"),
    ]


def _q2_cases() -> list[Case]:
    cases = []
    for hole, size, text in _q2_holes():
        label = f"hole {_shape_text(tuple(hole.shape))} with {int(hole.sum())} hole pixels, "
        label += f"patch_size={size} ({text})"
        cases.append(Case((hole,), {"patch_size": size}, label))
    return cases


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


def _known_size_three(hole: torch.Tensor, patch_size: int = 3) -> torch.Tensor:
    return _known_reference(hole, 3)


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
        Mistake(_PATCH_SIZE, _known_size_three),
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
        WrongAnswer("patch size hard-coded to 3", _known_size_three, "patch size is ignored"),
    ],
)


# -- q3: masked softmax over the background patches --------------------------------------------


def _softmax_reference(
    scores: torch.Tensor, known: torch.Tensor, scale: float = 10.0
) -> torch.Tensor:
    if not bool(known.any()):
        return torch.zeros_like(scores)
    logits = (scale * scores).masked_fill(~known.view(-1, 1, 1), float("-inf"))
    return torch.softmax(logits, dim=0)


_NO_KNOWN = "no known patch: the attention must be all zeros"


def _q3_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(703)
    cases = []

    def add(scores: torch.Tensor, known: torch.Tensor, scale: float | None, text: str) -> None:
        kwargs = {} if scale is None else {"scale": scale}
        shown = "default scale" if scale is None else f"scale={scale:g}"
        label = f"scores {_shape_text(tuple(scores.shape))}, {int(known.sum())} of "
        label += f"{known.numel()} patches known, {shown} ({text})"
        cases.append(Case((scores, known), kwargs, label))

    def random_known(count: int, fraction: float) -> torch.Tensor:
        known = torch.rand(count, generator=gen, dtype=DTYPE) < fraction
        known[0], known[-1] = True, False  # at least one known and one unknown patch
        return known

    add(0.4 * _randn(gen, 20, 4, 5), random_known(20, 0.6), None, "some patches known")
    add(0.4 * _randn(gen, 18, 3, 6), random_known(18, 0.5), 4.0, "another temperature")
    add(0.3 * _randn(gen, 12, 4, 3), torch.ones(12, dtype=torch.bool), None, "all known")
    only = torch.zeros(15, dtype=torch.bool)
    only[7] = True
    add(0.3 * _randn(gen, 15, 3, 5), only, None, "exactly one patch known")
    add(0.3 * _randn(gen, 1, 1, 1), torch.ones(1, dtype=torch.bool), None, "1x1 image")
    # realistic scores: the q1 reference on features whose hole is zeroed
    features = _randn(gen, 2, 5, 6)
    hole = _box_hole(5, 6, 1, 0, 2, 3)
    realistic = _scores_reference(features, features * ~hole, 3)
    add(realistic, _known_reference(hole, 3), 10.0, "scores of real patches, hole at the border")
    # large scores: exp(1000) overflows and exp(-1000) underflows in float64
    large = 100.0 + 5.0 * _randn(gen, 24, 4, 6)
    add(large, random_known(24, 0.5), None, "large scores around +100, logits around +1000")
    large = -100.0 + 5.0 * _randn(gen, 20, 5, 4)
    add(large, random_known(20, 0.6), None, "large negative scores around -100")
    higher = 0.5 * _randn(gen, 30, 5, 6)
    known = random_known(30, 0.5)
    higher[~known] += 100.0  # e.g. the hole's own patches, which match best
    add(higher, known, None, "the unknown patches score far higher than the known ones")
    add(0.4 * _randn(gen, 16, 4, 4), torch.zeros(16, dtype=torch.bool), None, _NO_KNOWN)
    add(0.3 * _randn(gen, 1, 1, 1), torch.zeros(1, dtype=torch.bool), 2.0, "1x1, " + _NO_KNOWN)
    large = 100.0 + 5.0 * _randn(gen, 12, 3, 4)
    add(large, torch.zeros(12, dtype=torch.bool), None, "large scores, " + _NO_KNOWN)
    return cases


def _softmax_axis(scores, known, scale, dim, masked_with_inf):
    mask = known.view(-1, 1, 1)
    if masked_with_inf:
        return torch.softmax((scale * scores).masked_fill(~mask, float("-inf")), dim=dim)
    return torch.softmax(scale * scores, dim=dim) * mask


def _softmax_rows_inf(scores, known, scale=10.0):
    return _softmax_axis(scores, known, scale, 1, True)


def _softmax_cols_inf(scores, known, scale=10.0):
    return _softmax_axis(scores, known, scale, 2, True)


def _softmax_rows_zeroed(scores, known, scale=10.0):
    return _softmax_axis(scores, known, scale, 1, False)


def _softmax_cols_zeroed(scores, known, scale=10.0):
    return _softmax_axis(scores, known, scale, 2, False)


def _softmax_masked_after(scores, known, scale=10.0):
    return _softmax_axis(scores, known, scale, 0, False)


def _softmax_zero_scores(scores, known, scale=10.0):
    return torch.softmax(scale * scores * known.view(-1, 1, 1), dim=0)


def _softmax_zero_scores_then_mask(scores, known, scale=10.0):
    return _softmax_zero_scores(scores, known, scale) * known.view(-1, 1, 1)


def _softmax_no_scale(scores, known, scale=10.0):
    return _softmax_reference(scores, known, 1.0)


def _softmax_divided_by_scale(scores, known, scale=10.0):
    return _softmax_reference(scores, known, 1.0 / scale)


def _softmax_unguarded(scores, known, scale=10.0):
    logits = (scale * scores).masked_fill(~known.view(-1, 1, 1), float("-inf"))
    return torch.softmax(logits, dim=0)


def _softmax_uniform_when_empty(scores, known, scale=10.0):
    if not bool(known.any()):
        return torch.full_like(scores, 1.0 / scores.shape[0])
    return _softmax_reference(scores, known, scale)


def _softmax_naive_product(scores, known, scale=10.0):
    if not bool(known.any()):
        return torch.zeros_like(scores)
    weights = torch.exp(scale * scores) * known.view(-1, 1, 1)
    return weights / weights.sum(dim=0)


def _softmax_naive_inf(scores, known, scale=10.0):
    if not bool(known.any()):
        return torch.zeros_like(scores)
    weights = torch.exp((scale * scores).masked_fill(~known.view(-1, 1, 1), float("-inf")))
    return weights / weights.sum(dim=0)


def _softmax_shift_by_all(scores, known, scale=10.0):
    if not bool(known.any()):
        return torch.zeros_like(scores)
    logits = scale * scores
    weights = torch.exp(logits - logits.amax(dim=0)) * known.view(-1, 1, 1)
    return weights / weights.sum(dim=0)


_WRONG_AXIS = (
    "the softmax runs over the wrong axis: for every position (i, j), the weights of the L "
    "background patches should sum to 1, i.e. normalise along the first axis."
)
_ZEROED = (
    "unknown patches were given score 0 instead of being left out: exp(0) is not 0, so they "
    "still take part in the normalisation (and may get weight). They must not count at all."
)
_OVERFLOW = (
    "the softmax is computed as exp(logits) / sum(exp(logits)): for large scores exp overflows "
    "to inf (or underflows to 0) and the weights become NaN. Subtract, for every position, the "
    "largest logit of the known patches before taking exp (this does not change the softmax), "
    "or let `torch.softmax` do it."
)


def _wa_softmax_in_place(scores, known, scale=10.0):
    if not known.any():
        return torch.zeros_like(scores)
    scores[~known] = float("-inf")  # changes the caller's scores
    return torch.softmax(scale * scores, dim=0)


def _wa_softmax_penalty(scores, known, scale=10.0):
    logits = (scale * scores).masked_fill(~known[:, None, None], -1e9)
    return torch.softmax(logits, dim=0)


def _wa_softmax_float32(scores, known, scale=10.0):
    return _softmax_reference(scores.float(), known, scale)


q3 = FunctionProblem(
    "q3",
    "masked_softmax",
    _softmax_reference,
    _q3_cases,
    **TOL,
    hints=[
        "Multiply the scores by `scale`, then make the unknown patches impossible before the "
        "softmax (a logit of -infinity has weight exactly 0), and take the softmax over the "
        "patch axis l with `torch.softmax`, which subtracts the maximum first and so never "
        "overflows. Then think about what happens when *every* logit is -infinity.",
        "`logits = (scale * scores).masked_fill(~known[:, None, None], float('-inf'))`, then "
        "`torch.softmax(logits, dim=0)`. If `known` has no True entry the softmax is 0/0 = NaN "
        "everywhere: return `torch.zeros_like(scores)` in that case (test `known.any()`).",
    ],
    mistakes=[
        Mistake(
            "the result is NaN when no patch is known (a softmax over nothing is 0/0): the "
            "attention must then be all zeros.",
            _softmax_unguarded,
        ),
        Mistake(
            "when no patch is known, the weights were spread over patches that may not be "
            "copied (a finite penalty such as -1e9 leaves a uniform softmax): the attention "
            "must then be all zeros.",
            _softmax_uniform_when_empty,
        ),
        Mistake(
            "the maximum subtracted before exp was taken over all patches, including the "
            "unknown ones: when those score far higher, every known weight underflows to 0 and "
            "the result is 0/0 = NaN. Take the maximum over the known patches only (set the "
            "unknown logits to -inf first).",
            _softmax_shift_by_all,
        ),
        Mistake(_OVERFLOW, _softmax_naive_inf),
        Mistake(_OVERFLOW, _softmax_naive_product),
        Mistake(_WRONG_AXIS, _softmax_rows_inf),
        Mistake(_WRONG_AXIS, _softmax_cols_inf),
        Mistake(_WRONG_AXIS, _softmax_rows_zeroed),
        Mistake(_WRONG_AXIS, _softmax_cols_zeroed),
        Mistake(
            "the unknown patches were zeroed after the softmax, without normalising again: "
            "the remaining weights no longer sum to 1. Exclude the unknown patches before the "
            "softmax.",
            _softmax_masked_after,
        ),
        Mistake(_ZEROED, _softmax_zero_scores),
        Mistake(_ZEROED, _softmax_zero_scores_then_mask),
        Mistake(
            "the temperature is missing: the logits are `scale` times the scores; without it "
            "the attention is far too flat.",
            _softmax_no_scale,
        ),
        Mistake(
            "the scores were divided by `scale`: the logits are `scale` times the scores (a "
            "larger scale makes the attention sharper).",
            _softmax_divided_by_scale,
        ),
    ],
    wrong_answers=[
        WrongAnswer("exp / sum(exp), masked by a product", _softmax_naive_product, "overflows"),
        WrongAnswer("exp / sum(exp) after -inf masking", _softmax_naive_inf, "overflows"),
        WrongAnswer(
            "subtracts the maximum over all patches", _softmax_shift_by_all, "including the unknown"
        ),
        WrongAnswer("softmax over the last axis", _softmax_cols_inf, "wrong axis"),
        WrongAnswer("unknown scores set to 0", _softmax_zero_scores, "score 0"),
        WrongAnswer("no guard for an empty mask", _softmax_unguarded, "no patch is known"),
        WrongAnswer("masked after the softmax", _softmax_masked_after, "without normalising"),
        WrongAnswer("scores divided by scale", _softmax_divided_by_scale, "divided by `scale`"),
        WrongAnswer("finite penalty -1e9, no guard", _wa_softmax_penalty, "all zeros"),
        WrongAnswer("sets the unknown scores in place", _wa_softmax_in_place, "in place"),
        WrongAnswer("computed in float32", _wa_softmax_float32, "float32"),
    ],
)


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
    gen = torch.Generator().manual_seed(704)
    cases = []

    def add(attention, background, size, text):
        label = f"attention {_shape_text(tuple(attention.shape))}, background "
        label += f"{tuple(background.shape)}, patch_size={size} ({text})"
        cases.append(Case((attention, background), {"patch_size": size}, label))

    def soft(count, height, width):
        return torch.softmax(3.0 * _randn(gen, count, height, width), dim=0)

    add(soft(30, 5, 6), _randn(gen, 2, 5, 6), 3, "random soft attention")
    add(_own_patch_attention(4, 7), _randn(gen, 3, 4, 7), 3, "each position takes its own patch")
    add(soft(28, 4, 7), _randn(gen, 2, 4, 7), 5, "patch_size 5")
    add(soft(15, 3, 5), _randn(gen, 2, 3, 5), 1, "patch_size 1")
    add(torch.ones(1, 1, 1, dtype=DTYPE), _randn(gen, 3, 1, 1), 1, "1x1 image, patch_size 1")
    add(torch.ones(1, 1, 1, dtype=DTYPE), _randn(gen, 2, 1, 1), 3, "1x1 image, 3x3 patch")
    # attention from a real hole: positions without any known patch get zero attention
    features = _randn(gen, 2, 6, 5)
    hole = _box_hole(6, 5, 0, 1, 3, 3)
    known = _known_reference(hole, 3)
    attention = _softmax_reference(_scores_reference(features, features * ~hole), known)
    add(attention, features * ~hole, 3, "attention of a hole touching the border")
    partial = soft(24, 4, 6)
    partial[:, 1:3, 2:5] = 0.0
    add(partial, _randn(gen, 2, 4, 6), 3, "some positions attend to nothing")
    return cases


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


def _rebuild_size_three(attention, background, patch_size=3):
    return _rebuild_reference(attention, background, 3)


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
        Mistake(_PATCH_SIZE, _rebuild_size_three),
    ],
    wrong_answers=[
        WrongAnswer("divides by k*k", _rebuild_by_taps, "divided by k*k"),
        WrongAnswer("sums the overlapping pastes", _rebuild_sum, "summed"),
        WrongAnswer("conv2d instead of conv_transpose2d", _wa_rebuild_conv2d, "flipped"),
        WrongAnswer("pastes the normalised patches", _rebuild_normalised, "normalised"),
        WrongAnswer("conv_transpose2d without padding", _rebuild_unpadded, "padding=k // 2"),
        WrongAnswer("patch size hard-coded to 3", _rebuild_size_three, "patch size is ignored"),
        WrongAnswer("computed in float32", _wa_rebuild_float32, "float32"),
        WrongAnswer(
            "scales the background in place",
            mutates_input(_rebuild_reference, arg=1),
            "in place",
        ),
    ],
)


# -- q5: where did each position copy from? ----------------------------------------------------


def _offsets_reference(attention: torch.Tensor) -> torch.Tensor:
    return attention_offsets(attention[None])[0]


def _shift_attention(height: int, width: int, d_row: int, d_col: int) -> torch.Tensor:
    """One-hot (L, H, W): position (i, j) attends to ((i + d_row) % H, (j + d_col) % W)."""
    attention = torch.zeros(height * width, height, width, dtype=DTYPE)
    for i in range(height):
        for j in range(width):
            attention[((i + d_row) % height) * width + (j + d_col) % width, i, j] = 1.0
    return attention


def _q5_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(705)
    cases = []

    def add(attention: torch.Tensor, text: str) -> None:
        label = f"attention {_shape_text(tuple(attention.shape))} ({text})"
        cases.append(Case((attention,), label=label))

    def soft(height: int, width: int) -> torch.Tensor:
        count = height * width
        return torch.softmax(4.0 * _randn(gen, count, height, width), dim=0)

    add(soft(4, 5), "random soft attention")
    add(_shift_attention(5, 6, 2, -1), "one-hot, every position copies from 2 down, 1 left")
    partial = soft(6, 4)
    partial[:, 2:4, 1:3] = 0.0
    add(partial, "some positions attend to nothing")
    add(torch.zeros(12, 3, 4, dtype=DTYPE), "no known patch: nothing attended")
    add(_own_patch_attention(3, 7), "every position takes its own patch")
    add(soft(2, 9), "two rows")
    add(soft(5, 5), "square")
    add(torch.ones(1, 1, 1, dtype=DTYPE), "1x1 image")
    features = _randn(gen, 2, 5, 7)
    hole = _box_hole(5, 7, 1, 4, 3, 3)
    scores = _scores_reference(features, features * ~hole)
    add(_softmax_reference(scores, _known_reference(hole)), "attention of a real hole")
    return cases


def _offsets_swapped(attention: torch.Tensor) -> torch.Tensor:
    return _offsets_reference(attention).flip(0)


def _offsets_reversed(attention: torch.Tensor) -> torch.Tensor:
    return -_offsets_reference(attention)


def _offsets_unmasked(attention: torch.Tensor) -> torch.Tensor:
    count, height, width = attention.shape
    best = attention.argmax(dim=0)
    rows = torch.arange(height).view(height, 1)
    cols = torch.arange(width).view(1, width)
    return torch.stack([best // width - rows, best % width - cols])


def _offsets_by_height(attention: torch.Tensor) -> torch.Tensor:
    count, height, width = attention.shape
    best = attention.argmax(dim=0)
    rows = torch.arange(height).view(height, 1)
    cols = torch.arange(width).view(1, width)
    offsets = torch.stack([best // height - rows, best % height - cols])
    return offsets * (attention.amax(dim=0) > 0)


def _offsets_channels_last(attention: torch.Tensor) -> torch.Tensor:
    return _offsets_reference(attention).permute(1, 2, 0).contiguous()


def _wa_offsets_float(attention: torch.Tensor) -> torch.Tensor:
    _, height, width = attention.shape
    best = attention.argmax(dim=0)
    rows = torch.arange(height)[:, None]
    cols = torch.arange(width)[None, :]
    offsets = torch.stack([(best / width).floor() - rows, best % width - cols])  # float
    return offsets * (attention.amax(dim=0) > 0)


q5 = FunctionProblem(
    "q5",
    "attention_offsets",
    _offsets_reference,
    _q5_cases,
    rtol=0.0,
    atol=0.0,  # bool / int64 answers: compared exactly
    hints=[
        "For every position take the argmax over the patch axis: that is the index l of the "
        "patch it copies most from. Turn l into the (row, column) of the patch centre, "
        "subtract the position's own (i, j), and set the offset to (0, 0) wherever the "
        "attention is all zero.",
        "`best = attention.argmax(dim=0)` is (H, W); its centre is `(best // W, best % W)`. "
        "With `rows = torch.arange(H)[:, None]` and `cols = torch.arange(W)[None, :]`, stack "
        "`best // W - rows` and `best % W - cols` on a new first axis, then multiply by "
        "`attention.amax(dim=0) > 0` (int64 throughout).",
    ],
    mistakes=[
        Mistake(
            "row and column are swapped: channel 0 is the row offset, channel 1 the column offset.",
            _offsets_swapped,
        ),
        Mistake(
            "the offsets point the wrong way: they go from the position to the patch it "
            "copies from (patch centre minus own position).",
            _offsets_reversed,
        ),
        Mistake(
            "positions whose attention is all zero (nothing could be copied) got a non-zero "
            "offset: argmax of an all-zero column is 0, but such positions should show (0, 0).",
            _offsets_unmasked,
        ),
        Mistake(
            "the patch index was split with the height: patch l is centred at row l // W and "
            "column l % W, with W the width (on a square map both are the same).",
            _offsets_by_height,
        ),
        Mistake(
            "the result is (H, W, 2): stack the two offsets on a new *first* axis, (2, H, W).",
            _offsets_channels_last,
        ),
    ],
    wrong_answers=[
        WrongAnswer("row and column swapped", _offsets_swapped, "swapped"),
        WrongAnswer("own position minus patch centre", _offsets_reversed, "wrong way"),
        WrongAnswer("no (0, 0) where nothing is attended", _offsets_unmasked, "all zero"),
        WrongAnswer("l // H and l % H", _offsets_by_height, "split with the height"),
        WrongAnswer("offsets stacked last", _offsets_channels_last, "(H, W, 2)"),
        WrongAnswer("float offsets", _wa_offsets_float, "float32"),
    ],
)

EXERCISES = ExerciseSet("07_contextual_attention", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
