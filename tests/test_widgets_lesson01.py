"""Lesson 01 demos: the window/products/sum of one output pixel, and the geometry figures."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.conv import conv2d_loops
from course_utils.widgets import lesson01


def test_tap_positions_follow_stride_and_dilation() -> None:
    rows, cols = lesson01.tap_positions(2, 1, (3, 2), stride=3, dilation=2)
    np.testing.assert_array_equal(rows, [6, 8, 10])
    np.testing.assert_array_equal(cols, [3, 5])


def test_window_products_by_hand() -> None:
    x = np.arange(12.0).reshape(3, 4)
    w = np.array([[1.0, 2.0], [0.0, -1.0]])
    parts = lesson01.window_products(x, w, 1, 2)
    np.testing.assert_array_equal(parts["window"], [[6.0, 7.0], [10.0, 11.0]])
    np.testing.assert_array_equal(parts["products"], [[6.0, 14.0], [0.0, -11.0]])
    assert parts["sum"] == 9.0
    assert parts["output"].shape == (2, 3)
    assert parts["output"][1, 2] == 9.0


def test_padding_reads_zeros_at_the_border() -> None:
    x = np.ones((2, 2))
    w = np.ones((3, 3))
    parts = lesson01.window_products(x, w, 0, 0, padding=1)
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
            parts = lesson01.window_products(x, w, i, j, stride, padding, dilation)
            assert parts["sum"] == pytest.approx(reference[i, j], rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(parts["products"], parts["window"] * w)
    np.testing.assert_allclose(parts["output"], reference, rtol=1e-12, atol=1e-12)


def test_positions_outside_the_output_are_rejected() -> None:
    x, w = lesson01.demo_image_and_kernel()
    with pytest.raises(ValueError, match="outside"):
        lesson01.window_products(x, w, 3, 0)  # a valid 3x3 correlation of 5x6 has 3 rows
    with pytest.raises(ValueError, match="outside"):
        lesson01.window_products(x, w, 0, -1)


def test_output_shape_or_none() -> None:
    assert lesson01.output_shape_or_none((5, 6), (3, 3)) == (3, 4)
    assert lesson01.output_shape_or_none((5, 6), (3, 3), stride=2, padding=1) == (3, 3)
    assert lesson01.output_shape_or_none((5, 6), (3, 3), dilation=3) is None
    assert lesson01.output_shape_or_none((5, 6), (3, 3), padding=1, dilation=3) == (1, 2)


def test_demo_kernel_is_asymmetric() -> None:
    x, w = lesson01.demo_image_and_kernel()
    assert x.shape == (5, 6) and w.shape == (3, 3)
    assert not np.array_equal(w, w[::-1, ::-1])
    assert not np.array_equal(w, w.T)


def test_window_figure_highlights_the_window_and_the_output_pixel() -> None:
    x, w = lesson01.demo_image_and_kernel()
    fig = lesson01.draw_window_products(x, w, 1, 2, stride=2, padding=1)
    assert len(fig.axes) == 4
    red_boxes = [p for p in fig.axes[0].patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(red_boxes) == 9
    out_title = fig.axes[3].get_title()
    expected = lesson01.window_products(x, w, 1, 2, stride=2, padding=1)["sum"]
    assert out_title == f"output (1, 2) = {expected:g}"


def test_geometry_figure_titles_give_output_sizes() -> None:
    fig = lesson01.draw_geometry((6, 6), (3, 3))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "stride 1\n6×6 → 4×4",
        "stride 2\n6×6 → 2×2",
        "padding 1\n6×6 → 6×6",
        "dilation 2\n6×6 → 2×2",
    ]


def test_geometry_figure_rejects_a_kernel_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        lesson01.draw_geometry((3, 3), (3, 3), [lesson01.Geometry(dilation=2)])


def test_widget_builder_returns_a_widget() -> None:
    import ipywidgets

    widget = lesson01.make_window_widget()
    assert isinstance(widget, ipywidgets.Widget)
    sliders = [
        child
        for box in widget.children[0].children
        for child in box.children
        if isinstance(child, ipywidgets.IntSlider)
    ]
    assert [s.description for s in sliders] == [
        "out row",
        "out col",
        "stride",
        "padding",
        "dilation",
    ]
    assert sliders[0].max == 2 and sliders[1].max == 3  # the 3x4 output of the demo


def test_widget_sliders_follow_the_geometry() -> None:
    import ipywidgets

    widget = lesson01.make_window_widget()
    row, col, stride, padding, dilation = [
        child for box in widget.children[0].children for child in box.children
    ]
    col.value = 3
    stride.value = 2  # 5x6 with a 3x3 kernel, stride 2 -> 2x2 output
    assert (row.max, col.max) == (1, 1)
    assert col.value == 1
    dilation.value = 3  # the dilated kernel (7x7) no longer fits: nothing breaks
    padding.value = 1  # padded 7x8: fits again, one output pixel
    assert (row.max, col.max) == (0, 0)
    assert isinstance(widget.children[1], ipywidgets.Output)
