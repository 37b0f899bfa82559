"""Exercise set 4: the references against PyTorch, the q5 cases, and correct alternative
solutions a learner may write (they must pass).

``test_exercise_sets.py`` shows that every reference passes its check and that every declared
mistake and wrong answer is rejected with its message.
"""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import Kind
from course_utils.exercise_sets import ex04_unfold_and_fold as ex04

DTYPE = torch.float64


def _outcome(problem, answer):
    problem.bind({problem.name: answer})
    return problem.evaluate()


def _assert_correct(problem, answer) -> None:
    outcome = _outcome(problem, answer)
    assert outcome.kind is Kind.CORRECT, str(outcome)


def _close(a: torch.Tensor, b: torch.Tensor) -> None:
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


# -- the references ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ex04.q1.cases(), ids=lambda c: c.label[:30])
def test_conv_reference_is_conv2d(case) -> None:
    x, w = case.args
    stride, padding = case.kwargs["stride"], case.kwargs["padding"]
    _close(ex04._conv_reference(x, w, stride, padding), F.conv2d(x, w, None, stride, padding))


@pytest.mark.parametrize("case", ex04.q3.cases(), ids=lambda c: c.label[:30])
def test_grad_input_reference_is_autograd(case) -> None:
    grad_out, w, size = case.args
    stride, padding = case.kwargs["stride"], case.kwargs["padding"]
    _close(
        ex04._grad_input_reference(grad_out, w, size, stride, padding),
        ex04._grad_input_autograd(grad_out, w, size, stride, padding),
    )


@pytest.mark.parametrize("case", ex04.q4.cases(), ids=lambda c: c.label[:30])
def test_grad_weight_reference_is_autograd(case) -> None:
    x, grad_out, kernel = case.args
    stride, padding = case.kwargs["stride"], case.kwargs["padding"]
    _close(
        ex04._grad_weight_reference(x, grad_out, kernel, stride, padding),
        ex04._grad_weight_autograd(x, grad_out, kernel, stride, padding),
    )


@pytest.mark.parametrize("problem", [ex04.q1, ex04.q3, ex04.q4], ids=["q1", "q3", "q4"])
def test_the_tag_is_far_above_the_tolerance(problem) -> None:
    for case in problem.cases():
        kwargs = dict(case.kwargs)
        tagged = problem.reference(*case.args, **copy.deepcopy(kwargs))
        kwargs["matmul"] = torch.matmul
        plain = problem.reference(*case.args, **kwargs)
        relative = (tagged - plain).abs().max() / plain.abs().max()
        assert 1e-7 < relative < 1e-5, case.label


def test_fold_mean_reconstructs_unmodified_patches() -> None:
    for case in ex04.q2.cases()[::2]:  # the even cases are the patches of an image
        cols, size, kernel = case.args
        if "zeros" in case.label:
            continue
        geometry = {"kernel_size": kernel, **case.kwargs}
        x = ex04._fold_mean_reference(cols, size, kernel, **case.kwargs)
        _close(F.unfold(x, **geometry), cols)


def test_locate_reference_finds_every_source() -> None:
    for (*_, (top, left), _, text), case in zip(ex04._LOCATE_SPECS, ex04.q5.cases(), strict=True):
        assert ex04._locate_reference(*case.args) == (top, left), text


def test_the_q5_cases_contain_what_they_say() -> None:
    cases = {spec[-1]: case for spec, case in zip(ex04._LOCATE_SPECS, ex04.q5.cases(), strict=True)}
    black = cases["a black region: windows of norm 0"].args[0]
    assert torch.count_nonzero(black[:, -7:, :3]) == 0
    image, patch = next(c for t, c in cases.items() if t.startswith("rescaled colours")).args
    decoy = image[:, 1:6, 8:13]
    torch.testing.assert_close(decoy.sum(0), patch.sum(0))  # the same grey values
    assert not torch.allclose(decoy, patch)  # other colours
    assert ex04._locate_grey(image, patch) == (1, 8)


# -- correct alternatives pass ----------------------------------------------------------------


def _conv_transposed_product(x, w, stride=1, padding=0, matmul=torch.matmul):
    n, k = x.shape[0], w.shape[0]
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    out = matmul(cols.transpose(1, 2), w.reshape(k, -1).t()).transpose(1, 2)  # (N, K, L)
    h_out = (x.shape[2] + 2 * padding - w.shape[2]) // stride + 1
    return out.reshape(n, k, h_out, -1)


def _conv_batch_in_columns(x, w, stride=1, padding=0, matmul=torch.matmul):
    n, k = x.shape[0], w.shape[0]
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)  # (N, P, L)
    _, p, length = cols.shape
    wide = cols.permute(1, 0, 2).reshape(p, n * length)  # every image's columns side by side
    out = matmul(w.reshape(k, -1), wide).reshape(k, n, length).permute(1, 0, 2)
    h_out = (x.shape[2] + 2 * padding - w.shape[2]) // stride + 1
    return out.reshape(n, k, h_out, -1)


def _conv_tensor_unfold(x, w, stride=1, padding=0, matmul=torch.matmul):  # Tensor.unfold
    n, k, (kh, kw) = x.shape[0], w.shape[0], w.shape[2:]
    xpad = F.pad(x, (padding,) * 4)
    patches = xpad.unfold(2, kh, stride).unfold(3, kw, stride)  # (N, C, Ho, Wo, kh, kw)
    h_out, w_out = patches.shape[2:4]
    cols = patches.permute(0, 1, 4, 5, 2, 3).reshape(n, -1, h_out * w_out)
    return matmul(w.reshape(k, -1), cols).reshape(n, k, h_out, w_out)


@pytest.mark.parametrize(
    "answer", [_conv_transposed_product, _conv_batch_in_columns, _conv_tensor_unfold]
)
def test_conv_alternatives_pass(answer) -> None:
    _assert_correct(ex04.q1, answer)


def _fold_ones_like_cols(cols, output_size, kernel_size, stride=1, padding=0):
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    count = F.fold(torch.ones_like(cols), output_size, **geometry)
    return F.fold(cols, output_size, **geometry) / count.clamp_min(1)


def _fold_divide_entries(cols, output_size, kernel_size, stride=1, padding=0):
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    ones = torch.ones(1, 1, *output_size, dtype=cols.dtype)
    count = F.fold(F.unfold(ones, **geometry), output_size, **geometry)
    weights = F.unfold(1.0 / count.clamp_min(1), **geometry)  # 1 / count of each entry's pixel
    channels = cols.shape[1] // weights.shape[1]
    return F.fold(cols * weights.repeat(1, channels, 1), output_size, **geometry)


def _fold_where(cols, output_size, kernel_size, stride=1, padding=0):
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    total = F.fold(cols, output_size, **geometry)
    count = F.fold(F.unfold(torch.ones_like(total[:1, :1]), **geometry), output_size, **geometry)
    return torch.where(count > 0, total / count, 0.0)


def _fold_loops(cols, output_size, kernel_size, stride=1, padding=0):
    n, rows, length = cols.shape
    (kh, kw), (height, width) = kernel_size, output_size
    channels = rows // (kh * kw)
    out_w = (width + 2 * padding - kw) // stride + 1
    total = torch.zeros(n, channels, height + 2 * padding, width + 2 * padding, dtype=cols.dtype)
    count = torch.zeros_like(total[:1, :1])
    for index in range(length):
        top, left = (index // out_w) * stride, (index % out_w) * stride
        patch = cols[:, :, index].reshape(n, channels, kh, kw)
        total[:, :, top : top + kh, left : left + kw] += patch
        count[:, :, top : top + kh, left : left + kw] += 1
    inner = (slice(None), slice(None), slice(padding, padding + height))
    inner += (slice(padding, padding + width),)
    return total[inner] / count[inner].clamp_min(1)


@pytest.mark.parametrize(
    "answer", [_fold_ones_like_cols, _fold_divide_entries, _fold_where, _fold_loops]
)
def test_fold_mean_alternatives_pass(answer) -> None:
    _assert_correct(ex04.q2, answer)


def _grad_input_transposed_product(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    n, k = grad_out.shape[:2]
    g = grad_out.reshape(n, k, -1).transpose(1, 2)  # (N, L, K)
    grad_cols = matmul(g, w.reshape(k, -1)).transpose(1, 2)  # (N, C*kh*kw, L)
    return F.fold(grad_cols, input_size, w.shape[2:], stride=stride, padding=padding)


def _grad_input_batch_in_columns(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    n, k = grad_out.shape[:2]
    wide = grad_out.reshape(n, k, -1).permute(1, 0, 2).reshape(k, -1)  # (K, N*L)
    grad_cols = matmul(w.reshape(k, -1).t(), wide)  # (C*kh*kw, N*L)
    grad_cols = grad_cols.reshape(grad_cols.shape[0], n, -1).permute(1, 0, 2)
    return F.fold(grad_cols, input_size, w.shape[2:], stride=stride, padding=padding)


@pytest.mark.parametrize("answer", [_grad_input_transposed_product, _grad_input_batch_in_columns])
def test_grad_input_alternatives_pass(answer) -> None:
    _assert_correct(ex04.q3, answer)


def _grad_weight_batch_in_rows(x, grad_out, kernel_size, stride=1, padding=0, matmul=None):
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)  # (N, P, L)
    g = grad_out.reshape(n, k, -1).permute(1, 0, 2).reshape(k, -1)  # (K, N*L)
    c = cols.permute(0, 2, 1).reshape(-1, cols.shape[1])  # (N*L, P)
    return matmul(g, c).reshape(k, x.shape[1], *kernel_size)  # the product sums the batch


def _grad_weight_transposed_product(x, grad_out, kernel_size, stride=1, padding=0, matmul=None):
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
    product = matmul(cols, grad_out.reshape(n, k, -1).transpose(1, 2))  # (N, P, K)
    return product.sum(0).t().reshape(k, x.shape[1], *kernel_size)


@pytest.mark.parametrize("answer", [_grad_weight_batch_in_rows, _grad_weight_transposed_product])
def test_grad_weight_alternatives_pass(answer) -> None:
    _assert_correct(ex04.q4, answer)


def _locate_by_unfold(image, patch):
    cols = F.unfold(image[None], patch.shape[1:])[0]  # (C*ph*pw, L)
    norms = cols.norm(dim=0).clamp_min(1e-12)
    scores = (patch.reshape(1, -1) @ cols)[0] / (norms * patch.norm())
    width = image.shape[2] - patch.shape[2] + 1
    row, col = divmod(int(scores.argmax()), width)
    return row, col


def _locate_unravel(image, patch):
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    energy = F.conv2d(x * x, torch.ones_like(p))[0, 0]
    scores = torch.where(energy > 0, dots / energy.clamp_min(1e-300).sqrt(), 0.0)
    row, col = torch.unravel_index(scores.argmax(), scores.shape)
    return int(row), int(col)


@pytest.mark.parametrize("answer", [_locate_by_unfold, _locate_unravel])
def test_locate_alternatives_pass(answer) -> None:
    _assert_correct(ex04.q5, answer)


# -- what the lesson shows does not answer the exercises --------------------------------------


def test_the_lessons_backward_code_is_not_yet() -> None:
    """Lesson 4 computes both gradients with `@`; pasted as answers they are *not yet*."""

    def conv2d_grad_weight(x, grad_out, kernel_size, stride=1, padding=0, matmul=None):
        n, k = grad_out.shape[:2]
        cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
        g = grad_out.reshape(n, k, -1)
        return (g @ cols.transpose(1, 2)).sum(0).view(k, x.shape[1], *kernel_size)

    outcome = _outcome(ex04.q4, conv2d_grad_weight)
    assert outcome.kind is Kind.INCORRECT and "one call of" in outcome.message


def test_the_lessons_single_channel_matching_is_not_yet() -> None:
    """Lesson 4 matches a (1, 1, ph, pw) patch without a guard; generalised without the
    guard, the black region of the check makes it *not yet*."""

    def locate_patch(image, patch):
        x, p = image[None], patch[None]
        dots = F.conv2d(x, p)
        energy = F.conv2d(x**2, torch.ones_like(p))
        cosine = (dots / (energy.sqrt() * patch.norm()))[0, 0]
        index = int(torch.argmax(cosine))
        return index // cosine.shape[-1], index % cosine.shape[-1]

    outcome = _outcome(ex04.q5, locate_patch)
    assert outcome.kind is Kind.INCORRECT and "NaN" in outcome.message
