"""Sanity checks of the timing helpers on fixed workloads (no speed thresholds)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from course_utils.timing import (
    StageClock,
    benchmark,
    format_seconds,
    gemm_peak_gflops,
    grid_table,
    interleaved,
    limit_threads,
    stage_medians,
    sweep,
    thread_info,
)


def test_benchmark_orders_statistics_and_counts_calls() -> None:
    calls = []
    timing = benchmark(lambda: calls.append(1), repeat=5, warmup=3)
    assert len(calls) == 8  # warm-up calls run too, but are not timed
    assert 0 <= timing.min <= timing.median <= timing.max
    assert timing.repeat == 5 and timing.warmup == 3


def test_interleaved_gives_every_call_its_turns_in_order() -> None:
    order: list[str] = []
    calls = {name: (lambda name=name: order.append(name)) for name in "ab"}
    timings = interleaved(calls, repeat=2, rounds=3, warmup=1, warmup_rounds=1)
    turn = {name: [name] * 3 for name in "ab"}  # one warm-up call, two timed calls
    assert order == ["a", "b"] + 3 * (turn["a"] + turn["b"])
    for timing in timings.values():
        assert timing.repeat == 6 and timing.warmup == 1 + 3
        assert 0 <= timing.min <= timing.median <= timing.max


def test_interleaved_call_by_call_and_median_of_round_medians() -> None:
    order: list[str] = []
    calls = {name: (lambda name=name: order.append(name)) for name in "ab"}
    interleaved(calls, repeat=1, rounds=4, warmup=0, warmup_rounds=2)
    assert order == list("ab" * 6)
    delays = iter([0.001, 0.001, 0.02, 0.02, 0.02, 0.02, 0.004, 0.004])  # rounds of two
    timing = interleaved({"x": lambda: time.sleep(next(delays))}, repeat=2, rounds=4, warmup=0)
    assert timing["x"].median == pytest.approx(0.02, rel=0.5)  # median of round medians
    assert timing["x"].min < 0.01 and timing["x"].repeat == 8


def test_interleaved_bad_counts_raise() -> None:
    for bad in ({"rounds": 0}, {"repeat": 0}, {"warmup": -1}, {"warmup_rounds": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            interleaved({"x": lambda: None}, **bad)


def test_grid_table_and_seconds() -> None:
    assert [format_seconds(v) for v in (1.5, 0.0123, 4.2e-5, None)] == [
        "1.500 s",
        "12.30 ms",
        "42.0 µs",
        "n/a",
    ]
    table = grid_table("size", [1, 20], ["a", "b"], lambda r, c: f"{c}{r}", cell_width=4)
    assert table.splitlines() == [
        "        size |    a |    b",
        "-" * 26,
        "           1 |   a1 |   b1",
        "          20 |  a20 |  b20",
    ]


def test_stage_medians_sum_each_step_per_run_and_skip_the_warm_up() -> None:
    import time

    runs = []

    def run(clock: StageClock) -> None:
        runs.append(1)
        pause = 0.2 if len(runs) == 1 else 0.002  # only the warm-up run is slow
        clock("sleep", time.sleep, pause)
        clock("sleep", time.sleep, pause)  # the same step twice: added up
        assert clock("value", lambda x: x + 1, 1) == 2  # the clock returns the result

    steps = stage_medians(run, repeat=3)
    assert len(runs) == 4 and set(steps) == {"sleep", "value"}
    assert 0.004 <= steps["sleep"] < 0.2  # two 2 ms sleeps; the warm-up's 400 ms not counted
    with pytest.raises(ValueError, match="repeat"):
        stage_medians(run, repeat=0)


def test_benchmark_measures_a_sleep() -> None:
    # A 20 ms sleep cannot take less than 20 ms; the upper bound is loose on purpose.
    timing = benchmark(time.sleep, 0.02, repeat=3, warmup=0)
    assert 0.02 <= timing.median < 1.0


def test_gflops_is_flops_over_median() -> None:
    timing = benchmark(time.sleep, 0.01, repeat=3, warmup=0, flops=1e9)
    assert timing.gflops == pytest.approx(1e9 / timing.median / 1e9)
    assert "GFLOP/s" in str(timing)


def test_min_time_loops_short_calls() -> None:
    calls = []
    benchmark(lambda: calls.append(1), repeat=2, warmup=0, min_time=0.01)
    assert len(calls) > 3  # one probe call plus looped samples


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="repeat"):
        benchmark(lambda: None, repeat=0)
    with pytest.raises(ValueError, match="warmup"):
        benchmark(lambda: None, warmup=-1)
    with pytest.raises(ValueError, match="dtype"):
        gemm_peak_gflops("int8")


def test_gemm_peak_is_positive_and_finite() -> None:
    peak = gemm_peak_gflops("float64", n=128, repeat=2)
    assert np.isfinite(peak) and peak > 0
    assert gemm_peak_gflops("float32", n=128, repeat=2, backend="torch") > 0


def test_limit_threads_sets_and_restores_torch_threads() -> None:
    import torch

    before = torch.get_num_threads()
    with limit_threads(1):
        assert torch.get_num_threads() == 1
        assert all(n == 1 for n in thread_info()["blas"].values())
    assert torch.get_num_threads() == before


def test_sweep_table_and_plot() -> None:
    def make(size: int):
        if size > 64:
            return None  # skipped size
        a = np.ones((size, size))
        return lambda: a @ a

    result = sweep({"matmul": make}, [16, 32, 128], flops=lambda n: 2.0 * n**3, repeat=2)
    assert [row["size"] for row in result.rows] == [16, 32]
    assert all(row["gflops"] > 0 for row in result.rows)
    assert "matmul" in result.table() and "threads" in result.table()
    ax = result.plot()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_gemm_peak_best_of_keeps_the_fastest_measurement(monkeypatch) -> None:
    import course_utils.timing as timing

    medians = iter([4.0, 1.0, 2.0])  # seconds: the second measurement is the fastest

    def fake_benchmark(*args, **kwargs):
        return timing.Timing(min=0.0, median=next(medians), max=0.0, repeat=1, warmup=0)

    monkeypatch.setattr(timing, "benchmark", fake_benchmark)
    assert timing.gemm_peak_gflops("float32", n=10, best_of=3) == 2.0 * 10**3 / 1.0 / 1e9
    with pytest.raises(ValueError, match="best_of"):
        timing.gemm_peak_gflops(best_of=0)


def test_sweep_colours_follow_the_implementations_not_the_first_size() -> None:
    def make_late(size: int):  # skipped at the first size, so it appears second in the rows
        return None if size < 32 else (lambda: None)

    def make_always(size: int):
        return lambda: None

    result = sweep({"late": make_late, "always": make_always}, [16, 32], repeat=1, min_time=1e-4)
    assert result.methods() == ["late", "always"]
    assert (result.colour("late"), result.colour("always")) == ("C0", "C1")
    lines = {line.get_label(): line.get_color() for line in result.plot().get_lines()}
    assert lines == {"late": "C0", "always": "C1"}


def test_steady_allocator_is_idempotent_and_reported():
    import sys

    from course_utils.timing import steady_allocator, thread_info

    first = steady_allocator()
    assert steady_allocator() == first
    if sys.platform.startswith("linux"):
        assert first is True
    assert thread_info()["allocator"] == ("steady" if first else "default")
