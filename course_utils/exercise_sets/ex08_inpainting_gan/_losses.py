"""Inpainting GAN, q2 and q3: hinge losses that label only the hole's patches as fake.

The engine trains with the plain hinge losses (``losses.critic_hinge_loss`` and
``losses.generator_hinge_loss``): its local critic only ever sees a crop around the hole. A
patch critic that scores the *whole* completed image also scores patches that see only known
pixels, which the composite copied from the real image; calling those fake gives the critic
contradictory targets. So, as in LaMa (Suvorov et al. 2022), the exercises ask for the losses
in which only the patches that overlap the hole (``hole_patches`` = 1) count as generated. The
engine's plain losses are what ignoring the mask gives: a named mistake here.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex08_inpainting_gan._common import DTYPE, TOL, torch_cases

# -- the cases -------------------------------------------------------------------------------

#: (scores shape, real offset, fake offset, which patches see the hole, description)
_SPECS: list[tuple[tuple[int, ...], float, float, str, str]] = [
    ((4, 1, 4, 4), 0.0, 0.0, "boxes", "patch maps, a different hole per image, one without"),
    ((8,), 0.5, -0.5, "bits", "one score per image, some images without a hole"),
    ((3, 1, 5, 7), 0.0, 0.0, "boxes", "odd-sized patch maps"),
    ((1,), 0.3, 0.2, "all", "a single score"),
    ((2, 1, 3, 3), 4.0, -4.0, "boxes", "a confident critic: most scores beyond their margins"),
    ((2, 1, 3, 3), -3.0, 3.0, "boxes", "a fooled critic: most scores on the wrong side"),
    ((5, 1, 2, 6), 1.5, -1.5, "boxes", "mixed"),
    ((3, 1, 4, 4), 0.0, 0.0, "all", "every patch sees the hole"),
    ((2, 1, 4, 4), 0.0, 0.0, "none", "no patch sees the hole"),
]


def _box_map(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A 0/1 (height, width) map with one random box of ones."""
    top, left = int(rng.integers(height)), int(rng.integers(width))
    rows, cols = int(rng.integers(1, height - top + 1)), int(rng.integers(1, width - left + 1))
    box = np.zeros((height, width))
    box[top : top + rows, left : left + cols] = 1.0
    return box


def _hole_patches(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> torch.Tensor:
    """float64 0/1 of ``shape``: which scores belong to patches that overlap the hole."""
    if kind in ("all", "none"):
        return torch.full(shape, 1.0 if kind == "all" else 0.0, dtype=DTYPE)
    if kind == "bits":
        bits = rng.permutation(np.arange(shape[0]) % 3 != 0).astype(np.float64)
        return torch.from_numpy(bits)
    maps = [_box_map(rng, *shape[2:]) for _ in range(shape[0])]
    maps[len(maps) // 2] = np.zeros(shape[2:])  # one image whose hole no patch sees
    return torch.from_numpy(np.stack(maps)[:, None])


def _score_triples(cases: Cases) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]]:
    """(real scores, fake scores, hole patches, description) of the loss cases."""
    triples = []
    for shape, real_offset, fake_offset, kind, text in _SPECS:
        real = real_offset + 1.5 * cases.draw(shape)
        fake = fake_offset + 1.5 * cases.draw(shape)
        triples.append((real, fake, _hole_patches(cases.rng, shape, kind), text))
    margins = torch.tensor([1.0, -1.0, 1.0, 2.0], dtype=DTYPE)
    everywhere = torch.ones(4, dtype=DTYPE)
    triples.append((margins, -margins, everywhere, "scores on and beyond the margins"))
    return triples


def _critic_cases() -> list[Case]:
    cases = torch_cases(802, "real_scores", "fake_scores", "hole_patches")
    for real, fake, hole, text in _score_triples(cases):
        cases.add(real, fake, hole, note=text)
    return cases.build()


def _generator_cases() -> list[Case]:
    cases = torch_cases(803, "fake_scores", "hole_patches")
    for _, fake, hole, text in _score_triples(cases):
        cases.add(fake, hole, note=text)
    return cases.build()


def _hole_mean(values: torch.Tensor, hole_patches: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the hole patches, pooled over the batch; 0 if there are none."""
    return (values * hole_patches).sum() / hole_patches.sum().clamp_min(1.0)


def _per_image_hole_mean(values: torch.Tensor, hole_patches: torch.Tensor) -> torch.Tensor:
    """The wrong pooling: a mean over each image's hole patches, then over the images."""
    if values.dim() == 1:
        return _hole_mean(values, hole_patches)
    sums = (values * hole_patches).flatten(1).sum(1)
    return (sums / hole_patches.flatten(1).sum(1).clamp_min(1.0)).mean()


# -- q2: the critic ------------------------------------------------------------------------------


def _critic_reference(real_scores, fake_scores, hole_patches):
    return F.relu(1.0 - real_scores).mean() + _hole_mean(F.relu(1.0 + fake_scores), hole_patches)


def _critic_unmasked(real_scores, fake_scores, hole_patches):
    return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()


def _critic_over_all(real_scores, fake_scores, hole_patches):
    fake_term = (F.relu(1.0 + fake_scores) * hole_patches).sum() / hole_patches.numel()
    return F.relu(1.0 - real_scores).mean() + fake_term


def _critic_unguarded(real_scores, fake_scores, hole_patches):
    fake_term = (F.relu(1.0 + fake_scores) * hole_patches).sum() / hole_patches.sum()
    return F.relu(1.0 - real_scores).mean() + fake_term


def _critic_inverted(real_scores, fake_scores, hole_patches):
    return _critic_reference(real_scores, fake_scores, 1.0 - hole_patches)


def _critic_real_masked(real_scores, fake_scores, hole_patches):
    real_term = _hole_mean(F.relu(1.0 - real_scores), hole_patches)
    return real_term + _hole_mean(F.relu(1.0 + fake_scores), hole_patches)


def _critic_scores_masked(real_scores, fake_scores, hole_patches):
    return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores * hole_patches).mean()


def _critic_per_image(real_scores, fake_scores, hole_patches):
    fake_term = _per_image_hole_mean(F.relu(1.0 + fake_scores), hole_patches)
    return F.relu(1.0 - real_scores).mean() + fake_term


def _critic_swapped(real_scores, fake_scores, hole_patches):
    return F.relu(1.0 + real_scores).mean() + _hole_mean(F.relu(1.0 - fake_scores), hole_patches)


def _critic_no_relu(real_scores, fake_scores, hole_patches):
    return (1.0 - real_scores).mean() + _hole_mean(1.0 + fake_scores, hole_patches)


def _critic_no_margin(real_scores, fake_scores, hole_patches):
    return F.relu(-real_scores).mean() + _hole_mean(F.relu(fake_scores), hole_patches)


def _critic_fake_sign(real_scores, fake_scores, hole_patches):
    return F.relu(1.0 - real_scores).mean() + _hole_mean(F.relu(1.0 - fake_scores), hole_patches)


def _critic_sum(real_scores, fake_scores, hole_patches):
    return F.relu(1.0 - real_scores).sum() + (F.relu(1.0 + fake_scores) * hole_patches).sum()


def _wa_critic_item(real_scores, fake_scores, hole_patches):
    return _critic_reference(real_scores, fake_scores, hole_patches).item()


def _wa_critic_detached(real_scores, fake_scores, hole_patches):
    return _critic_reference(real_scores, fake_scores, hole_patches).detach()


def _wa_critic_numpy(real_scores, fake_scores, hole_patches):
    real, fake, hole = (t.detach().numpy() for t in (real_scores, fake_scores, hole_patches))
    fake_term = (np.maximum(0.0, 1.0 + fake) * hole).sum() / max(1.0, hole.sum())
    return torch.tensor(np.maximum(0.0, 1.0 - real).mean() + fake_term)


def _wa_critic_in_place(real_scores, fake_scores, hole_patches):
    real_scores.clamp_(max=10.0)  # "harmless" clipping, done in place
    return _critic_reference(real_scores, fake_scores, hole_patches)


def _wa_critic_float32(real_scores, fake_scores, hole_patches):
    return _critic_reference(real_scores.float(), fake_scores.float(), hole_patches.float())


_IGNORED = (
    "the mask is ignored: every generated patch is called fake, also the ones that see only "
    "known pixels (copies of the real image). Only the patches with hole_patches = 1 count."
)
_OVER_ALL = (
    "the generated term is divided by the number of all patches: it is a mean over the hole "
    "patches only, so divide by how many there are."
)
_UNGUARDED = (
    "a batch in which no patch sees the hole gives 0 / 0 = NaN: with no hole patches the "
    "generated term is 0 (divide by at least 1)."
)
_INVERTED = (
    "the mask is the wrong way round: hole_patches = 1 marks the patches that overlap the hole, "
    "the ones to count."
)
_SUMMED = (
    "the scores are summed, not averaged: the loss would then grow with the batch and the "
    "size of the critic's score map."
)
_PER_IMAGE = (
    "the hole patches were averaged image by image, then over the images: pool every hole "
    "patch of the batch in one mean (images with large holes weigh more)."
)

q2 = FunctionProblem(
    "q2",
    "masked_critic_loss",
    _critic_reference,
    _critic_cases,
    **TOL,
    hints=[
        "Real images have no hole, so every real score is a real patch: that term is the "
        "lesson's, max(0, 1 - D(x)) averaged over all of them. The generated term is a hinge "
        "max(0, 1 + D(x_hat)) averaged over the hole patches only.",
        "A mean over a subset: multiply by the 0/1 hole_patches, sum, and divide by the number "
        "of hole patches, clamped to at least 1 (`clamp_min(1.0)`) for a batch without any. "
        "Return a 0-d tensor, not a Python float.",
    ],
    mistakes=[
        Mistake(_IGNORED, _critic_unmasked),
        Mistake(_OVER_ALL, _critic_over_all),
        Mistake(_UNGUARDED, _critic_unguarded),
        Mistake(_INVERTED, _critic_inverted),
        Mistake(
            "the real term was masked too: a real image has no hole, so every real patch is "
            "real and its term is a mean over all the real scores.",
            _critic_real_masked,
        ),
        Mistake(
            "the scores were multiplied by the mask inside the hinge: a known patch then scores "
            "0 and still pays max(0, 1 + 0) = 1. Mask the hinge's value, not the score.",
            _critic_scores_masked,
        ),
        Mistake(_PER_IMAGE, _critic_per_image),
        Mistake(_SUMMED, _critic_sum),
        Mistake(
            "the margins are the wrong way round: this loss rewards the critic for scoring "
            "generated images high and real ones low.",
            _critic_swapped,
        ),
        Mistake(
            "the hinge is missing: without the clamp at 0 the critic keeps being rewarded for "
            "scores far beyond their margins, and the loss is unbounded below.",
            _critic_no_relu,
        ),
        Mistake(
            "the margins are missing: the hinge is max(0, 1 - D(x)) for real and "
            "max(0, 1 + D(x_hat)) for generated patches, not max(0, -D(x)) and max(0, D(x_hat)).",
            _critic_no_margin,
        ),
        Mistake(
            "the generated patches' term has the wrong sign: it should punish generated patches "
            "scored above -1, i.e. max(0, 1 + D(x_hat)).",
            _critic_fake_sign,
        ),
    ],
    wrong_answers=[
        WrongAnswer("the lesson's loss, mask ignored", _critic_unmasked, "mask is ignored"),
        WrongAnswer("divides by all patches", _critic_over_all, "number of all patches"),
        WrongAnswer("no guard for an empty hole", _critic_unguarded, "NaN"),
        WrongAnswer("mask inverted", _critic_inverted, "mask is the wrong way"),
        WrongAnswer("real term masked too", _critic_real_masked, "real term was masked"),
        WrongAnswer("scores masked inside the hinge", _critic_scores_masked, "inside the hinge"),
        WrongAnswer("per-image means", _critic_per_image, "image by image"),
        WrongAnswer("sums instead of means", _critic_sum, "summed"),
        WrongAnswer("margins swapped", _critic_swapped, "margins are the wrong way"),
        WrongAnswer("no relu", _critic_no_relu, "hinge is missing"),
        WrongAnswer("hinges at 0 instead of +-1", _critic_no_margin, "margins are missing"),
        WrongAnswer("fake term max(0, 1 - D)", _critic_fake_sign, "wrong sign"),
        WrongAnswer("returns loss.item()", _wa_critic_item, "tensor"),
        WrongAnswer("returns a detached tensor", _wa_critic_detached, "cannot differentiate"),
        WrongAnswer("NumPy, wrapped in torch.tensor", _wa_critic_numpy, "cannot differentiate"),
        WrongAnswer("clips a score tensor in place", _wa_critic_in_place, "in-place"),
        WrongAnswer("computed in float32", _wa_critic_float32, "float32"),
        *common_wrong_answers(_critic_reference, transposed=False, mutate_arg=None),
    ],
    grad_args=(0, 1),  # the scores require gradients: the loss must stay differentiable
)


# -- q3: the generator ---------------------------------------------------------------------------


def _generator_reference(fake_scores, hole_patches):
    return -_hole_mean(fake_scores, hole_patches)


def _generator_unmasked(fake_scores, hole_patches):
    return -fake_scores.mean()


def _generator_over_all(fake_scores, hole_patches):
    return -(fake_scores * hole_patches).sum() / hole_patches.numel()


def _generator_unguarded(fake_scores, hole_patches):
    return -(fake_scores * hole_patches).sum() / hole_patches.sum()


def _generator_inverted(fake_scores, hole_patches):
    return -_hole_mean(fake_scores, 1.0 - hole_patches)


def _generator_per_image(fake_scores, hole_patches):
    return -_per_image_hole_mean(fake_scores, hole_patches)


def _generator_plus(fake_scores, hole_patches):
    return _hole_mean(fake_scores, hole_patches)


def _generator_hinge(fake_scores, hole_patches):
    return _hole_mean(F.relu(1.0 - fake_scores), hole_patches)


def _generator_critic_term(fake_scores, hole_patches):
    return _hole_mean(F.relu(1.0 + fake_scores), hole_patches)


def _generator_sum(fake_scores, hole_patches):
    return -(fake_scores * hole_patches).sum()


def _wa_generator_item(fake_scores, hole_patches):
    return _generator_reference(fake_scores, hole_patches).item()


def _wa_generator_no_grad(fake_scores, hole_patches):
    with torch.no_grad():
        return _generator_reference(fake_scores, hole_patches)


def _wa_generator_float32(fake_scores, hole_patches):
    return _generator_reference(fake_scores.float(), hole_patches.float())


q3 = FunctionProblem(
    "q3",
    "masked_generator_loss",
    _generator_reference,
    _generator_cases,
    **TOL,
    hints=[
        "The generator wants the critic to score its hole patches as high as possible, so its "
        "loss falls as those scores rise. In the hinge formulation it has no margin and no "
        "relu; patches that see only known pixels do not count (the generator made none of "
        "their pixels).",
        "Minus the mean of the fake scores over the hole patches: multiply by hole_patches, "
        "sum, divide by the number of hole patches clamped to at least 1. Return a 0-d tensor.",
    ],
    mistakes=[
        Mistake(_IGNORED, _generator_unmasked),
        Mistake(_OVER_ALL, _generator_over_all),
        Mistake(_UNGUARDED, _generator_unguarded),
        Mistake(_INVERTED, _generator_inverted),
        Mistake(_PER_IMAGE, _generator_per_image),
        Mistake(_SUMMED, _generator_sum),
        Mistake(
            "the sign is wrong: minimising this would push the fake scores down, helping the "
            "critic instead of fooling it.",
            _generator_plus,
        ),
        Mistake(
            "this is a hinge on the fake scores: its gradient vanishes as soon as the critic "
            "is fooled by more than the margin. In the hinge GAN the generator's loss is "
            "linear in the scores.",
            _generator_hinge,
        ),
        Mistake(
            "this is the critic's term for generated patches: the generator wants the opposite, "
            "a loss that falls as the fake scores rise, without any margin.",
            _generator_critic_term,
        ),
    ],
    wrong_answers=[
        WrongAnswer("the lesson's loss, mask ignored", _generator_unmasked, "mask is ignored"),
        WrongAnswer("divides by all patches", _generator_over_all, "number of all patches"),
        WrongAnswer("no guard for an empty hole", _generator_unguarded, "NaN"),
        WrongAnswer("mask inverted", _generator_inverted, "mask is the wrong way"),
        WrongAnswer("per-image means", _generator_per_image, "image by image"),
        WrongAnswer("sum instead of mean", _generator_sum, "summed"),
        WrongAnswer("+mean instead of -mean", _generator_plus, "sign is wrong"),
        WrongAnswer("relu(1 - D) like the critic", _generator_hinge, "hinge on the fake scores"),
        WrongAnswer("the critic's fake term", _generator_critic_term, "critic's term"),
        WrongAnswer("returns loss.item()", _wa_generator_item, "tensor"),
        WrongAnswer("under torch.no_grad()", _wa_generator_no_grad, "cannot differentiate"),
        WrongAnswer("computed in float32", _wa_generator_float32, "float32"),
        *common_wrong_answers(_generator_reference, transposed=False, mutate_arg=None),
    ],
    grad_args=(0,),
)
