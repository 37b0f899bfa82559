"""Contextual attention, q3: the masked softmax over the background patches."""

from __future__ import annotations

import torch

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex07_contextual_attention._common import (
    TOL,
    _box_hole,
    _note,
    torch_cases,
)
from course_utils.exercise_sets.ex07_contextual_attention._known import _known_reference
from course_utils.exercise_sets.ex07_contextual_attention._scores import _scores_reference

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
    cases = torch_cases(703, "scores", "known")

    def add(scores: torch.Tensor, known: torch.Tensor, scale: float | None, text: str) -> None:
        kwargs = {} if scale is None else {"scale": scale}
        text = f"{int(known.sum())} of {known.numel()} patches known, {text}"
        cases.add(scores, known, note=_note(tuple(scores.shape), text), **kwargs)

    def random_known(count: int, fraction: float) -> torch.Tensor:
        known = torch.from_numpy(cases.rng.random(count) < fraction)
        known[0], known[-1] = True, False  # at least one known and one unknown patch
        return known

    add(0.4 * cases.draw((20, 4, 5)), random_known(20, 0.6), None, "some patches known")
    add(0.4 * cases.draw((18, 3, 6)), random_known(18, 0.5), 4.0, "another temperature")
    add(0.3 * cases.draw((12, 4, 3)), torch.ones(12, dtype=torch.bool), None, "all known")
    only = torch.zeros(15, dtype=torch.bool)
    only[7] = True
    add(0.3 * cases.draw((15, 3, 5)), only, None, "exactly one patch known")
    add(0.3 * cases.draw((1, 1, 1)), torch.ones(1, dtype=torch.bool), None, "1x1 image")
    # realistic scores: the q1 reference on features whose hole is zeroed
    features = cases.draw((2, 5, 6))
    hole = _box_hole(5, 6, 1, 0, 2, 3)
    realistic = _scores_reference(features, features * ~hole, 3)
    add(realistic, _known_reference(hole, 3), 10.0, "scores of real patches, hole at the border")
    # large scores: exp(1000) overflows and exp(-1000) underflows in float64
    large = 100.0 + 5.0 * cases.draw((24, 4, 6))
    add(large, random_known(24, 0.5), None, "large scores around +100, logits around +1000")
    large = -100.0 + 5.0 * cases.draw((20, 5, 4))
    add(large, random_known(20, 0.6), None, "large negative scores around -100")
    higher = 0.5 * cases.draw((30, 5, 6))
    known = random_known(30, 0.5)
    higher[~known] += 100.0  # e.g. the hole's own patches, which match best
    add(higher, known, None, "the unknown patches score far higher than the known ones")
    add(0.4 * cases.draw((16, 4, 4)), torch.zeros(16, dtype=torch.bool), None, _NO_KNOWN)
    add(0.3 * cases.draw((1, 1, 1)), torch.zeros(1, dtype=torch.bool), 2.0, "1x1, " + _NO_KNOWN)
    large = 100.0 + 5.0 * cases.draw((12, 3, 4))
    add(large, torch.zeros(12, dtype=torch.bool), None, "large scores, " + _NO_KNOWN)
    return cases.build()


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
        *common_wrong_answers(_softmax_reference, transposed=False),
    ],
)
