"""q5 of the unfold/fold set: where did this patch come from? (cosine similarity with conv2d)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import kernel_flipped
from course_utils.checks.wrong_answers import flips_kernel
from course_utils.exercise_sets.ex04_unfold_and_fold._common import DTYPE

NORM_FLOOR = 1e-12


def _cosine_map(image: torch.Tensor, patch: torch.Tensor) -> torch.Tensor:
    """Cosine of patch (C, ph, pw) with every window of image (C, H, W): (Ho, Wo)."""
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    energy = F.conv2d(x**2, torch.ones_like(p))[0, 0]
    norms = energy.clamp_min(0).sqrt().clamp_min(NORM_FLOOR)
    return dots / (norms * patch.norm().clamp_min(NORM_FLOOR))


def _argmax_2d(scores: torch.Tensor, width: int | None = None) -> tuple[int, int]:
    index = int(torch.argmax(scores))
    width = scores.shape[1] if width is None else width
    return index // width, index % width


def _locate_reference(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(_cosine_map(image, patch))


def _smooth_image(gen: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    """A dim, smooth random texture (C, H, W), each channel in [0, 0.5] (blurred noise)."""
    noise = torch.rand(1, channels, height + 4, width + 4, generator=gen, dtype=DTYPE)
    blurred = F.avg_pool2d(noise, 5, stride=1)[0]
    low = blurred.amin(dim=(1, 2), keepdim=True)
    high = blurred.amax(dim=(1, 2), keepdim=True)
    return 0.5 * (blurred - low) / (high - low)


#: (channels, image size, patch size, patch top-left, extra, description) of the q5 cases;
#: every image also has a bright, nearly flat block away from the patch, where an
#: unnormalised correlation is largest.
_LOCATE_SPECS = [
    (3, (20, 24), (5, 5), (11, 3), "", "colour image"),
    (1, (18, 30), (4, 6), (2, 17), "", "one channel, non-square patch"),
    (2, (25, 16), (7, 3), (14, 9), "black", "a black region: windows of norm 0"),
    (3, (16, 16), (6, 6), (9, 1), "brighter", "searched in a brighter copy"),
    (2, (12, 20), (12, 5), (0, 13), "", "patch as tall as the image"),
    (3, (18, 22), (5, 5), (10, 14), "recoloured", "rescaled colours; a colour-swapped copy"),
]


def _locate_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(405)
    cases = []
    for channels, (height, width), (ph, pw), (top, left), extra, text in _LOCATE_SPECS:
        image = _smooth_image(gen, channels, height, width)
        patch = image[:, top : top + ph, left : left + pw].clone()
        bright_top = 0 if top >= ph else height - ph
        bright_left = 0 if left >= pw else width - pw
        if ph == height:  # the patch spans all rows: put the block in the other columns
            bright_top, bright_left = 0, 0
        block = 0.95 + 0.05 * torch.rand(channels, ph, pw, generator=gen, dtype=DTYPE)
        image[:, bright_top : bright_top + ph, bright_left : bright_left + pw] = block
        if extra == "black":
            image[:, height - ph :, :pw] = 0.0  # the bottom-left corner is black
        if extra == "brighter":
            image = 1.8 * image
        if extra == "recoloured":
            image = image * torch.tensor([1.3, 1.0, 0.75], dtype=DTYPE)[:, None, None]
            image[:, 1 : 1 + ph, 8 : 8 + pw] = patch.roll(1, dims=0)  # same grey, other colours
        label = f"image {(channels, height, width)}, patch {(channels, ph, pw)} cut at "
        label += f"{(top, left)} ({text})"
        cases.append(Case((image, patch), label=label))
    return cases


def _locate_raw(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(F.conv2d(image[None], patch[None])[0, 0])


def _locate_swapped(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    row, col = _locate_reference(image, patch)
    return col, row


def _locate_unguarded(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    norms = F.conv2d(x**2, torch.ones_like(p))[0, 0].sqrt()
    return _argmax_2d(dots / (norms * patch.norm()))


def _locate_squared_norm(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    energy = F.conv2d(x**2, torch.ones_like(p))[0, 0]
    return _argmax_2d(dots / (energy.clamp_min(NORM_FLOOR) * patch.norm()))


def _locate_grey(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _locate_reference(image.mean(0, keepdim=True), patch.mean(0, keepdim=True))


def _locate_image_width(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(_cosine_map(image, patch), width=image.shape[-1])


def _locate_tensors(image: torch.Tensor, patch: torch.Tensor):
    scores = _cosine_map(image, patch)
    index = torch.argmax(scores)
    return index // scores.shape[1], index % scores.shape[1]


def _locate_single_channel_ones(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    ones = torch.ones(1, 1, *patch.shape[1:], dtype=patch.dtype)  # one channel only
    norms = F.conv2d(x**2, ones)[0, 0].sqrt().clamp_min(NORM_FLOOR)
    return _argmax_2d(dots / (norms * patch.norm()))


def _locate_lesson_helper(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    from course_utils.widgets import lesson04

    return lesson04.best_match(lesson04.cosine_similarity_map(image, patch))


q5 = FunctionProblem(
    "q5",
    "locate_patch",
    _locate_reference,
    _locate_cases,
    hints=[
        "Use the patch as a convolution kernel: `F.conv2d(image[None], patch[None])` gives "
        "<window, patch> for every window, summed over the channels. On its own this "
        "favours bright windows; divide by each window's norm (and the patch's) to compare "
        "patterns, not brightness.",
        "The squared norm of every window is another conv2d: `image**2` correlated with a "
        "kernel of ones of the patch's shape (all its channels). Take the square root, guard "
        "against 0 (`clamp_min`), divide, then turn the flat `argmax` into (row, col) with "
        "`//` and `%` by the similarity map's width, as Python ints.",
    ],
    mistakes=[
        Mistake(
            "this is the maximum of the unnormalised similarity, which picks the brightest "
            "region rather than the best-matching one: divide by the window norms.",
            _locate_raw,
        ),
        Mistake("row and column are swapped: return (row, col).", _locate_swapped),
        Mistake(
            "a black window has norm 0, so its score is 0 / 0 = NaN, and argmax picks the "
            "NaN: guard the norms with `clamp_min`.",
            _locate_unguarded,
        ),
        Mistake(
            "you divided by the squared window norm (the conv2d of image**2): take its square "
            "root first.",
            _locate_squared_norm,
        ),
        Mistake(
            "the channels were averaged into one grey image first: the match must compare "
            "all channels (conv2d with the (C, ph, pw) patch sums over them).",
            _locate_grey,
        ),
        Mistake(
            "the flat argmax was converted with the image's width; use the width of the "
            "similarity map, W − pw + 1.",
            _locate_image_width,
        ),
        kernel_flipped(
            _locate_reference,
            message="the patch was flipped (a true convolution): conv2d already correlates "
            "the patch with each window as it is.",
        ),
    ],
    wrong_answers=[
        WrongAnswer("unnormalised correlation", _locate_raw, "unnormalised"),
        WrongAnswer("(col, row)", _locate_swapped, "swapped"),
        WrongAnswer("no guard against norm 0", _locate_unguarded, "NaN"),
        WrongAnswer("squared norm", _locate_squared_norm, "square root"),
        WrongAnswer("grey image", _locate_grey, "grey"),
        WrongAnswer("image width in the index conversion", _locate_image_width, "width"),
        WrongAnswer("patch flipped", flips_kernel(_locate_reference), "flipped"),
        WrongAnswer("tensors instead of ints", _locate_tensors, "expected an int"),
        WrongAnswer("one-channel kernel of ones", _locate_single_channel_ones, "channels"),
        WrongAnswer("the lesson's 2-D helper", _locate_lesson_helper, "must be 2-D"),
    ],
)
