"""The plotting helpers draw what they are given and reject shapes they cannot show."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils import viz


def test_image_layouts_and_tensors() -> None:
    rng = np.random.default_rng(0)
    assert viz.to_hwc(rng.random((5, 6))).shape == (5, 6)
    assert viz.to_hwc(rng.random((5, 6, 3))).shape == (5, 6, 3)
    assert viz.to_hwc(torch.rand(3, 5, 6)).shape == (5, 6, 3)
    assert viz.to_hwc(rng.random((1, 5, 6))).shape == (5, 6)
    ax = viz.show_image(rng.random((5, 6)), title="grey")
    assert ax.get_title() == "grey"


def test_signed_image_is_centred_on_zero() -> None:
    ax = viz.show_image(np.array([[-1.0, 3.0]]), signed=True)
    assert ax.images[0].get_clim() == (-3.0, 3.0)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5), (5, 6, 7)])
def test_bad_image_shape_raises(shape) -> None:
    with pytest.raises(ValueError, match="cannot show"):
        viz.to_hwc(np.zeros(shape))


def test_grid_batch_kernels_feature_maps() -> None:
    fig = viz.show_grid([np.zeros((4, 4))] * 5, titles=list("abcde"), ncols=3, suptitle="grid")
    assert len(fig.axes) == 6 and fig.axes[4].get_title() == "e"
    assert len(viz.show_batch(torch.rand(4, 3, 8, 8)).axes) == 4
    assert len(viz.show_kernels(np.ones((2, 3, 3, 3))).axes) == 6
    assert len(viz.show_kernels(np.ones((3, 3))).axes) == 1
    assert len(viz.show_feature_maps(torch.rand(1, 4, 6, 6)).axes) == 4


def test_grid_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        viz.show_grid([])
    with pytest.raises(ValueError, match="titles"):
        viz.show_grid([np.zeros((2, 2))], titles=["a", "b"])
    with pytest.raises(ValueError, match="batch"):
        viz.show_batch(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="feature maps"):
        viz.show_feature_maps(np.zeros((2, 2)))


def test_matrix_with_highlight() -> None:
    mask = np.zeros((3, 4), bool)
    mask[1, 2] = True
    ax = viz.show_matrix(np.arange(12).reshape(3, 4), highlight=mask, title="m")
    assert len(ax.texts) == 12 and len(ax.patches) == 1
    with pytest.raises(ValueError, match="highlight"):
        viz.show_matrix(np.zeros((2, 2)), highlight=np.zeros((3, 3)))


def test_matrix_numbers_are_readable_on_their_cells() -> None:
    ax = viz.show_matrix(np.array([[-2.0, 0.0, 5.0]]), cmap="Oranges")
    colours = [text.get_color() for text in ax.texts]
    assert colours == ["black", "black", "white"]  # light, light, dark cells
    ax = viz.show_matrix(np.array([[1.0, 9.0]]), vmin=0, vmax=100)
    assert [text.get_color() for text in ax.texts] == ["black", "black"]


def test_signed_matrices_get_a_diverging_scale_centred_on_zero() -> None:
    ax = viz.show_matrix(np.array([[-1.0, 0.5], [3.0, 0.0]]))
    image = ax.images[0]
    assert image.get_cmap().name == viz.SIGNED_CMAP
    assert image.norm.vmin == -3.0 and image.norm.vmax == 3.0  # symmetric: white is 0
    ax = viz.show_matrix(np.array([[0.0, 2.0]]))
    assert ax.images[0].get_cmap().name == "Blues"


def test_values_that_round_to_zero_are_written_without_a_sign() -> None:
    ax = viz.show_matrix(np.array([[-0.0, -0.3, -0.6, 0.2]]))
    assert [text.get_text() for text in ax.texts] == ["0", "0", "-1", "0"]
    ax = viz.show_matrix(np.array([[-0.004, -0.05]]), fmt="{:.2f}")
    assert [text.get_text() for text in ax.texts] == ["0.00", "-0.05"]


def test_the_photo_style_draws_smaller_and_outside_a_notebook_changes_nothing_else() -> None:
    viz.use_course_style(photos=True)  # no IPython kernel here: no figure format to set
    assert viz.mpl.rcParams["figure.dpi"] == viz.PHOTO_DPI
    viz.use_course_style()
    assert viz.mpl.rcParams["figure.dpi"] == viz.COURSE_STYLE["figure.dpi"]
