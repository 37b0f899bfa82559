"""Exercise set 3: the references against the library, the tagged ``matmul``, and correct
alternative solutions a learner may write (they must pass).

``test_exercise_sets.py`` shows that every reference passes its check and that every declared
mistake and wrong answer is rejected with its message.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from course_utils.checks import Kind
from course_utils.checks.instruments import TaggedMatmul
from course_utils.conv import conv2d_im2col, im2col
from course_utils.exercise_sets import ex03_im2col as ex03


def _outcome(problem, answer):
    problem.bind({problem.name: answer})
    return problem.evaluate()


def _assert_correct(problem, answer) -> None:
    outcome = _outcome(problem, answer)
    assert outcome.kind is Kind.CORRECT, str(outcome)


# -- the references ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ex03.q1.cases() + ex03.q3.cases(), ids=lambda c: c.label[:40])
def test_unpadded_references_match_the_library(case) -> None:
    x, kh, kw = case.args
    reference = ex03._columns(x, kh, kw)
    assert reference.dtype == x.dtype
    if x.dtype == np.float64:
        batch = x[None] if x.ndim == 3 else x[None, None]
        np.testing.assert_array_equal(reference, im2col(batch, (kh, kw))[0])
        unfolded = F.unfold(torch.from_numpy(batch), (kh, kw))[0].numpy()
        np.testing.assert_array_equal(reference, unfolded)
    else:  # integers beyond float64's exact range are copied exactly
        assert np.array_equal(reference, ex03._columns(x.astype(object), kh, kw).astype(x.dtype))


@pytest.mark.parametrize("case", ex03.q2.cases(), ids=lambda c: c.label[:40])
def test_strided_reference_matches_the_library(case) -> None:
    x, kh, kw = case.args
    reference = ex03._im2col_strided(x, kh, kw, **case.kwargs)
    expected = im2col(x.astype(np.float64), (kh, kw), **case.kwargs)
    if x.dtype == np.float64:
        np.testing.assert_array_equal(reference, expected)
    else:
        assert reference.dtype == x.dtype and reference.shape == expected.shape


@pytest.mark.parametrize("case", ex03.q4.cases(), ids=lambda c: c.label[:30])
def test_gemm_reference_is_the_convolution(case) -> None:
    x, w = case.args
    plain = ex03._conv2d_gemm(x, w)
    np.testing.assert_allclose(plain, conv2d_im2col(x[None], w)[0], rtol=1e-12, atol=1e-12)
    torch_result = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(w))[0].numpy()
    np.testing.assert_allclose(plain, torch_result, rtol=1e-12, atol=1e-12)
    tagged = ex03._conv2d_gemm(x, w, copy.deepcopy(case.kwargs["matmul"]))
    relative = np.abs(tagged - plain) / np.abs(plain).max()
    assert 1e-7 < relative.max() < 1e-5  # the tag: far above the tolerance, small otherwise


def test_q5_is_the_first_resnet_layer() -> None:
    cols = im2col(np.zeros((1, 3, 224, 224), dtype=np.float32), 7, stride=2, padding=3)
    assert ex03.q5.expected == 16 * cols.nbytes == 118_013_952


# -- the tagged matmul ------------------------------------------------------------------------


def test_tagged_matmul_tags_the_first_whole_product_only() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    matmul = TaggedMatmul([15], 1e-6)
    np.testing.assert_allclose(matmul(a[:1], b), a[:1] @ b, rtol=0, atol=0)  # partial: plain
    np.testing.assert_allclose(matmul(a, b), (a @ b) * (1 + 1e-6), rtol=1e-15)
    np.testing.assert_array_equal(matmul(a, b), a @ b)  # a second whole product: plain
    assert matmul == TaggedMatmul([15], 1e-6)  # the call counter is not part of equality
    assert matmul != TaggedMatmul([15], 2e-6)
    transposed = TaggedMatmul([15], 1e-6)
    np.testing.assert_allclose(transposed(b.T, a.T).T, (a @ b) * (1 + 1e-6), rtol=1e-15)


def test_tagged_matmul_torch_backend() -> None:
    a, b = torch.randn(2, 3, dtype=torch.float64), torch.randn(4, 3, 5, dtype=torch.float64)
    matmul = TaggedMatmul([40], 1e-6, backend="torch")
    torch.testing.assert_close(matmul(a, b), (a @ b) * (1 + 1e-6), rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match="backend"):
        TaggedMatmul([1], 1e-6, backend="jax")


# -- correct alternatives pass ----------------------------------------------------------------


def _single_fancy_index(x, kh, kw):
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    rows = np.arange(kh)[:, None, None, None] + np.arange(out_h)[None, None, :, None]
    cols = np.arange(kw)[None, :, None, None] + np.arange(out_w)[None, None, None, :]
    return x[rows, cols].reshape(kh * kw, out_h * out_w)


def _single_as_strided(x, kh, kw):
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    s_h, s_w = x.strides
    view = as_strided(x, (kh, kw, out_h, out_w), (s_h, s_w, s_h, s_w), writeable=False)
    return view.reshape(kh * kw, out_h * out_w)


def _single_taps_loop(x, kh, kw):  # loop over the few taps, whole slices per tap
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    cols = np.empty((kh * kw, out_h * out_w), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[u * kw + v] = x[u : u + out_h, v : v + out_w].ravel()
    return cols


def _single_stacked_patches(x, kh, kw):  # the lesson's list of patches, generalised
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    patches = [x[i : i + kh, j : j + kw].ravel() for i in range(out_h) for j in range(out_w)]
    return np.stack(patches, axis=1)


@pytest.mark.parametrize(
    "answer",
    [_single_fancy_index, _single_as_strided, _single_taps_loop, _single_stacked_patches],
)
def test_single_channel_alternatives_pass(answer) -> None:
    _assert_correct(ex03.q1, answer)


def _strided_zero_buffer(x, kh, kw, stride=1, padding=0):
    height, width = x.shape
    xpad = np.zeros((height + 2 * padding, width + 2 * padding), dtype=x.dtype)
    xpad[padding : padding + height, padding : padding + width] = x
    view = sliding_window_view(xpad, (kh, kw))[::stride, ::stride]  # (Ho, Wo, kh, kw)
    out_h, out_w = view.shape[:2]
    return view.transpose(2, 3, 0, 1).reshape(kh * kw, out_h * out_w)


def _strided_grid_subsampled(x, kh, kw, stride=1, padding=0):  # the lesson's fix, by hand
    xpad = np.pad(x, padding)
    out_h1, out_w1 = xpad.shape[0] - kh + 1, xpad.shape[1] - kw + 1
    cols = _single_taps_loop(xpad, kh, kw).reshape(kh * kw, out_h1, out_w1)
    return cols[:, ::stride, ::stride].reshape(kh * kw, -1)


@pytest.mark.parametrize("answer", [_strided_zero_buffer, _strided_grid_subsampled])
def test_strided_alternatives_pass(answer) -> None:
    _assert_correct(ex03.q2, answer)


def _channels_stacked(x, kh, kw):
    return np.concatenate([_single_taps_loop(channel, kh, kw) for channel in x], axis=0)


def _channels_loops(x, kh, kw):
    channels, height, width = x.shape
    out_h, out_w = height - kh + 1, width - kw + 1
    cols = np.empty((channels * kh * kw, out_h * out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            cols[:, i * out_w + j] = x[:, i : i + kh, j : j + kw].ravel()
    return cols


@pytest.mark.parametrize("answer", [_channels_stacked, _channels_loops])
def test_channel_alternatives_pass(answer) -> None:
    _assert_correct(ex03.q3, answer)


def _gemm_library_columns(x, w, matmul=np.matmul):
    k, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return matmul(w.reshape(k, -1), im2col(x[None], (kh, kw))[0]).reshape(k, out_h, out_w)


def _gemm_transposed_product(x, w, matmul=np.matmul):  # (cols^T W^T)^T: still one product
    k, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    cols = _channels_loops(x, kh, kw)
    return matmul(cols.T, w.reshape(k, -1).T).T.reshape(k, out_h, out_w)


def _gemm_batched(x, w, matmul=np.matmul):  # a batch of one image
    k, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    cols = im2col(x[None], (kh, kw))  # (1, C*kh*kw, L)
    return matmul(w.reshape(k, -1), cols)[0].reshape(k, out_h, out_w)


@pytest.mark.parametrize("answer", [_gemm_library_columns, _gemm_transposed_product, _gemm_batched])
def test_gemm_alternatives_pass(answer) -> None:
    _assert_correct(ex03.q4, answer)


def test_column_bytes_written_differently_passes() -> None:
    out = (224 + 2 * 3 - 7) // 2 + 1
    ex03.q5.bind({"column_bytes": np.int64(16) * 3 * 49 * out**2 * 4})
    assert ex03.q5.evaluate().kind is Kind.CORRECT


# -- what the lesson shows does not answer the exercises --------------------------------------


def test_plain_unfold_on_an_integer_image_does_not_pass() -> None:
    """``F.unfold`` without a float conversion raises NotImplementedError on the int64 case:
    never *correct* (the engine reports it as not attempted)."""

    def im2col_single(x, kh, kw):
        return F.unfold(torch.from_numpy(x)[None, None], (kh, kw))[0].numpy()

    assert _outcome(ex03.q1, im2col_single).kind is not Kind.CORRECT


def test_the_lessons_layer_code_is_not_yet() -> None:
    """Lesson 3 computes a layer with `w_mat @ cols`; pasted as the answer it is *not yet*."""

    def conv2d_gemm(x, w, matmul=np.matmul):
        k, _, kh, kw = w.shape
        cols = im2col(x[None], (kh, kw))[0]
        w_mat = w.reshape(k, -1)
        return (w_mat @ cols).reshape(k, x.shape[1] - kh + 1, x.shape[2] - kw + 1)

    outcome = _outcome(ex03.q4, conv2d_gemm)
    assert outcome.kind is Kind.INCORRECT and "one call of" in outcome.message
