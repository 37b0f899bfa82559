"""Lesson 03 widget helpers: index matrices, masks, the stride-bug selection, and the shells."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.widgets import lesson03


def test_source_indices_of_the_lesson_example() -> None:
    cols = lesson03.source_indices(4, 4, 3)
    assert cols.shape == (9, 4)
    assert cols[:, 0].tolist() == [0, 1, 2, 4, 5, 6, 8, 9, 10]  # patch of output pixel (0, 0)
    assert cols[:, 3].tolist() == [5, 6, 7, 9, 10, 11, 13, 14, 15]  # output pixel (1, 1)
    assert cols[0].tolist() == [0, 1, 4, 5]  # the top-left tap of every patch


@pytest.mark.parametrize(
    ("height", "width", "kernel", "stride", "padding"),
    [(4, 4, 3, 1, 0), (5, 7, 2, 2, 1), (3, 6, 3, 3, 2), (1, 1, 1, 1, 0), (6, 5, 4, 2, 1)],
)
def test_source_indices_match_torch_unfold(height, width, kernel, stride, padding) -> None:
    image = torch.arange(1, height * width + 1, dtype=torch.float64).reshape(1, 1, height, width)
    expected = F.unfold(image, kernel, padding=padding, stride=stride)[0].numpy() - 1
    got = lesson03.source_indices(height, width, kernel, stride, padding)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(got, expected)


def test_padded_indices_mark_the_padding() -> None:
    labels = lesson03.padded_indices(2, 3, padding=1)
    assert labels.shape == (4, 5)
    assert (labels[0] == -1).all() and (labels[:, -1] == -1).all()
    np.testing.assert_array_equal(labels[1:3, 1:4], [[0, 1, 2], [3, 4, 5]])


def test_output_shape_and_column_index() -> None:
    assert lesson03.output_shape(5, 7, 3, stride=2, padding=1) == (3, 4)
    assert lesson03.column_index(2, 1, out_width=4) == 9
    with pytest.raises(ValueError):
        lesson03.column_index(0, 4, out_width=4)
    with pytest.raises(ValueError):
        lesson03.output_shape(2, 2, 5)


def test_patch_mask_and_column_mask_select_the_same_pixels() -> None:
    height, width, kernel, stride, padding = 5, 6, 3, 2, 1
    labels = lesson03.padded_indices(height, width, padding)
    cols = lesson03.source_indices(height, width, kernel, stride, padding)
    _, out_w = lesson03.output_shape(height, width, kernel, stride, padding)
    for out_row, out_col in [(0, 0), (1, 2), (2, 0)]:
        patch = lesson03.patch_mask(height, width, kernel, out_row, out_col, stride, padding)
        assert patch.shape == labels.shape and patch.sum() == kernel * kernel
        column = lesson03.column_index(out_row, out_col, out_w)
        mask = lesson03.column_mask(cols.shape, column)
        assert mask.sum() == cols.shape[0] and mask[:, column].all()
        np.testing.assert_array_equal(labels[patch], cols[mask])  # same pixels, same order
    with pytest.raises(ValueError):
        lesson03.patch_mask(height, width, kernel, 3, 0, stride, padding)


def test_stride_selection_masks() -> None:
    correct, sliced = lesson03.stride_selection_masks(5, 5, 3, 2)
    assert correct.shape == sliced.shape == (3, 3)
    assert np.flatnonzero(correct).tolist() == [0, 2, 6, 8]
    assert np.flatnonzero(sliced).tolist() == [0, 2, 4, 6, 8]  # one column too many
    correct, sliced = lesson03.stride_selection_masks(6, 6, 3, 2)
    assert correct.sum() == 4 and sliced.sum() == 8  # an even width: no row is skipped
    assert sliced[:, 0].all()


def test_stride_one_selections_agree() -> None:
    correct, sliced = lesson03.stride_selection_masks(4, 6, 2, 1)
    assert correct.all() and sliced.all()


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
