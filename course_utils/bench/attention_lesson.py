"""The measurement of lesson 7 (contextual attention): what matching everything with
everything costs, in time and in memory kept for the backward pass.

:func:`attention_cost_rows` runs ``ContextualAttention`` (no propagation, softmax scale 10) on
random float32 features with a square hole, at matching rates 1 and 2 and several feature-map
sides, and records per run the forward time (median of repeats after a warm-up, without
autograd), the cost model of the matching (positions ``P = L``, flops, bytes of one ``L x P``
score tensor) and the bytes autograd saves for the backward pass (:func:`saved_bytes`).
:func:`format_attention_costs` prints the rows, :func:`plot_attention_costs` draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from course_utils.inpainting.attention import ContextualAttention
from course_utils.timing import benchmark, limit_threads

__all__ = [
    "attention_case",
    "attention_cost_rows",
    "format_attention_costs",
    "plot_attention_costs",
    "saved_bytes",
]

Row = dict[str, Any]
MIB = 2**20


def attention_case(side: int, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random features (1, channels, side, side), float32, from a generator seeded with
    ``side``, and a hole mask (1, 1, side, side): 1 on rows and columns side//4 to side//2."""
    generator = torch.Generator().manual_seed(side)
    features = torch.randn(1, channels, side, side, generator=generator)
    mask = torch.zeros(1, 1, side, side)
    mask[..., side // 4 : side // 2, side // 4 : side // 2] = 1
    return features, mask


def saved_bytes(
    layer: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], object],
    features: torch.Tensor,
    mask: torch.Tensor,
) -> int:
    """Bytes of every tensor autograd keeps for the backward pass of
    ``layer(features, features, mask)`` (a ``ContextualAttention`` or any module called the
    same way), with ``features`` (B, C, H, W) requiring a gradient and ``mask`` (B, 1, H, W);
    each storage is counted once."""
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    features = features.clone().requires_grad_(True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        layer(features, features, mask)
    return sum(storages.values())


def _cost_row(layer: ContextualAttention, rate: int, side: int, channels: int, repeat: int) -> Row:
    features, mask = attention_case(side, channels)
    positions = (side // rate) ** 2
    with torch.no_grad():
        timing = benchmark(layer, features, features, mask, repeat=repeat, warmup=1)
    return {
        "rate": rate,
        "side": side,
        "positions": positions,
        "flops": 2 * channels * 9 * positions**2,
        "scores_bytes": 4 * positions**2,
        "seconds": timing.median,
        "saved": saved_bytes(layer, features, mask),
    }


def attention_cost_rows(
    sides: Sequence[int],
    *,
    channels: int = 32,
    rates: Sequence[int] = (1, 2),
    repeat: int = 3,
    threads: int = 1,
) -> list[Row]:
    """One row per matching rate (outer loop) and feature-map side (inner loop), measured
    with ``threads`` threads: ``rate``, ``side``, ``positions`` (P = L = (side // rate)**2),
    ``flops`` (2 C 9 P**2 of the matching), ``scores_bytes`` (one float32 L x P tensor),
    ``seconds`` (median forward time of ``repeat`` calls after one warm-up call, no
    autograd), ``saved`` (:func:`saved_bytes`), and the ``channels`` and ``threads`` used."""
    rows = []
    with limit_threads(threads):
        for rate in rates:
            layer = ContextualAttention(rate=rate, softmax_scale=10.0, fuse=False)
            for side in sides:
                row = _cost_row(layer, rate, side, channels, repeat)
                rows.append({**row, "channels": channels, "threads": threads})
    return rows


def format_attention_costs(rows: Sequence[Row]) -> str:
    """A table of :func:`attention_cost_rows`: sizes, L*P, GFLOP, time, GFLOP/s, score tensor
    and saved memory in MiB, and saved / scores."""
    lines = [
        f"{'rate':>4} {'H=W':>4} {'P = L':>6} {'L*P':>10} {'GFLOP':>7} {'time':>9} "
        f"{'GFLOP/s':>8} {'scores':>9} {'saved for backward':>19}"
    ]
    for row in rows:
        lines.append(
            f"{row['rate']:>4} {row['side']:>4} {row['positions']:>6} {row['positions'] ** 2:>10} "
            f"{row['flops'] / 1e9:7.3f} {row['seconds'] * 1e3:7.1f} ms "
            f"{row['flops'] / row['seconds'] / 1e9:8.1f} {row['scores_bytes'] / MIB:7.1f} MiB "
            f"{row['saved'] / MIB:13.1f} MiB ({row['saved'] / row['scores_bytes']:.1f}x)"
        )
    return "\n".join(lines)


def _rate_curves(axes: Any, rows: Sequence[Row], rate: int, colour: str) -> None:
    """Measured time and saved memory of one rate against H*W, with the models: a quadratic
    through the last time, and the bytes of one L x P tensor."""
    pixels = np.array([row["side"] ** 2 for row in rows], dtype=float)
    seconds = np.array([row["seconds"] for row in rows])
    saved = np.array([row["saved"] for row in rows]) / MIB
    axes[0].loglog(pixels, seconds, "o-", color=colour, label=f"rate {rate}, measured")
    axes[1].loglog(pixels, saved, "o-", color=colour, label=f"rate {rate}, saved for backward")
    model = np.array([row["scores_bytes"] for row in rows]) / MIB
    axes[1].loglog(pixels, model, "--", color=colour, label=f"rate {rate}, one L x P tensor")
    slope2 = seconds[-1] * (pixels / pixels[-1]) ** 2  # the quadratic model through the last point
    axes[0].loglog(pixels, slope2, ":", color=colour, label=f"rate {rate}, ~ (HW)^2")


def plot_attention_costs(rows: Sequence[Row]) -> Any:
    """Two log-log panels against the pixels H*W of the feature map, one colour per rate:
    the median forward time with a quadratic model, and the memory saved for the backward
    pass with the size of one score tensor. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.9))
    rates = list(dict.fromkeys(row["rate"] for row in rows))
    for index, rate in enumerate(rates):
        _rate_curves(axes, [row for row in rows if row["rate"] == rate], rate, f"C{index}")
    threads = rows[0]["threads"]
    axes[0].set_xlabel("pixels H x W of the feature map")
    axes[0].set_ylabel("median forward time (s)")
    axes[0].set_title(
        f"contextual attention, C = {rows[0]['channels']}, float32, "
        f"{threads} thread{'s' if threads > 1 else ''}"
    )
    axes[1].set_xlabel("pixels H x W of the feature map")
    axes[1].set_ylabel("MiB")
    axes[1].set_title("memory")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
