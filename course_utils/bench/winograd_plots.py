"""Figures of :func:`course_utils.bench.winograd.run_winograd_bench` runs (lesson 5).

A *run* is the list of rows one call of ``run_winograd_bench`` returns: one row per layer
(``case``) and method (``torch.conv2d`` with ``m`` None, ``winograd m=2/4/6``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["best_of_speedup", "plot_winograd_runs"]

Row = dict[str, Any]
RATIO_TICKS = (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)


def best_of_speedup(run: Sequence[Row], row: Row) -> float:
    """torch's fastest sample / this row's fastest sample, on the same layer of the same run."""
    torch_row = next(r for r in run if r["case"] == row["case"] and r["m"] is None)
    return torch_row["min_s"] / row["min_s"]


def _grouped_bars(
    ax: Any, run: Sequence[Row], key: Callable[[Row], float], best_of: bool = False
) -> list[float]:
    """One group of bars per layer, one bar per method (circles: best-of speed-ups);
    returns every value drawn."""
    cases = list(dict.fromkeys(row["case"] for row in run))
    methods = list(dict.fromkeys(row["method"] for row in run))
    width, drawn = 0.8 / len(methods), []
    for j, method in enumerate(methods):
        picked = [next(r for r in run if r["case"] == c and r["method"] == method) for c in cases]
        xs = np.arange(len(cases)) + (j - (len(methods) - 1) / 2) * width
        heights = [key(r) for r in picked]
        ax.bar(xs, heights, width, label=method, color=f"C{j}")
        drawn += heights
        if best_of:
            best = [best_of_speedup(run, r) for r in picked]
            ax.plot(xs, best, "o", mfc="none", color="k", ms=5)
            drawn += best
    ax.set_xticks(range(len(cases)), cases, fontsize=8)
    return drawn


def _ratio_axis(ax: Any, values: Sequence[float]) -> None:
    """Log axis with readable ticks such as 0.5x, 1x, 2x around ``values``."""
    from matplotlib.ticker import NullFormatter

    ax.set_yscale("log")
    lo, hi = min(values) / 1.5, max(values) * 1.5
    ticks = [t for t in RATIO_TICKS if lo <= t <= hi]
    ax.set_ylim(lo, hi)
    ax.set_yticks(ticks, [f"{t:g}×" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())


def _speedup_panel(ax: Any, run: Sequence[Row], threads: int) -> None:
    values = _grouped_bars(ax, run, lambda r: r["speedup_vs_torch"], best_of=True)
    cases = list(dict.fromkeys(row["case"] for row in run))
    for r in run:
        if r["speed_target"] is not None:
            i = cases.index(r["case"])
            ax.plot([i - 0.4, i + 0.4], [r["speed_target"]] * 2, "k:", lw=1.5)
            values.append(r["speed_target"])
    _ratio_axis(ax, values + [1.0])
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylabel("speed-up vs torch.conv2d")
    ax.set_title(f"{threads} thread(s): median ratio (bars),\nbest-of (circles), target (dotted)")


def plot_winograd_runs(runs: Mapping[int, Sequence[Row]]) -> Any:
    """One panel per run (thread count -> run): each method's speed-up over torch.conv2d per
    layer, median ratio as bars, best-of ratio as circles, the targets dotted; a last panel
    with the effective GFLOP/s of the first run against its float32 GEMM peak.
    Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(runs) + 1, figsize=(14, 4))
    for ax, (threads, run) in zip(axes[:-1], runs.items(), strict=True):
        _speedup_panel(ax, run, threads)
    threads, rows = next(iter(runs.items()))
    ax = axes[-1]
    _grouped_bars(ax, rows, lambda r: r["gflops"])
    ax.axhline(rows[0]["peak_gflops"], color="k", ls="--", lw=1, label="float32 GEMM peak")
    ax.set_ylabel("effective GFLOP/s (direct flops / median)")
    ax.set_title(f"{threads} threads: effective throughput")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
