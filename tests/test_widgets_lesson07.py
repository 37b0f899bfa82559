"""Lesson 07 demos: one position's attention is a proper distribution over known patches,
agrees with the course's layer, and finds the copied source."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from course_utils.widgets import lesson07


def _photo(seed: int = 0, shape: tuple[int, int] = (24, 32)) -> np.ndarray:
    """Random texture: every 3x3 patch is unique, so exact copies are the only best matches."""
    return np.random.default_rng(seed).random((*shape, 3))


def _example(seed: int = 0) -> dict:
    return lesson07.copy_paste_example(_photo(seed), source=(2, 3), target=(12, 18), block=8)


def test_figure_and_widget_build() -> None:
    example = _example(5)
    result = lesson07.position_attention(example["image"], example["hole"], 5, 6)
    fig = lesson07.attention_figure(example["image"], example["hole"], result)
    assert len(fig.axes) >= 3
    widget = lesson07.make_attention_widget(example["image"], example["hole"])
    assert isinstance(widget, widgets.Widget)
    with pytest.raises(ValueError, match="empty"):
        lesson07.make_attention_widget(example["image"], np.zeros((24, 32), dtype=bool))
