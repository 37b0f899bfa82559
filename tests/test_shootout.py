"""The shootout registry: every method equals F.conv2d; rules, cost models, ranking, guide."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import shootout as S
from course_utils.conv import fft_lengths
from course_utils.timing import SweepResult

SMALL_CASES = [
    S.LayerShape(2, 3, 4, 9, 8, 3, 3, padding=1),  # every method applies, loops included
    S.LayerShape(2, 3, 5, 13, 11, 5, 4, padding=2, stride=2),  # non-square kernel, stride 2
    S.LayerShape(1, 1, 1, 12, 10, 5, 5),  # one image, one channel, valid
    S.LayerShape(1, 2, 3, 3, 3, 3, 3),  # kernel as large as the image: 1x1 output
    S.LayerShape(2, 3, 2, 8, 8, 3, 3, padding=1, dtype="float64"),
]


@pytest.mark.parametrize("shape", SMALL_CASES, ids=lambda s: s.label)
def test_every_applicable_method_equals_torch_conv2d(shape: S.LayerShape) -> None:
    x, w = S.make_operands(shape, seed=3)
    reference = F.conv2d(
        torch.from_numpy(x).double(),
        torch.from_numpy(w).double(),
        stride=shape.stride,
        padding=shape.padding,
    ).numpy()
    # float32: a few ulps of accumulated round-off per output (Winograd's transforms add a
    # little more); float64: far below 1e-10. Errors are relative to the largest output.
    tolerance = 2e-5 if shape.dtype == "float32" else 1e-10
    for method in S.applicable_methods(shape):
        out = S.run_method(method, shape, x, w)
        assert out.shape == shape.out_shape, method
        assert out.dtype == np.dtype(shape.dtype), method
        error = np.abs(out - reference).max() / np.abs(reference).max()
        assert error < tolerance, (method, error)


def test_first_small_case_runs_every_method() -> None:
    assert S.applicable_methods(SMALL_CASES[0]) == list(S.METHOD_NAMES)


def test_applicability_rules() -> None:
    five = S.LayerShape.square(1, 1, 1, 512, 5, padding=0)
    reason = S.not_applicable_reason(five, "winograd")
    assert reason is not None and "3x3" in reason and "5x5" in reason
    assert "too slow" in S.not_applicable_reason(five, "loops")
    assert S.applicable_methods(five) == ["direct", "fft", "im2col", "unfold", "torch"]
    strided = S.LayerShape.square(1, 4, 4, 16, 3, stride=2)
    assert "stride" in S.not_applicable_reason(strided, "winograd")
    three = S.LayerShape.square(8, 64, 64, 56, 3)
    assert S.applicable_methods(three) == ["direct", "fft", "im2col", "unfold", "winograd", "torch"]
    # loops: allowed up to LOOPS_MAX_MACS multiply-adds, not one more
    edge = S.LayerShape(1, 1, 1, 10, S.LOOPS_MAX_MACS // 9 + 2, 3, 3)
    assert edge.macs > S.LOOPS_MAX_MACS and S.not_applicable_reason(edge, "loops")
    fits = S.LayerShape(1, 1, 1, 10, S.LOOPS_MAX_MACS // (8 * 9) + 2, 3, 3)
    assert fits.macs <= S.LOOPS_MAX_MACS and S.not_applicable_reason(fits, "loops") is None
    with pytest.raises(ValueError, match="unknown method"):
        S.not_applicable_reason(three, "magic")
    with pytest.raises(ValueError, match="does not apply"):
        S.prepare_call("winograd", five, *S.make_operands(S.LayerShape(1, 1, 1, 8, 8, 5, 5)))


def test_layer_shape_validates_and_counts() -> None:
    shape = S.LayerShape.square(8, 64, 64, 56, 3)
    assert shape.padding == 1 and shape.out_shape == (8, 64, 56, 56)
    assert shape.flops == 2 * 8 * 64 * 64 * 9 * 56 * 56 and shape.macs * 2 == shape.flops
    with pytest.raises(ValueError):
        S.LayerShape(1, 1, 1, 4, 4, 5, 5)  # kernel larger than the input
    with pytest.raises(ValueError):
        S.LayerShape(0, 1, 1, 4, 4, 3, 3)
    with pytest.raises(ValueError):
        S.LayerShape(1, 1, 1, 4, 4, 3, 3, dtype="float16")


def test_resnet_layers_come_from_the_benchmarks() -> None:
    full = S.resnet_layers(quick=False)
    assert [(s.N, s.C, s.K, s.H) for s in full] == [
        (8, 64, 64, 56),
        (8, 128, 128, 28),
        (4, 256, 256, 14),
    ]
    assert all(s.kh == s.kw == 3 and s.padding == 1 for s in full)
    quick = S.resnet_layers(quick=True)
    assert len(quick) == 3 and all(q.flops < f.flops for q, f in zip(quick, full, strict=True))


def test_memory_formulas_on_a_known_case() -> None:
    # N=2, C=3 -> K=4, 8x8, 3x3, padding 1, float32: Ho = Wo = 8, L = 64, padded 10x10.
    s = S.LayerShape(2, 3, 4, 8, 8, 3, 3, padding=1)
    padded, columns = 2 * 3 * 10 * 10 * 4, 2 * 27 * 64 * 4
    assert S.extra_memory_bytes(s, "unfold") == columns == 13824
    assert S.extra_memory_bytes(s, "loops") == padded == 2400
    # direct: padded copy + window (N, C, L) + matmul result (N, K, L) + taps (K, C, 3, 3)
    assert S.extra_memory_bytes(s, "direct") == padded + (2 * 3 * 64 + 2 * 4 * 64 + 108) * 4
    # im2col: both images fit one block: columns + padded block (the GEMM writes the output)
    assert S.extra_memory_bytes(s, "im2col") == columns + padded
    assert S.extra_memory_bytes(s, "torch") is None
    # winograd F(4x4, 3x3): 2x2 whole tiles of 6x6, padded to 10x10 channels-last; the
    # output transform writes straight into the output (no uncropped grid)
    v, prod, rows = 36 * 8 * 3 * 4, 36 * 8 * 4 * 4, 2 * 6 * 10 * 2 * 3 * 4
    half, out = 4 * 6 * 4 * 2 * 4 * 4, 2 * 4 * 64 * 4
    expected = max(padded + rows + v, v + prod + half)
    assert S.extra_memory_bytes(s, "winograd") == expected
    # fft: L = 9 x 9 here (8 + padding 1, a fast length); spectra hold 9 x 5 complex64
    # values per (image, channel), (filter, channel) and (image, filter) pair
    assert fft_lengths((8, 8), (3, 3), padding=1) == (9, 9)
    x_hat, w_hat, y_hat = 6 * 45 * 8, 12 * 45 * 8, 8 * 45 * 8
    row_pass, placed, inverse = 6 * 8 * 5 * 8, 12 * 81 * 4, 8 * 8 * 9 * 4
    peak = max(row_pass + x_hat, x_hat + placed + w_hat, x_hat + w_hat + y_hat + inverse)
    assert S.extra_memory_bytes(s, "fft") == peak - out


@pytest.mark.parametrize(
    "shape",
    [S.LayerShape(2, 16, 8, 28, 28, 3, 3, padding=1), S.LayerShape(1, 1, 1, 96, 96, 7, 7)],
    ids=lambda s: s.label,
)
def test_memory_model_agrees_with_tracemalloc(shape: S.LayerShape) -> None:
    for method in ("direct", "fft", "im2col", "winograd", "loops"):
        if S.not_applicable_reason(shape, method):
            continue
        model, measured = S.extra_memory_bytes(shape, method), S.measure_extra_bytes(shape, method)
        # the model leaves out NumPy's small internal buffers (a few tens of KiB at most)
        assert model <= measured + 1024, (method, model, measured)
        assert measured <= 1.1 * model + 64 * 1024, (method, model, measured)
    assert S.measure_extra_bytes(shape, "torch") is None


def test_memory_report_marks_not_applicable() -> None:
    shape = S.LayerShape.square(1, 1, 1, 64, 5, padding=0)
    rows = {r["method"]: r for r in S.memory_report(shape, measure=False)}
    assert rows["winograd"]["note"].startswith("n/a") and rows["winograd"]["measured"] is None
    assert rows["unfold"]["analytic"] == 25 * 60 * 60 * 4
    text = S.format_memory_report(rows.values())
    assert "not counted" in text and "n/a" in text


def test_fft_operation_count_on_a_known_case() -> None:
    # one 512x512 image, 5x5 kernel: L = 512 x 512, three real transforms and one product
    transform = 2.5 * 512 * 512 * 18
    expected = 3 * transform + 8 * 512 * 257
    assert S.fft_operation_count((1, 1, 512, 512), (1, 1, 5, 5)) == pytest.approx(expected)


def test_rank_methods_orders_and_marks_na() -> None:
    shape = S.LayerShape.square(1, 2, 2, 12, 5, padding=2)
    rows = S.rank_methods(shape, repeat=1, warmup=0, min_time=0.0, peak_gflops=10.0)
    assert [r["method"] for r in rows][-1] == "winograd"
    ranked = [r for r in rows if r["rank"] is not None]
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert [r["median_s"] for r in ranked] == sorted(r["median_s"] for r in ranked)
    assert ranked[0]["vs_fastest"] == 1.0
    assert all(r["gflops"] == pytest.approx(shape.flops / r["median_s"] / 1e9) for r in ranked)
    assert rows[-1]["note"].startswith("n/a: ") and rows[-1]["median_s"] is None
    assert sorted(r["method"] for r in rows) == sorted(S.METHOD_NAMES)
    text = S.format_ranking(rows)
    assert "n/a" in text and "winograd" in text
    summary = S.ranking_summary({"tiny": rows})
    assert summary.startswith("tiny") and "n/a: winograd" in summary


def _fake_sweep(times: dict[int, dict[str, float]], shapes: dict[int, S.LayerShape], label: str):
    rows = [
        {
            "size": size,
            "method": m,
            "median_s": t,
            "min_s": t,
            "max_s": t,
            "gflops": shapes[size].flops / t / 1e9,
        }
        for size, per_method in times.items()
        for m, t in per_method.items()
    ]
    missing = {(size, m): "n/a" for size in times for m in S.METHOD_NAMES if m not in times[size]}
    return S.ShootoutSweep(SweepResult(rows, label), shapes, missing)


def test_guide_follows_the_numbers() -> None:
    base = {"direct": 1.0, "fft": 2.0, "im2col": 3.0, "unfold": 4.0, "torch": 0.5}
    image_shapes = {16: S.LayerShape.square(1, 1, 1, 16, 5, 0)}
    image = _fake_sweep({16: {**base, "loops": 9.0}}, image_shapes, "H")
    kernel_shapes = {k: S.LayerShape.square(1, 1, 1, 64, k) for k in (3, 9, 15)}
    kernel_times = {3: dict(base), 9: {**base, "fft": 0.9}, 15: {**base, "fft": 0.1}}
    kernels = _fake_sweep(kernel_times, kernel_shapes, "kernel")
    channel_shapes = {c: S.LayerShape.square(1, c, c, 14, 3) for c in (4, 8, 16)}
    channel_times = {
        4: {**base, "winograd": 5.0},
        8: {**base, "winograd": 0.8},
        16: {**base, "winograd": 0.7},
    }
    channels = _fake_sweep(channel_times, channel_shapes, "C")
    layer = S.LayerShape.square(2, 8, 8, 8, 3)
    layer_rows = S.measuring._ranking_row(layer, "im2col", 2, None, None, None)
    layers = {
        "layer": [
            {**layer_rows, "rank": 1, "method": "torch", "gflops": 5.0},
            {**layer_rows, "rank": 2, "method": "winograd", "gflops": 4.0},
            {**layer_rows, "rank": 3, "method": "im2col", "gflops": 2.0},
        ]
    }
    lines = S.which_method_guide(image, kernels, channels, layers, peak_gflops=10.0)
    text = "\n".join(lines)
    assert "the fastest method was torch, the fastest NumPy method direct" in lines[0]
    assert "from 9x9 up to 15x15" in lines[1] and "fastest of all methods at 15x15" in lines[1]
    assert "direct (C = 4), winograd (C = 8 to 16)" in lines[2]
    assert "fastest NumPy method winograd 1/1; fastest overall torch 1/1" in lines[3]
    assert "40-40% of the GEMM peak" in lines[3]
    assert "9x to 9x slower" in text
    assert "fixed per-call costs" in lines[0]  # 16x16 5x5 at <= 0.002 GFLOP/s vs a peak of 10
    assert "GEMM-shaped" in lines[3]
    # loops faster than direct somewhere: no "slower" claim
    fast_loops = _fake_sweep({16: {**base, "loops": 0.5}}, image_shapes, "H")
    loops_line = S.which_method_guide(fast_loops, kernels, channels, layers)[4]
    assert "slower" not in loops_line and "between 0.5x and 0.5x the time" in loops_line
    # direct winning a layer: no claim that GEMM-like methods won
    direct_first = {"layer": [{**layers["layer"][2], "rank": 1, "method": "direct"}]}
    assert "GEMM-shaped" not in S.which_method_guide(image, kernels, channels, direct_first)[3]
    # FFT fastest at the last kernel only
    last_only = _fake_sweep(
        {3: dict(base), 9: dict(base), 15: {**base, "fft": 0.1}}, kernel_shapes, "kernel"
    )
    assert (
        "largest kernel measured (15x15) only"
        in S.which_method_guide(image, last_only, channels, layers)[1]
    )
    # FFT never winning must be said so
    never = _fake_sweep({3: dict(base), 9: dict(base)}, kernel_shapes, "kernel")
    assert "not the fastest NumPy method" in S.which_method_guide(image, never, channels, layers)[1]


def test_run_sweep_records_na_and_times() -> None:
    shapes = {k: S.LayerShape.square(1, 1, 1, 12, k) for k in (3, 5)}
    result = S.run_sweep(shapes, label="kernel", repeat=1, warmup=0)
    assert result.time(3, "winograd") is not None and result.time(5, "winograd") is None
    assert "3x3" in result.not_applicable[(5, "winograd")]
    assert result.fastest(3) in S.METHOD_NAMES
    table = result.table()
    assert "n/a" in table and "kernel" in table.splitlines()[0]
    assert "n/a" in result.table(gflops=True)


def test_format_bytes() -> None:
    assert S.format_bytes(None) == "n/a"
    assert S.format_bytes(512) == "512 B"
    assert S.format_bytes(1536) == "1.5 KiB"
    assert S.format_bytes(3 * 2**30) == "3.0 GiB"
