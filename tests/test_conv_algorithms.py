"""Every convolution algorithm against ``torch.nn.functional.conv2d`` in float64.

Tolerances are error *bounds*, not guesses:

* loops / direct / im2col compute each output as a sum of ``n = C*kh*kw`` products plus
  the bias, in some order. Recursive or blocked summation obeys
  ``|computed - exact| <= gamma_(n+1) * sum |x_i w_i| + |b|``-terms with
  ``gamma_m = m*u / (1 - m*u)`` (Higham, "Accuracy and Stability of Numerical
  Algorithms", 2nd ed., sec. 3.1), ``u`` the unit round-off of the working dtype.
  ``sum |x_i w_i| + |b|`` is computed exactly enough by the float64 reference applied to
  ``|x|, |w|, |b|``; we allow ``2 * (n + 1) * u`` times it per element (the factor 2 covers
  gamma's denominator and the float64 reference's own round-off).
* the FFT method's error is not elementwise: a transform of length ``L`` has a normwise
  error of about ``c * log2(L) * u`` (Higham, sec. 24.1), and the spectrum product is
  bounded by ``||x||_2 * ||w||_1`` per channel pair, so each output can be off by
  ``c * u * log2(L1*L2) * sum_c ||x[n, c]||_2 * ||w[k, c]||_1``. We use ``c = 10``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv import (
    conv2d_direct,
    conv2d_fft,
    conv2d_im2col,
    conv2d_loops,
    conv_output_size,
    fft_lengths,
)

ConvFn = Callable[..., np.ndarray]
ALGORITHMS: dict[str, ConvFn] = {
    "loops": conv2d_loops,
    "direct": conv2d_direct,
    "fft": conv2d_fft,
    "im2col": conv2d_im2col,
}
EXACT_SUM_ALGORITHMS = ("loops", "direct", "im2col")


def torch_conv(x, w, b, stride, padding, dilation) -> np.ndarray:
    """float64 reference from torch (4-D arrays)."""
    bias = None if b is None else torch.from_numpy(np.asarray(b, np.float64))
    out = torch.nn.functional.conv2d(
        torch.from_numpy(np.asarray(x, np.float64)),
        torch.from_numpy(np.asarray(w, np.float64)),
        bias,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    return out.numpy()


def summation_bound(x, w, b, stride, padding, dilation, dtype) -> np.ndarray:
    """Per-element bound 2 (n + 1) u (sum |x_i w_i| + |b|) for a sum of n = C*kh*kw products."""
    n = w.shape[1] * w.shape[2] * w.shape[3]
    magnitude = torch_conv(np.abs(x), np.abs(w), None if b is None else np.abs(b), stride,
                           padding, dilation)  # fmt: skip
    return 2 * (n + 1) * np.finfo(dtype).eps / 2 * magnitude


def fft_bound(x, w, b, stride, padding, dilation, dtype) -> float:
    """c u log2(L1 L2) max_{n,k} sum_c ||x[n,c]||_2 ||w[k,c]||_1, with c = 10."""
    l1, l2 = fft_lengths(x.shape[2:], w.shape[2:], stride, padding, dilation)
    x_norms = np.sqrt((x.astype(np.float64) ** 2).sum(axis=(2, 3)))  # (N, C)
    w_norms = np.abs(w.astype(np.float64)).sum(axis=(2, 3))  # (K, C)
    pair_bound = (x_norms @ w_norms.T).max()
    bias_part = 0.0 if b is None else np.abs(b).max()
    u = np.finfo(dtype).eps / 2
    return 10 * u * np.log2(l1 * l2 + 1) * pair_bound + 4 * u * bias_part


def assert_matches_reference(name, out, x, w, b, stride, padding, dilation) -> None:
    ref = torch_conv(x, w, b, stride, padding, dilation)
    assert out.shape == ref.shape
    error = np.abs(out.astype(np.float64) - ref)
    if name in EXACT_SUM_ALGORITHMS:
        bound = summation_bound(x, w, b, stride, padding, dilation, out.dtype)
    else:
        bound = fft_bound(x, w, b, stride, padding, dilation, out.dtype)
    worst = np.max(error - bound)
    assert worst <= 0, (
        f"{name}: error exceeds the bound by {worst:.3g} (max error {error.max():.3g})"
    )


@st.composite
def conv_problems(draw, max_channels: int = 3, max_extra: int = 5):
    """Random shapes/hyper-parameters that torch accepts, including tight kernels."""
    n, c, k = draw(st.integers(1, 2)), draw(st.integers(1, max_channels)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    tight = draw(st.booleans())  # kernel exactly as large as the padded image (or 1-pixel image)
    size = []
    for axis in (0, 1):
        smallest = max(1, dilation[axis] * (kernel[axis] - 1) + 1 - 2 * padding[axis])
        size.append(smallest if tight else draw(st.integers(smallest, smallest + max_extra)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n, c, *size))
    w = rng.standard_normal((k, c, *kernel))
    b = rng.standard_normal(k) if draw(st.booleans()) else None
    as_int = draw(st.booleans())  # pass equal pairs as plain ints sometimes
    hyper = [p[0] if as_int and p[0] == p[1] else p for p in (stride, padding, dilation)]
    return x, w, b, *hyper


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ALGORITHMS))
@settings(max_examples=30, deadline=None)
@given(problem=conv_problems())
def test_matches_torch(name: str, dtype: type, problem) -> None:
    x, w, b, stride, padding, dilation = problem
    x, w = x.astype(dtype), w.astype(dtype)
    b = None if b is None else b.astype(dtype)
    out = ALGORITHMS[name](x, w, b, stride, padding, dilation)
    assert out.dtype == dtype
    assert_matches_reference(name, out, x, w, b, stride, padding, dilation)


@pytest.mark.parametrize("name", list(ALGORITHMS))
@settings(max_examples=30, deadline=None)
@given(problem=conv_problems(max_channels=1))
def test_two_dimensional_input_gives_two_dimensional_output(name: str, problem) -> None:
    x, w, b, stride, padding, dilation = problem
    image, kernel = x[0, 0], w[0, 0]
    bias = None if b is None else float(b[0])  # a scalar bias is allowed for 2-D input
    out = ALGORITHMS[name](image, kernel, bias, stride, padding, dilation)
    assert out.ndim == 2
    reference = ALGORITHMS[name](x[:1, :1], w[:1, :1], None if b is None else b[:1], stride,
                                 padding, dilation)  # fmt: skip
    np.testing.assert_array_equal(out, reference[0, 0])
    expected_rows = conv_output_size(image.shape[0], kernel.shape[0], *_axis(0, stride, padding,
                                                                             dilation))  # fmt: skip
    assert out.shape[0] == expected_rows


def _axis(axis: int, *pairs) -> list[int]:
    return [p if isinstance(p, int) else p[axis] for p in pairs]


EDGE_CASES = [
    # (x shape, w shape, stride, padding, dilation)
    ((1, 1, 1, 1), (1, 1, 1, 1), 1, 0, 1),  # 1x1 image, 1x1 kernel
    ((2, 3, 1, 1), (4, 3, 3, 3), 1, 1, 1),  # 1x1 image, 3x3 kernel, padding 1
    ((1, 2, 5, 4), (3, 2, 5, 4), 1, 0, 1),  # kernel = image: one output pixel
    ((1, 1, 3, 3), (2, 1, 3, 3), 1, 2, 2),  # dilated kernel = padded image (5 + 2)
    ((1, 1, 4, 4), (1, 1, 2, 2), 7, 0, 1),  # stride larger than the image
    ((1, 1, 2, 2), (1, 1, 1, 1), 3, 1, 1),  # outputs that only read padding
    ((1, 1, 6, 9), (1, 1, 1, 7), (2, 1), (0, 3), (1, 1)),  # row kernel, asymmetric
    ((1, 1, 16, 16), (1, 1, 3, 3), 1, 4, 1),  # lots of padding: the FFT wrap-around zone
]


@pytest.mark.parametrize("name", list(ALGORITHMS))
@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_cases(name: str, case) -> None:
    x_shape, w_shape, stride, padding, dilation = case
    rng = np.random.default_rng(7)
    x, w, b = (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )
    out = ALGORITHMS[name](x, w, b, stride, padding, dilation)
    assert_matches_reference(name, out, x, w, b, stride, padding, dilation)


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_mixed_and_integer_dtypes_follow_the_policy(name: str) -> None:
    rng = np.random.default_rng(3)
    x32 = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    w64 = rng.standard_normal((2, 2, 3, 3))
    assert ALGORITHMS[name](x32, w64).dtype == np.float64
    assert ALGORITHMS[name](x32, w64.astype(np.float32)).dtype == np.float32
    x_int = rng.integers(-5, 5, size=(1, 2, 5, 5))
    out = ALGORITHMS[name](x_int, w64.astype(np.int32))
    assert out.dtype == np.float64  # integers are converted to float64
    np.testing.assert_allclose(out, torch_conv(x_int, w64.astype(np.int32), None, 1, 0, 1),
                               atol=1e-9)  # fmt: skip


@pytest.mark.parametrize("chunk", [1, 2, 3, None])
def test_im2col_batch_blocks_give_the_same_result(chunk: int | None) -> None:
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((5, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    whole = conv2d_im2col(x, w, b, padding=1, batch_chunk=5)
    np.testing.assert_array_equal(conv2d_im2col(x, w, b, padding=1, batch_chunk=chunk), whole)


def test_inputs_are_not_modified() -> None:
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3)), np.ones(3)
    copies = x.copy(), w.copy(), b.copy()
    for fn in ALGORITHMS.values():
        fn(x, w, b, 1, 1, 1)
    for original, copy in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_fft_handles_a_large_kernel_like_scipy() -> None:
    # A 31x31 kernel on a 64x64 image: compare with scipy's own FFT convolution.
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((64, 64)), rng.standard_normal((31, 31))
    expected = fftconvolve(x, w[::-1, ::-1], mode="valid")
    np.testing.assert_allclose(conv2d_fft(x, w), expected, rtol=0, atol=1e-11 * np.abs(x).sum())
