"""conv2d_unfold and its hand-written backward pass against PyTorch's conv2d and autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv.unfold import (
    UnfoldConv2dFunction,
    conv2d_backward_unfold,
    conv2d_unfold,
)

# Everything runs in float64: unfold + matmul and cuDNN-free F.conv2d sum the same products
# in different orders, so they agree to ~1e-15 relative; 1e-10 leaves a wide margin while
# still catching any wrong index (which gives O(1) errors).
TOL = {"rtol": 1e-10, "atol": 1e-10}


@st.composite
def conv_cases(draw: st.DrawFn) -> dict:
    """Small random convolution problems whose output is never empty."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    reach_h, reach_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    h = draw(st.integers(max(1, reach_h - 2 * padding[0]), 9))
    w = draw(st.integers(max(1, reach_w - 2 * padding[1]), 9))
    return {
        "shape_x": (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w),
        "shape_w": (draw(st.integers(1, 4)), None, kh, kw),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "seed": draw(st.integers(0, 2**16)),
    }


def _tensors(case: dict, requires_grad: bool = False):
    gen = torch.Generator().manual_seed(case["seed"])
    n, c, h, w = case["shape_x"]
    k, _, kh, kw = case["shape_w"]
    x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
    wt = torch.randn(k, c, kh, kw, generator=gen, dtype=torch.float64)
    b = torch.randn(k, generator=gen, dtype=torch.float64)
    for t in (x, wt, b):
        t.requires_grad_(requires_grad)
    return x, wt, b


def _geometry(case: dict) -> dict:
    return {key: case[key] for key in ("stride", "padding", "dilation")}


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_forward_matches_conv2d(case: dict) -> None:
    x, w, b = _tensors(case)
    expected = F.conv2d(x, w, b, **_geometry(case))
    torch.testing.assert_close(conv2d_unfold(x, w, b, **_geometry(case)), expected, **TOL)
    torch.testing.assert_close(
        conv2d_unfold(x, w, None, **_geometry(case)), F.conv2d(x, w, None, **_geometry(case)), **TOL
    )


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_backward_matches_autograd(case: dict) -> None:
    x, w, b = _tensors(case, requires_grad=True)
    out = F.conv2d(x, w, b, **_geometry(case))
    grad_out = torch.randn(
        out.shape, generator=torch.Generator().manual_seed(case["seed"] + 1), dtype=out.dtype
    )
    expected = torch.autograd.grad(out, (x, w, b), grad_out)
    got = conv2d_backward_unfold(x.detach(), w.detach(), grad_out, **_geometry(case))
    for name, g, e in zip(("grad_x", "grad_w", "grad_b"), got, expected, strict=True):
        assert g.shape == e.shape, name
        torch.testing.assert_close(g, e, **TOL, msg=lambda m, name=name: f"{name}: {m}")


@pytest.mark.parametrize(
    "geometry",
    [
        {"stride": 1, "padding": 0, "dilation": 1},
        {"stride": 2, "padding": 1, "dilation": 1},
        {"stride": (2, 1), "padding": (0, 2), "dilation": (1, 2)},
        # stride 3 on H=7 leaves the last input row unused: its gradient must be exactly 0
        {"stride": 3, "padding": 0, "dilation": 1},
    ],
)
def test_gradcheck_autograd_function(geometry: dict) -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 2, 7, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 3, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, generator=gen, dtype=torch.float64, requires_grad=True)
    args = (geometry["stride"], geometry["padding"], geometry["dilation"])
    # gradcheck compares our analytic backward with finite differences (float64, its defaults).
    assert torch.autograd.gradcheck(
        lambda x, w, b: UnfoldConv2dFunction.apply(x, w, b, *args), (x, w, b)
    )


def test_autograd_function_without_bias() -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(1, 2, 5, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 2, 3, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    out = UnfoldConv2dFunction.apply(x, w, None, 1, 1, 1)
    torch.testing.assert_close(out, F.conv2d(x, w, padding=1), **TOL)
    assert torch.autograd.gradcheck(
        lambda x, w: UnfoldConv2dFunction.apply(x, w, None, 1, 1, 1), (x, w)
    )


def test_float32_forward_close_to_float64() -> None:
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, 8, 10, 10, generator=gen)
    w = torch.randn(5, 8, 3, 3, generator=gen)
    expected = F.conv2d(x.double(), w.double(), padding=1)
    got = conv2d_unfold(x, w, padding=1)
    assert got.dtype == torch.float32
    # 72-term dot products of N(0,1) values in float32: error ~ sqrt(72) * 6e-8 * |terms|,
    # far below 1e-4 absolute on outputs of size ~10.
    torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "message"),
    [
        ((1, 3, 5, 5), (2, 4, 3, 3), {}, "channel mismatch"),
        ((1, 1, 3, 5, 5), (2, 3, 3, 3), {}, "x must have shape"),
        ((1, 3, 5, 5), (2, 3, 3, 3), {"padding": "same", "stride": 2}, "'same' needs stride 1"),
        ((1, 3, 5, 5), (2, 3, 3, 3), {"groups": 2}, "does not support groups=2"),
        ((1, 3, 5, 5), (2, 3, 3), {}, "w must have shape"),
        ((1, 3, 5, 5), (2, 3, 3, 3), {"stride": 0}, "stride must be >= 1"),
        ((1, 3, 5, 5), (2, 3, 3, 3), {"padding": -1}, "padding must be >= 0"),
        ((1, 3, 5, 5), (2, 3, 3, 3), {"dilation": (1, 2, 3)}, "dilation must be"),
        ((1, 3, 2, 2), (2, 3, 3, 3), {}, "larger than the padded input"),
    ],
)
def test_invalid_input_raises(x_shape, w_shape, kwargs, message) -> None:
    x, w = torch.zeros(x_shape), torch.zeros(w_shape)
    with pytest.raises(ValueError, match=message):
        conv2d_unfold(x, w, **kwargs)


def test_invalid_bias_and_grad_out_raise() -> None:
    x, w = torch.zeros(1, 3, 5, 5), torch.zeros(2, 3, 3, 3)
    with pytest.raises(ValueError, match="bias must be a tensor of shape"):
        conv2d_unfold(x, w, torch.zeros(3))
    with pytest.raises(ValueError, match="grad_out must have shape"):
        conv2d_backward_unfold(x, w, torch.zeros(1, 2, 4, 4))
    with pytest.raises(ValueError, match="share a dtype"):
        conv2d_unfold(x, w.double())
