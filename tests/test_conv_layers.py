"""``course_utils.conv.LayerShape``, the one description of a convolution layer: its checks,
its sizes against the output-size formula and torch, its operands, and the registry, the
shootout and the benchmarks all using this same class."""

from __future__ import annotations

import pickle
import typing

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import conv, shootout
from course_utils.bench import conv as bench_conv
from course_utils.bench import winograd as bench_winograd
from course_utils.conv import CONV_METHODS, LayerShape, conv_output_size, make_operands, registry


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"N": 0}, "N must be a positive integer, got 0"),
        ({"C": -1}, "C must be a positive integer, got -1"),
        ({"K": 2.0}, "K must be a positive integer, got 2.0"),
        ({"H": True}, "H must be a positive integer, got True"),
        ({"kw": "3"}, "kw must be a positive integer, got '3'"),
        ({"stride": 0}, "stride must be a positive integer, got 0"),
        ({"dtype": "float16"}, "dtype must be 'float32' or 'float64', got 'float16'"),
        ({"kh": 9}, "kernel"),  # 9 rows do not fit 6 + 2 * 1
        ({"padding": -1}, "padding"),
    ],
)
def test_invalid_layers_are_refused(kwargs: dict, message: str) -> None:
    fields = {"N": 1, "C": 2, "K": 3, "H": 6, "W": 6, "kh": 3, "kw": 3, "padding": 1}
    with pytest.raises(ValueError, match=message):
        LayerShape(**{**fields, **kwargs})


def test_numpy_integers_are_sizes() -> None:
    layer = LayerShape(np.int64(2), 3, 4, 8, 8, 3, 3)
    assert layer.x_shape == (2, 3, 8, 8)


def test_square_layers() -> None:
    same = LayerShape.square(8, 64, 32, 56, 5)
    assert same == LayerShape(8, 64, 32, 56, 56, 5, 5, padding=2)
    assert same.out_shape == (8, 32, 56, 56)
    valid = LayerShape.square(1, 1, 1, 512, 5, padding=0, dtype="float64")
    assert (valid.out_hw, valid.itemsize) == ((508, 508), 8)
    strided = LayerShape.square(2, 4, 4, 16, 3, stride=2)
    assert (strided.padding, strided.out_hw) == (1, (8, 8))
    with pytest.raises(ValueError, match="padding must be an int or 'same', got 'full'"):
        LayerShape.square(1, 1, 1, 8, 3, padding="full")


@settings(max_examples=60, deadline=None)
@given(
    H=st.integers(1, 20),
    W=st.integers(1, 20),
    kh=st.integers(1, 7),
    kw=st.integers(1, 7),
    padding=st.integers(0, 3),
    stride=st.integers(1, 3),
)
def test_sizes_follow_the_formula_and_torch(H, W, kh, kw, padding, stride) -> None:
    if kh > H + 2 * padding or kw > W + 2 * padding:
        with pytest.raises(ValueError):
            LayerShape(2, 3, 4, H, W, kh, kw, padding, stride)
        return
    layer = LayerShape(2, 3, 4, H, W, kh, kw, padding, stride)
    expected = (conv_output_size(H, kh, stride, padding), conv_output_size(W, kw, stride, padding))
    assert layer.out_hw == expected
    x = torch.empty(layer.x_shape, device="meta")
    w = torch.empty(layer.w_shape, device="meta")
    assert layer.out_shape == tuple(F.conv2d(x, w, stride=stride, padding=padding).shape)
    assert layer.flops == 2 * 2 * 4 * 3 * kh * kw * expected[0] * expected[1] == 2 * layer.macs


def test_label() -> None:
    assert LayerShape.square(8, 64, 64, 56, 3).label == "N=8 C=64 K=64 56x56 k=3x3 pad=1"
    layer = LayerShape(1, 2, 3, 9, 8, 5, 4, padding=0, stride=2)
    assert layer.label == "N=1 C=2 K=3 9x8 k=5x4 stride=2"


def test_operands_are_seeded_and_scaled() -> None:
    layer = LayerShape(2, 3, 4, 6, 5, 3, 2, dtype="float32")
    x, w = make_operands(layer, seed=7)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(x, rng.standard_normal(layer.x_shape).astype(np.float32))
    expected_w = rng.standard_normal(layer.w_shape) / np.sqrt(3 * 3 * 2)
    np.testing.assert_array_equal(w, expected_w.astype(np.float32))
    assert (x.dtype, w.dtype) == (np.float32, np.float32)
    x_again, w_plain = make_operands(layer, seed=7, scale_weights=False)
    np.testing.assert_array_equal(x_again, x)
    np.testing.assert_allclose(w_plain / np.sqrt(18), w, rtol=1e-6)
    x32, _ = make_operands(layer, seed=7, draw_dtype="float32")
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(x32, rng.standard_normal(layer.x_shape, dtype=np.float32))


def test_layers_pickle() -> None:
    layer = LayerShape(2, 3, 4, 6, 5, 3, 2, padding=1, dtype="float64")
    assert pickle.loads(pickle.dumps(layer)) == layer


def test_the_registry_the_shootout_and_the_benchmarks_share_the_class() -> None:
    assert shootout.LayerShape is conv.LayerShape is LayerShape
    assert shootout.problems.LayerShape is LayerShape
    assert shootout.make_operands is make_operands
    for method in CONV_METHODS.values():
        hints = typing.get_type_hints(method.not_applicable_reason, vars(registry))
        assert hints["layer"] is LayerShape
    assert all(type(p.layer) is LayerShape for p in bench_conv.default_problems())
    cases = (*bench_winograd.FULL_CASES, *bench_winograd.QUICK_CASES)
    assert all(type(c.layer) is LayerShape for c in cases)
    assert all(type(layer) is LayerShape for layer in shootout.resnet_layers())
