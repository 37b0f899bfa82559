"""Exercise set 7: the references are the pieces of ``ContextualAttention(rate=1, fuse=False)``.

The automatic tests in ``test_exercise_sets.py`` show that each reference passes its own check
and that every listed mistake is diagnosed. Here the references themselves are tested against
the layer of :mod:`course_utils.inpainting` and against properties stated in the exercises, and
equivalent formulations a learner may write are shown to pass.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import Kind
from course_utils.exercise_sets import ex07_contextual_attention as ex07
from course_utils.inpainting import ContextualAttention

DTYPE = torch.float64


def _features_and_hole(seed: int, channels: int, height: int, width: int, box):
    gen = torch.Generator().manual_seed(seed)
    features = torch.randn(channels, height, width, generator=gen, dtype=DTYPE)
    top, left, rows, cols = box
    hole = torch.zeros(height, width, dtype=torch.bool)
    hole[top : top + rows, left : left + cols] = True
    return features, hole


def _pipeline(foreground, background, hole, scale=10.0):
    scores = ex07._scores_reference(foreground, background, 3)
    known = ex07._known_reference(hole, 3)
    attention = ex07._softmax_reference(scores, known, scale)
    rebuilt = ex07._rebuild_reference(attention, background, 3)
    return attention, rebuilt, ex07._offsets_reference(attention)


@pytest.mark.parametrize(
    ("seed", "shape", "box"),
    [
        (1, (3, 8, 9), (2, 3, 3, 4)),  # hole inside
        (2, (2, 7, 5), (0, 0, 3, 2)),  # hole at the corner
        (3, (4, 6, 10), (1, 7, 4, 3)),  # hole at the right border, non-square
    ],
)
def test_references_match_the_layer(seed, shape, box) -> None:
    features, hole = _features_and_hole(seed, *shape, box)
    gen = torch.Generator().manual_seed(seed + 100)
    foreground = features + 0.3 * torch.randn(features.shape, generator=gen, dtype=DTYPE)
    background = features * ~hole
    layer = ContextualAttention(rate=1, patch_size=3, softmax_scale=10.0, fuse=False, eps=1e-4)
    out, maps = layer(foreground[None], background[None], hole[None, None], return_attention=True)

    attention, rebuilt, offsets = _pipeline(foreground, background, hole)
    torch.testing.assert_close(attention, maps.attention[0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(rebuilt, out[0], rtol=1e-10, atol=1e-12)
    assert torch.equal(offsets, maps.offsets[0])


def test_no_known_patch_gives_zero_attention_like_the_layer() -> None:
    features, hole = _features_and_hole(4, 2, 4, 5, (0, 0, 4, 5))
    layer = ContextualAttention(rate=1, fuse=False, eps=1e-4)
    out, maps = layer(features[None], features[None], hole[None, None], return_attention=True)
    attention, rebuilt, offsets = _pipeline(features, features, hole)
    assert not bool(ex07._known_reference(hole).any())
    assert torch.count_nonzero(attention) == 0 and torch.count_nonzero(maps.attention) == 0
    assert torch.count_nonzero(rebuilt) == 0 and torch.count_nonzero(out) == 0
    assert torch.count_nonzero(offsets) == 0


@pytest.mark.parametrize(("shape", "size"), [((2, 5, 7), 3), ((3, 4, 4), 5), ((1, 1, 1), 3)])
def test_rebuild_with_each_own_patch_gives_back_the_background(shape, size) -> None:
    gen = torch.Generator().manual_seed(7)
    background = torch.randn(*shape, generator=gen, dtype=DTYPE)
    own = ex07._own_patch_attention(*shape[1:])
    rebuilt = ex07._rebuild_reference(own, background, size)
    torch.testing.assert_close(rebuilt, background, rtol=1e-12, atol=1e-12)


def test_softmax_sums_to_one_over_known_patches() -> None:
    gen = torch.Generator().manual_seed(8)
    scores = torch.randn(20, 4, 5, generator=gen, dtype=DTYPE)
    known = torch.rand(20, generator=gen) < 0.5
    attention = ex07._softmax_reference(scores, known)
    torch.testing.assert_close(attention.sum(0), torch.ones(4, 5, dtype=DTYPE))
    assert torch.count_nonzero(attention[~known]) == 0


def test_scores_pick_the_exact_copy() -> None:
    """A foreground patch copied from the background scores highest at its source."""
    features, _ = _features_and_hole(9, 3, 7, 8, (0, 0, 0, 0))
    foreground = features.clone()
    foreground[:, 3:6, 0:3] = features[:, 1:4, 4:7]  # the patch centred at (2, 5) -> (4, 1)
    scores = ex07._scores_reference(foreground, features, 3)
    assert int(scores[:, 4, 1].argmax()) == 2 * 8 + 5


def _check(problem, fn):
    problem.bind({problem.name: fn})
    return problem.evaluate()


def test_equivalent_formulations_pass() -> None:
    def masked_softmax(scores, known, scale=10.0):  # the layer's finite penalty
        valid = known.to(scores.dtype).view(-1, 1, 1)
        logits = scale * scores * valid - (1.0 - valid) * 1e4
        return torch.softmax(logits, dim=0) * valid

    def rebuild_from_patches(attention, background, patch_size=3):  # fold-based pasting
        channels, height, width = background.shape
        pad = patch_size // 2
        cols = F.unfold(background[None], patch_size, padding=pad)[0]  # (C*k*k, L)
        pasted = cols @ attention.reshape(height * width, -1)  # (C*k*k, P)
        total = F.fold(pasted[None], (height, width), patch_size, padding=pad)[0]
        ones = torch.ones(1, 1, height, width, dtype=background.dtype)
        count = F.fold(
            F.unfold(ones, patch_size, padding=pad), (height, width), patch_size, padding=pad
        )[0]
        return total / count

    def known_patch_mask(hole, patch_size=3):  # max-pooling pads with -inf: outside is known
        pooled = F.max_pool2d(hole[None, None].double(), patch_size, 1, patch_size // 2)
        return pooled.flatten() == 0

    assert _check(ex07.q3, masked_softmax).kind is Kind.CORRECT
    assert _check(ex07.q4, rebuild_from_patches).kind is Kind.CORRECT
    assert _check(ex07.q2, known_patch_mask).kind is Kind.CORRECT


def test_more_equivalent_formulations_pass() -> None:
    def patch_scores(foreground, background, patch_size=3):  # one matrix product of unfolds
        pad = patch_size // 2
        fg = F.unfold(foreground[None], patch_size, padding=pad)[0]  # (C*k*k, P)
        bg = F.unfold(background[None], patch_size, padding=pad)[0]  # (C*k*k, L)
        bg = bg / (torch.linalg.vector_norm(bg, dim=0) + 1e-4)
        return (bg.t() @ fg).reshape(-1, *foreground.shape[1:])

    def patch_scores_sliced(foreground, background, patch_size=3):  # kernels cut by slicing
        channels, height, width = background.shape
        pad = patch_size // 2
        padded = F.pad(background, (pad, pad, pad, pad))
        kernels = torch.stack(
            [
                padded[:, r : r + patch_size, c : c + patch_size]
                for r in range(height)
                for c in range(width)
            ]
        )
        norms = kernels.flatten(1).norm(dim=1)[:, None, None, None]
        return F.conv2d(foreground[None], kernels / (norms + 1e-4), padding=pad)[0]

    def known_by_counting(hole, patch_size=3):  # hole pixels per window, zero padding
        ones = torch.ones(1, 1, patch_size, patch_size, dtype=torch.float64)
        count = F.conv2d(hole.double()[None, None], ones, padding=patch_size // 2)
        return count.flatten() == 0

    def known_by_average(hole, patch_size=3):
        mean = F.avg_pool2d(hole.double()[None, None], patch_size, 1, patch_size // 2)
        return mean.flatten() == 0

    def softmax_nan_to_num(scores, known, scale=10.0):  # NaN of an empty softmax -> 0
        logits = (scale * scores).masked_fill(~known.view(-1, 1, 1), -torch.inf)
        return torch.nan_to_num(torch.softmax(logits, dim=0), nan=0.0)

    def softmax_by_hand(scores, known, scale=10.0):  # max over the known patches, then exp
        if not known.any():
            return torch.zeros_like(scores)
        logits = torch.where(known[:, None, None], scale * scores, -torch.inf)
        weights = torch.exp(logits - logits.amax(dim=0, keepdim=True))
        return weights / weights.sum(dim=0, keepdim=True)

    def rebuild_by_loops(attention, background, patch_size=3):  # stamp every mixture
        channels, height, width = background.shape
        pad = patch_size // 2
        cols = F.unfold(background[None], patch_size, padding=pad)[0]  # (C*k*k, L)
        mixtures = (cols @ attention.reshape(height * width, -1)).t()  # (P, C*k*k)
        total = torch.zeros(channels, height + 2 * pad, width + 2 * pad, dtype=torch.float64)
        count = torch.zeros(1, height + 2 * pad, width + 2 * pad, dtype=torch.float64)
        for p, mixture in enumerate(mixtures):
            i, j = divmod(p, width)
            total[:, i : i + patch_size, j : j + patch_size] += mixture.view(
                channels, patch_size, patch_size
            )
            count[:, i : i + patch_size, j : j + patch_size] += 1
        inner = (slice(None), slice(pad, pad + height), slice(pad, pad + width))
        return total[inner] / count[inner]

    def offsets_unravelled(attention):
        _, height, width = attention.shape
        rows, cols = torch.unravel_index(attention.argmax(dim=0), (height, width))
        own_rows, own_cols = torch.meshgrid(
            torch.arange(height), torch.arange(width), indexing="ij"
        )
        attended = attention.sum(dim=0) > 0  # weights are never negative
        return torch.where(attended, torch.stack([rows - own_rows, cols - own_cols]), 0)

    assert _check(ex07.q1, patch_scores).kind is Kind.CORRECT
    assert _check(ex07.q1, patch_scores_sliced).kind is Kind.CORRECT
    assert _check(ex07.q2, known_by_counting).kind is Kind.CORRECT
    assert _check(ex07.q2, known_by_average).kind is Kind.CORRECT
    assert _check(ex07.q3, softmax_nan_to_num).kind is Kind.CORRECT
    assert _check(ex07.q3, softmax_by_hand).kind is Kind.CORRECT
    assert _check(ex07.q4, rebuild_by_loops).kind is Kind.CORRECT
    assert _check(ex07.q5, offsets_unravelled).kind is Kind.CORRECT


def test_softmax_cases_reach_overflow_and_fully_masked_inputs() -> None:
    cases = ex07.q3.cases()
    logits = [case.kwargs.get("scale", 10.0) * case.args[0].abs().max() for case in cases]
    assert max(logits) > 710  # exp overflows float64 beyond ~709.8
    negative = [case for case in cases if bool((case.args[0] < -50).all())]
    assert negative, "a case whose known logits all underflow exp"
    empty = [case for case in cases if not bool(case.args[1].any())]
    assert len(empty) >= 2
    for case in empty:  # a position with nothing to attend to gets zeros, never NaN
        assert torch.count_nonzero(ex07._softmax_reference(*case.args, **case.kwargs)) == 0


def test_a_naive_softmax_passes_small_scores_but_not_the_check() -> None:
    def masked_softmax(scores, known, scale=10.0):
        if not known.any():
            return torch.zeros_like(scores)
        weights = torch.exp(scale * scores) * known[:, None, None]
        return weights / weights.sum(dim=0)

    small = [case for case in ex07.q3.cases() if float(case.args[0].abs().max()) < 10]
    for case in small:
        expected = ex07._softmax_reference(*case.args, **case.kwargs)
        torch.testing.assert_close(masked_softmax(*case.args, **case.kwargs), expected)
    outcome = _check(ex07.q3, masked_softmax)
    assert outcome.kind is Kind.INCORRECT and "overflows" in outcome.message


def test_every_exercise_declares_at_least_three_wrong_answers() -> None:
    for problem in ex07.EXERCISES.problems:
        assert len(problem.wrong_answers) >= 3, problem.label


def test_wrong_dtype_and_none_are_not_correct() -> None:
    def known_patch_mask(hole, patch_size=3):
        return ex07._known_reference(hole, patch_size).to(torch.int64)

    def attention_offsets(attention):
        return None

    assert _check(ex07.q2, known_patch_mask).kind is Kind.INCORRECT
    outcome = _check(ex07.q5, attention_offsets)
    assert outcome.kind is Kind.INCORRECT and "None" in outcome.message
