"""The computations of :mod:`course_utils.demos.im2col_index` (lesson 03)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.demos import im2col_index


def test_source_indices_of_the_lesson_example() -> None:
    cols = im2col_index.source_indices(4, 4, 3)
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
    got = im2col_index.source_indices(height, width, kernel, stride, padding)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(got, expected)


def test_padded_indices_mark_the_padding() -> None:
    labels = im2col_index.padded_indices(2, 3, padding=1)
    assert labels.shape == (4, 5)
    assert (labels[0] == -1).all() and (labels[:, -1] == -1).all()
    np.testing.assert_array_equal(labels[1:3, 1:4], [[0, 1, 2], [3, 4, 5]])


def test_output_shape_and_column_index() -> None:
    assert im2col_index.output_shape(5, 7, 3, stride=2, padding=1) == (3, 4)
    assert im2col_index.column_index(2, 1, out_width=4) == 9
    with pytest.raises(ValueError):
        im2col_index.column_index(0, 4, out_width=4)
    with pytest.raises(ValueError):
        im2col_index.output_shape(2, 2, 5)


def test_patch_mask_and_column_mask_select_the_same_pixels() -> None:
    height, width, kernel, stride, padding = 5, 6, 3, 2, 1
    labels = im2col_index.padded_indices(height, width, padding)
    cols = im2col_index.source_indices(height, width, kernel, stride, padding)
    _, out_w = im2col_index.output_shape(height, width, kernel, stride, padding)
    for out_row, out_col in [(0, 0), (1, 2), (2, 0)]:
        patch = im2col_index.patch_mask(height, width, kernel, out_row, out_col, stride, padding)
        assert patch.shape == labels.shape and patch.sum() == kernel * kernel
        column = im2col_index.column_index(out_row, out_col, out_w)
        mask = im2col_index.column_mask(cols.shape, column)
        assert mask.sum() == cols.shape[0] and mask[:, column].all()
        np.testing.assert_array_equal(labels[patch], cols[mask])  # same pixels, same order
    with pytest.raises(ValueError):
        im2col_index.patch_mask(height, width, kernel, 3, 0, stride, padding)


def test_stride_selection_masks() -> None:
    correct, sliced = im2col_index.stride_selection_masks(5, 5, 3, 2)
    assert correct.shape == sliced.shape == (3, 3)
    assert np.flatnonzero(correct).tolist() == [0, 2, 6, 8]
    assert np.flatnonzero(sliced).tolist() == [0, 2, 4, 6, 8]  # one column too many
    correct, sliced = im2col_index.stride_selection_masks(6, 6, 3, 2)
    assert correct.sum() == 4 and sliced.sum() == 8  # an even width: no row is skipped
    assert sliced[:, 0].all()


def test_stride_one_selections_agree() -> None:
    correct, sliced = im2col_index.stride_selection_masks(4, 6, 2, 1)
    assert correct.all() and sliced.all()
