"""The registry of convolution methods and ``conv2d(..., method=...)``: every method against
``torch.nn.functional.conv2d`` in float64 (groups included), the options, the errors, and
the shootout reading the same table."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import shootout as S
from course_utils.conv import CONV_METHODS, conv2d, conv2d_direct
from course_utils.shootout import costs

TOL = {"rtol": 1e-10, "atol": 1e-10}
NAMES = tuple(CONV_METHODS)


def _torch(x, w, b=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    bias = None if b is None else torch.from_numpy(b)
    args = (torch.from_numpy(x), torch.from_numpy(w), bias, stride, padding, dilation, groups)
    return F.conv2d(*args).numpy()


def test_the_registry_names_every_method_once() -> None:
    assert NAMES == ("loops", "direct", "fft", "im2col", "unfold", "winograd")
    for name, spec in CONV_METHODS.items():
        assert spec.name == name and callable(spec.function)
        assert spec.function.__name__ == f"conv2d_{name}"
    assert CONV_METHODS["winograd"].options == (
        "m",
        "workers",
        "engine",
        "orientation",
        "chunk_bytes",
    )


@pytest.mark.parametrize("name", NAMES)
def test_conv2d_runs_every_method_like_torch(name: str) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 8, 7)), rng.standard_normal((4, 3, 3, 3)), np.ones(4)
    expected = _torch(x, w, b, 1, 1)
    np.testing.assert_allclose(conv2d(x, w, b, 1, 1, method=name), expected, **TOL)
    np.testing.assert_allclose(conv2d(x, w, b=b, padding="same", method=name), expected, **TOL)
    unbatched = conv2d(x[0], w, b, padding=1, method=name)
    np.testing.assert_allclose(unbatched, expected[0], **TOL)


def test_conv2d_default_is_direct_and_keeps_float32() -> None:
    x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float32)
    out = conv2d(x, w)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, conv2d_direct(x, w))
    assert conv2d(x, w, method="unfold").dtype == np.float32


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    groups=st.integers(1, 3),
    per_group=st.integers(1, 2),
    filters=st.integers(1, 2),
    size=st.integers(3, 7),
    with_bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_groups_agree_with_torch(name, groups, per_group, filters, size, with_bias, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, groups * per_group, size, size))
    w = rng.standard_normal((groups * filters, per_group, 3, 3))
    b = rng.standard_normal(groups * filters) if with_bias else None
    expected = _torch(x, w, b, padding=1, groups=groups)
    np.testing.assert_allclose(conv2d(x, w, b, 1, 1, 1, groups, method=name), expected, **TOL)


def test_method_options_pass_through() -> None:
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 2, 9, 9)), rng.standard_normal((2, 2, 3, 3))
    expected = _torch(x, w, padding=1)
    for name, options in [
        ("winograd", {"m": 2, "workers": 1}),
        ("im2col", {"batch_chunk": 1}),
        ("fft", {"workers": 1}),
    ]:
        np.testing.assert_allclose(conv2d(x, w, padding=1, method=name, **options), expected, **TOL)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "magic"}, "unknown method 'magic'; choose from loops, direct, fft, im2col"),
        ({"method": "direct", "m": 4}, r"method 'direct' has no option 'm' \(its options: none\)"),
        (
            {"method": "fft", "batch_chunk": 2},
            r"has no option 'batch_chunk' \(its options: workers\)",
        ),
        ({"groups": 0}, "groups must be a positive integer, got 0"),
        ({"groups": 1.5}, "groups must be a positive integer"),
        ({"groups": 3}, r"groups=3: x must have groups \* w.shape\[1\] = 6 channels \(got 4\)"),
        ({"method": "winograd", "stride": 2}, "conv2d_winograd supports stride 1"),
        ({"method": "winograd", "dilation": 2}, "conv2d_winograd supports dilation 1"),
        ({"bias": np.ones(2), "b": np.ones(2)}, "the bias was given twice"),
    ],
)
def test_conv2d_errors(kwargs: dict, message: str) -> None:
    x, w = np.ones((1, 4, 6, 6)), np.ones((2, 2, 3, 3))
    if "groups" not in kwargs:
        w = np.ones((2, 4, 3, 3))
    with pytest.raises(ValueError, match=message):
        conv2d(x, w, **kwargs)


def test_groups_need_channels() -> None:
    with pytest.raises(ValueError, match="groups=2 needs a 3-D or 4-D x and a 4-D w"):
        conv2d(np.ones((6, 6)), np.ones((3, 3)), groups=2)
    with pytest.raises(ValueError, match="must split into 2 equal groups"):
        conv2d(np.ones((1, 4, 6, 6)), np.ones((3, 2, 3, 3)), groups=2)


def test_the_shootout_reads_the_registry() -> None:
    assert S.METHOD_NAMES == (*NAMES, "torch")
    for name, spec in CONV_METHODS.items():
        method = S.METHODS[name]
        assert (method.library, method.rule) == (spec.library, spec.rule)
        assert method.function.startswith(spec.path)
    five = S.LayerShape(1, 2, 2, 12, 12, 5, 5, padding=2)
    for name, spec in CONV_METHODS.items():
        assert S.not_applicable_reason(five, name) == spec.not_applicable_reason(five)
        assert costs.extra_memory_bytes(five, name) == spec.extra_memory(five)
    assert S.not_applicable_reason(five, "torch") is None
    assert costs.extra_memory_bytes(five, "torch") is None


def test_conv2d_loads_torch_only_for_unfold() -> None:
    code = (
        "import sys, numpy as np\n"
        "from course_utils.conv import conv2d\n"
        "conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), method='winograd')\n"
        "assert 'torch' not in sys.modules\n"
        "conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), method='unfold')\n"
        "assert 'torch' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
