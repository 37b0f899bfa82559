"""Lesson 02 demos: kernels, kernel placement, spectra, wrap-around and the flop model."""

from __future__ import annotations

import pytest

from course_utils.widgets import lesson02


def test_figures_have_their_panels() -> None:
    image = lesson02.demo_image(32)
    fig = lesson02.plot_spectra(lesson02.spectra_demo(image, lesson02.make_kernel("Gaussian", 5)))
    titles = [ax.get_title() for ax in fig.axes]
    assert "log10 |X·W|" in titles and "image x" in titles
    fig = lesson02.plot_wraparound(
        lesson02.wraparound_demo(image, lesson02.make_kernel("box blur", 5)), "demo"
    )
    assert fig.axes[0].get_title() == "zero-padded (linear)"
    assert fig.axes[1].get_title() == "unpadded FFT (circular)"


def test_widget_builders_return_widgets() -> None:
    widgets = pytest.importorskip("ipywidgets")
    image = lesson02.demo_image(32)
    spectra = lesson02.make_spectra_widget(image)
    wrap = lesson02.make_wraparound_widget(image)
    assert isinstance(spectra, widgets.VBox) and isinstance(wrap, widgets.VBox)
    kind, size = spectra.children[0].children
    kind.value = "edge"  # a callback redraws without raising
    size.value = 5
    wrap_size = wrap.children[0].children[1]
    assert wrap_size.max == 31  # the largest odd size that fits a 32x32 image


def test_one_redraw_per_change() -> None:
    image = lesson02.shapes_image(32)
    widget = lesson02.make_wraparound_widget(image)
    assert widget.draws == 1 and widget.controls["size"].max == 31
    widget.controls["kind"].value = "Gaussian"
    widget.set(kind="edge", size=5)
    assert widget.draws == 3
