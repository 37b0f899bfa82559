"""The computations of :mod:`course_utils.demos.windows` (lesson 01)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.conv import conv2d_loops
from course_utils.demos import windows


def test_tap_positions_follow_stride_and_dilation() -> None:
    rows, cols = windows.tap_positions(2, 1, (3, 2), stride=3, dilation=2)
    np.testing.assert_array_equal(rows, [6, 8, 10])
    np.testing.assert_array_equal(cols, [3, 5])


def test_window_products_by_hand() -> None:
    x = np.arange(12.0).reshape(3, 4)
    w = np.array([[1.0, 2.0], [0.0, -1.0]])
    parts = windows.window_products(x, w, 1, 2)
    np.testing.assert_array_equal(parts["window"], [[6.0, 7.0], [10.0, 11.0]])
    np.testing.assert_array_equal(parts["products"], [[6.0, 14.0], [0.0, -11.0]])
    assert parts["sum"] == 9.0
    assert parts["output"].shape == (2, 3)
    assert parts["output"][1, 2] == 9.0


def test_padding_reads_zeros_at_the_border() -> None:
    x = np.ones((2, 2))
    w = np.ones((3, 3))
    parts = windows.window_products(x, w, 0, 0, padding=1)
    assert parts["padded"].shape == (4, 4)
    np.testing.assert_array_equal(parts["window"], [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert parts["sum"] == 4.0


@pytest.mark.parametrize(
    ("stride", "padding", "dilation"), [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2), (2, 0, 3)]
)
def test_sum_is_the_output_of_conv2d_loops(stride: int, padding: int, dilation: int) -> None:
    rng = np.random.default_rng(stride * 100 + padding * 10 + dilation)
    x, w = rng.standard_normal((9, 11)), rng.standard_normal((3, 2))
    reference = conv2d_loops(x, w, stride=stride, padding=padding, dilation=dilation)
    for i in range(reference.shape[0]):
        for j in range(reference.shape[1]):
            parts = windows.window_products(x, w, i, j, stride, padding, dilation)
            assert parts["sum"] == pytest.approx(reference[i, j], rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(parts["products"], parts["window"] * w)
    np.testing.assert_allclose(parts["output"], reference, rtol=1e-12, atol=1e-12)


def test_positions_outside_the_output_are_rejected() -> None:
    x, w = windows.demo_image_and_kernel()
    with pytest.raises(ValueError, match="outside"):
        windows.window_products(x, w, 3, 0)  # a valid 3x3 correlation of 5x6 has 3 rows
    with pytest.raises(ValueError, match="outside"):
        windows.window_products(x, w, 0, -1)


def test_output_shape_or_none() -> None:
    assert windows.output_shape_or_none((5, 6), (3, 3)) == (3, 4)
    assert windows.output_shape_or_none((5, 6), (3, 3), stride=2, padding=1) == (3, 3)
    assert windows.output_shape_or_none((5, 6), (3, 3), dilation=3) is None
    assert windows.output_shape_or_none((5, 6), (3, 3), padding=1, dilation=3) == (1, 2)


def test_demo_kernel_is_asymmetric() -> None:
    x, w = windows.demo_image_and_kernel()
    assert x.shape == (5, 6) and w.shape == (3, 3)
    assert not np.array_equal(w, w[::-1, ::-1])
    assert not np.array_equal(w, w.T)
