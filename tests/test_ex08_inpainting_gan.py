"""Exercise set 8: the cases respect what the exercises promise, and equivalent answers pass.

``test_exercise_sets.py`` already shows that each reference passes its own check and that every
listed mistake is diagnosed. Here: the references agree with independent formulations (a
distance transform, boolean indexing, ``torch.where``), the cases cover the edge cases the
notebook announces, and right values in the wrong type are reported as such rather than as one
of the known mistakes.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage

from course_utils.checks import Kind
from course_utils.exercise_sets import ex08_inpainting_gan as ex08


def _evaluate(problem, function):
    problem.bind({problem.name: function})
    return problem.evaluate()


def _discount_by_distance_transform(mask: torch.Tensor, gamma: float = 0.99) -> torch.Tensor:
    out = torch.zeros_like(mask)
    for index, sample in enumerate(mask[:, 0].numpy() > 0.5):
        distance = ndimage.distance_transform_cdt(sample, metric="chessboard")
        out[index, 0] = torch.from_numpy(np.where(sample, gamma ** distance.astype(float), 0.0))
    return out


def test_spatial_discount_cases_keep_their_promises() -> None:
    cases = ex08.q1.cases()
    for case in cases:
        mask = case.args[0]
        assert mask.dtype == torch.float64 and mask.ndim == 4 and mask.shape[1] == 1
        known = (mask < 0.5).flatten(1).any(dim=1)
        assert bool(known.all()), f"a sample without known pixels: {case.label}"
    masks = [case.args[0] for case in cases]
    assert any(m.shape[0] > 1 for m in masks)  # batches with different holes
    assert any(tuple(m.shape[2:]) == (13, 17) for m in masks)  # odd sizes
    assert any(int(m[b].sum()) == 1 for m in masks for b in range(m.shape[0]))  # 1-pixel hole

    def touches_border(m: torch.Tensor) -> bool:
        edges = (m[..., 0, :], m[..., -1, :], m[..., :, 0], m[..., :, -1])
        return any(bool((edge > 0.5).any()) for edge in edges)

    assert any(touches_border(m) for m in masks if min(m.shape[2:]) > 1)


def test_spatial_discount_equivalent_answer_passes() -> None:
    assert _evaluate(ex08.q1, _discount_by_distance_transform).kind is Kind.CORRECT


def test_spatial_discount_ignoring_gamma_fails() -> None:
    def fixed_gamma(mask, gamma=0.99):
        return _discount_by_distance_transform(mask)

    assert _evaluate(ex08.q1, fixed_gamma).kind is Kind.INCORRECT


def test_float32_weights_are_reported_as_a_dtype_problem() -> None:
    def single_precision(mask, gamma=0.99):
        return _discount_by_distance_transform(mask, gamma).float()

    outcome = _evaluate(ex08.q1, single_precision)
    assert outcome.kind is Kind.INCORRECT and "dtype" in outcome.message


def test_right_boxes_as_floats_are_a_dtype_problem_not_a_known_mistake() -> None:
    def float_boxes(mask, size):
        return ex08._boxes_reference(mask, size).float()

    outcome = _evaluate(ex08.q4, float_boxes)
    assert outcome.kind is Kind.INCORRECT
    assert "dtype" in outcome.message and "typical mistake" not in outcome.message


def test_local_box_cases_cover_clamping_and_empty_masks() -> None:
    cases = ex08.q4.cases()
    for case in cases:
        mask, size = case.args
        assert size <= min(mask.shape[2:])
    unclamped = [ex08._boxes_unclamped(*case.args) for case in cases]
    assert any(bool((boxes < 0).any()) for boxes in unclamped)
    assert any(
        bool((boxes[:, 0] > case.args[0].shape[2] - case.args[1]).any())
        for boxes, case in zip(unclamped, cases, strict=True)
    )
    assert any(bool((case.args[0].flatten(1).sum(1) == 0).any()) for case in cases)


def test_losses_returned_as_python_floats_are_incorrect() -> None:
    def as_float(real_scores, fake_scores, hole_patches):
        return float(ex08._critic_reference(real_scores, fake_scores, hole_patches))

    assert _evaluate(ex08.q2, as_float).kind is Kind.INCORRECT


def test_the_engines_plain_hinge_losses_are_not_the_answers() -> None:
    """The library trains with the unmasked losses; pasting them is a named "not yet"."""
    from course_utils.inpainting import losses

    def pasted_critic(real_scores, fake_scores, hole_patches):
        return losses.critic_hinge_loss(real_scores, fake_scores)

    def pasted_generator(fake_scores, hole_patches):
        return losses.generator_hinge_loss(fake_scores)

    for problem, pasted in ((ex08.q2, pasted_critic), (ex08.q3, pasted_generator)):
        outcome = _evaluate(problem, pasted)
        assert outcome.kind is Kind.INCORRECT
        assert "course's own" in outcome.message


def test_loss_cases_cover_empty_full_and_uneven_holes() -> None:
    """Cases only the masked mean passes: no hole patch, all of them, and per-image counts that
    differ (so pooling image by image shows)."""
    holes = [case.args[2] for case in ex08.q2.cases()]
    assert any(float(h.sum()) == 0 for h in holes)
    assert any(bool((h == 1).all()) for h in holes)
    uneven = [h for h in holes if h.dim() == 4 and len(set(h.flatten(1).sum(1).tolist())) > 2]
    assert uneven


def test_hole_l1_by_boolean_indexing_passes() -> None:
    def indexed(images, outputs, masks):
        return 100 * np.abs(outputs - images)[masks].mean()  # (hole pixels, 3) -> one mean

    assert _evaluate(ex08.q5, indexed).kind is Kind.CORRECT
    assert all(case.args[2].any() for case in ex08.q5.cases())


def test_composite_with_where_passes() -> None:
    def selected(output, image, mask):
        return torch.where(mask > 0.5, output, image)

    assert _evaluate(ex08.q6, selected).kind is Kind.CORRECT


def test_more_equivalent_answers_pass() -> None:
    def discount_by_erosion(mask, gamma=0.99):  # peel the hole ring by ring
        hole = mask.clone()
        distance = torch.zeros_like(mask)
        step = 0
        while bool((hole > 0).any()):
            step += 1
            inner = -torch.nn.functional.max_pool2d(-hole, 3, stride=1, padding=1)
            distance += step * (hole - inner)  # the ring peeled at this step
            hole = inner
        return torch.where(mask > 0.5, gamma**distance, torch.zeros_like(mask))

    def critic_by_indexing(real_scores, fake_scores, hole_patches):
        fake = fake_scores[hole_patches > 0.5]  # the hole patches' scores, flattened
        fake_term = (1 + fake).clamp(min=0).mean() if fake.numel() else fake.new_zeros(())
        return (1 - real_scores).clamp(min=0).mean() + fake_term

    def generator_by_where(fake_scores, hole_patches):
        count = max(float(hole_patches.sum()), 1.0)
        return -torch.where(hole_patches > 0.5, fake_scores, 0.0).sum() / count

    def boxes_vectorised(mask, size):
        batch, _, height, width = mask.shape
        hole = mask[:, 0] > 0.5
        rows, cols = hole.any(dim=2), hole.any(dim=1)  # (B, H), (B, W)

        def centre(present: torch.Tensor, length: int) -> torch.Tensor:
            index = torch.arange(length).expand_as(present)
            first = torch.where(present, index, length).amin(dim=1)
            last = torch.where(present, index, -1).amax(dim=1)
            return torch.where(present.any(dim=1), (first + last) // 2, length // 2)

        top = (centre(rows, height) - size // 2).clamp(0, height - size)
        left = (centre(cols, width) - size // 2).clamp(0, width - size)
        return torch.stack([top, left], dim=1)

    def hole_l1_by_count(images, outputs, masks):
        return 100 * np.abs(outputs - images)[masks].sum() / (3 * np.count_nonzero(masks))

    def composite_by_lerp(output, image, mask):
        return torch.lerp(image, output, mask)

    assert _evaluate(ex08.q1, discount_by_erosion).kind is Kind.CORRECT
    assert _evaluate(ex08.q2, critic_by_indexing).kind is Kind.CORRECT
    assert _evaluate(ex08.q3, generator_by_where).kind is Kind.CORRECT
    assert _evaluate(ex08.q4, boxes_vectorised).kind is Kind.CORRECT
    assert _evaluate(ex08.q5, hole_l1_by_count).kind is Kind.CORRECT
    assert _evaluate(ex08.q6, composite_by_lerp).kind is Kind.CORRECT


def test_some_hole_is_deeper_than_half_the_image() -> None:
    """A loop that grows the known region max(H, W) // 2 times only is caught."""
    depths = [
        int(ndimage.distance_transform_cdt(hole, metric="chessboard").max()) / max(hole.shape)
        for case in ex08.q1.cases()
        for hole in case.args[0][:, 0].numpy() > 0.5
    ]
    assert max(depths) > 0.5


def test_every_exercise_declares_at_least_three_wrong_answers() -> None:
    for problem in ex08.EXERCISES.problems:
        assert len(problem.wrong_answers) >= 3, problem.label
