"""Lesson 04 demos: overlap counts and patch matching give the right numbers."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils.widgets import lesson04


def test_overlap_figure_one_panel_per_config() -> None:
    fig = lesson04.overlap_figure((6, 6), [(3, 1, 0), (2, 3, 0)])
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["k=3, s=1, p=0", "k=2, s=3, p=0"]
    with pytest.raises(ValueError, match="at least one"):
        lesson04.overlap_figure((6, 6), [])


def _image(seed: int = 0, shape: tuple[int, int] = (20, 24)) -> np.ndarray:
    return np.random.default_rng(seed).random(shape)


def test_match_figure_and_widgets_build() -> None:
    image = _image(4, (32, 32))
    fig = lesson04.match_figure(image, lesson04.match_patch(image, 4, 9, 6, exclude_own=True))
    assert len(fig.axes) >= 3
    assert isinstance(lesson04.make_overlap_widget(), widgets.Widget)
    assert isinstance(lesson04.make_patch_match_widget(image), widgets.Widget)


def test_one_redraw_per_change() -> None:
    overlap = lesson04.make_overlap_widget()
    overlap.controls["stride"].value = 2
    assert overlap.draws == 2
    match = lesson04.make_patch_match_widget(_image())
    match.set(size=8, zero_mean=False)
    assert match.draws == 2


def test_patch_match_view_keeps_the_patch_inside() -> None:
    fig = lesson04.patch_match_view(_image(), 18, 22, 6, True, False)  # moved to (14, 18)
    assert fig.axes
    plt.close(fig)
