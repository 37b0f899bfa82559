"""Timing the methods: one problem (:func:`time_methods`, :func:`rank_methods`) or a family
of problems (:func:`run_sweep`, :class:`ShootoutSweep`).

Timing uses :func:`course_utils.timing.interleaved` (median after warm-up) and
:func:`course_utils.timing.sweep`; effective GFLOP/s divide the direct method's flops
(:attr:`LayerShape.flops`) by the time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from course_utils.shootout.costs import extra_memory_bytes
from course_utils.shootout.methods import (
    METHOD_NAMES,
    applicable_methods,
    not_applicable_reason,
    prepare_call,
)
from course_utils.shootout.problems import LayerShape, make_operands
from course_utils.timing import (
    SweepResult,
    Timing,
    format_seconds,
    grid_table,
    interleaved,
    limit_threads,
    sweep,
)

# ---------------------------------------------------------------------------------------
# Timing and ranking
# ---------------------------------------------------------------------------------------


def time_methods(
    shape: LayerShape,
    methods: Iterable[str] = METHOD_NAMES,
    *,
    repeat: int = 3,
    warmup: int = 1,
    rounds: int = 1,
    min_time: float = 0.0,
    seed: int = 0,
    threads: int | None = None,
) -> dict[str, Timing | None]:
    """Time every applicable method on one problem; ``None`` for the ones that do not apply.

    Timed with :func:`course_utils.timing.interleaved`: each round gives every method a turn
    of ``warmup`` discarded calls and ``repeat`` timed ones; with several rounds the methods
    take turns, so slow drifts of a shared machine hit them alike, and the reported median
    is the median of the round medians. ``threads``: run with that many BLAS and
    PyTorch threads (:func:`course_utils.timing.limit_threads`); ``None`` leaves them as they are.
    """
    methods = list(methods)
    x, w = make_operands(shape, seed)
    calls = {m: prepare_call(m, shape, x, w) for m in applicable_methods(shape, methods)}
    with torch.no_grad(), _threads(threads):
        chosen = interleaved(
            calls,
            repeat=repeat,
            rounds=max(1, rounds),
            warmup=warmup,
            min_time=min_time,
            flops=shape.flops,
        )
    return {m: chosen.get(m) for m in methods}


def _threads(threads: int | None) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext() if threads is None else limit_threads(threads)


def rank_methods(
    shape: LayerShape,
    *,
    methods: Iterable[str] = METHOD_NAMES,
    repeat: int = 3,
    warmup: int = 1,
    rounds: int = 1,
    min_time: float = 1e-3,
    peak_gflops: float | None = None,
    seed: int = 0,
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """Measure every method on ``shape`` and rank them, fastest first; n/a methods last.

    Returns one dict per method with keys: rank (1 = fastest, ``None`` if n/a), method,
    median_s, min_s, max_s, gflops (effective: direct flops / median), percent_of_peak
    (if ``peak_gflops`` is given), vs_fastest (median / fastest median), extra_bytes
    (:func:`extra_memory_bytes`), note ("" or "n/a: <reason>"). Time-like fields are
    ``None`` for n/a methods. ``threads`` as in :func:`time_methods`.
    """
    methods = list(methods)
    timings = time_methods(
        shape,
        methods,
        repeat=repeat,
        warmup=warmup,
        rounds=rounds,
        min_time=min_time,
        seed=seed,
        threads=threads,
    )
    measured = sorted((t.median, m) for m, t in timings.items() if t is not None)
    fastest = measured[0][0] if measured else None
    rows = []
    for rank, (_, name) in enumerate(measured, start=1):
        timing = timings[name]
        assert timing is not None and fastest is not None
        rows.append(_ranking_row(shape, name, rank, timing, fastest, peak_gflops))
    for name in methods:
        if timings[name] is None:
            rows.append(_ranking_row(shape, name, None, None, fastest, peak_gflops))
    return rows


def _ranking_row(
    shape: LayerShape,
    method: str,
    rank: int | None,
    timing: Timing | None,
    fastest: float | None,
    peak: float | None,
) -> dict[str, Any]:
    reason = not_applicable_reason(shape, method)
    gflops = None if timing is None else timing.gflops
    return {
        "rank": rank,
        "method": method,
        "median_s": None if timing is None else timing.median,
        "min_s": None if timing is None else timing.min,
        "max_s": None if timing is None else timing.max,
        "gflops": gflops,
        "percent_of_peak": None if gflops is None or not peak else 100.0 * gflops / peak,
        "vs_fastest": None if timing is None or not fastest else timing.median / fastest,
        "extra_bytes": extra_memory_bytes(shape, method),
        "note": "" if reason is None else f"n/a: {reason}",
    }


# ---------------------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------------------


@dataclass
class ShootoutSweep:
    """Timings of the methods over a family of problems (one :class:`LayerShape` per size).

    Attributes:
    - result: the :class:`course_utils.timing.SweepResult` (rows: size, method, median_s,
      min_s, max_s, gflops); n/a pairs have no row.
    - shapes: size -> LayerShape.
    - not_applicable: (size, method) -> reason, for every pair that was not timed.
    - methods: the methods of the sweep, in registry order.
    """

    result: SweepResult
    shapes: dict[Any, LayerShape]
    not_applicable: dict[tuple[Any, str], str] = field(default_factory=dict)
    methods: tuple[str, ...] = METHOD_NAMES

    @property
    def label(self) -> str:
        return self.result.label

    @property
    def sizes(self) -> list[Any]:
        return list(self.shapes)

    def time(self, size: Any, method: str) -> float | None:
        """Median seconds of ``method`` at ``size`` (``None`` if n/a)."""
        for row in self.result.rows:
            if row["size"] == size and row["method"] == method:
                return row["median_s"]
        return None

    def gflops(self, size: Any, method: str) -> float | None:
        for row in self.result.rows:
            if row["size"] == size and row["method"] == method:
                return row["gflops"]
        return None

    def fastest(self, size: Any, among: Iterable[str] | None = None) -> str | None:
        """The fastest measured method at ``size`` (optionally among ``among`` only)."""
        allowed = set(self.methods if among is None else among)
        timed = [(self.time(size, m), m) for m in self.methods if m in allowed]
        timed = [(t, m) for t, m in timed if t is not None]
        return min(timed)[1] if timed else None

    def table(self, gflops: bool = False) -> str:
        """Median time (or effective GFLOP/s) per size and method; n/a where not applicable."""

        def cell(size: Any, method: str) -> str:
            if not gflops:
                return format_seconds(self.time(size, method))
            value = self.gflops(size, method)
            return "n/a" if value is None else f"{value:.2f}"

        return grid_table(self.label, self.sizes, self.methods, cell, label_width=14, cell_width=9)


def run_sweep(
    shapes: dict[Any, LayerShape],
    *,
    label: str = "size",
    methods: Iterable[str] = METHOD_NAMES,
    repeat: int = 3,
    warmup: int = 1,
    seed: int = 0,
    progress: bool = False,
    threads: int | None = None,
) -> ShootoutSweep:
    """Time ``methods`` on every problem of ``shapes`` (size -> LayerShape) with
    :func:`course_utils.timing.sweep`; n/a pairs are recorded with their reason.
    ``threads`` as in :func:`time_methods`."""
    methods = tuple(methods)
    operands: dict[Any, tuple[np.ndarray, np.ndarray]] = {}

    def maker(method: str) -> Callable[[Any], Callable[[], Any] | None]:
        def make(size: Any) -> Callable[[], Any] | None:
            shape = shapes[size]
            if not_applicable_reason(shape, method) is not None:
                return None
            if size not in operands:
                operands.clear()  # keep only the current size's arrays in memory
                operands[size] = make_operands(shape, seed)
            return prepare_call(method, shape, *operands[size])

        return make

    with torch.no_grad(), _threads(threads):
        result = sweep(
            {m: maker(m) for m in methods},
            list(shapes),
            flops=lambda size: float(shapes[size].flops),
            repeat=repeat,
            warmup=warmup,
            label=label,
            progress=progress,
        )
    missing = {
        (size, m): reason
        for size, shape in shapes.items()
        for m in methods
        if (reason := not_applicable_reason(shape, m)) is not None
    }
    return ShootoutSweep(result, dict(shapes), missing, methods)
