"""Lesson 03 widget helpers: index matrices, masks, the stride-bug selection, and the shells."""

from __future__ import annotations

from course_utils.widgets import lesson03


def test_pixel_colours_cover_every_pixel() -> None:
    assert lesson03.pixel_colours(16).N == 16
    assert lesson03.pixel_colours(49).N == 49


def test_draw_im2col_outlines_patch_and_column() -> None:
    fig = lesson03.draw_im2col(4, 4, 3, out_row=0, out_col=1)
    ax_image, ax_cols = fig.axes
    assert len(ax_image.patches) == 9 and len(ax_cols.patches) == 9  # red outlines
    assert "column 1" in ax_image.get_title()
    texts = [t.get_text() for t in ax_cols.texts]
    assert texts[:4] == ["0", "1", "4", "5"]  # first row of the 9x4 matrix


def test_draw_im2col_writes_padding_as_a_dot() -> None:
    fig = lesson03.draw_im2col(3, 3, 3, stride=1, padding=1, out_row=None, out_col=None)
    ax_image, ax_cols = fig.axes
    assert not ax_image.patches and not ax_cols.patches
    image_texts = [t.get_text() for t in ax_image.texts]
    assert image_texts.count(lesson03.PAD_LABEL) == 25 - 9


def test_draw_stride_bug_has_two_panels() -> None:
    fig = lesson03.draw_stride_bug(6, 6, 3, 2)
    correct_ax, sliced_ax = fig.axes[:2]
    assert len(correct_ax.patches) == 4 and len(sliced_ax.patches) == 8


def test_widget_builder_returns_a_widget() -> None:
    import ipywidgets as widgets

    widget = lesson03.make_im2col_widget()
    assert isinstance(widget, widgets.VBox)


def test_one_redraw_per_change_and_the_pixel_limits() -> None:
    widget = lesson03.make_im2col_widget()
    assert widget.draws == 1
    assert (widget.controls["out_row"].max, widget.controls["out_col"].max) == (1, 1)
    widget.controls["out_col"].value = 1
    widget.controls["kernel"].value = 4  # 4x4 image, 4x4 kernel: one output pixel
    assert widget.draws == 3 and widget.values["out_col"] == 0
    assert lesson03.im2col_limits(4, 4, 2, 1, 0) == {"out_row": {"max": 2}, "out_col": {"max": 2}}
    assert lesson03.im2col_limits(2, 2, 4, 1, 0) == {}
    assert lesson03.im2col_view(2, 2, 4, 1, 0, 0, 0).startswith("No output")
