"""Exercise set 1: correct alternative answers pass, and the cases keep the prompt's promises.

``test_exercise_sets.py`` shows that each reference passes, that every known mistake is named
and that every declared wrong answer is rejected with its message. Here: other correct ways to
write each exercise (other loop orders, NumPy windows, PyTorch, a stride taken by subsampling)
still pass, and the cases contain what makes the declared wrong answers visible.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.checks import Kind
from course_utils.exercise_sets import ex01_direct_convolution as ex01


def _evaluate(problem, answer):
    problem.bind({problem.name: answer})
    return problem.evaluate()


# -- q1 ---------------------------------------------------------------------------------------


def _loops_taps_outside(x, w):
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for u in range(kh):
        for v in range(kw):
            for i in range(out.shape[0]):
                for j in range(out.shape[1]):
                    out[i, j] += x[i + u, j + v] * w[u, v]
    return out


def _windows_einsum(x, w):
    return np.einsum("ijuv,uv->ij", sliding_window_view(x, w.shape), w)


def _torch_conv2d(x, w):
    result = torch.nn.functional.conv2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None]
    )
    return result[0, 0].numpy()


@pytest.mark.parametrize("answer", [_loops_taps_outside, _windows_einsum, _torch_conv2d])
def test_correlate_loops_alternatives_pass(answer) -> None:
    assert _evaluate(ex01.q1, answer).kind is Kind.CORRECT


def test_correlate_cases_are_not_square() -> None:
    cases = ex01.q1.cases()
    assert any(x.shape[0] < x.shape[1] for x, _ in (c.args for c in cases))
    assert any(x.shape[0] > x.shape[1] for x, _ in (c.args for c in cases))
    assert any(w.shape[0] != w.shape[1] for _, w in (c.args for c in cases))


# -- q2 ---------------------------------------------------------------------------------------


def _padded_with_np_pad(x, w, padding):
    return _windows_einsum(np.pad(x, padding), w)


def _padded_by_torch(x, w, padding):
    result = torch.nn.functional.conv2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], padding=padding
    )
    return result[0, 0].numpy()


@pytest.mark.parametrize("answer", [_padded_with_np_pad, _padded_by_torch])
def test_padded_alternatives_pass(answer) -> None:
    assert _evaluate(ex01.q2, answer).kind is Kind.CORRECT


def test_padded_cases_include_a_non_same_padding_and_kernels_larger_than_the_image() -> None:
    cases = ex01.q2.cases()
    assert any(2 * p != w.shape[0] - 1 for _, w, p in (c.args for c in cases))
    assert any(w.shape[0] > x.shape[0] for x, w, _ in (c.args for c in cases))


# -- q3 ---------------------------------------------------------------------------------------


def _multichannel_by_subsampling(x, w, stride=1):
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # (N, C, H', W', kh, kw)
    full = np.einsum("ncijuv,kcuv->nkij", windows, w)
    return np.ascontiguousarray(full[:, :, ::stride, ::stride])


def _multichannel_tensordot(x, w, stride=1):
    n, _, height, width = x.shape
    k, _, kh, kw = w.shape
    out_h, out_w = (height - kh) // stride + 1, (width - kw) // stride + 1
    out = np.zeros((n, k, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    return out


def _multichannel_torch(x, w, stride=1):
    return torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), stride=stride
    ).numpy()


@pytest.mark.parametrize(
    "answer", [_multichannel_by_subsampling, _multichannel_tensordot, _multichannel_torch]
)
def test_multichannel_alternatives_pass(answer) -> None:
    assert _evaluate(ex01.q3, answer).kind is Kind.CORRECT


def test_multichannel_cases_have_batches_channels_and_uneven_strides() -> None:
    cases = ex01.q3.cases()
    assert all(c.args[0].shape[0] >= 1 for c in cases)
    assert any(c.args[0].shape[0] > 1 and c.args[0].shape[1] > 1 for c in cases)
    assert any(
        (c.args[0].shape[3] - c.args[1].shape[3]) % c.kwargs["stride"] for c in cases
    )  # a stride that does not divide the width


# -- q4 ---------------------------------------------------------------------------------------


def _positions_python_ints(i, kernel, stride=1, padding=0, dilation=1):
    return np.array([i * stride - padding + u * dilation for u in range(kernel)])


def _positions_arange_step(i, kernel, stride=1, padding=0, dilation=1):
    start = i * stride - padding
    return np.arange(start, start + dilation * kernel, dilation)[:kernel]


def _positions_torch_then_numpy(i, kernel, stride=1, padding=0, dilation=1):
    return (torch.arange(kernel) * dilation + i * stride - padding).numpy()


@pytest.mark.parametrize(
    "answer", [_positions_python_ints, _positions_arange_step, _positions_torch_then_numpy]
)
def test_positions_alternatives_pass(answer) -> None:
    assert _evaluate(ex01.q4, answer).kind is Kind.CORRECT


def test_float_positions_are_not_yet_and_say_why() -> None:
    def floats(i, kernel, stride=1, padding=0, dilation=1):
        return (i * stride - padding + dilation * np.arange(kernel)).astype(float)

    outcome = _evaluate(ex01.q4, floats)
    assert outcome.kind is Kind.INCORRECT
    assert "dtype float64, expected dtype int64" in outcome.message


# -- q5 ---------------------------------------------------------------------------------------


def _shift_add_with_tap_slices(x, w, stride=1, dilation=1):
    from course_utils.conv import tap_slices

    kh, kw = w.shape
    out_h = (x.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((out_h, out_w))
    for u in range(kh):
        for v in range(kw):
            rows, cols = tap_slices(u, v, (out_h, out_w), (stride, stride), (dilation, dilation))
            out += w[u, v] * x[rows, cols]
    return out


def _shift_add_sum_of_terms(x, w, stride=1, dilation=1):
    kh, kw = w.shape
    out_h = (x.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    terms = [
        w[u, v] * x[u * dilation :: stride][:out_h, v * dilation :: stride][:, :out_w]
        for u in range(kh)
        for v in range(kw)
    ]
    return np.sum(terms, axis=0)


@pytest.mark.parametrize("answer", [_shift_add_with_tap_slices, _shift_add_sum_of_terms])
def test_shift_add_alternatives_pass(answer) -> None:
    assert _evaluate(ex01.q5, answer).kind is Kind.CORRECT


def test_shift_add_has_a_case_too_large_for_pixel_loops() -> None:
    big = max(c.args[0].size for c in ex01.q5.cases())
    assert big >= 2_000_000 and ex01.q5.timeout <= 3.0


def test_every_exercise_declares_at_least_three_wrong_answers() -> None:
    for problem in ex01.EXERCISES.problems:
        assert len(problem.wrong_answers) >= 3, problem.label
