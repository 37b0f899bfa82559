"""The measurements of lesson 4 (unfold and fold): unfold + matmul against ``F.conv2d``.

* :func:`time_unfold_steps` times, on one float32 layer (3x3, padding 1, ``C = K``) and under
  one thread limit, ``F.conv2d``, the course's ``conv2d_unfold`` and its two steps on their own
  (``F.unfold`` and the matmul), after measuring torch's float32 GEMM peak in the same setting;
* :func:`sweep_unfold_channels` times ``F.conv2d`` and ``conv2d_unfold`` for several channel
  counts ``C = K`` at a fixed image size.

Every time is a median of repeats after warm-up (:func:`course_utils.timing.benchmark`);
GFLOP/s count the direct method's ``2 N K C kh kw Ho Wo`` flops. The figures are drawn by
:func:`plot_unfold_steps` and :func:`plot_unfold_channel_sweep`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from course_utils.bench.sweeps import plot_channel_sweep, sweep_square_layers
from course_utils.conv import conv2d_flops
from course_utils.conv.unfold import conv2d_unfold
from course_utils.timing import (
    SweepResult,
    Timing,
    benchmark,
    gemm_peak_gflops,
    limit_threads,
)

__all__ = [
    "UNFOLD_STEPS",
    "UnfoldSteps",
    "format_unfold_steps",
    "plot_unfold_channel_sweep",
    "plot_unfold_steps",
    "sweep_unfold_channels",
    "time_unfold_steps",
]

#: The timed rows of :func:`time_unfold_steps`, in order.
UNFOLD_STEPS = ("F.conv2d", "unfold + matmul", "  of which: F.unfold", "  of which: matmul")
MIB = 2**20


@dataclass(frozen=True)
class UnfoldSteps:
    """Result of :func:`time_unfold_steps`: the layer x (batch, channels, side, side),
    w (channels, channels, 3, 3), the thread count, torch's float32 GEMM peak, the element
    counts of x and of ``cols = F.unfold(x, 3, padding=1)`` (batch, 9 channels, side**2), and
    one :class:`Timing` per name of :data:`UNFOLD_STEPS` (all but ``F.unfold`` with flops)."""

    batch: int
    channels: int
    side: int
    threads: int
    peak_gflops: float
    x_numel: int
    cols_numel: int
    timings: dict[str, Timing]

    @property
    def ratio(self) -> float:
        """Median time of unfold + matmul / median time of ``F.conv2d``."""
        return self.timings["unfold + matmul"].median / self.timings["F.conv2d"].median

    @property
    def unfold_share(self) -> float:
        """Median time of ``F.unfold`` alone / median time of unfold + matmul."""
        return self.timings["  of which: F.unfold"].median / self.timings["unfold + matmul"].median


def time_unfold_steps(
    batch: int,
    channels: int,
    side: int,
    *,
    threads: int = 1,
    repeat: int = 9,
    min_time: float = 0.05,
    peak_n: int = 1024,
    peak_repeat: int = 9,
    seed: int = 0,
) -> UnfoldSteps:
    """Time the layer x (batch, channels, side, side), w (channels, channels, 3, 3), float32,
    padding 1, drawn with ``torch.randn`` from a generator seeded with ``seed`` (x, then w).

    Under a limit of ``threads`` threads: torch's float32 GEMM peak (``peak_n`` matrices,
    ``peak_repeat`` samples), then ``F.conv2d(x, w)``, ``conv2d_unfold(x, w)``,
    ``F.unfold(x, 3)`` (shape (batch, 9 channels, side**2)) and the matmul
    ``w.reshape(channels, -1) @ cols`` (shape (batch, channels, side**2)), each with ``repeat``
    samples of at least ``min_time`` seconds after the default warm-up.
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, channels, side, side, generator=generator)
    w = torch.randn(channels, channels, 3, 3, generator=generator)
    flops = conv2d_flops(tuple(x.shape), tuple(w.shape), padding=1)
    cols = F.unfold(x, 3, padding=1)  # (batch, 9 channels, side**2)
    w_flat = w.reshape(channels, -1)  # (channels, 9 channels)
    timed = {"repeat": repeat, "min_time": min_time}
    with limit_threads(threads):
        peak = gemm_peak_gflops("float32", n=peak_n, backend="torch", repeat=peak_repeat)
        timings = {
            "F.conv2d": benchmark(F.conv2d, x, w, padding=1, flops=flops, **timed),
            "unfold + matmul": benchmark(conv2d_unfold, x, w, None, 1, 1, flops=flops, **timed),
            "  of which: F.unfold": benchmark(F.unfold, x, 3, padding=1, **timed),
            "  of which: matmul": benchmark(torch.matmul, w_flat, cols, flops=flops, **timed),
        }
    return UnfoldSteps(
        batch, channels, side, threads, peak, x.numel(), cols.numel(), timings=timings
    )


def format_unfold_steps(steps: UnfoldSteps) -> str:
    """The layer, the thread count and the peak; one line per step (median in ms, GFLOP/s and
    share of the peak when it has flops); the time ratio to ``F.conv2d``, the share of
    ``F.unfold``, and the memory of x and of cols (float32)."""
    lines = [
        f"layer: N={steps.batch}, C=K={steps.channels}, {steps.side}x{steps.side}, 3x3, "
        f"padding 1, float32; {steps.threads} thread(s); "
        f"oneDNN available: {torch.backends.mkldnn.is_available()}",
        f"GEMM peak (torch, float32, measured now): {steps.peak_gflops:.1f} GFLOP/s\n",
    ]
    for name, timing in steps.timings.items():
        rate = ""
        if timing.gflops:
            share = 100 * timing.gflops / steps.peak_gflops
            rate = f"{timing.gflops:7.1f} GFLOP/s ({share:5.1f}% of peak)"
        lines.append(f"{name:22} {timing.median * 1e3:9.3f} ms   {rate}")
    lines.append(
        f"\nunfold + matmul takes {steps.ratio:.2f}x the time of F.conv2d; "
        f"building cols is {100 * steps.unfold_share:.0f}% of it."
    )
    lines.append(
        f"memory: x is {steps.x_numel * 4 / MIB:.1f} MiB, cols is "
        f"{steps.cols_numel * 4 / MIB:.1f} MiB ({steps.cols_numel / steps.x_numel:.0f}x)"
    )
    return "\n".join(lines)


def plot_unfold_steps(steps: UnfoldSteps) -> Any:
    """Two panels of horizontal bars, first step on top: the median time of every step (ms),
    and the effective GFLOP/s of the steps with flops against the GEMM peak (dashed).
    Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    timings, peak = steps.timings, steps.peak_gflops
    names = list(timings)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    axes[0].barh(names[::-1], [timings[name].median * 1e3 for name in names[::-1]], color="C0")
    axes[0].set_xlabel("median time per call (ms)")
    axes[0].set_title("one conv layer, float32")
    rated = [name for name in names if timings[name].gflops]
    axes[1].barh(rated[::-1], [timings[name].gflops for name in rated[::-1]], color="C1")
    axes[1].axvline(peak, color="k", linestyle="--", label=f"GEMM peak {peak:.0f} GFLOP/s")
    axes[1].set_xlabel("effective GFLOP/s")
    axes[1].legend(loc="lower right")
    fig.tight_layout()
    return fig


def _square_layer_makers(batch: int, side: int) -> dict[str, Callable[[int], Callable[[], object]]]:
    """``name -> make(c)`` for :func:`sweep`: x (batch, c, side, side) and w (c, c, 3, 3),
    float32, from a generator seeded with ``c``; the timed call uses padding 1."""

    def operands(c: int) -> tuple[torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(c)
        return (
            torch.randn(batch, c, side, side, generator=generator),
            torch.randn(c, c, 3, 3, generator=generator),
        )

    def make_torch(c: int) -> Callable[[], object]:
        x, w = operands(c)
        return lambda: F.conv2d(x, w, padding=1)

    def make_unfold(c: int) -> Callable[[], object]:
        x, w = operands(c)
        return lambda: conv2d_unfold(x, w, None, 1, 1)

    return {"F.conv2d": make_torch, "unfold + matmul": make_unfold}


def sweep_unfold_channels(
    channel_counts: Sequence[int],
    *,
    batch: int,
    side: int,
    threads: int = 1,
    repeat: int = 7,
) -> SweepResult:
    """``F.conv2d`` and ``conv2d_unfold`` on x (batch, C, side, side), w (C, C, 3, 3), float32,
    padding 1, for every C in ``channel_counts``, with ``threads`` threads. Returns the
    :class:`SweepResult` (rows ``size`` = C, ``method``, ``median_s``, ..., ``gflops``)."""

    makers = _square_layer_makers(batch, side)
    return sweep_square_layers(
        makers, channel_counts, batch=batch, side=side, threads=threads, repeat=repeat
    )


def plot_unfold_channel_sweep(
    result: SweepResult, *, peak_gflops: float, batch: int, side: int, threads: int
) -> Any:
    """Effective GFLOP/s against the channel count (log-log), with the GEMM peak dashed.
    Returns the matplotlib axes."""
    return plot_channel_sweep(
        result,
        peak_gflops=peak_gflops,
        peak_label="GEMM peak",
        title=f"3×3 conv, N={batch}, {side}×{side}, float32, {threads} thread(s)",
    )
