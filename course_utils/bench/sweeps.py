"""Channel sweeps of square 3x3 layers, shared by the lessons' measurements.

A sweep times several methods on x (batch, C, side, side) * w (C, C, 3, 3), padding 1, for
every channel count C = K in a list (:func:`sweep_square_layers`), and draws the effective
GFLOP/s against C with the machine's GEMM peak (:func:`plot_channel_sweep`). What differs
from lesson to lesson -- which methods, how the operands are drawn -- comes in as the
``makers`` (``name -> make(c)``, ``make(c)`` returning the zero-argument timed call).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from course_utils.conv import conv2d_flops
from course_utils.timing import SweepResult, limit_threads, sweep

__all__ = ["plot_channel_sweep", "sweep_square_layers"]

Makers = Mapping[str, Callable[[int], Callable[[], object]]]


def sweep_square_layers(
    makers: Makers,
    channel_counts: Sequence[int],
    *,
    batch: int,
    side: int,
    threads: int,
    repeat: int,
) -> SweepResult:
    """Every method of ``makers`` at every C of ``channel_counts``, under ``threads`` threads;
    GFLOP/s count the direct method's flops ``2 * batch * C * C * 9 * side**2``. Returns the
    :class:`~course_utils.timing.SweepResult` (rows ``size`` = C, ``method``, ``median_s``,
    ..., ``gflops``)."""

    def layer_flops(c: int) -> int:
        return conv2d_flops((batch, c, side, side), (c, c, 3, 3), padding=1)

    with limit_threads(threads):
        return sweep(
            dict(makers), channel_counts, flops=layer_flops, repeat=repeat, label="channels C = K"
        )


def plot_channel_sweep(
    result: SweepResult, *, peak_gflops: float, peak_label: str, title: str
) -> Any:
    """Effective GFLOP/s against the channel count (log-log, one tick per swept count), the
    GEMM peak dashed and labelled ``peak_label``. Returns the matplotlib axes."""
    import matplotlib.pyplot as plt

    ax = result.plot(gflops=True)
    ax.axhline(peak_gflops, color="0.3", ls="--", lw=1, label=peak_label)
    counts = list(dict.fromkeys(row["size"] for row in result.rows))
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xticks(counts, [str(c) for c in counts])
    ax.set_title(title)
    ax.legend()
    return ax
