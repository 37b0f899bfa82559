"""Benchmark of the course's convolutions against their references, with the three targets.

``python -m course_utils.bench conv [--quick] [--threads N] [--repeat R]``

1. ``conv2d_direct`` vs ``conv2d_loops``: 256x256 image, 5x5 kernel, float64.
   Target: direct at least 300x faster.
2. ``conv2d_fft`` vs ``scipy.signal.fftconvolve(mode="valid")`` with the flipped kernel:
   512x512 image, 5x5 and 31x31 kernels, float64. Target: at most 1.1x SciPy's time.
3. ``conv2d_im2col`` vs ``torch.nn.functional.conv2d``: N=8, C=64 -> K=64, 56x56, 3x3,
   padding 1, float32. Target: at most 1.5x torch's time.

Method and reference are timed in interleaved rounds (method, reference, method, ...),
each a median of repeats after warm-up; the reported time is the median of the round
medians, so slow drifts of a shared machine hit both sides alike. ``conv2d_loops`` takes
about a second, so it is timed once, without warm-up. Effective GFLOP/s count the direct
method's ``2*N*K*C*kh*kw*Ho*Wo`` flops for every method (the FFT does fewer operations,
so its *effective* rate may exceed the GEMM peak); the peak is measured in the same run.
Quick mode (``--quick`` or ``COURSE_QUICK=1``) shrinks the problems: its ratios are
indicative only, the targets are defined on the full sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.bench import command_parser
from course_utils.config import quick_mode
from course_utils.conv import (
    LayerShape,
    conv2d_direct,
    conv2d_fft,
    conv2d_im2col,
    conv2d_loops,
    make_operands,
    profile_im2col,
)
from course_utils.tables import Column, column_table
from course_utils.timing import (
    benchmark,
    format_seconds,
    gemm_peak_gflops,
    interleaved,
    limit_threads,
    steady_allocator,
    thread_info,
)

__all__ = [
    "ConvBenchProblem",
    "default_problems",
    "format_im2col_profile",
    "format_rows",
    "main",
    "run_conv_bench",
]


@dataclass(frozen=True)
class ConvBenchProblem:
    """One comparison: ``kind`` selects method and reference, the goal is a time ratio.

    - kind: ``"direct_vs_loops"``, ``"fft_vs_scipy"`` or ``"im2col_vs_torch"``.
    - layer: the operands, x (N, C, H, W) and w (K, C, kh, kw), stride 1.
    - planar: the operands are 2-D, x (H, W) and w (kh, kw); then ``layer`` has N = C = K = 1
      (:meth:`image` builds such a problem).
    - goal_speedup: for ``direct_vs_loops``, the required reference_time / method_time.
    - goal_ratio: otherwise, the allowed method_time / reference_time.
    """

    kind: str
    layer: LayerShape
    planar: bool = False
    goal_speedup: float | None = None
    goal_ratio: float | None = None

    def __post_init__(self) -> None:
        if self.layer.stride != 1:
            raise ValueError(f"the benchmark runs stride 1, got stride {self.layer.stride}")
        if self.planar and (self.layer.N, self.layer.C, self.layer.K) != (1, 1, 1):
            raise ValueError(f"a 2-D problem has N = C = K = 1, got {self.layer.label}")

    @classmethod
    def image(
        cls,
        kind: str,
        size: int,
        kernel: int,
        dtype: str = "float64",
        goal_speedup: float | None = None,
        goal_ratio: float | None = None,
    ) -> ConvBenchProblem:
        """A 2-D problem: a size x size image x and a kernel x kernel w, no padding."""
        layer = LayerShape.square(1, 1, 1, size, kernel, padding=0, dtype=dtype)
        return cls(kind, layer, planar=True, goal_speedup=goal_speedup, goal_ratio=goal_ratio)

    @property
    def x_shape(self) -> tuple[int, ...]:
        """(H, W) for a 2-D problem, else (N, C, H, W)."""
        return self.layer.x_shape[2:] if self.planar else self.layer.x_shape

    @property
    def w_shape(self) -> tuple[int, ...]:
        """(kh, kw) for a 2-D problem, else (K, C, kh, kw)."""
        return self.layer.w_shape[2:] if self.planar else self.layer.w_shape

    @property
    def dtype(self) -> str:
        """The layer's ``"float32"`` or ``"float64"``."""
        return self.layer.dtype

    @property
    def padding(self) -> int:
        """The layer's padding (0 for a 2-D problem made by :meth:`image`)."""
        return self.layer.padding

    @property
    def description(self) -> str:
        """``"256x256, 5x5, float64"`` or ``"N=8, C=64->64, 56x56, 3x3, pad 1, float32"``."""
        layer = self.layer
        text = f"{layer.H}x{layer.W}, {layer.kh}x{layer.kw}"
        if not self.planar:
            text = f"N={layer.N}, C={layer.C}->{layer.K}, " + text
        if layer.padding:
            text += f", pad {layer.padding}"
        return f"{text}, {layer.dtype}"


def default_problems(quick: bool = False) -> list[ConvBenchProblem]:
    """The three targets at full size, or shrunken versions in quick mode."""
    image, fft_image = (64, 128) if quick else (256, 512)
    batch, channels, side = (2, 16, 28) if quick else (8, 64, 56)
    resnet_layer = LayerShape.square(batch, channels, channels, side, 3, padding=1, dtype="float32")
    return [
        ConvBenchProblem.image("direct_vs_loops", image, kernel=5, goal_speedup=300),
        ConvBenchProblem.image("fft_vs_scipy", fft_image, kernel=5, goal_ratio=1.1),
        ConvBenchProblem.image("fft_vs_scipy", fft_image, kernel=31, goal_ratio=1.1),
        ConvBenchProblem("im2col_vs_torch", resnet_layer, goal_ratio=1.5),
    ]


def _interleaved_medians(
    method: Callable[[], object], reference: Callable[[], object], repeat: int, rounds: int
) -> tuple[float, float]:
    """Median over ``rounds`` of the per-round medians of ``method`` and ``reference``."""
    calls = {"method": method, "reference": reference}
    timings = interleaved(calls, repeat=repeat, rounds=rounds, warmup=1)
    return timings["method"].median, timings["reference"].median


def _operands(problem: ConvBenchProblem, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded standard-normal x and w (unscaled) of ``problem.x_shape`` / ``w_shape``."""
    x, w = make_operands(problem.layer, seed, scale_weights=False)
    return x.reshape(problem.x_shape), w.reshape(problem.w_shape)


def _time_problem(
    problem: ConvBenchProblem, repeat: int, rounds: int, threads: int
) -> tuple[str, str, float, float]:
    """(method name, reference name, method seconds, reference seconds)."""
    x, w = _operands(problem)
    if problem.kind == "direct_vs_loops":
        method_s = benchmark(conv2d_direct, x, w, repeat=repeat * rounds, warmup=1).median
        return (
            "conv2d_direct",
            "conv2d_loops (1 run)",
            method_s,
            benchmark(conv2d_loops, x, w, repeat=1, warmup=0).median,
        )
    if problem.kind == "fft_vs_scipy":
        import scipy.fft
        import scipy.signal

        flipped = np.ascontiguousarray(w[::-1, ::-1])
        with scipy.fft.set_workers(threads):
            times = _interleaved_medians(
                lambda: conv2d_fft(x, w),
                lambda: scipy.signal.fftconvolve(x, flipped, mode="valid"),
                repeat,
                rounds,
            )
        return "conv2d_fft", "scipy fftconvolve", *times
    if problem.kind == "im2col_vs_torch":
        import torch

        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        padding = problem.padding
        times = _interleaved_medians(
            lambda: conv2d_im2col(x, w, padding=padding),
            lambda: torch.nn.functional.conv2d(tx, tw, padding=padding),
            repeat,
            rounds,
        )
        return "conv2d_im2col", "torch conv2d", *times
    raise ValueError(f"unknown benchmark kind {problem.kind!r}")


def _row(
    problem: ConvBenchProblem, timed: tuple[str, str, float, float], peaks: dict[str, float]
) -> dict[str, Any]:
    method, reference, method_s, reference_s = timed
    flops = problem.layer.flops
    ratio, speedup = method_s / reference_s, reference_s / method_s
    if problem.goal_speedup is not None:
        goal, met = f"speedup >= {problem.goal_speedup:g}x", speedup >= problem.goal_speedup
    else:
        goal, met = f"ratio <= {problem.goal_ratio:g}", ratio <= problem.goal_ratio
    return {
        "kind": problem.kind,
        "problem": problem.description,
        "dtype": problem.dtype,
        "method": method,
        "reference": reference,
        "method_s": method_s,
        "reference_s": reference_s,
        "ratio": ratio,
        "speedup": speedup,
        "flops": flops,
        "method_gflops": flops / method_s / 1e9,
        "reference_gflops": flops / reference_s / 1e9,
        "peak_gflops": peaks[problem.dtype],
        "goal": goal,
        "met": bool(met),
    }


def run_conv_bench(
    quick: bool = False,
    threads: int = 2,
    repeat: int | None = None,
    rounds: int = 3,
    problems: Sequence[ConvBenchProblem] | None = None,
) -> list[dict[str, Any]]:
    """Time every problem with ``threads`` threads; one row (a dict) per comparison.

    Rows hold: kind, problem, dtype, method, reference, method_s, reference_s (median
    seconds), ratio (method/reference time), speedup (reference/method), flops,
    method_gflops, reference_gflops, peak_gflops (GEMM peak of that dtype, measured now),
    goal (text), met (bool), quick (bool), threads (thread counts in effect).
    """
    steady_allocator()  # repeatable allocation costs for NumPy and torch alike
    repeat = repeat if repeat is not None else (3 if quick else 7)
    problems = list(problems) if problems is not None else default_problems(quick)
    rows = []
    with limit_threads(threads):
        peak_size = 512 if quick else 1024
        dtypes = sorted({p.dtype for p in problems})
        peaks = {d: gemm_peak_gflops(d, n=peak_size, repeat=repeat) for d in dtypes}
        info = thread_info()
        for problem in problems:
            row = _row(problem, _time_problem(problem, repeat, rounds, threads), peaks)
            if problem.kind == "im2col_vs_torch":
                x, w = _operands(problem)
                row["profile"] = profile_im2col(x, w, padding=problem.padding, repeat=repeat)
                row["patch_bytes"] = _patch_bytes(problem)
            rows.append({**row, "quick": quick, "threads": {**info, "scipy.fft": threads}})
    return rows


def _patch_bytes(problem: ConvBenchProblem) -> int:
    """Bytes of the column matrix of the whole batch (what the patch copy writes)."""
    layer = problem.layer
    (out_h, out_w), patch = layer.out_hw, layer.C * layer.kh * layer.kw
    return layer.N * patch * out_h * out_w * layer.itemsize


def format_im2col_profile(row: dict[str, Any]) -> str:
    """Where the time of ``conv2d_im2col`` goes, against the reference, for a row that has a
    ``profile`` (the ``im2col_vs_torch`` row of :func:`run_conv_bench`)."""
    steps, reference_s = row["profile"], row["reference_s"]
    gemm_s, copy_s = steps["gemm"], steps["patch_copy"]
    written = row["patch_bytes"]
    gemm_gflops = row["flops"] / gemm_s / 1e9
    lines = [
        f"Where conv2d_im2col's time goes ({row['problem']}; one call, median of repeats):",
        *(f"  {name:<11} {format_seconds(seconds):>12}" for name, seconds in steps.items()),
        f"  patch copy writes {written / 2**20:.1f} MiB: {written / copy_s / 1e9:.1f} GB/s",
        f"  GEMM: {gemm_gflops:.1f} GFLOP/s = {100 * gemm_gflops / row['peak_gflops']:.0f}% "
        f"of the NumPy GEMM peak",
        f"  GEMM alone / {row['reference']} = {gemm_s / reference_s:.3f}; "
        f"sum of the steps / {row['reference']} = {sum(steps.values()) / reference_s:.3f}",
    ]
    return "\n".join(lines)


def _percent_of_peak(row: dict[str, Any]) -> str:
    return f"{100 * row['method_gflops'] / row['peak_gflops']:.0f}%"


#: The columns of :func:`format_rows`.
ROW_COLUMNS = (
    Column("problem", lambda r: r["problem"], 34, "<"),
    Column("method", lambda r: r["method"], 14, "<"),
    Column("time", lambda r: format_seconds(r["method_s"]), 12),
    Column("GFLOP/s", lambda r: f"{r['method_gflops']:.2f}", 8),
    Column("%peak", _percent_of_peak, 6),
    Column("reference", lambda r: r["reference"], 21, "<", before=" | "),
    Column("time", lambda r: format_seconds(r["reference_s"]), 12),
    Column("GFLOP/s", lambda r: f"{r['reference_gflops']:.2f}", 8),
    Column("ratio", lambda r: f"{r['ratio']:.3f}", 7, before=" | "),
    Column("speedup", lambda r: f"{r['speedup']:.1f}x", 8),
    Column("goal", lambda r: r["goal"], 17, "<", before="  "),
    Column("result", lambda r: "met" if r["met"] else "MISSED"),
)


def format_rows(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`run_conv_bench` rows, with the goals and met/missed."""
    return column_table(ROW_COLUMNS, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser("conv", __doc__)
    parser.add_argument("--threads", type=int, default=2, help="BLAS/torch/FFT threads (2)")
    parser.add_argument("--repeat", type=int, default=None, help="timed calls per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    quick = args.quick or quick_mode()
    rows = run_conv_bench(quick=quick, threads=args.threads, repeat=args.repeat, rounds=args.rounds)
    first = rows[0]
    peaks = {r["dtype"]: r["peak_gflops"] for r in rows}
    sizes = "QUICK sizes: ratios indicative only" if quick else "full sizes"
    print(f"Convolution benchmark ({sizes})")
    print(f"threads: {first['threads']}")
    peak_text = ", ".join(f"{d} {p:.1f} GFLOP/s" for d, p in sorted(peaks.items()))
    print(f"GEMM peak measured now (NumPy BLAS): {peak_text}")
    print("time = median of interleaved rounds (each a median of repeats after warm-up);")
    print("GFLOP/s = direct-method flops 2*N*K*C*kh*kw*Ho*Wo / time (FFT does fewer flops);")
    print("ratio = method time / reference time, speedup = reference time / method time.\n")
    print(format_rows(rows))
    for row in rows:
        if "profile" in row:
            print("\n" + format_im2col_profile(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
