"""The Winograd filter cache: raw weights are transformed once and reused only while they
are unchanged, so a benchmark with raw weights is end to end and still correct after any
change of the weights (float64 operands; tolerance 1e-10 relative to max |out|, F(4x4, 3x3)
in float64 agrees with F.conv2d to ~1e-13)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.conv import conv2d_winograd
from course_utils.conv.winograd import cache, clear_filter_cache, filter_cache_info


def _reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    return float(np.abs(got - want).max()) <= 1e-10 * float(np.abs(want).max())


@pytest.fixture
def operands() -> tuple[np.ndarray, np.ndarray]:
    clear_filter_cache()
    rng = np.random.default_rng(0)
    return rng.standard_normal((2, 3, 9, 7)), rng.standard_normal((4, 3, 3, 3))


def test_the_same_weights_are_transformed_once(operands) -> None:
    x, w = operands
    first = conv2d_winograd(x, w, padding=1)
    second = conv2d_winograd(x, w, padding=1)
    assert filter_cache_info()["misses"] == 1 and filter_cache_info()["hits"] == 1
    assert _close(first, _reference(x, w)) and np.array_equal(first, second)


def test_weights_changed_in_place_are_transformed_again(operands) -> None:
    x, w = operands
    conv2d_winograd(x, w, padding=1)
    w[1, 2, 0, 0] += 1.0  # same array, same address, new values
    out = conv2d_winograd(x, w, padding=1)
    assert filter_cache_info()["misses"] == 2
    assert _close(out, _reference(x, w))


def test_a_new_array_and_another_tile_are_their_own_entries(operands) -> None:
    x, w = operands
    conv2d_winograd(x, w, padding=1)
    other = w * 2.0
    assert _close(conv2d_winograd(x, other, padding=1), _reference(x, other))
    assert _close(conv2d_winograd(x, w, padding=1, m=2), _reference(x, w))
    assert filter_cache_info()["misses"] == 3


def test_float32_and_float64_calls_do_not_share_filters(operands) -> None:
    x, w = operands
    out64 = conv2d_winograd(x, w, padding=1)
    out32 = conv2d_winograd(x.astype(np.float32), w, padding=1)  # w float64: float64 result
    assert out64.dtype == out32.dtype == np.float64
    w32 = w.astype(np.float32)
    assert conv2d_winograd(x.astype(np.float32), w32, padding=1).dtype == np.float32
    assert filter_cache_info()["misses"] == 2


def test_the_cache_stays_within_its_byte_budget(operands, monkeypatch) -> None:
    x, w = operands
    entry = w.nbytes + 2 * (36 * 4 * 3 * 8)  # a copy of w, U (n*n, K, C) and its GEMM layout
    monkeypatch.setattr(cache, "FILTER_CACHE_BYTES", 2 * entry)
    kept = [w + k for k in range(5)]  # five layers, each kept alive
    for layer in kept:
        assert _close(conv2d_winograd(x, layer, padding=1), _reference(x, layer))
    info = filter_cache_info()
    assert info["entries"] == 2 and info["bytes"] == 2 * entry
    clear_filter_cache()
    assert filter_cache_info() == {"hits": 0, "misses": 0, "entries": 0, "bytes": 0}


def test_the_comparison_is_bytewise_also_for_strided_and_nan_weights() -> None:
    """A strided weights view is compared element-wise, a contiguous one byte for byte:
    the same bytes (NaN included) are a hit, one changed element is a miss."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3, 3, 3))
    kept = w.copy()
    assert cache._same_values(kept, w)
    w[1, 2, 0, 1] += 1e-12
    assert not cache._same_values(kept, w)
    nan = np.full((2, 2, 3, 3), np.nan)
    assert cache._same_values(nan.copy(), nan)
    strided = rng.standard_normal((4, 6, 3, 3))[:, ::2]
    assert cache._same_values(strided.copy(), strided)
    assert not cache._same_values(strided.copy() + 1.0, strided)
