"""The measurements of lesson 3 (im2col): where the time of ``conv2d_im2col`` goes, and how
the channel count changes its effective GFLOP/s.

* :func:`time_im2col_steps` times, on one layer and under one thread limit, the two steps of
  an im2col convolution on their own (building the column matrix, the GEMM), the course's
  blocked ``conv2d_im2col`` and ``torch.nn.functional.conv2d``, after measuring the float32
  GEMM peak in the same thread setting;
* :func:`sweep_im2col_channels` times ``conv2d_im2col`` and ``F.conv2d`` on square 3x3 layers
  with ``C = K`` input and output channels, for several channel counts.

Every time is a median of repeats after warm-up (:func:`course_utils.timing.benchmark`);
GFLOP/s count the direct method's ``2 N K C kh kw Ho Wo`` flops. The figures are drawn by
:func:`plot_im2col_steps` and :func:`plot_im2col_channel_sweep`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.bench.conv import ConvBenchProblem, run_conv_bench
from course_utils.bench.sweeps import plot_channel_sweep, sweep_square_layers
from course_utils.conv import conv2d_flops, conv2d_im2col, im2col
from course_utils.timing import (
    SweepResult,
    Timing,
    benchmark,
    gemm_peak_gflops,
    limit_threads,
)

__all__ = [
    "IM2COL_STEPS",
    "Im2colSteps",
    "bench_target_by_threads",
    "plot_target_by_threads",
    "format_im2col_steps",
    "plot_im2col_channel_sweep",
    "plot_im2col_steps",
    "sweep_im2col_channels",
    "time_im2col_steps",
]

#: The timed rows of :func:`time_im2col_steps`, in order, with their bar colours.
IM2COL_STEPS = {
    "im2col copy": "C1",
    "GEMM (w_mat @ cols)": "C0",
    "conv2d_im2col (blocked)": "C2",
    "torch conv2d": "C3",
}
MIB = 2**20


@dataclass(frozen=True)
class Im2colSteps:
    """Result of :func:`time_im2col_steps`.

    ``parts`` maps each name of :data:`IM2COL_STEPS` to its :class:`Timing` (the three that
    compute the layer carry its flop count, the copy does not); byte counts are those of the
    float32 input (N, C, H, W) and of its column matrix (N, C kh kw, Ho Wo).
    """

    threads: int
    peak_gflops: float
    input_bytes: int
    cols_bytes: int
    parts: dict[str, Timing]


def time_im2col_steps(
    x_shape: tuple[int, int, int, int],
    w_shape: tuple[int, int, int, int],
    rng: np.random.Generator,
    *,
    threads: int = 1,
    padding: int = 1,
    repeat: int = 5,
    peak_n: int = 1024,
) -> Im2colSteps:
    """Time the pieces of an im2col convolution of float32 ``x`` (N, C, H, W) with ``w``
    (K, C, kh, kw), stride 1, drawn from ``rng`` (x first, then w), with ``threads`` threads.

    Under the thread limit: first the float32 GEMM peak (``peak_n`` x ``peak_n`` matrices),
    then, each with ``repeat`` timed calls after the default warm-up, ``im2col(x)`` (shape
    (N, C kh kw, Ho Wo)), the GEMM ``w.reshape(K, -1) @ cols`` (shape (N, K, Ho Wo)),
    ``conv2d_im2col(x, w)`` and ``F.conv2d`` on the same arrays.
    """
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    kernel = (w.shape[2], w.shape[3])
    flops = conv2d_flops(x.shape, w.shape, padding=padding)
    w_mat = w.reshape(w.shape[0], -1)  # (K, C kh kw)
    with limit_threads(threads):
        peak = gemm_peak_gflops("float32", n=peak_n)
        cols = im2col(x, kernel, padding=padding)  # (N, C kh kw, Ho Wo)
        parts = {
            "im2col copy": benchmark(im2col, x, kernel, padding=padding, repeat=repeat),
            "GEMM (w_mat @ cols)": benchmark(np.matmul, w_mat, cols, repeat=repeat, flops=flops),
            "conv2d_im2col (blocked)": benchmark(
                conv2d_im2col, x, w, padding=padding, repeat=repeat, flops=flops
            ),
            "torch conv2d": benchmark(
                F.conv2d,
                torch.from_numpy(x),
                torch.from_numpy(w),
                padding=padding,
                repeat=repeat,
                flops=flops,
            ),
        }
    return Im2colSteps(threads, peak, x.nbytes, cols.nbytes, parts)


def format_im2col_steps(steps: Im2colSteps) -> str:
    """The thread count and GEMM peak, the two sizes in MiB, then one line per timed step
    (its :class:`Timing`, and its share of the peak when it has a flop count)."""
    lines = [
        f"{steps.threads} thread(s), GEMM peak {steps.peak_gflops:.1f} GFLOP/s",
        f"input {steps.input_bytes / MIB:.1f} MiB, column matrix {steps.cols_bytes / MIB:.1f} MiB",
    ]
    for name, timing in steps.parts.items():
        share = f", {100 * timing.gflops / steps.peak_gflops:.0f}% of peak" if timing.gflops else ""
        lines.append(f"{name:<24} {timing}{share}")
    return "\n".join(lines)


def plot_im2col_steps(steps: Im2colSteps, layer: str) -> Any:
    """Horizontal bars of the median time (ms) of each step, first step on top; the title
    names the ``layer`` and the thread count. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    names = list(steps.parts)
    colours = [IM2COL_STEPS.get(name, "C4") for name in names]
    ax.barh(names, [steps.parts[name].median * 1e3 for name in names], color=colours)
    ax.invert_yaxis()
    ax.set_xlabel("median time (ms)")
    ax.set_title(f"{layer}, {steps.threads} thread(s)")
    return fig


def _square_layer_makers(
    batch: int, side: int, rng: np.random.Generator
) -> dict[str, Callable[[int], Callable[[], object]]]:
    """``name -> make(c)`` for :func:`sweep`: each ``make`` draws x (batch, c, side, side) and
    w (c, c, 3, 3) in float32 from ``rng`` and returns the timed call (padding 1)."""

    def operands(c: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((batch, c, side, side)).astype(np.float32)
        w = rng.standard_normal((c, c, 3, 3)).astype(np.float32)
        return x, w

    def make_im2col(c: int) -> Callable[[], object]:
        x, w = operands(c)
        return lambda: conv2d_im2col(x, w, padding=1)

    def make_torch(c: int) -> Callable[[], object]:
        x, w = (torch.from_numpy(a) for a in operands(c))
        return lambda: F.conv2d(x, w, padding=1)

    return {"conv2d_im2col": make_im2col, "torch conv2d": make_torch}


def sweep_im2col_channels(
    channel_counts: Sequence[int],
    *,
    batch: int,
    side: int,
    rng: np.random.Generator,
    threads: int = 1,
    repeat: int = 5,
) -> SweepResult:
    """``conv2d_im2col`` and ``F.conv2d`` on x (batch, C, side, side) and w (C, C, 3, 3),
    float32, padding 1, for every C in ``channel_counts``, with ``threads`` threads.

    Operands are drawn from ``rng`` per channel count and method, in sweep order. Returns the
    :class:`SweepResult` (rows ``size`` = C, ``method``, ``median_s``, ..., ``gflops``).
    """

    makers = _square_layer_makers(batch, side, rng)
    return sweep_square_layers(
        makers, channel_counts, batch=batch, side=side, threads=threads, repeat=repeat
    )


def plot_im2col_channel_sweep(
    result: SweepResult, *, peak_gflops: float, batch: int, side: int, threads: int
) -> Any:
    """Effective GFLOP/s against the channel count (log-log, one tick per swept count), with
    the GEMM peak of ``threads`` threads dashed; the title names the layer (batch, side).
    Returns the matplotlib axes."""
    return plot_channel_sweep(
        result,
        peak_gflops=peak_gflops,
        peak_label=f"GEMM peak ({threads} thread(s))",
        title=f"N={batch}, {side}×{side}, 3×3, float32",
    )


def bench_target_by_threads(
    target: ConvBenchProblem,
    thread_counts: Sequence[int],
    *,
    quick: bool,
    repeat: int,
    rounds: int,
) -> list[dict[str, Any]]:
    """The course benchmark (:func:`course_utils.bench.conv.run_conv_bench`) of ``target``
    once per thread count: one row each (its keys, and ``n_threads``)."""
    rows = []
    for threads in thread_counts:
        row = run_conv_bench(
            quick=quick, threads=threads, repeat=repeat, rounds=rounds, problems=[target]
        )[0]
        rows.append({**row, "n_threads": threads})
    return rows


def plot_target_by_threads(rows: Sequence[dict[str, Any]], title: str) -> Any:
    """Bars of effective GFLOP/s per thread count: ``conv2d_im2col``, ``torch conv2d`` and
    the NumPy GEMM peak measured in the same run. Returns the matplotlib axes."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.5, 3.4))
    bar_w = 0.27
    positions = np.arange(len(rows))
    series = [
        ("conv2d_im2col", "method_gflops"),
        ("torch conv2d", "reference_gflops"),
        ("GEMM peak (NumPy)", "peak_gflops"),
    ]
    for index, (name, key) in enumerate(series):
        values = [row[key] for row in rows]
        ax.bar(positions + (index - 1) * bar_w, values, bar_w, label=name)
    ax.set_xticks(positions, [f"{row['n_threads']} thread(s)" for row in rows])
    ax.set_ylabel("effective GFLOP/s")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax
