"""One convolution layer as a value (:class:`LayerShape`) and its seeded random operands.

A layer is x (N, C, H, W) * w (K, C, kh, kw) -> (N, K, Ho, Wo) with one padding and stride
for both axes, in float32 or float64. The registry's applicability and memory models
(:mod:`.registry`), the shootout (:mod:`course_utils.shootout`) and the benchmarks
(:mod:`course_utils.bench`) all describe their problems with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.conv._validate import conv2d_flops, conv_output_size

__all__ = ["LayerShape", "make_operands"]

_POSITIVE_FIELDS = ("N", "C", "K", "H", "W", "kh", "kw", "stride")


@dataclass(frozen=True)
class LayerShape:
    """One convolution problem: x (N, C, H, W) * w (K, C, kh, kw) -> (N, K, Ho, Wo).

    ``padding`` and ``stride`` are the same along both axes; ``dtype`` is ``"float32"`` or
    ``"float64"``. Raises ``ValueError`` for a size that is not a positive integer, another
    dtype, or a kernel that does not fit the padded input.

    >>> LayerShape(8, 64, 64, 56, 56, 3, 3, padding=1).out_shape
    (8, 64, 56, 56)
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
        for name in _POSITIVE_FIELDS:
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
        """(N, C, H, W)."""
        return (self.N, self.C, self.H, self.W)

    @property
    def w_shape(self) -> tuple[int, int, int, int]:
        """(K, C, kh, kw)."""
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
        """(N, K, Ho, Wo)."""
        return (self.N, self.K, *self.out_hw)

    @property
    def itemsize(self) -> int:
        """Bytes per element of ``dtype``."""
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
        """``"N=8 C=64 K=64 56x56 k=3x3 pad=1"`` (padding and stride only when not default)."""
        text = f"N={self.N} C={self.C} K={self.K} {self.H}x{self.W} k={self.kh}x{self.kw}"
        if self.padding:
            text += f" pad={self.padding}"
        if self.stride != 1:
            text += f" stride={self.stride}"
        return text


def make_operands(
    layer: LayerShape, seed: int = 0, *, scale_weights: bool = True, draw_dtype: str = "float64"
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded standard-normal x (N, C, H, W) and w (K, C, kh, kw) in ``layer.dtype``.

    - seed: of ``np.random.default_rng``; x is drawn first, then w.
    - scale_weights: divide w by ``sqrt(C kh kw)`` (He-style, as in a trained network), so
      outputs are of order one and relative errors are meaningful.
    - draw_dtype: the dtype the generator draws in before the cast to ``layer.dtype``
      (``"float32"`` draws a different stream than ``"float64"``, not a rounded copy of it).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(layer.x_shape, dtype=draw_dtype).astype(layer.dtype)
    w = rng.standard_normal(layer.w_shape, dtype=draw_dtype)
    if scale_weights:
        w = w / np.sqrt(layer.C * layer.kh * layer.kw)  # a float64 scalar, as before
    return x, w.astype(layer.dtype)
