"""The computations of :mod:`course_utils.demos.layers` (lesson 06)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from course_utils import shootout as S
from course_utils.demos import layers


def teardown_function() -> None:
    plt.close("all")


def test_layer_summary_without_measuring() -> None:
    summary = layers.layer_summary(N=2, C=3, K=4, H=16, kernel=5)
    assert summary["out_shape"] == (2, 4, 16, 16)  # 'same' padding
    assert summary["gflop"] == pytest.approx(2 * 2 * 4 * 3 * 25 * 16 * 16 / 1e9)
    assert "winograd" in summary["not_applicable"] and "winograd" not in summary["applicable"]
    assert "loops" in summary["not_applicable"]  # 153,600 multiply-adds > LOOPS_MAX_MACS
    assert summary["extra_bytes"]["unfold"] == 2 * 3 * 25 * 256 * 4
    assert summary["extra_bytes"]["torch"] is None
    three = layers.layer_summary(N=1, C=1, K=1, H=8, kernel=3)
    assert three["applicable"] == list(S.METHOD_NAMES) and three["not_applicable"] == {}


def test_layer_ranking_ranks_all_methods_and_marks_na() -> None:
    rows = layers.layer_ranking(N=1, C=2, K=2, H=10, kernel=5, repeat=1, peak_gflops=50.0)
    assert sorted(r["method"] for r in rows) == sorted(S.METHOD_NAMES)
    ranked = [r for r in rows if r["rank"] is not None]
    assert [r["median_s"] for r in ranked] == sorted(r["median_s"] for r in ranked)
    winograd = next(r for r in rows if r["method"] == "winograd")
    assert winograd["rank"] is None and "3x3" in winograd["note"]
    assert all(r["percent_of_peak"] == pytest.approx(2 * r["gflops"]) for r in ranked)


def test_layer_ranking_refuses_huge_layers() -> None:
    with pytest.raises(ValueError, match="GFLOP"):
        layers.layer_ranking(N=8, C=256, K=256, H=128, kernel=15)
