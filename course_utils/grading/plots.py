"""The report's figures, drawn off-screen (Agg) and returned as PNG data to embed in a page.

Figures are made with :class:`matplotlib.figure.Figure` directly (not pyplot), so drawing them
touches no global state and leaves no window or open figure behind.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

from course_utils.grading.results import OUTCOMES

__all__ = ["CHART_COLOURS", "outcome_bars_png", "png_data_uri", "score_histogram_png"]

#: outcome (and "no notebook") -> bar colour, also used by the report's tables.
CHART_COLOURS = {
    **dict(zip(OUTCOMES, ("#2e9d53", "#d9483b", "#a9adb3", "#f0a43a"), strict=True)),
    "no notebook": "#e3e5e8",
}
_DPI = 144


def _figure(width: float, height: float):  # -> matplotlib.figure.Figure
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _tidy(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=9, colors="#3c4043")


def score_histogram_png(edges: Sequence[float], counts: Sequence[int]) -> bytes:
    """Bars of how many students scored in each percent range (``edges`` as in
    ``item_analysis()["scores"]["histogram"]``)."""
    figure = _figure(8.0, 2.3)
    axes = figure.add_subplot()
    lefts = list(edges[:-1])
    widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    bars = axes.bar(
        lefts, counts, width=widths, align="edge", color="#4a78b8", edgecolor="white", linewidth=1.5
    )
    axes.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontsize=9, padding=2)
    axes.set_xlim(edges[0], edges[-1])
    axes.set_xticks(list(edges))
    axes.set_xticklabels([f"{e:g}%" for e in edges])
    axes.set_ylabel("students", fontsize=10)
    axes.set_ylim(0, max(max(counts, default=0), 1) * 1.18)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _tidy(axes)
    return _png(figure)


def _grouped_positions(labels: Sequence[str]) -> list[float]:
    """Bar positions, top to bottom, with a gap where the first word of the label (the set)
    changes."""
    positions: list[float] = []
    y, previous = 0.0, None
    for label in reversed(labels):
        group = label.split()[0] if label else ""
        if previous is not None and group != previous:
            y += 0.5
        positions.append(y)
        previous = group
        y += 1.0
    return positions[::-1]


def outcome_bars_png(labels: Sequence[str], shares: Sequence[dict[str, float]]) -> bytes:
    """One horizontal bar per exercise, split into the share of students with each outcome
    (and without a notebook); ``shares[i]`` maps outcome -> share for ``labels[i]``. Bars whose
    labels start with another word (``ex03 q1`` after ``ex01 q5``) are set apart."""
    positions = _grouped_positions(labels)
    height = (positions[0] + 1 if positions else 1) * 0.28
    figure = _figure(8.0, 0.8 + height)
    axes = figure.add_subplot()
    lefts = [0.0] * len(labels)
    categories = [*OUTCOMES, "no notebook"]
    for category in categories:
        widths = [100 * s.get(category, 0.0) for s in shares]
        colour = CHART_COLOURS[category]
        axes.barh(
            positions,
            widths,
            left=lefts,
            color=colour,
            height=0.72,
            label=category,
            edgecolor="white",
            linewidth=0.8,
        )
        for y, left, width in zip(positions, lefts, widths, strict=True):
            if width >= 9:
                ink = "#3c4043" if category in ("no notebook", OUTCOMES[2]) else "white"
                axes.text(
                    left + width / 2,
                    y,
                    f"{width:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color=ink,
                )
        lefts = [a + b for a, b in zip(lefts, widths, strict=True)]
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontsize=8.5)
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.6, (positions[0] if positions else 0) + 0.6)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xticklabels(["0%", "25%", "50%", "75%", "100%"])
    axes.legend(
        ncols=5,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
        fontsize=8.5,
        handlelength=1.2,
    )
    _tidy(axes)
    axes.spines["left"].set_visible(False)
    axes.tick_params(axis="y", length=0)
    return _png(figure)


def png_data_uri(data: bytes) -> str:
    """``data`` (PNG) as a ``data:`` URI for an ``<img src=...>``."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
