"""The convolution benchmark runs end to end on tiny problems (structure only, no speed)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.bench.conv import (
    ConvBenchProblem,
    _operands,
    default_problems,
    format_im2col_profile,
    format_rows,
    main,
    run_conv_bench,
)
from course_utils.conv import LayerShape

TINY = [
    ConvBenchProblem.image("direct_vs_loops", 12, kernel=3, goal_speedup=300),
    ConvBenchProblem.image("fft_vs_scipy", 16, kernel=5, goal_ratio=1.1),
    ConvBenchProblem("im2col_vs_torch", LayerShape(1, 2, 3, 6, 6, 3, 3, padding=1), goal_ratio=1.5),
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
    assert [p.description for p in full] == [
        "256x256, 5x5, float64",
        "512x512, 5x5, float64",
        "512x512, 31x31, float64",
        "N=8, C=64->64, 56x56, 3x3, pad 1, float32",
    ]
    assert full[-1].layer == LayerShape.square(8, 64, 64, 56, 3, dtype="float32")


def test_problems_describe_their_operands_with_a_layer_shape() -> None:
    planar, batched = TINY[0], TINY[2]
    assert planar.planar and planar.layer == LayerShape(1, 1, 1, 12, 12, 3, 3, dtype="float64")
    assert (planar.x_shape, planar.w_shape, planar.padding) == ((12, 12), (3, 3), 0)
    assert (batched.x_shape, batched.w_shape) == ((1, 2, 6, 6), (3, 2, 3, 3))
    assert (batched.dtype, batched.padding) == ("float32", 1)
    x, w = _operands(planar)
    assert (x.shape, w.shape, x.dtype) == ((12, 12), (3, 3), "float64")
    x4, w4 = _operands(ConvBenchProblem("direct_vs_loops", planar.layer))
    np.testing.assert_array_equal(x4[0, 0], x)  # the same draws, unscaled
    np.testing.assert_array_equal(w4[0, 0], w)
    with pytest.raises(ValueError, match="a 2-D problem has N = C = K = 1"):
        ConvBenchProblem("fft_vs_scipy", LayerShape(1, 2, 1, 8, 8, 3, 3), planar=True)
    with pytest.raises(ValueError, match="stride 1"):
        ConvBenchProblem("im2col_vs_torch", LayerShape(1, 2, 1, 8, 8, 3, 3, stride=2))


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown benchmark kind"):
        run_conv_bench(threads=1, repeat=1, rounds=1, problems=[ConvBenchProblem.image("x", 4, 2)])


def test_help_exits_cleanly(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "fftconvolve" in capsys.readouterr().out
