"""Lesson 06, the shootout: pure functions (rankings, figures) and one thin widget shell.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson06.py`` and ``tests/test_demos_*.py``):

* :func:`layer_summary` -- flops, output size, applicable methods and predicted extra memory
  of a layer, without running anything;
* :func:`layer_ranking` -- measure every method on a layer (small repeat) and rank them;
* :func:`ranking_figure`, :func:`sweep_figure`, :func:`memory_figure` -- the lesson's plots.

:func:`make_ranking_widget` only wires sliders and a button to these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from course_utils.demos.layers import (
    MAX_WIDGET_GFLOP,
    layer_ranking,
    layer_summary,
)
from course_utils.shootout import (
    METHOD_NAMES,
    ShootoutSweep,
    format_bytes,
    format_ranking,
)

__all__ = [
    "CHANNEL_CHOICES",
    "KERNEL_CHOICES",
    "MAX_WIDGET_GFLOP",
    "METHOD_COLORS",
    "SIZE_CHOICES",
    "layer_ranking",
    "layer_summary",
    "make_ranking_widget",
    "memory_figure",
    "ranking_figure",
    "ranking_view",
    "rankings_figure",
    "sweep_figure",
]

#: One colour per method, the same in every figure of the lesson.
METHOD_COLORS: dict[str, str] = dict(
    zip(METHOD_NAMES, [plt.get_cmap("tab10")(i) for i in range(len(METHOD_NAMES))], strict=True)
)
CHANNEL_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
SIZE_CHOICES = (8, 14, 16, 28, 32, 56, 64, 128, 256)
KERNEL_CHOICES = (1, 3, 5, 7, 9, 11, 15)
#: The widget refuses layers above this many GFLOP (a measurement would take too long).


def ranking_figure(rows: Sequence[dict[str, Any]], title: str | None = None) -> plt.Figure:
    """Horizontal bars of the median times (log scale), fastest on top; n/a methods in grey.

    ``rows`` are :func:`course_utils.shootout.rank_methods` rows. Each bar is labelled with
    its time and effective GFLOP/s.
    """
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    measured = [r for r in rows if r["rank"] is not None]
    times = [r["median_s"] for r in measured]
    positions = np.arange(len(rows))[::-1]
    for pos, row in zip(positions, rows, strict=True):
        if row["rank"] is None:
            ax.text(
                0.01,
                pos,
                row["note"],
                transform=ax.get_yaxis_transform(),
                va="center",
                color="0.45",
                fontsize=8,
            )
            continue
        ax.barh(pos, row["median_s"], color=METHOD_COLORS[row["method"]])
        ax.text(
            row["median_s"],
            pos,
            f"  {row['median_s'] * 1e3:.3g} ms, {row['gflops']:.3g} GFLOP/s",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(positions, [r["method"] for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xscale("log")
    if times:
        ax.set_xlim(min(times) / 2, max(times) * 20)
    ax.set_xlabel("median time per call (s, log scale)")
    ax.set_title(title or "ranking, fastest on top")
    fig.tight_layout()
    return fig


def rankings_figure(
    rankings: dict[str, Sequence[dict[str, Any]]], peak_gflops: float | None = None
) -> plt.Figure:
    """Grouped bars of effective GFLOP/s, one group per problem, one bar per method (log y).

    ``rankings`` maps a problem label to :func:`course_utils.shootout.rank_methods` rows.
    Methods that do not apply get an "n/a" mark instead of a bar; the dashed line is the
    measured GEMM peak.
    """
    labels = list(rankings)
    width = 0.8 / len(METHOD_NAMES)
    fig, ax = plt.subplots(figsize=(max(6, 2.4 * len(labels)) + 1.2, 4))
    for i, method in enumerate(METHOD_NAMES):
        labelled = False
        for j, label in enumerate(labels):
            row = _row(rankings[label], method)
            x = j + (i - (len(METHOD_NAMES) - 1) / 2) * width
            if row.get("gflops"):
                ax.bar(
                    x,
                    row["gflops"],
                    width,
                    color=METHOD_COLORS[method],
                    label=None if labelled else method,
                )
                labelled = True
            elif row["note"]:
                ax.text(
                    x,
                    0.02,
                    "n/a",
                    transform=ax.get_xaxis_transform(),
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=METHOD_COLORS[method],
                )
    if peak_gflops:
        ax.axhline(peak_gflops, color="k", linestyle="--", linewidth=1, label="GEMM peak")
    return _finish_bars(
        fig,
        ax,
        labels,
        "effective GFLOP/s (log)",
        "effective GFLOP/s = direct-method flops / median time",
    )


def sweep_figure(
    sweep: ShootoutSweep, peak_gflops: float | None = None, title: str | None = None
) -> plt.Figure:
    """Two log-log panels over the sweep: median time, and effective GFLOP/s with the peak.

    Methods that were n/a at some sizes are drawn only where they ran; the methods that
    never ran are listed under the figure with their reason.
    """
    fig, (ax_time, ax_rate) = plt.subplots(1, 2, figsize=(12, 4))
    for method in sweep.methods:
        points = [(s, sweep.time(s, method), sweep.gflops(s, method)) for s in sweep.sizes]
        points = [p for p in points if p[1] is not None]
        if not points:
            continue
        sizes, times, rates = zip(*points, strict=True)
        style = {"marker": "o", "color": METHOD_COLORS[method], "label": method}
        ax_time.plot(sizes, times, **style)
        ax_rate.plot(sizes, rates, **style)
    if peak_gflops:
        ax_rate.axhline(peak_gflops, color="k", linestyle="--", linewidth=1)
        ax_rate.annotate(
            "GEMM peak",
            (sweep.sizes[0], peak_gflops),
            xytext=(2, 3),
            textcoords="offset points",
            fontsize=8,
        )
    for ax, ylabel in ((ax_time, "median time per call (s)"), (ax_rate, "effective GFLOP/s")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(sweep.label)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks(sweep.sizes, [str(s) for s in sweep.sizes])
        ax.minorticks_off()
    handles, names = ax_time.get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, loc="center right")
    never = _never_ran(sweep)
    if never:
        fig.text(0.01, 0.01, "not plotted (n/a at every size): " + "; ".join(never), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05 if never else 0, 0.9, 1))
    return fig


def _never_ran(sweep: ShootoutSweep) -> list[str]:
    never = []
    for method in sweep.methods:
        reasons = [sweep.not_applicable.get((s, method)) for s in sweep.sizes]
        if all(reasons):
            never.append(f"{method} ({reasons[-1]})")
    return never


def memory_figure(reports: dict[str, Sequence[dict[str, Any]]]) -> plt.Figure:
    """Grouped bars of the analytic extra memory per method (log scale), one group per problem.

    ``reports`` maps a problem label to :func:`course_utils.shootout.memory_report` rows;
    measured values (NumPy methods) are drawn as black dots on their bars, n/a methods
    are hatched (what they would need), methods without a model are left out.
    """
    labels = list(reports)
    methods = [m for m in METHOD_NAMES if any(_row(reports[p], m)["analytic"] for p in labels)]
    width = 0.8 / max(1, len(methods))
    fig, ax = plt.subplots(figsize=(max(5, 2.4 * len(labels)) + 1.2, 4))
    for i, method in enumerate(methods):
        labelled = False
        for j, label in enumerate(labels):
            row = _row(reports[label], method)
            if not row["analytic"]:
                continue
            x = j + (i - (len(methods) - 1) / 2) * width
            ax.bar(
                x,
                row["analytic"],
                width,
                color=METHOD_COLORS[method],
                hatch="//" if row["note"] else None,
                alpha=0.5 if row["note"] else 1.0,
                label=None if labelled else method,
            )
            labelled = True
            if row["measured"]:
                ax.plot(x, row["measured"], "k.", markersize=6)
    return _finish_bars(
        fig,
        ax,
        labels,
        "extra memory per call (bytes, log)",
        "temporaries: bars = analytic model, dots = tracemalloc, hatched = n/a",
    )


def _finish_bars(
    fig: plt.Figure, ax: plt.Axes, labels: Sequence[str], ylabel: str, title: str
) -> plt.Figure:
    """The common finish of the per-problem bar charts: log scale, two-line problem labels,
    the legend outside on the right."""
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)), [_two_lines(t) for t in labels], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def _two_lines(label: str) -> str:
    """A LayerShape label broken before the kernel, so tick labels stay narrow."""
    return label.replace(" k=", "\nk=", 1)


def _row(rows: Sequence[dict[str, Any]], method: str) -> dict[str, Any]:
    for row in rows:
        if row["method"] == method:
            return row
    return {"method": method, "analytic": None, "measured": None, "note": ""}


def _summary_text(summary: dict[str, Any]) -> str:
    missing = ", ".join(f"{m} ({r})" for m, r in summary["not_applicable"].items()) or "none"
    memory = ", ".join(
        f"{m} {format_bytes(b)}" for m, b in summary["extra_bytes"].items() if b is not None
    )
    return (
        f"{summary['label']} -> output {summary['out_shape']}, "
        f"{summary['gflop']:.3g} GFLOP (direct count)\n"
        f"n/a: {missing}\npredicted extra memory: {memory}"
    )


def ranking_view(
    N: int,
    C: int,
    K: int,
    H: int,
    kernel: int,
    repeat: int = 2,
    peak_gflops: float | None = None,
    threads: int | None = None,
) -> list[plt.Figure | str]:
    """What the ranking widget shows after Measure: the ranking table and its figure, or why
    the layer was not measured (arguments as for :func:`layer_ranking`)."""
    layer = {"N": N, "C": C, "K": K, "H": H, "kernel": kernel}
    try:
        rows = layer_ranking(**layer, repeat=repeat, peak_gflops=peak_gflops, threads=threads)
    except ValueError as error:
        return [str(error)]
    return [format_ranking(rows), ranking_figure(rows, title=layer_summary(**layer)["label"])]


def make_ranking_widget(
    peak_gflops: float | None = None, repeat: int = 2, threads: int | None = None
) -> Any:
    """Sliders for N, C, K, H and the kernel, a Measure button, and the ranking they produce.

    The summary (flops, n/a methods, predicted memory) updates as the sliders move; the
    measurement (:func:`ranking_view`) runs only when the button is pressed. Returns a
    ``WidgetShell``.
    """
    import ipywidgets as widgets

    from course_utils.widgets.shell import WidgetShell

    controls = {
        "N": widgets.IntSlider(value=1, min=1, max=8, description="N"),
        "C": widgets.SelectionSlider(options=CHANNEL_CHOICES, value=16, description="C"),
        "K": widgets.SelectionSlider(options=CHANNEL_CHOICES, value=16, description="K"),
        "H": widgets.SelectionSlider(options=SIZE_CHOICES, value=28, description="H = W"),
        "kernel": widgets.SelectionSlider(options=KERNEL_CHOICES, value=3, description="kernel"),
    }
    button = widgets.Button(description="Measure", button_style="primary")
    sliders = list(controls.values())
    layout = widgets.VBox([widgets.HBox(sliders[:3]), widgets.HBox([*sliders[3:], button])])

    def summary(**layer: int) -> str:
        return f"<pre>{_summary_text(layer_summary(**layer))}</pre>"

    return WidgetShell(
        controls,
        lambda **layer: ranking_view(
            **layer, repeat=repeat, peak_gflops=peak_gflops, threads=threads
        ),
        layout=layout,
        trigger=button,
        caption=(widgets.HTML(), summary),
        fallback=False,
    )
