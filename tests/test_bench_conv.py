"""The convolution benchmark runs end to end on tiny problems (structure only, no speed)."""

from __future__ import annotations

import pytest

from course_utils.bench.conv import (
    ConvBenchProblem,
    default_problems,
    format_im2col_profile,
    format_rows,
    main,
    run_conv_bench,
)

TINY = [
    ConvBenchProblem("direct_vs_loops", (12, 12), (3, 3), goal_speedup=300),
    ConvBenchProblem("fft_vs_scipy", (16, 16), (5, 5), goal_ratio=1.1),
    ConvBenchProblem("im2col_vs_torch", (1, 2, 6, 6), (3, 2, 3, 3), "float32", 1, goal_ratio=1.5),
]


def test_rows_have_the_documented_fields() -> None:
    rows = run_conv_bench(quick=True, threads=1, repeat=1, rounds=1, problems=TINY)
    assert [r["kind"] for r in rows] == [p.kind for p in TINY]
    for row in rows:
        assert row["method_s"] > 0 and row["reference_s"] > 0 and row["peak_gflops"] > 0
        assert row["ratio"] == pytest.approx(row["method_s"] / row["reference_s"])
        assert row["speedup"] == pytest.approx(1 / row["ratio"])
        assert row["method_gflops"] == pytest.approx(row["flops"] / row["method_s"] / 1e9)
        assert isinstance(row["met"], bool) and row["goal"]
        assert row["threads"]["torch"] == 1 or row["threads"]["torch"] is None
    assert rows[2]["flops"] == 2 * 1 * 3 * 2 * 9 * 6 * 6  # 2*N*K*C*kh*kw*Ho*Wo
    table = format_rows(rows)
    assert table.count("\n") == len(rows) + 1 and "conv2d_im2col" in table
    assert "profile" not in rows[0] and "profile" not in rows[1]
    assert set(rows[2]["profile"]) == {"pad", "patch_copy", "gemm"}
    assert rows[2]["patch_bytes"] == 1 * 2 * 9 * 6 * 6 * 4  # N * C*kh*kw * Ho*Wo * float32
    profile = format_im2col_profile(rows[2])
    assert "patch_copy" in profile and "GEMM alone / torch conv2d" in profile


def test_default_problems_are_the_issue_targets() -> None:
    full = default_problems(quick=False)
    assert [(p.x_shape, p.w_shape) for p in full] == [
        ((256, 256), (5, 5)),
        ((512, 512), (5, 5)),
        ((512, 512), (31, 31)),
        ((8, 64, 56, 56), (64, 64, 3, 3)),
    ]
    assert [p.goal_speedup or p.goal_ratio for p in full] == [300, 1.1, 1.1, 1.5]


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown benchmark kind"):
        run_conv_bench(
            threads=1, repeat=1, rounds=1, problems=[ConvBenchProblem("x", (4, 4), (2, 2))]
        )


def test_help_exits_cleanly(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "fftconvolve" in capsys.readouterr().out
