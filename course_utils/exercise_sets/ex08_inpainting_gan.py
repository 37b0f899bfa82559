"""Checks for ``exercises/08_inpainting_gan.ipynb``: the pieces of the inpainting GAN's training
and evaluation, compared with the course engine (:mod:`course_utils.inpainting`).

1. ``spatial_discount`` -- weights gamma**d in the hole (``losses.spatial_discount``).
2. ``critic_hinge_loss`` -- the critics' hinge loss (``losses.critic_hinge_loss``).
3. ``generator_hinge_loss`` -- the generator's adversarial loss (``losses.generator_hinge_loss``).
4. ``local_boxes`` -- where the local critic looks (``networks.local_boxes``).
5. ``hole_l1`` -- the evaluation metric, in NumPy (``evaluate.hole_l1``).
6. ``composite`` -- paste the generated hole into the known image.

Inputs are float64 torch tensors (NumPy float64 arrays and bool masks in exercise 5); masks are
float with 1 = hole, shape (B, 1, H, W). Every sample given to ``spatial_discount`` has at least
one known pixel: the engine's rule for an image that is all hole (a fixed distance cap) is an
implementation detail, not part of the exercise, so such samples are left out of the cases.

Tolerances (every float exercise): ``rtol=1e-10``, ``atol=1e-10``. The answers are powers of
gamma, means of at most a few thousand O(1) numbers, or a blend with a 0/1 mask; in float64 any
evaluation order (``pow`` vs repeated products, ``mean`` vs ``sum / count``, ``where`` vs
arithmetic blending) agrees to ~1e-14 relative, so 1e-10 leaves four orders of magnitude of
margin. The smallest error a wrong method makes in these cases is far larger: Euclidean
instead of chessboard distance changes a weight from gamma**2 to gamma**sqrt(5) (2e-3 for
gamma = 0.99), and every other mistake is off by a constant factor or O(1). Local boxes are
int64 and compared exactly.

Wrong answers. Each problem declares, as ``wrong_answers``, the code a learner plausibly writes
instead of the answer: Euclidean or city-block distances, d = 0 on the border, the discount on
the wrong side or outside the hole, ``mask[0]`` shared by the batch (discount, crops,
composite), a fixed gamma, a growing loop that stops too early, hinge margins swapped, missing
or with the wrong sign, sums instead of means, one mean over both terms, ``.item()`` instead of a
tensor, crops centred on the centre of mass or not shifted inside the image, the hole L1 over
the wrong count, float32, inputs changed in place. ``tests/test_exercise_sets.py`` shows each
is rejected with a message that names its mistake, mostly through a :class:`Mistake` that
computes the same wrong result; the cases (batches with different holes, holes deep enough and
touching the border, odd and non-square sizes, several gammas) are built so that each shows.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.wrong_answers import mutates_input
from course_utils.inpainting import losses, networks
from course_utils.inpainting.evaluate import hole_l1 as engine_hole_l1
from course_utils.inpainting.masks import free_form_mask

TOL = {"rtol": 1e-10, "atol": 1e-10}
DTYPE = torch.float64


def _as_mask(holes: np.ndarray) -> torch.Tensor:
    """bool (B, H, W) -> float64 (B, 1, H, W), 1 = hole."""
    return torch.from_numpy(np.asarray(holes, dtype=np.float64))[:, None]


def _box(height: int, width: int, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """bool (H, W) with a hole on rows[0]:rows[1], cols[0]:cols[1]."""
    hole = np.zeros((height, width), dtype=bool)
    hole[rows[0] : rows[1], cols[0] : cols[1]] = True
    return hole


def _disk(height: int, width: int, centre: tuple[float, float], radius: float) -> np.ndarray:
    rows, cols = np.mgrid[:height, :width]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2


def _describe_mask(mask: torch.Tensor) -> str:
    return f"mask {tuple(mask.shape)}"


# -- q1: spatially discounted weights ------------------------------------------------------------


def _discount_reference(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return losses.spatial_discount(mask, gamma)


def _discount_masks() -> list[tuple[np.ndarray, float | None, str]]:
    """(holes (B, H, W) bool, gamma or None for the default, description) of the q1 cases."""
    rng = np.random.default_rng(801)
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
    cases = []
    for holes, gamma, text in _discount_masks():
        mask = _as_mask(holes)
        kwargs = {} if gamma is None else {"gamma": gamma}
        shown = "default gamma" if gamma is None else f"gamma={gamma}"
        label = f"{_describe_mask(mask)}, {shown} ({text})"
        cases.append(Case((mask,), kwargs, label))
    return cases


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


def _discount_fixed_gamma(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    return _discount_reference(mask, 0.99)


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
        Mistake(
            "gamma is ignored: the weights are gamma**d with the `gamma` you are given (the "
            "check uses several values).",
            _discount_fixed_gamma,
        ),
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
        WrongAnswer("gamma fixed at 0.99", _discount_fixed_gamma, "gamma is ignored"),
        WrongAnswer("max(H, W) // 2 growing steps", _wa_discount_half_steps, "stopped"),
        WrongAnswer("computed in float32", _wa_discount_float32, "float32"),
        WrongAnswer("overwrites the mask in place", mutates_input(_discount_reference), "in place"),
    ],
)


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


def _scores(seed: int) -> list[tuple[torch.Tensor, torch.Tensor, str]]:
    gen = torch.Generator().manual_seed(seed)
    pairs = []
    for shape, real_offset, fake_offset, text in _score_specs():
        real = real_offset + 1.5 * torch.randn(*shape, generator=gen, dtype=DTYPE)
        fake = fake_offset + 1.5 * torch.randn(*shape, generator=gen, dtype=DTYPE)
        pairs.append((real, fake, text))
    margins = torch.tensor([1.0, -1.0, 1.0, 2.0], dtype=DTYPE)
    pairs.append((margins, -margins, "scores exactly on the margins"))
    return pairs


def _critic_cases() -> list[Case]:
    return [
        Case((real, fake), label=f"real_scores and fake_scores {tuple(real.shape)} ({text})")
        for real, fake, text in _scores(802)
    ]


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
    ],
)


def _generator_cases() -> list[Case]:
    return [
        Case((fake,), label=f"fake_scores {tuple(fake.shape)} ({text})")
        for _, fake, text in _scores(803)
    ]


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
    ],
)


# -- q4: the local critic's crops ---------------------------------------------------------------


def _boxes_reference(mask: torch.Tensor, size: int) -> torch.Tensor:
    return networks.local_boxes(mask, size)


def _boxes_specs() -> list[tuple[np.ndarray, int, str]]:
    """(holes (B, H, W) bool, crop size, description) of the q4 cases."""
    rng = np.random.default_rng(804)
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
    cases = []
    for holes, size, text in _boxes_specs():
        mask = _as_mask(holes)
        cases.append(Case((mask, size), label=f"{_describe_mask(mask)}, size={size} ({text})"))
    return cases


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


def _wa_boxes_list(mask, size):
    return _boxes_reference(mask, size).tolist()


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
        WrongAnswer("a list of pairs", _wa_boxes_list, "list"),
    ],
)


# -- q5: the evaluation metric -------------------------------------------------------------------


def _hole_l1_reference(images: np.ndarray, outputs: np.ndarray, masks: np.ndarray) -> float:
    return engine_hole_l1(images, outputs, masks)


def _hole_l1_specs() -> list[tuple[np.ndarray, str]]:
    """(masks (N, H, W) bool, description) of the q5 cases."""
    rng = np.random.default_rng(805)
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
    rng = np.random.default_rng(8050)
    cases = []
    for index, (masks, text) in enumerate(_hole_l1_specs()):
        images = rng.random((*masks.shape, 3))
        outputs = np.clip(images + 0.3 * rng.standard_normal(images.shape), 0.0, 1.0)
        if index == 4:  # an inpainting result: the known pixels copied from the image
            outputs = np.where(masks[..., None], outputs, images)
            text += ", outputs equal to the images outside the holes"
        label = f"images and outputs {images.shape}, masks {masks.shape} ({text})"
        cases.append(Case((images, outputs, masks), label=label))
    return cases


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
    ],
)


# -- q6: compositing -----------------------------------------------------------------------------


def _composite_reference(
    output: torch.Tensor, image: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    return output * mask + image * (1.0 - mask)


def _composite_cases() -> list[Case]:
    rng = np.random.default_rng(806)
    gen = torch.Generator().manual_seed(806)
    specs = [
        (free_form_mask(2, 16, 16, rng=rng), "2 free-form holes"),
        (free_form_mask(3, 13, 17, rng=rng), "odd size 13x17, 3 samples"),
        (
            np.stack([_box(9, 9, (4, 5), (4, 5)), np.zeros((9, 9), dtype=bool)]),
            "a 1-pixel hole; sample 2 has no hole",
        ),
        (_box(10, 14, (0, 10), (6, 14))[None], "a hole touching the border"),
    ]
    cases = []
    for holes, text in specs:
        mask = _as_mask(holes)
        batch, _, height, width = mask.shape
        output = torch.rand(batch, 3, height, width, generator=gen, dtype=DTYPE)
        image = torch.rand(batch, 3, height, width, generator=gen, dtype=DTYPE)
        label = f"output and image {tuple(output.shape)}, mask {tuple(mask.shape)} ({text})"
        cases.append(Case((output, image, mask), label=label))
    return cases


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
    ],
)

EXERCISES = ExerciseSet("08_inpainting_gan", [q1, q2, q3, q4, q5, q6])
setup = EXERCISES.setup
