"""Contextual attention: source finding, reconstruction, any size, per-sample masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.inpainting.attention import (
    ContextualAttention,
    attention_offsets,
    flow_to_rgb,
    raw_patch_geometry,
)


def _copied_block_case(rate: int, height: int, width: int, seed: int = 0):
    """Random features where a 6x6-cell block (cells of rate x rate pixels) is copied from
    the top-left corner to the bottom-right corner; the inner 4x4 cells of the copy are the
    hole. Returns features, mask, hole cell slice and the expected cell offset."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(2, 8, height, width, generator=generator)
    block = 6
    row, col = height // rate - block, width // rate - block
    source = features[0, :, : block * rate, : block * rate].clone()
    features[0, :, row * rate : (row + block) * rate, col * rate : (col + block) * rate] = source
    mask = torch.zeros(2, 1, height, width)
    mask[
        0,
        :,
        (row + 1) * rate : (row + block - 1) * rate,
        (col + 1) * rate : (col + block - 1) * rate,
    ] = 1
    mask[1, :, 1:4, 2:6] = 1  # sample 1 gets a different hole
    # Hole cells whose whole 3x3 neighbourhood lies inside the copied block.
    cells = (slice(row + 2, row + block - 2), slice(col + 2, col + block - 2))
    return features, mask, cells, (-row, -col)


@pytest.mark.parametrize(
    ("rate", "height", "width"), [(1, 16, 20), (2, 32, 40), (2, 33, 41), (3, 30, 31)]
)
@pytest.mark.parametrize("fuse", [True, False])
def test_attention_points_at_the_copied_source(rate, height, width, fuse):
    features, mask, cells, expected = _copied_block_case(rate, height, width)
    layer = ContextualAttention(rate=rate, softmax_scale=10.0, fuse=fuse)
    _, maps = layer(features, features, mask, return_attention=True)
    offsets = maps.offsets[0, :, cells[0], cells[1]]
    assert offsets.numel() > 0
    assert torch.all(offsets[0] == expected[0])
    assert torch.all(offsets[1] == expected[1])


def test_sharp_attention_copies_the_source_features():
    features, mask, cells, (d_row, d_col) = _copied_block_case(1, 16, 20)
    rebuilt = ContextualAttention(rate=1, softmax_scale=1000.0)(features, features, mask)
    hole = rebuilt[0, :, cells[0], cells[1]]
    rows = range(cells[0].start + d_row, cells[0].stop + d_row)
    cols = range(cells[1].start + d_col, cells[1].stop + d_col)
    source = features[0][:, rows.start : rows.stop, cols.start : cols.stop]
    # Softmax with scale 1000 on cosine scores: the exact match (1.0) beats every other
    # patch (< 0.9 for random 72-dim patches) by >= 100 in logits -> weights ~1 - e^-100.
    torch.testing.assert_close(hole, source, atol=1e-5, rtol=1e-5)


def test_attention_never_uses_hole_patches_and_masks_are_per_sample():
    features, mask, _, _ = _copied_block_case(2, 32, 40)
    _, maps = ContextualAttention(rate=2)(features, features, mask, return_attention=True)
    attention = maps.attention  # (B, L, h, w)
    for sample in range(2):
        hole_cells = torch.nn.functional.max_pool2d(mask[sample : sample + 1], 2)[0, 0]
        touched = torch.nn.functional.max_pool2d(hole_cells[None, None], 3, 1, 1)[0, 0]
        weight_on_touched = attention[sample][touched.flatten() > 0].sum()
        assert float(weight_on_touched) == 0.0
    # The two samples have different holes, so the set of attended patches differs.
    used = (attention.sum(dim=(2, 3)) > 0).float()
    assert not torch.equal(used[0], used[1])
    sums = attention.sum(dim=1)
    torch.testing.assert_close(sums, torch.ones_like(sums), atol=1e-5, rtol=0)


def test_zero_features_give_finite_output():
    features = torch.zeros(2, 4, 12, 12)
    mask = torch.zeros(2, 1, 12, 12)
    mask[:, :, 4:8, 4:8] = 1
    out = ContextualAttention(rate=2)(features, features, mask)
    assert torch.isfinite(out).all()


def test_fully_masked_image_gives_zeros_not_nan():
    features = torch.randn(1, 4, 8, 8)
    out = ContextualAttention(rate=1)(features, features, torch.ones(1, 1, 8, 8))
    assert torch.isfinite(out).all() and float(out.abs().max()) == 0.0


@settings(max_examples=25, deadline=None)
@given(
    rate=st.integers(1, 3),
    height=st.integers(3, 23),
    width=st.integers(3, 23),
    batch=st.integers(1, 3),
)
def test_any_size_keeps_shape_and_is_finite(rate, height, width, batch):
    generator = torch.Generator().manual_seed(height * 100 + width)
    features = torch.randn(batch, 3, height, width, generator=generator)
    mask = (torch.rand(batch, 1, height, width, generator=generator) < 0.3).float()
    out, maps = ContextualAttention(rate=rate)(features, features, mask, return_attention=True)
    grid = (-(-height // rate), -(-width // rate))
    assert out.shape == features.shape
    assert maps.attention.shape == (batch, grid[0] * grid[1], *grid)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("rate", [1, 2, 3, 4])
def test_raw_patch_geometry_round_trips_size(rate):
    kernel, pad = raw_patch_geometry(rate)
    grid = 5
    unfolded = torch.nn.functional.unfold(
        torch.ones(1, 1, grid * rate, grid * rate), kernel, padding=pad, stride=rate
    )
    assert unfolded.shape[-1] == grid * grid
    back = torch.nn.functional.conv_transpose2d(
        torch.ones(1, 1, grid, grid), torch.ones(1, 1, kernel, kernel), stride=rate, padding=pad
    )
    assert back.shape[-2:] == (grid * rate, grid * rate)


def test_bad_inputs_raise():
    layer = ContextualAttention()
    with pytest.raises(ValueError, match="mask"):
        layer(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 8, 8), torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="same shape"):
        layer(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 8, 9), torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match="odd"):
        ContextualAttention(patch_size=2)


def test_offsets_and_flow_colours():
    attention = torch.zeros(1, 4, 2, 2)
    attention[0, 3, :, :] = 1.0  # every position attends to cell (1, 1)
    offsets = attention_offsets(attention)
    assert offsets[0, :, 0, 0].tolist() == [1, 1]
    assert offsets[0, :, 1, 1].tolist() == [0, 0]
    rgb = flow_to_rgb(np.array([[[0.0, 0.0, 0.0]], [[0.0, 1.0, -1.0]]]))  # (2, 1, 3)
    assert rgb.shape == (1, 3, 3)
    np.testing.assert_allclose(rgb[0, 0], [1, 1, 1])  # no motion -> white
    np.testing.assert_allclose(rgb[0, 1], [1, 0, 0], atol=1e-6)  # right -> hue 0 (red)
    np.testing.assert_allclose(rgb[0, 2], [0, 1, 1], atol=1e-6)  # left -> cyan


def test_propagation_equals_identity_kernel_convolutions() -> None:
    # The definition: two conv2d passes with a 3x3 identity kernel, along rows, then columns.
    from course_utils.inpainting.attention import _propagate

    height, width = 3, 5
    scores = torch.randn(2, height * width, height * width, dtype=torch.float64)
    eye = torch.eye(3, dtype=torch.float64).view(1, 1, 3, 3)
    rows = F.conv2d(scores[:, None], eye, padding=1)[:, 0]
    swapped = rows.view(2, height, width, height, width).permute(0, 2, 1, 4, 3)
    cols = F.conv2d(swapped.reshape(2, 1, height * width, height * width), eye, padding=1)
    expected = cols.view(2, width, height, width, height).permute(0, 2, 1, 4, 3)
    torch.testing.assert_close(
        _propagate(scores, height, width), expected.reshape_as(scores), rtol=1e-12, atol=1e-12
    )


def test_propagation_has_the_gradient_of_its_definition() -> None:
    from course_utils.inpainting.attention import _propagate

    scores = torch.randn(1, 6, 6, dtype=torch.float64, requires_grad=True)  # a 2x3 grid
    assert torch.autograd.gradcheck(lambda s: _propagate(s, 2, 3), (scores,))
