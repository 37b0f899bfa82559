"""The measurements behind lessons 3, 4 and 7 run end to end on tiny layers.

Structure and sanity only (every method timed, positive times, GFLOP/s = flops / median,
the sweeps cover every channel count, the figures have their axes); no test asserts speed.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.bench.attention_lesson import (  # noqa: E402
    attention_case,
    attention_cost_rows,
    format_attention_costs,
    plot_attention_costs,
    saved_bytes,
)
from course_utils.bench.im2col_lesson import (  # noqa: E402
    IM2COL_STEPS,
    format_im2col_steps,
    plot_im2col_channel_sweep,
    plot_im2col_steps,
    sweep_im2col_channels,
    time_im2col_steps,
)
from course_utils.bench.unfold_lesson import (  # noqa: E402
    UNFOLD_STEPS,
    format_unfold_steps,
    plot_unfold_channel_sweep,
    plot_unfold_steps,
    sweep_unfold_channels,
    time_unfold_steps,
)
from course_utils.conv import conv2d_flops  # noqa: E402
from course_utils.timing import SweepResult  # noqa: E402

X_SHAPE, W_SHAPE = (2, 3, 6, 5), (4, 3, 3, 3)
CHANNELS = [2, 4]


def _check_sweep(result: SweepResult, methods: list[str], batch: int, side: int) -> None:
    assert result.label == "channels C = K"
    assert [(r["size"], r["method"]) for r in result.rows] == [
        (c, m) for c in CHANNELS for m in methods
    ]
    for row in result.rows:
        c = row["size"]
        flops = conv2d_flops((batch, c, side, side), (c, c, 3, 3), padding=1)
        assert 0 < row["min_s"] <= row["median_s"] <= row["max_s"]
        assert row["gflops"] == pytest.approx(flops / row["median_s"] / 1e9)
    assert result.threads["torch"] == 1


def _horizontal_line_at(ax, value: float) -> bool:
    return any(list(line.get_ydata()) == [value, value] for line in ax.get_lines())


# -- lesson 3 ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def im2col_steps():
    return time_im2col_steps(X_SHAPE, W_SHAPE, np.random.default_rng(0), repeat=2, peak_n=32)


def test_im2col_steps_time_every_piece_of_the_layer(im2col_steps) -> None:
    steps = im2col_steps
    assert list(steps.parts) == list(IM2COL_STEPS) and steps.threads == 1
    assert steps.peak_gflops > 0
    flops = conv2d_flops(X_SHAPE, W_SHAPE, padding=1)
    for name, timing in steps.parts.items():
        assert 0 < timing.min <= timing.median <= timing.max and timing.repeat == 2
        if name == "im2col copy":
            assert timing.flops is None and timing.gflops is None
        else:
            assert timing.flops == flops
            assert timing.gflops == pytest.approx(flops / timing.median / 1e9)
        assert timing.threads["torch"] == 1
    assert steps.input_bytes == np.prod(X_SHAPE) * 4
    assert steps.cols_bytes == 9 * steps.input_bytes  # 3x3, padding 1: Ho Wo = H W


def test_im2col_steps_are_printed_and_drawn(im2col_steps) -> None:
    lines = format_im2col_steps(im2col_steps).splitlines()
    assert lines[0].startswith("1 thread(s), GEMM peak ")
    assert lines[1].startswith("input 0.0 MiB, column matrix 0.0 MiB")
    assert [line[:24].rstrip() for line in lines[2:]] == list(IM2COL_STEPS)
    assert all("% of peak" in line for line in lines[3:])
    fig = plot_im2col_steps(im2col_steps, "tiny layer")
    (ax,) = fig.axes
    assert ax.get_title() == "tiny layer, 1 thread(s)" and ax.get_xlabel() == "median time (ms)"
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == pytest.approx([t.median * 1e3 for t in im2col_steps.parts.values()])


def test_im2col_channel_sweep_covers_every_channel_count() -> None:
    result = sweep_im2col_channels(
        CHANNELS, batch=1, side=5, rng=np.random.default_rng(0), repeat=2
    )
    _check_sweep(result, ["conv2d_im2col", "torch conv2d"], batch=1, side=5)
    ax = plot_im2col_channel_sweep(result, peak_gflops=3.0, batch=1, side=5, threads=1)
    assert ax.get_title() == "N=1, 5×5, 3×3, float32"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4"]
    assert _horizontal_line_at(ax, 3.0)
    assert ax.get_legend() is not None


# -- lesson 4 ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unfold_steps():
    return time_unfold_steps(2, 3, 6, repeat=2, min_time=0.0, peak_n=32, peak_repeat=2)


def test_unfold_steps_time_conv2d_unfold_and_its_two_steps(unfold_steps) -> None:
    steps = unfold_steps
    assert list(steps.timings) == list(UNFOLD_STEPS) and steps.threads == 1
    flops = conv2d_flops((2, 3, 6, 6), (3, 3, 3, 3), padding=1)
    for name, timing in steps.timings.items():
        assert 0 < timing.min <= timing.median <= timing.max and timing.repeat == 2
        if name == "  of which: F.unfold":
            assert timing.gflops is None
        else:
            assert timing.gflops == pytest.approx(flops / timing.median / 1e9)
    assert (steps.x_numel, steps.cols_numel) == (2 * 3 * 36, 2 * 27 * 36)
    medians = {name: t.median for name, t in steps.timings.items()}
    assert steps.ratio == pytest.approx(medians["unfold + matmul"] / medians["F.conv2d"])
    share = medians["  of which: F.unfold"] / medians["unfold + matmul"]
    assert steps.unfold_share == pytest.approx(share)


def test_unfold_steps_are_printed_and_drawn(unfold_steps) -> None:
    text = format_unfold_steps(unfold_steps)
    assert text.startswith("layer: N=2, C=K=3, 6x6, 3x3, padding 1, float32; 1 thread(s)")
    assert f"takes {unfold_steps.ratio:.2f}x the time of F.conv2d" in text
    assert text.endswith("(9x)")
    assert all(name in text for name in UNFOLD_STEPS)
    fig = plot_unfold_steps(unfold_steps)
    times, rates = fig.axes
    assert len(times.patches) == 4 and len(rates.patches) == 3
    assert rates.get_lines()[0].get_xdata()[0] == unfold_steps.peak_gflops


def test_unfold_channel_sweep_covers_every_channel_count() -> None:
    result = sweep_unfold_channels(CHANNELS, batch=1, side=5, repeat=2)
    _check_sweep(result, ["F.conv2d", "unfold + matmul"], batch=1, side=5)
    ax = plot_unfold_channel_sweep(result, peak_gflops=2.0, batch=1, side=5, threads=1)
    assert ax.get_title() == "3×3 conv, N=1, 5×5, float32, 1 thread(s)"
    assert _horizontal_line_at(ax, 2.0)


# -- lesson 7 ----------------------------------------------------------------------------------


def test_attention_case_is_seeded_by_its_side_and_holes_a_square() -> None:
    features, mask = attention_case(8, channels=3)
    assert features.shape == (1, 3, 8, 8) and features.dtype == torch.float32
    assert torch.equal(features, attention_case(8, channels=3)[0])
    assert mask.shape == (1, 1, 8, 8) and int(mask.sum()) == 4 and mask[0, 0, 2:4, 2:4].all()


def test_saved_bytes_counts_each_saved_storage_once() -> None:
    features, mask = attention_case(6, channels=2)
    # x * x saves x twice (one storage); the sum saves nothing
    assert saved_bytes(lambda f, b, m: (f * b).sum(), features, mask) == features.nbytes
    assert saved_bytes(lambda f, b, m: f + b, features, mask) == 0


@pytest.fixture(scope="module")
def cost_rows():
    return attention_cost_rows([8, 12], channels=4, repeat=2)


def test_attention_cost_rows_follow_the_model(cost_rows) -> None:
    assert [(r["rate"], r["side"]) for r in cost_rows] == [(1, 8), (1, 12), (2, 8), (2, 12)]
    for row in cost_rows:
        positions = (row["side"] // row["rate"]) ** 2
        assert row["positions"] == positions
        assert row["flops"] == 2 * 4 * 9 * positions**2
        assert row["scores_bytes"] == 4 * positions**2
        assert row["seconds"] > 0 and row["saved"] >= row["scores_bytes"]
        assert (row["channels"], row["threads"]) == (4, 1)


def test_attention_costs_are_printed_and_drawn(cost_rows) -> None:
    lines = format_attention_costs(cost_rows).splitlines()
    assert lines[0].split()[:3] == ["rate", "H=W", "P"] and len(lines) == 1 + len(cost_rows)
    first = cost_rows[0]
    assert f"{first['flops'] / first['seconds'] / 1e9:8.1f}" in lines[1]
    fig = plot_attention_costs(cost_rows)
    times, memory = fig.axes
    assert times.get_title() == "contextual attention, C = 4, float32, 1 thread"
    assert memory.get_title() == "memory"
    assert len(times.get_lines()) == 4 and len(memory.get_lines()) == 4  # 2 rates x 2 curves
    assert times.get_xscale() == "log" and memory.get_yscale() == "log"
    measured = times.get_lines()[0].get_ydata()
    assert list(measured) == [r["seconds"] for r in cost_rows if r["rate"] == 1]


def test_the_shared_sweep_times_every_maker_at_every_count() -> None:
    from course_utils.bench.sweeps import sweep_square_layers

    calls: list[int] = []

    def make(c: int):
        return lambda: calls.append(c)

    result = sweep_square_layers(
        {"a": make, "b": make}, [2, 4], batch=1, side=3, threads=1, repeat=2
    )
    assert {(row["method"], row["size"]) for row in result.rows} == {
        ("a", 2),
        ("a", 4),
        ("b", 2),
        ("b", 4),
    }
    assert sorted(set(calls)) == [2, 4]
    for row in result.rows:  # the direct method's flops of a 3x3, padding-1 layer
        assert row["gflops"] == pytest.approx(2 * row["size"] ** 2 * 9 * 9 / row["median_s"] / 1e9)


def test_the_lesson_3_target_runs_once_per_thread_count_and_draws_three_bars_each() -> None:
    from course_utils.bench.conv import ConvBenchProblem
    from course_utils.bench.im2col_lesson import bench_target_by_threads, plot_target_by_threads
    from course_utils.conv import LayerShape

    layer = LayerShape(1, 2, 2, 6, 6, 3, 3, padding=1)
    target = ConvBenchProblem("im2col_vs_torch", layer, goal_ratio=1.5)
    rows = bench_target_by_threads(target, [1, 2], quick=True, repeat=1, rounds=1)
    assert [row["n_threads"] for row in rows] == [1, 2]
    assert all(row["method_s"] > 0 and row["reference_s"] > 0 for row in rows)
    ax = plot_target_by_threads(rows, target.description)
    assert len(ax.patches) == 3 * len(rows) and ax.get_title() == target.description
