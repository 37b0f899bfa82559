"""Lesson 5 widgets: exact matrices as LaTeX, conditioning, tile geometry, one tile's journey."""

from __future__ import annotations

import numpy as np

from course_utils.widgets import lesson05


def test_figures_have_the_expected_panels() -> None:
    fig = lesson05.plot_tile_layout(9, 11, 4, tiles=((0, 0), (0, 1), (5, 5)))
    ax_in, ax_out = fig.axes
    coloured = [p for p in ax_in.patches if p.get_fill()]
    assert len(coloured) == 2  # the out-of-range tile is skipped
    assert coloured[0].get_width() == 6 and coloured[1].get_xy() == (3.5, -0.5)
    assert [p.get_width() for p in ax_out.patches if p.get_fill()] == [4, 4]
    rng = np.random.default_rng(0)
    trace = lesson05.follow_tile(
        rng.standard_normal((10, 10)), rng.standard_normal((3, 3)), 2, 1, 1
    )
    fig = lesson05.plot_tile_trace(trace)
    assert len(fig.axes) == 8
    assert len(fig.axes[1].texts) == 16  # numbers written in the 4x4 tile


def test_widget_builder_returns_a_widget() -> None:
    import ipywidgets as widgets

    rng = np.random.default_rng(1)
    box = lesson05.make_tile_widget(rng.standard_normal((12, 10)), rng.standard_normal((3, 3)))
    assert isinstance(box, widgets.VBox)
    m_menu, row, col = box.children[0].children
    assert (row.max, col.max) == (2, 2)  # m = 4: ceil(12 / 4) - 1, ceil(10 / 4) - 1
    m_menu.value = 2
    assert (row.max, col.max) == (5, 4)


def test_a_new_m_moves_the_tile_sliders_and_redraws_once() -> None:
    rng = np.random.default_rng(0)
    widget = lesson05.make_tile_widget(rng.standard_normal((12, 10)), rng.standard_normal((3, 3)))
    assert widget.draws == 1
    assert (widget.controls["row"].max, widget.controls["col"].max) == (2, 2)  # 12x10, m=4
    widget.controls["row"].value = 2
    widget.controls["m"].value = 6  # two tile rows: row is clipped to 1
    assert widget.draws == 3
    assert widget.values == {"m": 6, "row": 1, "col": 0}
    assert lesson05.tile_limits((12, 10), 3, 1, 2) == {"row": {"max": 5}, "col": {"max": 4}}


def test_tile_heatmap_numbers_hide_round_off_noise() -> None:
    assert lesson05.cell_text(1e-18, 4.0) == "0"
    assert lesson05.cell_text(-3e-17, 1.0) == "0"
    assert lesson05.cell_text(0.25, 1.0) == "0.25"
    assert lesson05.cell_text(-1e-3, 1.0) == "-0.001"
