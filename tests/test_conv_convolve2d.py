"""convolve2d (true convolution) against scipy.signal.convolve2d / correlate2d.

Tolerance: each output sums at most kh*kw <= 36 products, so with the summation bound of
Higham sec. 3.1 the float64 results differ from SciPy's (another summation order) by at
most ``2 * 36 * u * sum|x_i w_i| <= 2 * 36 * u * max|x| * sum|w|``; we use that bound
(``u`` = 2**-53). The FFT variant gets ``10 * log2(L^2) * u * ||x||_2 * ||w||_1`` as
justified in ``test_conv_algorithms.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv import conv2d_direct, convolve2d, same_padding

U64 = np.finfo(np.float64).eps / 2


@st.composite
def image_and_kernel(draw):
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal((h, w)), rng.standard_normal((kh, kw))


def _bound(x: np.ndarray, w: np.ndarray, method: str) -> float:
    if method == "direct":
        return 2 * w.size * U64 * np.abs(x).max() * np.abs(w).sum()
    length = (x.shape[0] + w.shape[0]) * (x.shape[1] + w.shape[1])
    return 10 * U64 * np.log2(length**2) * np.linalg.norm(x) * np.abs(w).sum()


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@settings(max_examples=30, deadline=None)
@given(pair=image_and_kernel())
def test_matches_scipy(mode: str, method: str, pair) -> None:
    x, w = pair
    try:
        expected = scipy.signal.convolve2d(x, w, mode=mode)
    except ValueError:
        # SciPy refuses 'valid' when neither input contains the other; so must we.
        assert mode == "valid"
        with pytest.raises(ValueError, match="at least as large"):
            convolve2d(x, w, mode=mode, method=method)
        return
    out = convolve2d(x, w, mode=mode, method=method)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=0, atol=_bound(x, w, method))


@pytest.mark.parametrize("kernel_shape", [(2, 2), (4, 3), (1, 6), (6, 1)])
def test_same_mode_centres_even_kernels_like_scipy(kernel_shape) -> None:
    # An impulse image shows where the kernel lands: any off-by-one is a visible shift.
    x = np.zeros((7, 8))
    x[3, 4] = 1.0
    w = np.arange(1.0, 1 + np.prod(kernel_shape)).reshape(kernel_shape)
    np.testing.assert_array_equal(
        convolve2d(x, w, mode="same"), scipy.signal.convolve2d(x, w, mode="same")
    )
    assert same_padding(kernel_shape) == (
        kernel_shape[0] // 2,
        (kernel_shape[0] - 1) // 2,
        kernel_shape[1] // 2,
        (kernel_shape[1] - 1) // 2,
    )


def test_cross_correlation_is_convolution_with_the_flipped_kernel() -> None:
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((12, 10)), rng.standard_normal((3, 4))
    correlation = conv2d_direct(x, w)
    np.testing.assert_allclose(
        correlation,
        scipy.signal.correlate2d(x, w, mode="valid"),
        rtol=0,
        atol=_bound(x, w, "direct"),
    )
    np.testing.assert_allclose(
        convolve2d(x, w[::-1, ::-1], mode="valid"), correlation, rtol=0, atol=_bound(x, w, "direct")
    )


def test_dtypes() -> None:
    x32, w32 = np.ones((4, 4), np.float32), np.ones((2, 2), np.float32)
    assert convolve2d(x32, w32).dtype == np.float32
    assert convolve2d(x32, w32.astype(np.float64)).dtype == np.float64
    out = convolve2d(np.ones((3, 3), dtype=np.int64), np.ones((2, 2), dtype=np.int64))
    assert out.dtype == np.float64  # integers are converted to float64 (SciPy keeps ints)
    np.testing.assert_array_equal(out, scipy.signal.convolve2d(np.ones((3, 3)), np.ones((2, 2))))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((np.ones((3, 3)), np.ones((2, 2))), {"mode": "middle"}, "mode must be one of"),
        ((np.ones((3, 3)), np.ones((2, 2))), {"method": "winograd"}, "method must be one of"),
        ((np.ones((1, 3, 3)), np.ones((2, 2))), {}, "needs two 2-D arrays"),
        ((np.ones((3, 3)), np.ones((0, 2))), {}, "must not be empty"),
        ((np.ones((3, 5)), np.ones((5, 3))), {"mode": "valid"}, "at least as large"),
        ((np.ones((3, 3), complex), np.ones((2, 2))), {}, "x has dtype complex128"),
    ],
)
def test_bad_input(args, kwargs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        convolve2d(*args, **kwargs)
