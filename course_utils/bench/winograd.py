"""Winograd F(m x m, 3 x 3) in NumPy against PyTorch's CPU ``conv2d``, side by side.

Run ``python -m course_utils.bench winograd [--quick] [--threads N] [--repeat R]``.

What is measured (all in one run, with the same thread limit for NumPy's BLAS and torch):

* median time of ``torch.nn.functional.conv2d`` (float32) and of ``conv2d_winograd`` for
  m = 2, 4, 6 (float32, filters transformed *outside* the timed region), after warm-up;
  the methods are timed in alternation (one call of each per round), so background load
  on a shared machine affects them alike;
* speed-up = torch median / Winograd median;
* effective GFLOP/s = direct-convolution flops 2 N K C 9 H W / median time, compared with
  the float32 GEMM peak measured by ``gemm_peak_gflops`` in the same run (Winograd can
  exceed it: it does fewer multiplications than it is credited for);
* max |error| / max |output| against a float64 torch reference;
* the multiplication reduction of the element-wise stage, from ``multiplication_count``;
* for F(4x4, 3x3): the targets below, each reported as met or missed.

Afterwards the lesson 1-3 convolution benchmark (``course_utils.bench.conv``) runs when
it is available.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.conv.layers import LayerShape, make_operands
from course_utils.conv.winograd import (
    chunk_layout,
    conv2d_winograd,
    multiplication_count,
    profile_winograd,
    transform_filters,
)
from course_utils.tables import Column, column_table
from course_utils.timing import (
    Timing,
    format_seconds,
    gemm_peak_gflops,
    interleaved,
    limit_threads,
    steady_allocator,
    thread_info,
)

__all__ = [
    "FULL_CASES",
    "QUICK_CASES",
    "BenchCase",
    "BenchTarget",
    "format_rows",
    "main",
    "run_winograd_bench",
]

ERROR_TARGET = 1e-4  # max |error| <= ERROR_TARGET * max |output| for F(4x4, 3x3)
TILE_SIZES = (2, 4, 6)


@dataclass(frozen=True)
class BenchTarget:
    """One benchmarked layer and its speed target.

    - layer: x (N, C, H, W), w (K, C, 3, 3), padding 1, stride 1, float32 (anything else
      raises ``ValueError``: the benchmark runs only that).
    - speed_target: the required torch / Winograd(m=4) time ratio, or None.
    """

    layer: LayerShape
    speed_target: float | None = None

    def __post_init__(self) -> None:
        layer = self.layer
        setting = ((layer.kh, layer.kw), layer.padding, layer.stride, layer.dtype)
        if setting != ((3, 3), 1, 1, "float32"):
            raise ValueError(
                f"the Winograd benchmark runs 3x3 float32 layers with padding 1 and stride 1, "
                f"got {layer.label} {layer.dtype}"
            )

    @classmethod
    def of(
        cls, N: int, C: int, K: int, H: int, W: int, speed_target: float | None = None
    ) -> BenchTarget:
        """The layer x (N, C, H, W) * w (K, C, 3, 3), padding 1, float32, and its target."""
        return cls(LayerShape(N, C, K, H, W, 3, 3, padding=1), speed_target)

    @property
    def label(self) -> str:
        """``"N=8 C=128 K=128 28x28"``: the rows' ``case``."""
        layer = self.layer
        return f"N={layer.N} C={layer.C} K={layer.K} {layer.H}x{layer.W}"


#: ``BenchCase(N, C, K, H, W, speed_target=None)``: the short form, a :class:`BenchTarget`.
BenchCase = BenchTarget.of


FULL_CASES = (
    BenchTarget.of(8, 128, 128, 28, 28, speed_target=1.2),
    BenchTarget.of(4, 256, 256, 14, 14, speed_target=1.8),
)
QUICK_CASES = (
    BenchTarget.of(2, 64, 64, 28, 28),
    BenchTarget.of(2, 128, 128, 14, 14),
)


def _make_inputs(case: BenchTarget, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x (N, C, H, W) and He-scaled w (K, C, 3, 3), float32, drawn in float32."""
    return make_operands(case.layer, seed, draw_dtype="float32")


def _relative_error(got: np.ndarray, reference: np.ndarray) -> float:
    return float(np.abs(got.astype(np.float64) - reference).max() / np.abs(reference).max())


def _bench_case(case: BenchTarget, repeat: int, warmup: int, peak: float) -> list[dict[str, Any]]:
    x, w = _make_inputs(case)
    x_t, w_t = torch.from_numpy(x), torch.from_numpy(w)
    reference = F.conv2d(x_t.double(), w_t.double(), padding=1).numpy()
    # Raw weights on both sides: conv2d_winograd transforms them in the warm-up call and
    # reuses the result only after checking, on every call, that they are unchanged.
    calls: dict[str, Any] = {"torch.conv2d": lambda: F.conv2d(x_t, w_t, padding=1)}
    for m in TILE_SIZES:
        calls[f"winograd m={m}"] = partial(conv2d_winograd, x, w, padding=1, m=m)
    with torch.no_grad():  # call by call: every round runs each method once
        timings = interleaved(
            calls, repeat=1, rounds=repeat, warmup=0, warmup_rounds=warmup, flops=case.layer.flops
        )
        outputs = {name: np.asarray(fn()) for name, fn in calls.items()}
    torch_time = timings["torch.conv2d"]
    rows = []
    for name, timing in timings.items():
        m = None if name == "torch.conv2d" else int(name.rsplit("=", 1)[1])
        error = _relative_error(outputs[name], reference)
        rows.append(_row(case, name, m, timing, error, peak, torch_time))
    return rows


def _row(
    case: BenchTarget,
    method: str,
    m: int | None,
    timing: Timing,
    error: float,
    peak: float,
    torch_time: Timing,
) -> dict[str, Any]:
    layer = case.layer
    sizes = (layer.N, layer.C, layer.K, layer.H, layer.W)
    count = multiplication_count(*sizes, m, 3, layer.padding) if m else None
    speedup = torch_time.median / timing.median
    is_target = m == 4 and case.speed_target is not None
    return {
        "case": case.label,
        "N": layer.N,
        "C": layer.C,
        "K": layer.K,
        "H": layer.H,
        "W": layer.W,
        "method": method,
        "m": m,
        "median_s": timing.median,
        "min_s": timing.min,
        "max_s": timing.max,
        "gflops": timing.gflops,
        "peak_gflops": peak,
        "fraction_of_peak": timing.gflops / peak,
        "speedup_vs_torch": speedup,
        "max_rel_error": error,
        "mult_reduction": None if count is None else count["ratio"],
        "speed_target": case.speed_target if is_target else None,
        "speed_met": (speedup >= case.speed_target) if is_target else None,
        "error_target": ERROR_TARGET if m == 4 else None,
        "error_met": (error <= ERROR_TARGET) if m == 4 else None,
        "threads": timing.threads,
    }


def run_winograd_bench(
    quick: bool = False,
    threads: int = 2,
    repeat: int | None = None,
    cases: Sequence[BenchTarget] | None = None,
    warmup: int = 2,
    peak_size: int = 1024,
) -> list[dict[str, Any]]:
    """Time torch.conv2d and conv2d_winograd (m = 2, 4, 6) on each case; one dict per row.

    Args:
        quick: smaller layers (QUICK_CASES) and fewer repeats.
        threads: thread limit for NumPy's BLAS and torch during the whole run.
        repeat: timed samples per method (default 9, or 3 when quick).
        cases: override the layers (e.g. tiny ones in tests).
        warmup: untimed calls before timing.
        peak_size: matrix side for the float32 GEMM peak measured in the same run.

    Returns:
        Rows with keys case, N, C, K, H, W, method, m, median_s, min_s, max_s, gflops,
        peak_gflops, fraction_of_peak, speedup_vs_torch, max_rel_error, mult_reduction,
        speed_target, speed_met, error_target, error_met, threads.
    """
    steady_allocator()  # repeatable allocation costs for NumPy and torch alike
    if cases is None:
        cases = QUICK_CASES if quick else FULL_CASES
    if repeat is None:
        repeat = 3 if quick else 9
    rows: list[dict[str, Any]] = []
    with limit_threads(threads):
        peak = gemm_peak_gflops("float32", n=peak_size)
        for case in cases:
            rows.extend(_bench_case(case, repeat, warmup, peak))
    return rows


def _reduction_text(row: dict[str, Any]) -> str:
    return "" if row["mult_reduction"] is None else f"{row['mult_reduction']:.2f}x"


#: The columns of :func:`format_rows`.
ROW_COLUMNS = (
    Column("layer", lambda r: r["case"], 28, "<"),
    Column("method", lambda r: r["method"], 14, "<"),
    Column("median", lambda r: format_seconds(r["median_s"]), 9),
    Column("GFLOP/s", lambda r: f"{r['gflops']:.1f}", 8),
    Column("%peak", lambda r: f"{100 * r['fraction_of_peak']:.0f}%", 6),
    Column("vs torch", lambda r: f"{r['speedup_vs_torch']:.2f}x", 8),
    Column("mult/", _reduction_text, 6),
    Column("max rel err", lambda r: f"{r['max_rel_error']:.2e}", 11),
    Column("target", lambda r: _target_text(r), before="  "),
)


def format_rows(rows: Sequence[dict[str, Any]]) -> str:
    """Plain-text table of :func:`run_winograd_bench` rows."""
    return column_table(ROW_COLUMNS, rows)


def _target_text(row: dict[str, Any]) -> str:
    parts = []
    if row["speed_target"] is not None:
        verdict = "met" if row["speed_met"] else "missed"
        parts.append(f"speed >= {row['speed_target']}x: {verdict}")
    if row["error_target"] is not None:
        verdict = "met" if row["error_met"] else "missed"
        parts.append(f"error <= {row['error_target']:.0e}: {verdict}")
    return "; ".join(parts)


def _print_stage_profile(cases: Sequence[BenchTarget], threads: int, repeat: int) -> None:
    """Where the time of F(4x4, 3x3) goes, stage by stage (median seconds)."""
    print("\nconv2d_winograd(m=4) stage profile, one batch chunk (median of repeats):")
    with limit_threads(threads):
        for case in cases:
            x, w = _make_inputs(case)
            stages = profile_winograd(x, transform_filters(w, 4), padding=1, repeat=repeat)
            total = sum(stages.values())
            text = ", ".join(
                f"{name} {sec * 1e3:.2f}ms ({100 * sec / total:.0f}%)"
                for name, sec in stages.items()
            )
            images, _, in_flight = chunk_layout(x.shape, w.shape[0], 1, x.dtype.itemsize)
            chunks = -(-x.shape[0] // images)
            layout = (
                f"one chunk of {images} images"
                if chunks == 1
                else f"first of {chunks} chunks of <= {images} images, {in_flight} at a time"
            )
            print(f"  {case.label} ({layout}): {text}")


def _run_conv_bench(quick: bool, threads: int) -> None:
    """Print the lesson 1-3 convolution benchmark if its module provides a run function."""
    print("\nLesson 1-3 convolution benchmark (course_utils.bench.conv):")
    try:
        module = importlib.import_module("course_utils.bench.conv")
    except ImportError as err:
        print(f"  skipped: course_utils.bench.conv is not available ({err})")
        return
    run = getattr(module, "run_conv_bench", None)
    if run is None:
        print("  skipped: course_utils.bench.conv has no run_conv_bench function")
        return
    result = run(quick=quick, threads=threads)
    rows = getattr(result, "rows", result)
    if hasattr(result, "table"):
        print(result.table())
        return
    for row in rows:
        print("  " + ", ".join(f"{key}={_short(value)}" for key, value in row.items()))


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.bench winograd",
        description="Winograd F(m x m, 3 x 3) in NumPy vs torch.nn.functional.conv2d (float32).",
    )
    parser.add_argument("--quick", action="store_true", help="small layers, few repeats")
    parser.add_argument("--threads", type=int, default=2, help="BLAS and torch threads")
    parser.add_argument("--repeat", type=int, default=None, help="timed samples per method")
    args = parser.parse_args(list(argv) if argv is not None else None)

    cases = QUICK_CASES if args.quick else FULL_CASES
    repeat = args.repeat or (3 if args.quick else 9)
    rows = run_winograd_bench(quick=args.quick, threads=args.threads, repeat=repeat)
    print(
        f"float32, padding 1, stride 1, median of {repeat} repeats; both sides get raw weights "
        "(conv2d_winograd reuses its filter transform only while the weights are unchanged, "
        "checked on every call)"
    )
    print(f"float32 GEMM peak (NumPy, measured now): {rows[0]['peak_gflops']:.1f} GFLOP/s")
    with limit_threads(args.threads):
        print(f"threads: {thread_info()}")
    print(format_rows(rows))
    _print_stage_profile(cases, args.threads, repeat)
    _run_conv_bench(args.quick, args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
