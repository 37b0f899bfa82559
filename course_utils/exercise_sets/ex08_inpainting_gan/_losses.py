"""Inpainting GAN, q2 and q3: the hinge losses."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex08_inpainting_gan._common import (
    DTYPE,
    TOL,
    torch_cases,
)
from course_utils.inpainting import losses

# -- q2 and q3: hinge losses ----------------------------------------------------------------------


def _score_specs() -> list[tuple[tuple[int, ...], float, float, str]]:
    """(scores shape, real offset, fake offset, description) of the loss cases."""
    return [
        ((4, 1, 4, 4), 0.0, 0.0, "patch maps, scores around the margins"),
        ((8,), 0.5, -0.5, "one score per image"),
        ((3, 1, 5, 7), 0.0, 0.0, "odd-sized patch maps"),
        ((1,), 0.3, 0.2, "a single score"),
        ((2, 1, 3, 3), 4.0, -4.0, "a confident critic: every score beyond its margin"),
        ((2, 1, 3, 3), -3.0, 3.0, "a fooled critic: every score on the wrong side"),
        ((5, 1, 2, 6), 1.5, -1.5, "mixed"),
    ]


def _score_pairs(cases: Cases) -> list[tuple[torch.Tensor, torch.Tensor, str]]:
    """(real scores, fake scores, description) of the loss cases, drawn by ``cases``."""
    pairs = []
    for shape, real_offset, fake_offset, text in _score_specs():
        real = real_offset + 1.5 * cases.draw(shape)
        fake = fake_offset + 1.5 * cases.draw(shape)
        pairs.append((real, fake, text))
    margins = torch.tensor([1.0, -1.0, 1.0, 2.0], dtype=DTYPE)
    pairs.append((margins, -margins, "scores exactly on the margins"))
    return pairs


def _critic_cases() -> list[Case]:
    cases = torch_cases(802, "real_scores", "fake_scores")
    for real, fake, text in _score_pairs(cases):
        cases.add(real, fake, note=text)
    return cases.build()


def _critic_reference(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return losses.critic_hinge_loss(real_scores, fake_scores)


def _critic_swapped(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 + real_scores).mean() + F.relu(1.0 - fake_scores).mean()


def _critic_no_relu(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return (1.0 - real_scores).mean() + (1.0 + fake_scores).mean()


def _critic_sum(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real_scores).sum() + F.relu(1.0 + fake_scores).sum()


def _critic_one_mean(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    terms = torch.cat([F.relu(1.0 - real_scores).flatten(), F.relu(1.0 + fake_scores).flatten()])
    return terms.mean()


def _critic_no_margin(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(-real_scores).mean() + F.relu(fake_scores).mean()


def _critic_fake_sign(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real_scores).mean() + F.relu(1.0 - fake_scores).mean()


def _wa_critic_item(real_scores, fake_scores):
    return (F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()).item()


def _wa_critic_float32(real_scores, fake_scores):
    return _critic_reference(real_scores.float(), fake_scores.float())


q2 = FunctionProblem(
    "q2",
    "critic_hinge_loss",
    _critic_reference,
    _critic_cases,
    **TOL,
    hints=[
        "The critic is rewarded for scoring real images above +1 and generated ones below -1; "
        "a score already beyond its margin costs nothing. Each term is a hinge, "
        "max(0, margin violation), averaged over all the scores of its kind.",
        "Two terms: the mean of relu(1 - real score) and the mean of relu(1 + fake score). "
        "`F.relu` (or `clamp_min(0)`) and `.mean()` over every element; return a 0-d tensor, "
        "not a Python float (the loss must stay differentiable).",
    ],
    mistakes=[
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
            "the scores are summed, not averaged: the loss would then grow with the batch "
            "and the size of the critic's score map.",
            _critic_sum,
        ),
        Mistake(
            "one mean was taken over the real and the generated terms together: the loss is "
            "the mean of the real term plus the mean of the generated term (each averaged on "
            "its own).",
            _critic_one_mean,
        ),
        Mistake(
            "the margins are missing: the hinge is max(0, 1 - D(x)) for real and "
            "max(0, 1 + D(x_hat)) for generated images, not max(0, -D(x)) and max(0, D(x_hat)).",
            _critic_no_margin,
        ),
        Mistake(
            "the generated images' term has the wrong sign: it should punish generated images "
            "scored above -1, i.e. max(0, 1 + D(x_hat)).",
            _critic_fake_sign,
        ),
    ],
    wrong_answers=[
        WrongAnswer("margins swapped", _critic_swapped, "wrong way round"),
        WrongAnswer("no relu", _critic_no_relu, "hinge is missing"),
        WrongAnswer("sums instead of means", _critic_sum, "summed"),
        WrongAnswer("one mean over both terms", _critic_one_mean, "one mean"),
        WrongAnswer("hinges at 0 instead of +-1", _critic_no_margin, "margins are missing"),
        WrongAnswer("fake term max(0, 1 - D)", _critic_fake_sign, "wrong sign"),
        WrongAnswer("returns loss.item()", _wa_critic_item, "tensor"),
        WrongAnswer("computed in float32", _wa_critic_float32, "float32"),
        *common_wrong_answers(_critic_reference, transposed=False),
    ],
)


def _generator_cases() -> list[Case]:
    cases = torch_cases(803, "fake_scores")
    for _, fake, text in _score_pairs(cases):
        cases.add(fake, note=text)
    return cases.build()


def _generator_reference(fake_scores: torch.Tensor) -> torch.Tensor:
    return losses.generator_hinge_loss(fake_scores)


def _generator_plus(fake_scores: torch.Tensor) -> torch.Tensor:
    return fake_scores.mean()


def _generator_hinge(fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - fake_scores).mean()


def _generator_sum(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.sum()


def _generator_critic_term(fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 + fake_scores).mean()


def _generator_with_one(fake_scores: torch.Tensor) -> torch.Tensor:
    return (1.0 - fake_scores).mean()


def _wa_generator_item(fake_scores):
    return -fake_scores.mean().item()


def _wa_generator_float32(fake_scores):
    return -fake_scores.float().mean()


q3 = FunctionProblem(
    "q3",
    "generator_hinge_loss",
    _generator_reference,
    _generator_cases,
    **TOL,
    hints=[
        "The generator wants the critic to score its images as high as possible, so its "
        "loss decreases as the fake scores increase. In the hinge formulation the "
        "generator's loss has no margin at all.",
        "The loss is minus the mean of the fake scores: no relu, no constant. Return a 0-d tensor.",
    ],
    mistakes=[
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
            "the scores are summed, not averaged: the loss would then grow with the batch "
            "and the size of the critic's score map.",
            _generator_sum,
        ),
        Mistake(
            "this is the critic's term for generated images: the generator wants the opposite, "
            "a loss that falls as the fake scores rise, without any margin.",
            _generator_critic_term,
        ),
        Mistake(
            "a constant 1 was added (a margin without the hinge): the generator's loss is just "
            "minus the mean fake score. A constant does not change the gradient, but it is "
            "not the loss that is logged and compared.",
            _generator_with_one,
        ),
    ],
    wrong_answers=[
        WrongAnswer("+mean instead of -mean", _generator_plus, "sign is wrong"),
        WrongAnswer("relu(1 - D) like the critic", _generator_hinge, "hinge on the fake scores"),
        WrongAnswer("sum instead of mean", _generator_sum, "summed"),
        WrongAnswer("the critic's fake term", _generator_critic_term, "critic's term"),
        WrongAnswer("(1 - D).mean()", _generator_with_one, "constant 1"),
        WrongAnswer("returns loss.item()", _wa_generator_item, "tensor"),
        WrongAnswer("computed in float32", _wa_generator_float32, "float32"),
        *common_wrong_answers(_generator_reference, transposed=False),
    ],
)
