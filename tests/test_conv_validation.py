"""Argument checking, the output-size formula, and the small helpers (pad2d, dilate_kernel)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv import (
    col2im,
    conv2d_direct,
    conv2d_fft,
    conv2d_flops,
    conv2d_im2col,
    conv2d_loops,
    conv_output_size,
    dilate_kernel,
    im2col,
    pad2d,
    pair,
)

CONVOLUTIONS = [conv2d_loops, conv2d_direct, conv2d_fft, conv2d_im2col]
X = np.ones((2, 3, 5, 5))
W = np.ones((4, 3, 3, 3))

BAD_CONV_ARGUMENTS = [
    # (x, w, keyword arguments, expected message)
    (X, np.ones((8, 4, 3, 3)), {}, r"x has 3 channels but w expects 4 \(w.shape=\(8, 4, 3, 3\)\)"),
    (X, np.ones((4, 3, 6, 3)), {}, "height axis.*larger than the padded input"),
    (X, np.ones((4, 3, 3, 3)), {"dilation": (1, 3)}, "width axis.*dilated size 7"),
    (X, W, {"stride": 0}, r"stride must be >= 1, got \(0, 0\)"),
    (X, W, {"stride": 1.5}, "stride must be an integer, got 1.5"),
    (X, W, {"stride": 2.0}, "stride must be an integer, got 2.0"),
    (X, W, {"stride": True}, "stride must be an integer, got True"),
    (X, W, {"stride": (1, 2, 3)}, "stride must be an int or a pair of ints"),
    (X, W, {"dilation": (1, 0)}, r"dilation must be >= 1, got \(1, 0\)"),
    (X, W, {"dilation": "2"}, "dilation must be an integer"),
    (X, W, {"padding": -1}, r"padding must be >= 0, got \(-1, -1\)"),
    (np.ones((1, 2, 3, 5, 5)), W, {}, r"x must be 2-D .*, 3-D .* or 4-D .*, got x.ndim=5"),
    (np.ones((3, 5, 5)), np.ones((3, 3, 3)), {}, r"unbatched x \(C, H, W\) needs a 4-D w"),
    (X, np.ones((3, 3)), {}, "same number of dimensions"),
    (np.ones((5, 5)), W, {}, "same number of dimensions"),
    (X, W, {"b": np.ones(3)}, r"bias must have shape \(4,\).*got shape \(3,\)"),
    (X, W, {"bias": np.ones((4, 1))}, r"bias must have shape \(4,\)"),
    (X, W, {"bias": 1.0}, r"bias must have shape \(4,\)"),
    (X, W, {"bias": np.ones(4), "b": np.ones(4)}, "the bias was given twice"),
    (X, W, {"padding": "full"}, "padding must be an int, a pair of ints, 'valid' or 'same'"),
    (X, W, {"padding": "same", "stride": 2}, r"padding='same' needs stride 1.*\(2, 2\)"),
    (X, W, {"groups": 3}, r"does not support groups=3 \(grouped convolution\)"),
    (X, W, {"groups": 1.0}, "groups must be an integer"),
    (X.astype(complex), W, {}, "x has dtype complex128"),
    (X, W.astype(object), {}, "w has dtype object"),
    (np.ones((0, 3, 5, 5)), W, {}, "must not be empty"),
]


@pytest.mark.parametrize("conv", CONVOLUTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("x", "w", "kwargs", "message"), BAD_CONV_ARGUMENTS)
def test_bad_convolution_arguments_raise(conv, x, w, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        conv(x, w, **kwargs)


@pytest.mark.parametrize("conv", CONVOLUTIONS, ids=lambda f: f.__name__)
def test_two_dimensional_input_accepts_scalar_or_single_bias(conv) -> None:
    x, w = np.arange(16.0).reshape(4, 4), np.ones((2, 2))
    plain = conv(x, w)
    np.testing.assert_allclose(conv(x, w, 1.5), plain + 1.5, rtol=1e-12)
    np.testing.assert_allclose(conv(x, w, np.array([1.5])), plain + 1.5, rtol=1e-12)
    with pytest.raises(ValueError, match=r"bias must have shape \(1,\)"):
        conv(x, w, np.ones(2))


def test_im2col_col2im_bad_arguments() -> None:
    with pytest.raises(ValueError, match="x must be 2-D .* or 4-D"):
        im2col(np.ones((3, 4, 4)), 2)
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        im2col(X, (0, 2))
    with pytest.raises(ValueError, match="larger than the padded input"):
        im2col(X, 6)
    with pytest.raises(ValueError, match="cols has 10 rows, expected a multiple of kh\\*kw = 4"):
        col2im(np.ones((1, 10, 16)), 5, 2)
    with pytest.raises(ValueError, match="cols has 15 columns but .* L = Ho\\*Wo = 4\\*4 = 16"):
        col2im(np.ones((1, 8, 15)), 5, 2)
    with pytest.raises(ValueError, match="cols has 8 rows, expected kh\\*kw = 4"):
        col2im(np.ones((8, 16)), 5, 2)
    with pytest.raises(ValueError, match="output_size must be >= 1"):
        col2im(np.ones((1, 4, 16)), (0, 5), 2)
    with pytest.raises(ValueError, match="cols must be 2-D .* or 3-D"):
        col2im(np.ones((1, 1, 4, 16)), 5, 2)
    with pytest.raises(ValueError, match="batch_chunk must be a positive int"):
        conv2d_im2col(X, W, batch_chunk=0)


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_conv_output_size_matches_torch(size, kernel, stride, padding, dilation) -> None:
    effective = dilation * (kernel - 1) + 1
    if effective > size + 2 * padding:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv_output_size(size, kernel, stride, padding, dilation)
        return
    layer = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = layer(torch.zeros(1, 1, size, size)).shape[-1]
    assert conv_output_size(size, kernel, stride, padding, dilation) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 3), "size and kernel must be >= 1"),
        ((5, 0), "size and kernel must be >= 1"),
        ((5, 3, 0), "stride must be >= 1"),
        ((5, 3, 1, -1), "padding must be >= 0"),
        ((5, 3, 1, 0, 0), "dilation must be >= 1"),
        ((5.0, 3), "size must be an integer"),
    ],
)
def test_conv_output_size_rejects_bad_values(args, message) -> None:
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args)


def test_pair() -> None:
    assert pair(3) == (3, 3)
    assert pair((1, 2)) == (1, 2)
    assert pair([np.int64(4), 5]) == (4, 5)
    assert pair(np.array(2)) == (2, 2)
    with pytest.raises(ValueError, match="padding must be an int or a pair"):
        pair((1, 2, 3), "padding")


def test_dtype_policy_for_small_floats_and_integers() -> None:
    x16, w16 = np.ones((1, 1, 4, 4), np.float16), np.ones((1, 1, 2, 2), np.float16)
    assert conv2d_direct(x16, w16).dtype == np.float32  # float16 is computed in float32
    assert conv2d_direct(np.ones((4, 4), bool), np.ones((2, 2), np.int8)).dtype == np.float64


def test_pad2d() -> None:
    x = np.arange(6.0).reshape(2, 3)
    padded = pad2d(x, (1, 2))
    assert padded.shape == (4, 7)
    np.testing.assert_array_equal(padded[1:3, 2:5], x)
    assert padded.sum() == x.sum()
    asymmetric = pad2d(x[None, None], (0, 1, 2, 3), value=-1.0)
    assert asymmetric.shape == (1, 1, 3, 8)
    np.testing.assert_array_equal(asymmetric[0, 0, :2, 2:5], x)
    assert (asymmetric == -1).sum() == asymmetric.size - x.size
    np.testing.assert_array_equal(pad2d(x, 2), np.pad(x, 2))  # agrees with NumPy's constant padding
    with pytest.raises(ValueError, match="padding must be >= 0"):
        pad2d(x, (1, -1))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        pad2d(np.ones(3), 1)


def test_dilate_kernel_gives_the_same_convolution_as_dilation() -> None:
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 2, 11, 10)), rng.standard_normal((3, 2, 3, 2))
    dilated = dilate_kernel(w, (2, 3))
    assert dilated.shape == (3, 2, 5, 4)
    np.testing.assert_allclose(
        conv2d_direct(x, dilated), conv2d_direct(x, w, dilation=(2, 3)), rtol=1e-12, atol=1e-12
    )
    with pytest.raises(ValueError, match="dilation must be >= 1"):
        dilate_kernel(w, 0)


def test_conv2d_flops() -> None:
    # 2 * N * K * C * kh * kw * Ho * Wo
    assert conv2d_flops((8, 64, 56, 56), (64, 64, 3, 3), padding=1) == 2 * 8 * 64 * 64 * 9 * 56 * 56
    assert conv2d_flops((256, 256), (5, 5)) == 2 * 25 * 252 * 252
