"""Lesson 01 demos: the window/products/sum of one output pixel, and the geometry figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils.widgets import lesson01


def test_window_figure_highlights_the_window_and_the_output_pixel() -> None:
    x, w = lesson01.demo_image_and_kernel()
    fig = lesson01.draw_window_products(x, w, 1, 2, stride=2, padding=1)
    assert len(fig.axes) == 4
    red_boxes = [p for p in fig.axes[0].patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(red_boxes) == 9
    out_title = fig.axes[3].get_title()
    expected = lesson01.window_products(x, w, 1, 2, stride=2, padding=1)["sum"]
    assert out_title == f"output (1, 2)\n= {expected:g}"


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


def test_one_redraw_per_change_also_when_the_pixel_sliders_move() -> None:
    widget = lesson01.make_window_widget()
    assert widget.draws == 1
    widget.controls["col"].value = 3
    widget.controls["stride"].value = 2  # lowers the column maximum and clips col: one redraw
    assert widget.draws == 3 and widget.values["col"] == 1
    widget.set(stride=1, padding=1, dilation=2)
    assert widget.draws == 4


def test_window_view_is_the_figure_or_a_message() -> None:
    x, w = lesson01.demo_image_and_kernel()
    assert "does not fit" in lesson01.window_view(x, w, 0, 0, 1, 0, 3)
    assert lesson01.window_limits(x.shape, w.shape, 1, 0, 3) == {}
    assert lesson01.window_limits(x.shape, w.shape, 2, 0, 1) == {
        "row": {"max": 1},
        "col": {"max": 1},
    }
    fig = lesson01.window_view(x, w, 1, 2, 1, 0, 1)
    assert len(fig.axes) == 4
    plt.close(fig)


def test_a_one_pixel_output_keeps_its_panel_wide_enough_for_its_title() -> None:
    x = np.arange(9.0).reshape(3, 3)
    w = np.array([[1.0, -1.0, 0.0], [2.0, 0.0, -2.0], [1.0, -1.0, 0.0]])
    fig = lesson01.draw_window_products(x, w, 0, 0)  # a 1x1 output
    widths = [ax.get_position().width for ax in fig.axes]
    assert widths[3] >= 0.9 * widths[1]  # as wide as the 3-wide kernel panel
    assert fig.axes[1].images[0].get_cmap().name == "RdBu_r"  # signed kernel: diverging
