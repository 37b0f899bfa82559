"""One layer of the shootout: its summary and its measured ranking (lesson 06).

The computations behind the lesson's figures and widget (:mod:`course_utils.widgets.lesson06`),
tested in ``tests/test_demos_layers.py``.
"""

from __future__ import annotations

from typing import Any

from course_utils.shootout import (
    METHOD_NAMES,
    LayerShape,
    applicable_methods,
    extra_memory_bytes,
    not_applicable_reason,
    rank_methods,
)

__all__ = [
    "MAX_WIDGET_GFLOP",
    "layer_ranking",
    "layer_summary",
]


MAX_WIDGET_GFLOP = 20.0  # layer_ranking refuses larger layers (measured interactively)


def _shape(N: int, C: int, K: int, H: int, kernel: int, stride: int = 1) -> LayerShape:
    """A square layer with 'same' padding (kernel // 2), float32."""
    return LayerShape.square(N, C, K, H, kernel, padding="same", stride=stride)


def layer_summary(N: int, C: int, K: int, H: int, kernel: int, stride: int = 1) -> dict[str, Any]:
    """What is known about a layer before measuring it.

    Inputs: batch N, channels C -> K, an H x H input, a kernel x kernel filter ('same'
    padding), stride.

    Returns a dict: label, out_shape (N, K, Ho, Wo), gflop (direct count / 1e9),
    applicable (method names), not_applicable (method -> reason), extra_bytes
    (method -> analytic bytes or None).
    """
    shape = _shape(N, C, K, H, kernel, stride)
    reasons = {m: r for m in METHOD_NAMES if (r := not_applicable_reason(shape, m)) is not None}
    return {
        "label": shape.label,
        "out_shape": shape.out_shape,
        "gflop": shape.flops / 1e9,
        "applicable": applicable_methods(shape),
        "not_applicable": reasons,
        "extra_bytes": {m: extra_memory_bytes(shape, m) for m in METHOD_NAMES},
    }


def layer_ranking(
    N: int,
    C: int,
    K: int,
    H: int,
    kernel: int,
    stride: int = 1,
    *,
    repeat: int = 2,
    peak_gflops: float | None = None,
    max_gflop: float = MAX_WIDGET_GFLOP,
    seed: int = 0,
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """Measure every method on the layer (median of ``repeat`` after one warm-up) and rank.

    Returns the rows of :func:`course_utils.shootout.rank_methods`: fastest first, the
    methods that do not apply last with rank ``None`` and an "n/a: reason" note. Raises
    ``ValueError`` when the layer needs more than ``max_gflop`` GFLOP (too slow to time
    interactively). ``threads``: BLAS/PyTorch threads during the measurement (``None``:
    unchanged).
    """
    shape = _shape(N, C, K, H, kernel, stride)
    if shape.flops / 1e9 > max_gflop:
        raise ValueError(
            f"{shape.label} needs {shape.flops / 1e9:.1f} GFLOP per call, more than "
            f"{max_gflop:g}: choose a smaller layer"
        )
    return rank_methods(
        shape, repeat=repeat, warmup=1, peak_gflops=peak_gflops, seed=seed, threads=threads
    )
