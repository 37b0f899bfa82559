"""Lesson 06 widgets: the pure functions return the right values; the shell builds a widget."""

from __future__ import annotations

import matplotlib.pyplot as plt

from course_utils import shootout as S
from course_utils.widgets import lesson06 as L


def teardown_function() -> None:
    plt.close("all")


def test_ranking_figure_has_one_bar_per_measured_method() -> None:
    rows = L.layer_ranking(N=1, C=1, K=1, H=8, kernel=5, repeat=1)
    fig = L.ranking_figure(rows, title="t")
    ax = fig.axes[0]
    measured = [r for r in rows if r["rank"] is not None]
    assert len(ax.patches) == len(measured)
    assert ax.get_xscale() == "log"
    by_height = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), reverse=True)
    assert [label.get_text() for _, label in by_height] == [r["method"] for r in rows]
    assert any("n/a" in t.get_text() for t in ax.texts)


def test_rankings_figure_groups_problems_and_marks_na() -> None:
    rows = L.layer_ranking(N=1, C=1, K=1, H=8, kernel=5, repeat=1)
    rows3 = L.layer_ranking(N=1, C=2, K=2, H=8, kernel=3, repeat=1)
    fig = L.rankings_figure({"5x5": rows, "3x3": rows3}, peak_gflops=30.0)
    ax = fig.axes[0]
    measured = [r for r in (*rows, *rows3) if r["rank"] is not None]
    assert len(ax.patches) == len(measured)
    assert sorted(p.get_height() for p in ax.patches) == sorted(r["gflops"] for r in measured)
    assert sum(t.get_text() == "n/a" for t in ax.texts) == len(rows) + len(rows3) - len(measured)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5x5", "3x3"]
    labelled = L.rankings_figure({"N=1 C=1 K=1 8x8 k=5x5": rows})
    assert labelled.axes[0].get_xticklabels()[0].get_text() == "N=1 C=1 K=1 8x8\nk=5x5"


def test_sweep_figure_is_log_log_with_peak_line() -> None:
    shapes = {k: S.LayerShape.square(1, 1, 1, 12, k) for k in (3, 5)}
    sweep = S.run_sweep(shapes, label="kernel size", repeat=1, warmup=0)
    fig = L.sweep_figure(sweep, peak_gflops=20.0, title="kernel sweep")
    time_ax, rate_ax = fig.axes
    for ax in (time_ax, rate_ax):
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = {line.get_label(): line for line in time_ax.get_lines()}
    assert len(lines["winograd"].get_xdata()) == 1  # 3x3 only
    assert len(lines["direct"].get_xdata()) == 2
    assert any(list(line.get_ydata()) == [20.0, 20.0] for line in rate_ax.get_lines())


def test_sweep_figure_lists_methods_that_never_ran() -> None:
    shapes = {5: S.LayerShape.square(1, 1, 1, 12, 5)}
    sweep = S.run_sweep(shapes, methods=("direct", "winograd"), repeat=1, warmup=0)
    fig = L.sweep_figure(sweep)
    assert any("winograd" in t.get_text() for t in fig.texts)


def test_memory_figure_bars_and_measured_dots() -> None:
    shape = S.LayerShape.square(1, 2, 2, 16, 5)
    reports = {"small": S.memory_report(shape, measure=True)}
    fig = L.memory_figure(reports)
    ax = fig.axes[0]
    with_model = [r for r in reports["small"] if r["analytic"]]
    assert len(ax.patches) == len(with_model)
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == sorted(r["analytic"] for r in with_model)
    measured = [r for r in reports["small"] if r["measured"]]
    assert len(ax.get_lines()) == len(measured)
    assert ax.get_yscale() == "log"


def test_widget_builder_returns_a_widget() -> None:
    import ipywidgets as widgets

    widget = L.make_ranking_widget(peak_gflops=10.0, repeat=1)
    assert isinstance(widget, widgets.Widget)
    assert "GFLOP" in widget.children[1].value  # the summary is shown before any measurement
