"""Winograd F(m x m, 3 x 3): exact transforms, the NumPy convolution, the multiplication count."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv.winograd import (
    WinogradFilters,
    conv2d_winograd,
    multiplication_count,
    profile_winograd,
    transform_filters,
    winograd_transforms,
)
from course_utils.conv.winograd import kernel as winograd_kernel
from course_utils.conv.winograd import plan as winograd_plan
from course_utils.conv.winograd.plan import GemmChoice
from course_utils.timing import StageClock

# ---------------------------------------------------------------------------------------
# Exact transforms
# ---------------------------------------------------------------------------------------

PAIRS = [(2, 3), (4, 3), (6, 3), (3, 2), (2, 5), (4, 2), (1, 3), (3, 1), (1, 1)]


def _correlate_exact(d: np.ndarray, g: np.ndarray, m: int) -> np.ndarray:
    """Valid 1-D correlation y_i = sum_k d[i + k] g[k], in exact Fraction arithmetic."""
    r = len(g)
    return np.array([sum(d[i + k] * g[k] for k in range(r)) for i in range(m)], dtype=object)


def _random_fractions(rng: np.random.Generator, size: int) -> np.ndarray:
    """Random rationals p/q with small numerators and denominators (object array)."""
    nums = rng.integers(-20, 21, size)
    dens = rng.integers(1, 8, size)
    return np.array([Fraction(int(p), int(q)) for p, q in zip(nums, dens, strict=True)], object)


@pytest.mark.parametrize(("m", "r"), PAIRS)
def test_transform_shapes_and_exact_type(m: int, r: int) -> None:
    at, g, bt = winograd_transforms(m, r)
    n = m + r - 1
    assert at.shape == (m, n) and g.shape == (n, r) and bt.shape == (n, n)
    for mat in (at, g, bt):
        assert mat.dtype == object
        assert all(isinstance(v, Fraction) for v in mat.flat)


@pytest.mark.parametrize(("m", "r"), PAIRS)
def test_transforms_compute_exact_correlation(m: int, r: int) -> None:
    at, g_mat, bt = winograd_transforms(m, r)
    rng = np.random.default_rng(100 * m + r)
    for _ in range(10):
        d = _random_fractions(rng, m + r - 1)
        g = _random_fractions(rng, r)
        # Exact Fraction arithmetic: equality, not closeness.
        assert (at @ ((g_mat @ g) * (bt @ d)) == _correlate_exact(d, g, m)).all()


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 5),
    r=st.integers(1, 4),
    data=st.data(),
)
def test_transforms_exact_for_any_distinct_points(m: int, r: int, data: st.DataObject) -> None:
    pool = [Fraction(p, q) for p in range(-5, 6) for q in (1, 2, 3)]
    points = data.draw(
        st.lists(st.sampled_from(pool), min_size=m + r - 2, max_size=m + r - 2, unique=True)
    )
    at, g_mat, bt = winograd_transforms(m, r, points)
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    d, g = _random_fractions(rng, m + r - 1), _random_fractions(rng, r)
    assert (at @ ((g_mat @ g) * (bt @ d)) == _correlate_exact(d, g, m)).all()


def _f(rows: list[list]) -> np.ndarray:
    return np.array([[Fraction(v) for v in row] for row in rows], dtype=object)


# Lavin & Gray (2015), section 4.1 (F(2, 3)) and 4.2 (F(4, 3)); points 0, 1, -1, (2, -2,) inf.
LAVIN_F23 = (
    _f([[1, 1, 1, 0], [0, 1, -1, -1]]),
    _f([[1, 0, 0], ["1/2", "1/2", "1/2"], ["1/2", "-1/2", "1/2"], [0, 0, 1]]),
    _f([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]),
)
LAVIN_F43 = (
    _f([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
    _f(
        [
            ["1/4", 0, 0],
            ["-1/6", "-1/6", "-1/6"],
            ["-1/6", "1/6", "-1/6"],
            ["1/24", "1/12", "1/6"],
            ["1/24", "-1/12", "1/6"],
            [0, 0, 1],
        ]
    ),
    _f(
        [
            [4, 0, -5, 0, 1, 0],
            [0, -4, -4, 1, 1, 0],
            [0, 4, -4, -1, 1, 0],
            [0, -2, -1, 2, 1, 0],
            [0, 2, -1, -2, 1, 0],
            [0, 4, 0, -5, 0, 1],
        ]
    ),
)


def _scale(a: np.ndarray, b: np.ndarray) -> Fraction:
    """The factor s with a == s * b (exactly), or fail."""
    nonzero = [i for i, v in enumerate(b) if v != 0]
    assert nonzero, "reference vector is zero"
    s = a[nonzero[0]] / b[nonzero[0]]
    assert (a == s * b).all(), f"{list(a)} is not a multiple of {list(b)}"
    return s


@pytest.mark.parametrize(
    ("m", "points", "reference"),
    [(2, None, LAVIN_F23), (2, [0, 1, -1], LAVIN_F23), (4, ["0", "1", "-1", "2", "-2"], LAVIN_F43)],
)
def test_matches_lavin_gray_up_to_row_scaling(m: int, points, reference) -> None:
    """Check: for every point i there are factors alpha, beta, gamma with
    AT[:, i] = alpha * AT_ref[:, i], G[i] = beta * G_ref[i], BT[i] = gamma * BT_ref[i] and
    alpha * beta * gamma = 1 -- exactly the freedom that leaves AT ((G g) * (BT d)) unchanged.
    """
    at, g_mat, bt = winograd_transforms(m, 3, points)
    at_ref, g_ref, bt_ref = reference
    for i in range(m + 2):
        alpha = _scale(at[:, i], at_ref[:, i])
        beta = _scale(g_mat[i], g_ref[i])
        gamma = _scale(bt[i], bt_ref[i])
        assert alpha * beta * gamma == 1


def test_default_f23_is_lavin_gray_with_one_sign() -> None:
    at, g_mat, bt = winograd_transforms(2, 3)
    at_ref, g_ref, bt_ref = LAVIN_F23
    assert (g_mat == g_ref).all()
    # Only the point at infinity differs: its AT column and BT row are negated together.
    assert (at[:, :3] == at_ref[:, :3]).all() and (at[:, 3] == -at_ref[:, 3]).all()
    assert (bt[:3] == bt_ref[:3]).all() and (bt[3] == -bt_ref[3]).all()


def _float32_tile_rms_error(points, n_tiles: int = 4000) -> float:
    """RMS relative error of float32 2-D F(4x4, 3x3) on random tiles, vs float64 direct."""
    at, g_mat, bt = (mat.astype(np.float64) for mat in winograd_transforms(4, 3, points))
    rng = np.random.default_rng(7)
    d = rng.standard_normal((n_tiles, 6, 6))
    g = rng.standard_normal((n_tiles, 3, 3))
    exact = np.zeros((n_tiles, 4, 4))
    for i in range(3):
        for j in range(3):
            exact += d[:, i : i + 4, j : j + 4] * g[:, i : i + 1, j : j + 1]
    # Filters transformed in float64 then rounded (as transform_filters does); the rest float32.
    u = (g_mat @ g @ g_mat.T).astype(np.float32)
    at32, bt32 = at.astype(np.float32), bt.astype(np.float32)
    v = bt32 @ d.astype(np.float32) @ bt32.T
    y = at32 @ (u * v) @ at32.T
    return float(np.sqrt(np.mean((y - exact) ** 2) / np.mean(exact**2)))


def test_default_points_more_accurate_than_lavin_points_for_f43() -> None:
    default = _float32_tile_rms_error(None)
    lavin = _float32_tile_rms_error(["0", "1", "-1", "2", "-2"])
    # Measured: default ~0.6-0.7 x Lavin's; 0.9 leaves room for the random draw.
    assert default < 0.9 * lavin
    assert default < 1e-5  # float32 with amplification ~10 (entries up to 8 in AT)


@pytest.mark.parametrize(
    ("m", "r", "points", "message"),
    [
        (0, 3, None, "m must be a positive integer"),
        (2, 0, None, "r must be a positive integer"),
        (2, 3, [0, 1], "needs n - 1 = 3 finite points"),
        (2, 3, [0, 1, 1], "distinct"),
        (2, 3, [0, 1, 0.5], "exact"),
        (20, 3, None, "Pass points explicitly"),
    ],
)
def test_transform_errors(m, r, points, message) -> None:
    with pytest.raises(ValueError, match=message):
        winograd_transforms(m, r, points)


# ---------------------------------------------------------------------------------------
# Convolution against torch.nn.functional.conv2d (float64 reference)
# ---------------------------------------------------------------------------------------

# Tolerances are relative to max |reference output|.
# float64: every variant agrees to ~1e-14 (measured); 1e-11 leaves three orders of margin.
# float32 (eps 6e-8): error = rounding of the inputs and of each product/sum, amplified by
# the transforms. F(2x2) has entries 0, +-1, 1/2: ~1e-7 measured, like plain float32 conv.
# F(4x4) has AT entries up to 8 and G entries down to 1/24: ~1e-6 measured.
# F(6x6) has AT entries up to 32 and larger Lagrange denominators: ~5e-6 measured.
# Bounds are ~10x the measured errors: loose enough for other shapes, tight enough to catch
# a wrong transform (which gives errors of order 1).
TOL = {
    (2, np.float32): 2e-6,
    (4, np.float32): 2e-5,
    (6, np.float32): 1e-4,
    (2, np.float64): 1e-11,
    (4, np.float64): 1e-11,
    (6, np.float64): 1e-11,
}


def _reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, padding) -> np.ndarray:
    as64 = lambda a: None if a is None else torch.from_numpy(np.asarray(a, np.float64))  # noqa: E731
    return F.conv2d(as64(x), as64(w), as64(b), padding=padding).numpy()


def _relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    return float(np.abs(got.astype(np.float64) - expected).max() / np.abs(expected).max())


@pytest.mark.parametrize("m", [2, 4, 6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv_matches_torch(m: int, dtype, padding: int) -> None:
    rng = np.random.default_rng(m * 10 + padding)
    # Odd sizes: H_out = 13 + 2p - 2 and W_out = 10 + 2p - 2 are not multiples of m, so
    # border tiles are partial; C = 24 makes the channel sum non-trivial.
    x = rng.standard_normal((2, 24, 13, 10)).astype(dtype)
    w = rng.standard_normal((5, 24, 3, 3)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    expected = _reference(x, w, b, padding)
    got = conv2d_winograd(x, w, b, padding=padding, m=m)
    assert got.shape == expected.shape and got.dtype == dtype
    assert got.flags.c_contiguous
    assert _relative_error(got, expected) < TOL[(m, dtype)]


@pytest.mark.parametrize("m", [2, 4, 6])
def test_conv_float32_many_channels(m: int) -> None:
    rng = np.random.default_rng(m)
    x = rng.standard_normal((1, 128, 9, 9)).astype(np.float32)
    w = rng.standard_normal((8, 128, 3, 3)).astype(np.float32)
    expected = _reference(x, w, None, 1)
    assert _relative_error(conv2d_winograd(x, w, padding=1, m=m), expected) < TOL[(m, np.float32)]


def test_conv_asymmetric_padding_and_default_m() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 3, 7, 12))
    w = rng.standard_normal((2, 3, 3, 3))
    expected = _reference(x, w, None, (2, 0))
    assert _relative_error(conv2d_winograd(x, w, padding=(2, 0)), expected) < 1e-11


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 6),
    k=st.integers(1, 5),
    h=st.integers(1, 14),
    w=st.integers(1, 14),
    padding=st.integers(0, 2),
    m=st.sampled_from([2, 4, 6]),
    with_bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_conv_random_shapes(n, c, k, h, w, padding, m, with_bias, seed) -> None:
    if min(h, w) + 2 * padding < 3:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv2d_winograd(np.zeros((n, c, h, w)), np.zeros((k, c, 3, 3)), padding=padding)
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((k, c, 3, 3))
    b = rng.standard_normal(k) if with_bias else None
    expected = _reference(x, wt, b, padding)
    got = conv2d_winograd(x, wt, b, padding=padding, m=m)
    assert got.shape == expected.shape
    assert _relative_error(got, expected) < 1e-11


@pytest.mark.parametrize(("m", "r"), [(3, 2), (2, 5), (4, 1)])
def test_conv_other_filter_sizes(m: int, r: int) -> None:
    rng = np.random.default_rng(r)
    x = rng.standard_normal((2, 3, 11, 9))
    w = rng.standard_normal((4, 3, r, r))
    expected = _reference(x, w, None, 1)
    assert _relative_error(conv2d_winograd(x, w, padding=1, m=m), expected) < 1e-11


@pytest.mark.parametrize("m", [2, 4, 6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pretransformed_filters_give_identical_results(m: int, dtype) -> None:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 4, 10, 11)).astype(dtype)
    w = rng.standard_normal((3, 4, 3, 3)).astype(dtype)
    b = rng.standard_normal(3).astype(dtype)
    filters = transform_filters(w, m)
    assert isinstance(filters, WinogradFilters)
    assert filters.U.shape == ((m + 2) ** 2, 3, 4) and filters.U.dtype == dtype
    assert (filters.m, filters.r, filters.K, filters.C, filters.n) == (m, 3, 3, 4, m + 2)
    raw = conv2d_winograd(x, w, b, padding=1, m=m)
    np.testing.assert_array_equal(conv2d_winograd(x, filters, b, padding=1), raw)
    np.testing.assert_array_equal(conv2d_winograd(x, filters, b, padding=1, m=m), raw)


def test_filter_transform_values() -> None:
    """U[xi * n + nu, k, c] == (G w[k, c] G^T)[xi, nu], checked in exact arithmetic."""
    rng = np.random.default_rng(5)
    w = rng.integers(-4, 5, (2, 3, 3, 3)).astype(np.float64)
    _, g_mat, _ = winograd_transforms(2, 3)
    filters = transform_filters(w, 2)
    for k in range(2):
        for c in range(3):
            exact = g_mat @ w[k, c].astype(int).astype(object) @ g_mat.T
            np.testing.assert_array_equal(filters.U[:, k, c], exact.astype(np.float64).ravel())


def _x_w() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((1, 3, 6, 6), np.float32), np.zeros((2, 3, 3, 3), np.float32)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x, w: conv2d_winograd(x, w, stride=2), "supports stride 1 .* only, got stride=2"),
        (lambda x, w: conv2d_winograd(x, w, None, 2), "supports stride 1 .* only, got stride=2"),
        (lambda x, w: conv2d_winograd(x, w, dilation=2), "supports dilation 1 .*dilation=2"),
        (lambda x, w: conv2d_winograd(x, w, groups=3), "does not support groups=3"),
        (lambda x, w: conv2d_winograd(x, w, m=7), "exceeds 8"),
        (lambda x, w: conv2d_winograd(x, w[:, :2]), "x has 3 channels but w expects 2"),
        (lambda x, w: conv2d_winograd(x[0, 0], w), "same number of dimensions"),
        (lambda x, w: conv2d_winograd(x, w[..., :2]), "square filters"),
        (lambda x, w: conv2d_winograd(x.astype(complex), w), "x has dtype complex128"),
        (lambda x, w: conv2d_winograd(x[..., :1, :1], w), "larger than the padded input"),
        (lambda x, w: conv2d_winograd(x, w, padding=-1), "padding must be"),
        (lambda x, w: conv2d_winograd(x, w, b=np.zeros(3)), r"bias must have shape \(2,\)"),
        (lambda x, w: conv2d_winograd(x, w, np.zeros(3)), r"bias must have shape \(2,\)"),
        (lambda x, w: conv2d_winograd(x, transform_filters(w, 2), m=4), "transformed for m=2"),
        (lambda x, w: conv2d_winograd(x.astype(np.float64), transform_filters(w)), "float32"),
        (lambda x, w: transform_filters(w, 0), "m must be a positive integer"),
    ],
)
def test_invalid_arguments_raise(call, message) -> None:
    x, w = _x_w()
    with pytest.raises(ValueError, match=message):
        call(x, w)


# ---------------------------------------------------------------------------------------
# Multiplication count and profile
# ---------------------------------------------------------------------------------------


def test_multiplication_count_matches_shapes() -> None:
    n, c, k, h, w = 2, 3, 4, 13, 10
    count = multiplication_count(n, c, k, h, w, m=4, r=3, padding=1)
    out = F.conv2d(torch.zeros(n, c, h, w), torch.zeros(k, c, 3, 3), padding=1)
    # direct: one product per (output value, input channel, filter tap)
    assert count["direct"] == out.numel() * c * 9
    assert (count["out_h"], count["out_w"]) == tuple(out.shape[2:])
    assert count["tiles"] == 4 * 3  # ceil(13 / 4) * ceil(10 / 4)
    assert count["winograd"] == n * k * c * count["tiles"] * 36
    assert count["ratio"] == count["direct"] / count["winograd"]


@pytest.mark.parametrize(("m", "full_ratio"), [(2, 2.25), (4, 4.0), (6, 324 / 64)])
def test_multiplication_ratio_reaches_m2r2_over_n2_with_full_tiles(m, full_ratio) -> None:
    # Output side a multiple of m (padding 1 keeps H_out = H): every tile is full.
    for side in (m, 5 * m, 12 * m):
        assert multiplication_count(1, 8, 8, side, side, m)["ratio"] == pytest.approx(full_ratio)
    # Partial tiles waste multiplications; the waste vanishes as the image grows.
    ratios = [
        multiplication_count(1, 8, 8, side, side, m)["ratio"]
        for side in (m + 1, 4 * m + 1, 64 * m + 1)
    ]
    assert ratios[0] < ratios[1] < ratios[2] < full_ratio
    assert ratios[2] > 0.95 * full_ratio


def test_multiplication_count_errors() -> None:
    with pytest.raises(ValueError, match="smaller than the filter"):
        multiplication_count(1, 1, 1, 1, 1, 2, padding=0)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        multiplication_count(1, 1, 1, 8, 8, 0)


def test_profile_reports_every_stage() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
    w = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    stages = profile_winograd(x, w, padding=1, repeat=2)
    expected = {"filter_transform", "pad", "input_transform", "gemm", "output_transform", "to_nchw"}
    assert set(stages) == expected
    assert all(v >= 0 for v in stages.values())


@pytest.mark.parametrize("size", [(9, 11), (12, 12)])  # partial tiles / whole tiles
def test_profile_times_the_pipeline_of_the_call(monkeypatch, size) -> None:
    """profile_winograd runs the pipeline conv2d_winograd runs: one clock per stage, the
    call's output, with several chunks as with one."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, *size))
    w = rng.standard_normal((4, 2, 3, 3))
    b = rng.standard_normal(4)
    filters = transform_filters(w, 4)
    _, plan, _ = winograd_plan._prepare(x, filters, padding=1)
    out = np.empty((3, 4, *size))
    clock = StageClock()
    winograd_kernel._winograd_pipeline(x, filters, b, plan, out, 1, clock)
    assert set(clock.seconds) == {"pad", "input_transform", "gemm", "output_transform", "to_nchw"}
    np.testing.assert_array_equal(out, conv2d_winograd(x, filters, b, padding=1, workers=1))
    monkeypatch.setattr(winograd_plan, "MIN_TILES_PER_CHUNK", 1)
    monkeypatch.setattr(winograd_plan, "CHUNK_BYTES", 1)
    assert set(profile_winograd(x, filters, b, padding=1, repeat=1)) == set(clock.seconds)


# --- batch chunks run in threads -------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("size", [(9, 11), (12, 12)])  # partial tiles / whole tiles
def test_chunked_batch_matches_torch(monkeypatch, workers, size):
    """Forcing one image per chunk: every chunk and worker count gives F.conv2d (+ bias)."""
    monkeypatch.setattr(winograd_plan, "CHUNK_BYTES", 1)
    monkeypatch.setattr(winograd_plan, "MIN_TILES_PER_CHUNK", 1)
    rng = np.random.default_rng(workers)
    x = rng.standard_normal((5, 3, *size))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    filters = transform_filters(w, 4)
    _, plan, _ = winograd_plan._prepare(x, filters, padding=1)
    assert len(winograd_plan.batch_chunks(plan, 4, 8)) == 5
    out = conv2d_winograd(x, filters, b, padding=1, workers=workers)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3), c=st.integers(1, 4), k=st.integers(1, 4), h=st.integers(1, 30),
    w_=st.integers(1, 14), padding=st.integers(0, 3), m=st.sampled_from([2, 4, 6]),
    rows_per_band=st.integers(1, 3), workers=st.integers(1, 3),
)  # fmt: skip
def test_bands_of_tile_rows_match_torch(n, c, k, h, w_, padding, m, rows_per_band, workers):
    """An image larger than the chunk budget runs as bands of tile rows (each reading the
    rows it needs, its own top padding what is left of the image's): any band height,
    padding, tile size and thread count gives F.conv2d (+ bias)."""
    if h + 2 * padding < 3 or w_ + 2 * padding < 3:
        return
    rng = np.random.default_rng(h * 31 + w_)
    x = rng.standard_normal((n, c, h, w_))
    w = rng.standard_normal((k, c, 3, 3))
    b = rng.standard_normal(k)
    filters = transform_filters(w, m)
    _, plan, _ = winograd_plan._prepare(x, filters, padding=padding)
    budget = rows_per_band * winograd_plan._tile_row_bytes(plan, k, 8)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(winograd_plan, "MIN_TILES_PER_CHUNK", 1)
        bands = winograd_plan.tile_row_bands(replace(plan, gemm=GemmChoice(chunk_bytes=budget)),
                                             k, 8)  # fmt: skip
        assert [t for band in bands for t in range(band.start, band.stop)] == list(
            range(plan.tiles_h)
        )
        out = conv2d_winograd(x, filters, b, padding=padding, workers=workers,
                              chunk_bytes=budget)  # fmt: skip
    expected = F.conv2d(*(torch.from_numpy(a) for a in (x, w, b)), padding=padding).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)


def test_work_items_cut_only_images_larger_than_the_budget():
    filters = transform_filters(np.zeros((64, 64, 3, 3), dtype=np.float32), 4)
    _, small, _ = winograd_plan._prepare(np.zeros((8, 64, 56, 56), np.float32), filters, padding=1)
    items = winograd_plan.work_items(small, 64, 4)
    assert all(rows == slice(0, small.tiles_h) for _, rows in items)  # whole images
    _, large, _ = winograd_plan._prepare(np.zeros((2, 64, 224, 224), np.float32), filters,
                                         padding=1)  # fmt: skip
    items = winograd_plan.work_items(large, 64, 4)
    assert len(items) > 2 and {images.stop - images.start for images, _ in items} == {1}
    per_row = winograd_plan._tile_row_bytes(large, 64, 4)
    assert all((rows.stop - rows.start) * per_row <= winograd_plan.CHUNK_BYTES for _, rows in items)


def test_batch_chunks_keep_enough_tiles_per_gemm():
    """A small batch of small images stays one chunk; a big one is cut, covering it all."""
    small = transform_filters(np.zeros((256, 256, 3, 3), dtype=np.float32), 4)
    _, plan, _ = winograd_plan._prepare(np.zeros((4, 256, 14, 14), np.float32), small, padding=1)
    assert winograd_plan.batch_chunks(plan, 256, 4) == [slice(0, 4)]
    filters = transform_filters(np.zeros((128, 128, 3, 3), dtype=np.float32), 4)
    _, big, _ = winograd_plan._prepare(np.zeros((8, 128, 28, 28), np.float32), filters, padding=1)
    chunks = winograd_plan.batch_chunks(big, 128, 4)
    assert len(chunks) > 1
    assert [i for chunk in chunks for i in range(chunk.start, chunk.stop)] == list(range(8))
    tiles = big.tiles_h * big.tiles_w
    assert all((c.stop - c.start) * tiles >= winograd_plan.MIN_TILES_PER_CHUNK for c in chunks)


def test_filters_carry_the_contiguous_transpose_used_by_the_gemm():
    w = np.random.default_rng(7).standard_normal((5, 3, 3, 3)).astype(np.float32)
    filters = transform_filters(w, 4)
    assert filters.UT.shape == (36, 3, 5) and filters.UT.flags.c_contiguous
    np.testing.assert_array_equal(filters.UT, filters.U.transpose(0, 2, 1))
    assert not filters.UT.flags.writeable


@pytest.mark.parametrize("workers", [2, 3])
def test_threaded_gemm_of_one_chunk_matches_torch(monkeypatch, workers):
    """One batch chunk, its n*n products shared among threads: still F.conv2d."""
    monkeypatch.setattr(winograd_plan, "THREADED_GEMM_FLOPS", 0)
    rng = np.random.default_rng(workers)
    x = rng.standard_normal((2, 6, 10, 13))
    w = rng.standard_normal((5, 6, 3, 3))
    filters = transform_filters(w, 4)
    _, plan, _ = winograd_plan._prepare(x, filters, padding=1)
    assert len(winograd_plan.batch_chunks(plan, 5, 8)) == 1
    out = conv2d_winograd(x, filters, padding=1, workers=workers)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("size", [(8, 8), (9, 6)])  # whole tiles / partial tiles
def test_single_chunk_in_threads_matches_torch(monkeypatch, size):
    """A batch too small for chunks, with every stage shared among threads (bias too)."""
    monkeypatch.setattr(winograd_plan, "THREADED_GEMM_FLOPS", 0)
    rng = np.random.default_rng(size[1])
    x = rng.standard_normal((3, 4, *size))
    w = rng.standard_normal((6, 4, 3, 3))
    b = rng.standard_normal(6)
    out = conv2d_winograd(x, transform_filters(w, 4), b, padding=1, workers=2)
    expected = F.conv2d(*(torch.from_numpy(a) for a in (x, w, b)), padding=1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)
