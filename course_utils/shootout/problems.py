"""The problems of the shootout: one convolution layer (:class:`LayerShape`), its operands.

A problem is x (N, C, H, W) * w (K, C, kh, kw) -> (N, K, Ho, Wo) with one padding and stride
for both axes, in float32 or float64; :func:`resnet_layers` are the 3x3 layers of the
benchmark commands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course_utils.conv import (
    conv2d_flops,
    conv_output_size,
)

# ---------------------------------------------------------------------------------------
# The problem
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerShape:
    """One convolution problem: x (N, C, H, W) * w (K, C, kh, kw) -> (N, K, Ho, Wo).

    ``padding`` and ``stride`` are the same along both axes; ``dtype`` is ``"float32"`` or
    ``"float64"``. Raises ``ValueError`` when the kernel does not fit the padded input.
    """

    N: int
    C: int
    K: int
    H: int
    W: int
    kh: int
    kw: int
    padding: int = 0
    stride: int = 1
    dtype: str = "float32"

    def __post_init__(self) -> None:
        for name in ("N", "C", "K", "H", "W", "kh", "kw", "stride"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        self.out_hw  # noqa: B018 - validates padding and kernel size

    @classmethod
    def square(
        cls,
        N: int,
        C: int,
        K: int,
        size: int,
        kernel: int,
        padding: int | str = "same",
        stride: int = 1,
        dtype: str = "float32",
    ) -> LayerShape:
        """A size x size input and a kernel x kernel filter; ``"same"`` padding is kernel // 2."""
        pad = kernel // 2 if padding == "same" else padding
        if not isinstance(pad, int):
            raise ValueError(f"padding must be an int or 'same', got {padding!r}")
        return cls(N, C, K, size, size, kernel, kernel, pad, stride, dtype)

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, self.H, self.W)

    @property
    def w_shape(self) -> tuple[int, int, int, int]:
        return (self.K, self.C, self.kh, self.kw)

    @property
    def out_hw(self) -> tuple[int, int]:
        """(Ho, Wo) from the output-size formula."""
        return (
            conv_output_size(self.H, self.kh, self.stride, self.padding),
            conv_output_size(self.W, self.kw, self.stride, self.padding),
        )

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.K, *self.out_hw)

    @property
    def itemsize(self) -> int:
        return np.dtype(self.dtype).itemsize

    @property
    def flops(self) -> int:
        """The direct method's ``2 N K C kh kw Ho Wo``."""
        return conv2d_flops(self.x_shape, self.w_shape, stride=self.stride, padding=self.padding)

    @property
    def macs(self) -> int:
        """Multiply-adds of the direct method, ``N K C kh kw Ho Wo``."""
        return self.flops // 2

    @property
    def label(self) -> str:
        text = f"N={self.N} C={self.C} K={self.K} {self.H}x{self.W} k={self.kh}x{self.kw}"
        if self.padding:
            text += f" pad={self.padding}"
        if self.stride != 1:
            text += f" stride={self.stride}"
        return text


def make_operands(shape: LayerShape, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random x (N, C, H, W) and w (K, C, kh, kw) in ``shape.dtype``.

    The weights are scaled by ``1 / sqrt(C kh kw)`` (as in a trained network), so outputs
    are of order one and relative errors are meaningful.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape.x_shape).astype(shape.dtype)
    w = rng.standard_normal(shape.w_shape) / math.sqrt(shape.C * shape.kh * shape.kw)
    return x, w.astype(shape.dtype)


def resnet_layers(quick: bool = False) -> list[LayerShape]:
    """The ResNet-like 3x3 layers of the benchmark commands (padding 1, float32).

    Full: N=8 C=K=64 56x56 (``bench conv``), N=8 C=K=128 28x28 and N=4 C=K=256 14x14
    (``bench winograd``); quick mode uses the shrunken versions those commands use.
    """
    from course_utils.bench.conv import default_problems
    from course_utils.bench.winograd import FULL_CASES, QUICK_CASES

    layers = []
    for problem in default_problems(quick):
        if problem.kind == "im2col_vs_torch":
            n, c, h, w = problem.x_shape
            k, _, kh, kw = problem.w_shape
            layers.append(LayerShape(n, c, k, h, w, kh, kw, problem.padding, 1, problem.dtype))
    for case in QUICK_CASES if quick else FULL_CASES:
        layers.append(LayerShape(case.N, case.C, case.K, case.H, case.W, 3, 3, 1))
    return layers
