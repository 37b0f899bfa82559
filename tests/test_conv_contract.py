"""One convolution contract: every method takes ``(x, w, bias=None, stride=1, padding=0,
dilation=1, **options)``, is checked by the same code and agrees with
``torch.nn.functional.conv2d`` in float64 (positional and keyword calls, ``padding="same"``
and ``"valid"``, unbatched input, the bias under its old name ``b``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv import (
    conv2d_direct,
    conv2d_fft,
    conv2d_flops,
    conv2d_im2col,
    conv2d_loops,
    conv2d_unfold,
    conv2d_winograd,
    conv_geometry,
    tile_grid,
)
from course_utils.conv.winograd import chunk_layout, multiplication_count

#: float64 results of sums of at most a few hundred products of O(1) numbers.
TOL = {"rtol": 1e-10, "atol": 1e-10}


def _unfold(x, w, bias=None, stride=1, padding=0, dilation=1, **options) -> np.ndarray:
    """conv2d_unfold on NumPy arrays (the torch method of the contract)."""
    tensors = {k: torch.from_numpy(np.asarray(v)) for k, v in options.items() if k == "b"}
    bias_t = None if bias is None else torch.from_numpy(np.asarray(bias))
    out = conv2d_unfold(
        torch.from_numpy(x),
        torch.from_numpy(w),
        bias_t,
        stride,
        padding,
        dilation,
        **{**options, **tensors},
    )
    return out.numpy()


METHODS: dict[str, Callable[..., np.ndarray]] = {
    "loops": conv2d_loops,
    "direct": conv2d_direct,
    "fft": conv2d_fft,
    "im2col": conv2d_im2col,
    "winograd": conv2d_winograd,
    "unfold": _unfold,
}


@pytest.fixture(autouse=True)
def _quiet_torch_same_padding_warning(recwarn: pytest.WarningsRecorder) -> None:
    """torch warns that 'same' with an even kernel copies the input; so do we."""


def _torch(x, w, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    bias_t = None if bias is None else torch.from_numpy(bias)
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), bias_t, stride, padding, dilation)
    return out.numpy()


def _operands(seed: int, x_shape, w_shape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )


@pytest.mark.parametrize("name", METHODS)
def test_positional_and_keyword_calls_agree_with_torch(name: str) -> None:
    x, w, b = _operands(0, (2, 3, 7, 8), (4, 3, 3, 3))
    conv = METHODS[name]
    expected = _torch(x, w, b, 1, (1, 2))
    np.testing.assert_allclose(conv(x, w, b, 1, (1, 2)), expected, **TOL)
    np.testing.assert_allclose(conv(x, w, bias=b, padding=(1, 2)), expected, **TOL)
    np.testing.assert_allclose(conv(x, w, b=b, padding=(1, 2)), expected, **TOL)
    np.testing.assert_allclose(conv(x, w, b, 1, (1, 2), 1), expected, **TOL)


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("kernel", [(3, 3), (4, 2), (2, 5)])
def test_padding_words_agree_with_torch(name: str, kernel: tuple[int, int]) -> None:
    if name == "winograd" and kernel[0] != kernel[1]:
        pytest.skip("Winograd filters are square")
    x, w, b = _operands(1, (2, 2, 9, 8), (3, 2, *kernel))
    for padding in ("same", "valid"):
        expected = _torch(x, w, b, padding=padding)
        np.testing.assert_allclose(METHODS[name](x, w, b, padding=padding), expected, **TOL)


@pytest.mark.parametrize("name", [n for n in METHODS if n != "winograd"])
def test_same_padding_with_dilation_agrees_with_torch(name: str) -> None:
    x, w, b = _operands(2, (1, 2, 10, 9), (2, 2, 2, 3))
    expected = _torch(x, w, b, padding="same", dilation=(3, 2))
    got = METHODS[name](x, w, b, padding="same", dilation=(3, 2))
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("name", METHODS)
def test_unbatched_input_gives_unbatched_output(name: str) -> None:
    x, w, b = _operands(3, (3, 6, 7), (2, 3, 3, 3))
    expected = _torch(x[None], w, b, padding=1)[0]
    got = METHODS[name](x, w, b, padding=1)
    assert got.shape == (2, 6, 7)
    np.testing.assert_allclose(got, expected, **TOL)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(METHODS)),
    channels=st.integers(1, 3),
    size=st.tuples(st.integers(3, 9), st.integers(3, 9)),
    kernel=st.integers(1, 3),
    dilation=st.integers(1, 2),
    unbatched=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_same_padding_keeps_the_size(name, channels, size, kernel, dilation, unbatched, seed):
    if name == "winograd":
        kernel, dilation = 3, 1
    x, w, b = _operands(seed, (2, channels, *size), (2, channels, kernel, kernel))
    expected = _torch(x, w, b, padding="same", dilation=dilation)
    if unbatched:
        x, expected = x[0], expected[0]
    got = METHODS[name](x, w, b, padding="same", dilation=dilation)
    assert got.shape[-2:] == size
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": 2}, r"does not support groups=2 \(grouped convolution\)"),
        ({"padding": "full"}, "padding must be an int, a pair of ints, 'valid' or 'same'"),
        ({"padding": "same", "stride": 2}, r"padding='same' needs stride 1"),
        ({"stride": 0}, r"stride must be >= 1"),
        ({"padding": (1, 2, 3)}, "padding must be an int or a pair of ints"),
        ({"dilation": 0}, r"dilation must be >= 1"),
    ],
)
def test_every_method_raises_the_same_errors(name: str, kwargs: dict, message: str) -> None:
    x, w, _ = _operands(4, (1, 2, 6, 6), (2, 2, 3, 3))
    with pytest.raises(ValueError, match=message):
        METHODS[name](x, w, **kwargs)


@pytest.mark.parametrize("name", [n for n in METHODS if n != "unfold"])
def test_bias_given_twice_raises(name: str) -> None:
    x, w, b = _operands(5, (1, 2, 6, 6), (2, 2, 3, 3))
    with pytest.raises(ValueError, match="the bias was given twice"):
        METHODS[name](x, w, b, b=b)


def test_unfold_bias_given_twice_raises() -> None:
    x, w = torch.zeros(1, 2, 6, 6), torch.zeros(2, 2, 3, 3)
    with pytest.raises(ValueError, match="the bias was given twice"):
        conv2d_unfold(x, w, torch.zeros(2), b=torch.zeros(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stride": 2}, r"conv2d_winograd supports stride 1 \(Winograd tiles are dense\) only"),
        ({"dilation": (1, 2)}, r"conv2d_winograd supports dilation 1 .* got dilation=\(1, 2\)"),
    ],
)
def test_winograd_names_the_setting_it_cannot_do(kwargs: dict, message: str) -> None:
    x, w, _ = _operands(6, (1, 2, 8, 8), (2, 2, 3, 3))
    with pytest.raises(ValueError, match=message):
        conv2d_winograd(x, w, **kwargs)


def test_winograd_follows_the_package_dtype_policy() -> None:
    x, w, _ = _operands(7, (1, 2, 6, 6), (2, 2, 3, 3))
    ints = np.arange(72).reshape(1, 2, 6, 6)
    assert conv2d_winograd(ints, w).dtype == np.float64
    mixed = conv2d_winograd(x.astype(np.float32), w)
    assert mixed.dtype == np.float64  # float32 with float64 gives float64, as everywhere
    np.testing.assert_allclose(mixed, conv2d_direct(x.astype(np.float32), w), **TOL)
    assert conv2d_winograd(x.astype(np.float32), w.astype(np.float32)).dtype == np.float32


def test_backward_with_same_padding_matches_autograd() -> None:
    from course_utils.conv import conv2d_backward_unfold

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(4, 3, 2, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    out = F.conv2d(x, w, padding="same")
    grad_out = torch.randn(out.shape, dtype=torch.float64, generator=gen)
    out.backward(grad_out)
    grad_x, grad_w, _ = conv2d_backward_unfold(x.detach(), w.detach(), grad_out, padding="same")
    torch.testing.assert_close(grad_x, x.grad)
    torch.testing.assert_close(grad_w, w.grad)


def test_geometry_and_tile_grid() -> None:
    geometry = conv_geometry((7, 8), (4, 3), padding="same", dilation=(1, 2))
    # torch: d*(k-1) zeros per axis, the odd one at the bottom/right
    assert (geometry.padding, geometry.extra, geometry.out_hw) == ((1, 2), (1, 0), (7, 8))
    assert geometry.tile_grid(4) == tile_grid((7, 8), 4) == (2, 2)
    assert conv_geometry((7, 8), (3, 3), padding="valid").out_hw == (5, 6)
    assert conv2d_flops((3, 8, 8), (2, 3, 3, 3), padding="same") == 2 * 2 * 3 * 9 * 64
    assert multiplication_count(1, 1, 1, 9, 9, m=4)["tiles"] == 9
    assert chunk_layout((1, 3, 9, 9), 2, "same", 8) == chunk_layout((1, 3, 9, 9), 2, 1, 8)
    with pytest.raises(ValueError, match="m must be >= 1"):
        tile_grid((4, 4), 0)


def test_every_method_docstring_states_the_whole_contract() -> None:
    """The contract's text is written once (conv/_docs.py) and filled into each docstring."""
    from course_utils.conv import conv2d_direct, conv2d_fft, conv2d_im2col, conv2d_loops
    from course_utils.conv._docs import CONTRACT_INPUTS, CONTRACT_RETURNS

    for method in (conv2d_loops, conv2d_direct, conv2d_fft, conv2d_im2col):
        doc = method.__doc__
        assert "{contract" not in doc, method.__name__
        for text in (CONTRACT_INPUTS, CONTRACT_RETURNS):
            assert "\n".join("    " + line for line in text.splitlines()) in doc
