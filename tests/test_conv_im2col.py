"""im2col / col2im against torch.nn.functional.unfold / fold.

im2col only copies values, so it must agree with ``unfold`` *exactly*. col2im adds at
most ``kh*kw`` values into each pixel, in an order that may differ from torch's, so it
is compared with a bound of ``2 * kh*kw * u * sum|cols|`` per pixel (the summation bound
of Higham sec. 3.1 with u the unit round-off; the sum of magnitudes is computed by
``fold`` applied to ``|cols|``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv import (
    col2im,
    conv2d_im2col,
    im2col,
    pad2d,
    patch_view,
    profile_im2col,
)


@st.composite
def window_problems(draw):
    """(N, C, H, W), kernel, stride, padding, dilation with at least one window."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = []
    for axis in (0, 1):
        smallest = max(1, dilation[axis] * (kernel[axis] - 1) + 1 - 2 * padding[axis])
        size.append(draw(st.integers(smallest, smallest + 6)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    seed = draw(st.integers(0, 2**32 - 1))
    return shape, kernel, stride, padding, dilation, seed


def _geometry(kernel, stride, padding, dilation) -> dict:
    return {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=30, deadline=None)
@given(problem=window_problems())
def test_im2col_equals_unfold_exactly(dtype: type, problem) -> None:
    shape, kernel, stride, padding, dilation, seed = problem
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    geometry = _geometry(kernel, stride, padding, dilation)
    cols = im2col(x, **geometry)
    expected = F.unfold(torch.from_numpy(x), **geometry).numpy()
    assert cols.dtype == dtype and cols.flags.c_contiguous
    np.testing.assert_array_equal(cols, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=30, deadline=None)
@given(problem=window_problems())
def test_col2im_equals_fold(dtype: type, problem) -> None:
    shape, kernel, stride, padding, dilation, seed = problem
    geometry = _geometry(kernel, stride, padding, dilation)
    length = im2col(np.zeros(shape), **geometry).shape[2]
    rng = np.random.default_rng(seed)
    cols = rng.standard_normal((shape[0], shape[1] * kernel[0] * kernel[1], length)).astype(dtype)
    image = col2im(cols, shape[2:], **geometry)
    fold = F.fold(torch.from_numpy(cols.astype(np.float64)), shape[2:], **geometry).numpy()
    magnitude = F.fold(torch.from_numpy(np.abs(cols.astype(np.float64))), shape[2:], **geometry)
    bound = 2 * kernel[0] * kernel[1] * np.finfo(dtype).eps / 2 * magnitude.numpy()
    assert image.shape == shape and image.dtype == dtype
    assert np.all(np.abs(image - fold) <= bound)


@settings(max_examples=30, deadline=None)
@given(problem=window_problems())
def test_col2im_is_the_adjoint_of_im2col(problem) -> None:
    # <im2col(x), y> == <x, col2im(y)> for all x, y: fold is the transpose of unfold.
    shape, kernel, stride, padding, dilation, seed = problem
    geometry = _geometry(kernel, stride, padding, dilation)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    cols = im2col(x, **geometry)
    y = rng.standard_normal(cols.shape)
    left, right = np.vdot(cols, y), np.vdot(x, col2im(y, shape[2:], **geometry))
    # Each side is a float64 sum of at most cols.size products (col2im's additions included),
    # so each is within cols.size * u * sum|cols| * max|y| of the exact common value.
    scale = np.abs(cols).sum() * np.abs(y).max()
    assert abs(left - right) <= 2 * cols.size * np.finfo(np.float64).eps / 2 * scale


def test_two_dimensional_image() -> None:
    x = np.arange(20.0).reshape(4, 5)
    cols = im2col(x, (2, 3), stride=(1, 2), padding=(1, 0))
    expected = F.unfold(torch.from_numpy(x)[None, None], (2, 3), stride=(1, 2), padding=(1, 0))
    np.testing.assert_array_equal(cols, expected[0].numpy())
    assert cols.shape == (6, 5 * 2)
    image = col2im(cols, (4, 5), (2, 3), stride=(1, 2), padding=(1, 0))
    assert image.shape == (4, 5)
    folded = F.fold(expected, (4, 5), (2, 3), stride=(1, 2), padding=(1, 0))
    np.testing.assert_allclose(image, folded[0, 0].numpy(), rtol=1e-15)


def test_patch_view_is_a_read_only_view_with_the_documented_entries() -> None:
    xpad = pad2d(np.arange(2 * 5 * 6, dtype=np.float64).reshape(1, 2, 5, 6), 1)
    view = patch_view(xpad, (2, 3), (3, 2), stride=(2, 3), dilation=(2, 1))
    assert view.base is not None and not view.flags.writeable
    assert np.shares_memory(view, xpad)
    for c, u, v, i, j in [(0, 0, 0, 0, 0), (1, 1, 2, 2, 1), (1, 0, 1, 1, 0)]:
        assert view[0, c, u, v, i, j] == xpad[0, c, 2 * i + 2 * u, 3 * j + v]


def test_conv2d_im2col_is_one_product_with_the_unfolded_input() -> None:
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 3, 2))
    cols = im2col(x, (3, 2), padding=1)
    expected = (w.reshape(4, -1) @ cols).reshape(2, 4, 6, 8)
    np.testing.assert_allclose(conv2d_im2col(x, w, padding=1), expected, rtol=1e-12, atol=1e-12)


def test_profile_runs_the_real_steps_of_conv2d_im2col() -> None:
    from course_utils.conv._validate import normalize_conv_args
    from course_utils.conv.im2col import _im2col_gemm
    from course_utils.timing import StageClock

    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((5, 3, 9, 8)), rng.standard_normal((4, 3, 3, 2)), np.ones(4)
    args = normalize_conv_args(x, w, b, 2, 1, 1)
    clock = StageClock()
    profiled = args.finish(_im2col_gemm(args, 2, clock))  # 3 blocks: 2 + 2 + 1 images
    np.testing.assert_array_equal(profiled, conv2d_im2col(x, w, b, 2, 1, batch_chunk=2))
    assert list(clock.seconds) == ["pad", "patch_copy", "gemm", "bias"]
    steps = profile_im2col(x, w, stride=2, padding=1, repeat=2)
    assert list(steps) == ["pad", "patch_copy", "gemm"] and all(t > 0 for t in steps.values())
    with pytest.raises(ValueError, match="repeat"):
        profile_im2col(x, w, repeat=0)
