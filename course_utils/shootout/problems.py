"""The problems of the shootout: :class:`LayerShape` layers, their operands, the ResNet layers.

A problem is x (N, C, H, W) * w (K, C, kh, kw) -> (N, K, Ho, Wo) with one padding and stride
for both axes, in float32 or float64. :class:`LayerShape` and :func:`make_operands` live in
:mod:`course_utils.conv.layers` (the registry and the benchmarks use the same class) and are
re-exported here; :func:`resnet_layers` are the 3x3 layers of the benchmark commands.
"""

from __future__ import annotations

from course_utils.conv.layers import LayerShape, make_operands

__all__ = ["LayerShape", "make_operands", "resnet_layers"]


def resnet_layers(quick: bool = False) -> list[LayerShape]:
    """The ResNet-like 3x3 layers of the benchmark commands (padding 1, float32).

    Full: N=8 C=K=64 56x56 (``bench conv``), N=8 C=K=128 28x28 and N=4 C=K=256 14x14
    (``bench winograd``); quick mode uses the shrunken versions those commands use.
    """
    from course_utils.bench.conv import default_problems
    from course_utils.bench.winograd import FULL_CASES, QUICK_CASES

    layers = [p.layer for p in default_problems(quick) if p.kind == "im2col_vs_torch"]
    layers += [case.layer for case in (QUICK_CASES if quick else FULL_CASES)]
    return layers
