"""The Winograd benchmark and its figure run end to end on tiny layers (structure only)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course_utils.bench.winograd import BenchCase, format_rows, run_winograd_bench  # noqa: E402
from course_utils.bench.winograd_plots import best_of_speedup, plot_winograd_runs  # noqa: E402

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
