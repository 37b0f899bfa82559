"""The Winograd benchmark and its figure run end to end on tiny layers (structure only)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.bench.winograd import (  # noqa: E402
    FULL_CASES,
    QUICK_CASES,
    BenchCase,
    BenchTarget,
    _make_inputs,
    format_rows,
    run_winograd_bench,
)
from course_utils.bench.winograd_plots import best_of_speedup, plot_winograd_runs  # noqa: E402
from course_utils.conv import LayerShape  # noqa: E402

TINY = (BenchCase(1, 4, 4, 8, 8, speed_target=1.2), BenchCase(1, 8, 8, 6, 6))


@pytest.fixture(scope="module")
def runs() -> dict[int, list[dict]]:
    return {t: run_winograd_bench(threads=t, repeat=3, cases=TINY, peak_size=64) for t in (2, 1)}


def test_rows_time_every_method_against_torch_in_the_same_run(runs) -> None:
    rows = runs[1]
    assert [r["method"] for r in rows[:4]] == [
        "torch.conv2d",
        "winograd m=2",
        "winograd m=4",
        "winograd m=6",
    ]
    for row in rows:
        torch_row = next(r for r in rows if r["case"] == row["case"] and r["m"] is None)
        assert row["speedup_vs_torch"] == pytest.approx(torch_row["median_s"] / row["median_s"])
        assert 0 < row["min_s"] <= row["median_s"] <= row["max_s"]
        assert row["fraction_of_peak"] == pytest.approx(row["gflops"] / row["peak_gflops"])
        assert best_of_speedup(rows, row) == pytest.approx(torch_row["min_s"] / row["min_s"])
    assert rows[2]["speed_target"] == 1.2 and rows[6]["speed_target"] is None
    assert format_rows(rows).count("\n") == len(rows) + 1


def test_figure_has_a_panel_per_run_and_one_for_throughput(runs) -> None:
    fig = plot_winograd_runs(runs)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3 and titles[0].startswith("2 thread(s)")
    assert titles[2] == "2 threads: effective throughput"
    matplotlib.pyplot.close(fig)


def test_a_case_is_a_3x3_layer_shape_and_its_target() -> None:
    case = BenchCase(1, 4, 4, 8, 8, speed_target=1.2)
    assert case == BenchTarget(LayerShape(1, 4, 4, 8, 8, 3, 3, padding=1), 1.2)
    assert case.label == "N=1 C=4 K=4 8x8"
    assert [c.layer.x_shape for c in FULL_CASES] == [(8, 128, 28, 28), (4, 256, 14, 14)]
    assert [c.speed_target for c in FULL_CASES] == [1.2, 1.8]
    assert all(c.speed_target is None for c in QUICK_CASES)
    with pytest.raises(ValueError, match="3x3 float32 layers with padding 1 and stride 1"):
        BenchTarget(LayerShape(1, 4, 4, 8, 8, 3, 3))  # no padding


def test_inputs_are_float32_draws_with_he_scaled_weights() -> None:
    x, w = _make_inputs(TINY[0])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(x, rng.standard_normal((1, 4, 8, 8), dtype=np.float32))
    expected_w = rng.standard_normal((4, 4, 3, 3), dtype=np.float32) / np.sqrt(36)
    np.testing.assert_array_equal(w, expected_w.astype(np.float32))
    assert x.dtype == w.dtype == np.float32
