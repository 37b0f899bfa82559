"""Honest timing: median of repeats after a warm-up, GFLOP/s, and the machine's GEMM peak.

Rules this module follows (and every lesson inherits):

* warm-up runs are discarded (caches, lazy initialisation, thread pools);
* the **median** of the repeats is the headline number, min and max are kept to show noise;
* speed-ups are ratios of implementations measured **in the same run**;
* effective GFLOP/s are compared with :func:`gemm_peak_gflops`, *measured* on this machine;
* every result records the thread counts it ran with.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_utils.tables import grid_table  # re-exported: timing's tables live there

__all__ = [
    "Timing",
    "SweepResult",
    "StageClock",
    "benchmark",
    "format_seconds",
    "gemm_peak_gflops",
    "grid_table",
    "interleaved",
    "thread_info",
    "limit_threads",
    "stage_medians",
    "steady_allocator",
    "sweep",
]


class StageClock:
    """Runs named steps and adds up the wall time of each: ``clock(name, fn, *args)``
    returns ``fn(*args)``; ``seconds`` maps each name to its total so far."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        return result


def stage_medians(run: Callable[[StageClock], object], repeat: int) -> dict[str, float]:
    """Median seconds of each named step of ``run(clock)`` over ``repeat`` timed runs,
    after one untimed warm-up run (each run gets a fresh :class:`StageClock`)."""
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be a positive int, got {repeat!r}")
    totals: dict[str, list[float]] = {}
    for _ in range(repeat + 1):
        clock = StageClock()
        run(clock)
        for name, seconds in clock.seconds.items():
            totals.setdefault(name, []).append(seconds)
    return {name: float(np.median(values[1:])) for name, values in totals.items()}


#: glibc ``mallopt`` parameters and values set by :func:`steady_allocator`.
ALLOCATOR_SETTINGS = {"M_TRIM_THRESHOLD": (-1, 1 << 30), "M_MMAP_THRESHOLD": (-3, 1 << 30)}
_ALLOCATOR = {"steady": False}


def steady_allocator() -> bool:
    """Let the C allocator keep freed large blocks for reuse (glibc), once per process.

    By default glibc serves every block above a threshold with fresh pages from the
    operating system and gives them back when the block is freed, so each call that
    allocates a multi-MiB array (every convolution output, every patch matrix) pays a page
    fault per 4 KiB page it writes. The threshold also moves with the program's history
    (freeing a big block raises it), so the same call is fast or slow depending on what
    ran before it: measured here, ``F.conv2d`` on the lesson 3 layer took 9 ms in one
    process and 15-18 ms in another, with the same inputs. Fixing both thresholds at
    1 GiB makes freed blocks reusable for NumPy and PyTorch alike and the timings
    repeatable. The cost: up to 1 GiB of freed memory stays with the process.

    It also stops NumPy from advising the kernel to back each new large array with
    transparent huge pages (``madvise(MADV_HUGEPAGE)``, NumPy's default on Linux). Where
    the kernel honours that advice only on request (``transparent_hugepage=madvise``), a
    fresh array gets huge pages or not depending on what memory is free, and a call's
    speed depends on the process: measured on a 2-core AMD EPYC, im2col's median on
    ResNet-18's 28^2 C128 layer spread over 9.5-13.4 ms in 10 fresh processes with the
    advice and over 9.3-10.5 ms without it.

    Returns True when the settings are in effect (Linux with glibc), False elsewhere
    (then nothing is changed). Called by every timing function of the course.
    """
    if _ALLOCATOR["steady"]:
        return True
    _no_huge_page_advice()
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    _ALLOCATOR["steady"] = all(
        mallopt(param, value) == 1 for param, value in ALLOCATOR_SETTINGS.values()
    )
    return _ALLOCATOR["steady"]


def _no_huge_page_advice() -> None:
    """NumPy's switch for ``madvise(MADV_HUGEPAGE)`` on new arrays, turned off (where this
    NumPy has it: ``numpy._core.multiarray._set_madvise_hugepage``)."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    multiarray = getattr(core, "multiarray", None)
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)


def thread_info() -> dict[str, Any]:
    """Thread counts in effect now: BLAS pools (via threadpoolctl), torch, ``OMP_NUM_THREADS``,
    the idle-thread settings (``OMP_WAIT_POLICY``, ``OPENBLAS_THREAD_TIMEOUT``; see
    :mod:`course_utils`), and whether :func:`steady_allocator` is in effect."""
    info: dict[str, Any] = {
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        "OPENBLAS_THREAD_TIMEOUT": os.environ.get("OPENBLAS_THREAD_TIMEOUT"),
        "cpus": os.cpu_count(),
        "allocator": "steady" if _ALLOCATOR["steady"] else "default",
    }
    try:
        from threadpoolctl import threadpool_info

        pools = threadpool_info()
        info["blas"] = {f"{p['internal_api']}": p["num_threads"] for p in pools}
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        info["blas"] = "threadpoolctl not installed"
    try:
        import torch

        info["torch"] = torch.get_num_threads()
    except ImportError:  # pragma: no cover
        info["torch"] = None
    return info


@contextlib.contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` threads in NumPy's BLAS and in torch, then restore."""
    if n < 1:
        raise ValueError(f"thread count must be >= 1, got {n}")
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None  # type: ignore[assignment]
    previous = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=n):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None and previous is not None:
                torch.set_num_threads(previous)


@dataclass(frozen=True)
class Timing:
    """Result of :func:`benchmark`. Times are in seconds."""

    min: float
    median: float
    max: float
    repeat: int
    warmup: int
    flops: float | None = None
    threads: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def gflops(self) -> float | None:
        """Effective GFLOP/s at the median time (``None`` without a flop count)."""
        if self.flops is None or self.median <= 0:
            return None
        return self.flops / self.median / 1e9

    def __str__(self) -> str:
        text = (
            f"median {format_seconds(self.median)} "
            f"(min {format_seconds(self.min)}, max {format_seconds(self.max)}, "
            f"{self.repeat} repeats after {self.warmup} warm-up)"
        )
        if self.gflops is not None:
            text += f", {self.gflops:.1f} GFLOP/s"
        return text


def format_seconds(seconds: float | None) -> str:
    """Seconds for a table: ``1.5 -> '1.500 s'``, ``0.0123 -> '12.30 ms'``,
    ``4.2e-5 -> '42.0 µs'``, ``None -> 'n/a'``."""
    if seconds is None:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def benchmark(
    fn: Callable[..., Any],
    *args: Any,
    repeat: int = 7,
    warmup: int = 2,
    flops: float | None = None,
    min_time: float = 0.0,
    **kwargs: Any,
) -> Timing:
    """Time ``fn(*args, **kwargs)``: ``warmup`` discarded calls, then ``repeat`` timed calls.

    Each timed sample is one call, except when one call is shorter than ``min_time``
    seconds: then a sample runs the call in a loop long enough and divides (this keeps
    the clock's resolution out of micro-benchmarks). This is :func:`interleaved` with a
    single call and a single round.

    Args:
        fn: the callable to time.
        repeat: number of timed samples (>= 1); the median is the headline number.
        warmup: number of untimed calls first (>= 0).
        flops: floating-point operations of one call, for effective GFLOP/s.
        min_time: minimum duration of one sample in seconds.

    Returns:
        A :class:`Timing` with min / median / max seconds per call and the thread counts.
    """
    call = fn if not args and not kwargs else lambda: fn(*args, **kwargs)
    timings = interleaved(
        {"call": call}, repeat=repeat, warmup=warmup, flops=flops, min_time=min_time
    )
    return timings["call"]


def interleaved(
    calls: Mapping[str, Callable[[], object]],
    *,
    repeat: int = 7,
    rounds: int = 1,
    warmup: int = 1,
    warmup_rounds: int = 0,
    min_time: float = 0.0,
    flops: float | None = None,
) -> dict[str, Timing]:
    """Time zero-argument callables side by side, in the same run: the course's one timer.

    First ``warmup_rounds`` untimed rounds call each callable once, in order. Then each of
    ``rounds`` rounds gives every callable a turn, in order: ``warmup`` untimed calls, then
    ``repeat`` timed samples. A sample is one call, or, when one call is shorter than
    ``min_time`` seconds, a loop of calls long enough, divided by their number. With
    ``rounds=1`` the callables are timed one after the other; with several rounds they take
    turns, so slow drifts of a shared machine hit them alike; ``repeat=1, warmup=0`` with
    ``rounds=R`` alternates them call by call (after ``warmup_rounds`` warm-up calls).

    Args:
        calls: name -> callable; every callable is timed with the same settings.
        repeat, rounds: timed samples per turn (>= 1) and rounds (>= 1).
        warmup, warmup_rounds: untimed calls per turn, untimed rounds first (>= 0).
        min_time: minimum duration of one sample in seconds.
        flops: floating-point operations of one call (of any callable), for GFLOP/s.

    Returns:
        name -> :class:`Timing`: median = median over the rounds of each round's median
        (the median of all samples when ``repeat`` or ``rounds`` is 1), min and max over all
        ``rounds * repeat`` samples.
    """
    _check_counts(repeat=repeat, rounds=rounds, warmup=warmup, warmup_rounds=warmup_rounds)
    steady_allocator()
    for _ in range(warmup_rounds):
        for fn in calls.values():
            fn()
    samples: dict[str, list[list[float]]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            samples[name].append(_turn(fn, repeat, warmup, min_time))
    threads = thread_info()
    return {
        name: _timing(per_round, warmup_rounds + rounds * warmup, flops, threads)
        for name, per_round in samples.items()
    }


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        lowest = 0 if "warmup" in name else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise ValueError(f"{name} must be an int >= {lowest}, got {value!r}")


def _turn(fn: Callable[[], object], repeat: int, warmup: int, min_time: float) -> list[float]:
    """``warmup`` untimed calls of ``fn``, then ``repeat`` samples (seconds per call)."""
    for _ in range(warmup):
        fn()
    inner = _calls_per_sample(fn, min_time)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return samples


def _timing(
    per_round: list[list[float]], warmup: int, flops: float | None, threads: dict[str, Any]
) -> Timing:
    every = [seconds for samples in per_round for seconds in samples]
    return Timing(
        min=min(every),
        median=statistics.median(statistics.median(samples) for samples in per_round),
        max=max(every),
        repeat=len(every),
        warmup=warmup,
        flops=flops,
        threads=threads,
    )


def _calls_per_sample(fn: Callable[[], object], min_time: float) -> int:
    if min_time <= 0:
        return 1
    start = time.perf_counter()
    fn()
    one = max(time.perf_counter() - start, 1e-9)
    return max(1, int(np.ceil(min_time / one)))


def gemm_peak_gflops(
    dtype: str = "float32",
    n: int = 1024,
    backend: str = "numpy",
    repeat: int = 5,
    best_of: int = 1,
) -> float:
    """Measure this machine's matrix-multiply throughput in GFLOP/s (``2 n^3`` flops per product).

    This is the practical peak that convolution implementations are compared with:
    a convolution lowered to one GEMM cannot beat it in effective GFLOP/s (only an algorithm
    that does fewer multiplications, such as Winograd or FFT, can).

    Args:
        dtype: ``"float32"`` or ``"float64"``.
        n: matrix side; 1024 is large enough to saturate BLAS on a laptop.
        backend: ``"numpy"`` (NumPy's BLAS) or ``"torch"``.
        repeat: timed samples (median reported).
        best_of: measure this many times and keep the fastest median: on a machine that
            is busy with other work, one measurement can come out far below the peak.
    """
    if best_of < 1:
        raise ValueError(f"best_of must be >= 1, got {best_of}")
    if dtype not in {"float32", "float64"}:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    if backend == "numpy":
        out = np.empty((n, n), dtype=dtype)
        medians = [
            benchmark(np.matmul, a, b, out=out, repeat=repeat, warmup=1).median
            for _ in range(best_of)
        ]
    elif backend == "torch":
        import torch

        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        medians = [
            benchmark(torch.mm, ta, tb, repeat=repeat, warmup=1).median for _ in range(best_of)
        ]
    else:
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    return 2.0 * n**3 / min(medians) / 1e9


@dataclass
class SweepResult:
    """Timings of several implementations across sizes (one row per size and method)."""

    rows: list[dict[str, Any]]
    label: str = "size"
    threads: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # the implementations, as given to sweep

    def methods(self) -> list[str]:
        """Methods with rows, in the order given to :func:`sweep` (then first appearance)."""
        present = dict.fromkeys(row["method"] for row in self.rows)
        return [m for m in self.order if m in present] + [m for m in present if m not in self.order]

    def colour(self, method: str) -> str:
        """A fixed colour per method (its position among the swept implementations), so the
        same method has the same colour in every plot of a sweep over the same methods."""
        names = self.order or self.methods()
        return f"C{names.index(method) % 10}" if method in names else "black"

    def table(self) -> str:
        """A plain-text table: one line per size, median time per method."""
        by_key = {(row["size"], row["method"]): row for row in self.rows}

        def cell(size: Any, method: str) -> str:
            row = by_key.get((size, method))
            return format_seconds(row["median_s"]) if row else "-"

        sizes = list(dict.fromkeys(row["size"] for row in self.rows))
        grid = grid_table(self.label, sizes, self.methods(), cell)
        return f"{grid}\nthreads: {self.threads}"

    def plot(self, ax: Any = None, gflops: bool = False) -> Any:
        """Median time (or GFLOP/s) against size for each method, log-log axes. Returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        key = "gflops" if gflops else "median_s"
        for method in self.methods():
            points = [(r["size"], r[key]) for r in self.rows if r["method"] == method]
            points = [(s, v) for s, v in points if v is not None]
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", label=method, color=self.colour(method))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(self.label)
        ax.set_ylabel("effective GFLOP/s" if gflops else "median time per call (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        return ax


def sweep(
    implementations: dict[str, Callable[[Any], Callable[[], object]]],
    sizes: Sequence[Any],
    *,
    flops: Callable[[Any], float] | None = None,
    repeat: int = 5,
    warmup: int = 1,
    label: str = "size",
    progress: bool = False,
    min_time: float = 0.0,
) -> SweepResult:
    """Time every implementation at every size.

    Args:
        implementations: ``name -> make(size)``; ``make`` prepares inputs for ``size``
            (untimed) and returns a zero-argument callable that does the work (timed).
            ``make`` may return ``None`` to skip a size (e.g. loops on large inputs).
        sizes: the sizes to sweep (numbers, so they can go on a log axis).
        flops: flop count of one call at a size, for effective GFLOP/s.
        progress: show a tqdm progress bar.
        min_time: minimum duration of one timed sample (see :func:`benchmark`), for calls
            so short that the clock's resolution would show.

    Returns:
        A :class:`SweepResult` with rows ``{size, method, median_s, min_s, max_s, gflops}``.
    """
    pairs = [(size, name) for size in sizes for name in implementations]
    if progress:
        from tqdm.auto import tqdm

        pairs = tqdm(pairs, desc="timing")
    rows = []
    for size, name in pairs:
        work = implementations[name](size)
        if work is None:
            continue
        timing = benchmark(
            work,
            repeat=repeat,
            warmup=warmup,
            flops=flops(size) if flops else None,
            min_time=min_time,
        )
        rows.append(
            {
                "size": size,
                "method": name,
                "median_s": timing.median,
                "min_s": timing.min,
                "max_s": timing.max,
                "gflops": timing.gflops,
            }
        )
    return SweepResult(rows=rows, label=label, threads=thread_info(), order=list(implementations))
