"""Convolution algorithms built in the lessons, all with the conventions of
``torch.nn.functional.conv2d`` (cross-correlation; NumPy arrays in and out).

Every method is called as ``method(x, w, bias=None, stride=1, padding=0, dilation=1,
**options)`` and checked by the same code (:mod:`._validate`); a setting a method cannot
do (Winograd's stride or dilation, ``groups`` other than 1) raises ``ValueError`` naming it.

Shapes: ``x`` is (N, C, H, W), unbatched (C, H, W), or (H, W); ``w`` is (K, C, kh, kw), or
(kh, kw) with a 2-D ``x``; the bias is (K,) (its former name ``b=`` still works).
``stride`` and ``dilation`` are ints or ``(vertical, horizontal)`` pairs; ``padding`` too,
or ``"valid"`` / ``"same"`` (stride 1, as in torch). The output is (N, K, Ho, Wo)
((K, Ho, Wo) or (Ho, Wo) for 3-D or 2-D input) with

    Ho = floor((H + 2*ph - dh*(kh - 1) - 1) / sh) + 1     (same for Wo)

Dtypes: float32 stays float32, anything with float64 gives float64, integers and bools
are converted to float64, complex input raises ``ValueError``.

- :mod:`.loops`   -- the definition as Python loops (reference), ``pad2d``, ``dilate_kernel``
- :mod:`.direct`  -- shift-and-add over kernel taps
- :mod:`.fft`     -- products of real FFTs
- :mod:`.im2col`  -- patches as a matrix, one GEMM; ``im2col``/``col2im`` as torch's unfold/fold
- :mod:`.true_convolution` -- ``convolve2d``, the flipped-kernel convolution of SciPy
- :mod:`.unfold`  -- ``F.unfold`` + one GEMM in PyTorch, and its backward pass from ``F.fold``
- :mod:`.winograd` -- Winograd F(m x m, r x r) for 3x3 filters: transforms, tiles, pipeline
- :mod:`.layers` -- :class:`LayerShape`, one convolution problem (the registry's, the shootout's
  and the benchmarks'), and ``make_operands``, its seeded random operands
- :mod:`.registry` -- every method described once (:data:`CONV_METHODS`: function, when
  it applies, extra-memory model) and ``conv2d(x, w, ..., method="direct")``, which runs any
  of them (and grouped convolutions) with the same arguments
- :mod:`.gemm` -- the GEMM engines im2col and Winograd can run on (NumPy, torch, SciPy)
- :mod:`.planner` -- :func:`plan`: the candidates of a layer timed once, the fastest kept
  (``conv2d(..., method="auto")``), in memory or in a plan file

The PyTorch-based names of :mod:`.unfold` are imported on first use, so that importing
this package does not load torch.
"""

from typing import TYPE_CHECKING

from course_utils.conv._validate import (
    conv2d_flops,
    conv_geometry,
    conv_output_size,
    normalize_conv_args,
    pair,
    tile_grid,
)
from course_utils.conv.direct import conv2d_direct, tap_slices
from course_utils.conv.fft import conv2d_fft, fft_lengths
from course_utils.conv.im2col import col2im, conv2d_im2col, im2col, patch_view, profile_im2col
from course_utils.conv.layers import LayerShape, make_operands
from course_utils.conv.loops import conv2d_loops, dilate_kernel, pad2d
from course_utils.conv.planner import ConvPlan, plan, plan_store
from course_utils.conv.registry import CONV_METHODS, ConvMethod, conv2d
from course_utils.conv.true_convolution import convolve2d, same_padding
from course_utils.conv.winograd import (
    WinogradFilters,
    conv2d_winograd,
    multiplication_count,
    profile_winograd,
    transform_filters,
    winograd_transforms,
)

if TYPE_CHECKING:
    from course_utils.conv.unfold import (
        UnfoldConv2dFunction,
        conv2d_backward_unfold,
        conv2d_unfold,
    )

_TORCH_NAMES = ("UnfoldConv2dFunction", "conv2d_backward_unfold", "conv2d_unfold")

__all__ = [
    "CONV_METHODS",
    "ConvMethod",
    "ConvPlan",
    "LayerShape",
    "UnfoldConv2dFunction",
    "WinogradFilters",
    "col2im",
    "conv2d",
    "conv2d_backward_unfold",
    "conv2d_direct",
    "conv2d_fft",
    "conv2d_flops",
    "conv2d_im2col",
    "conv2d_loops",
    "conv2d_unfold",
    "conv2d_winograd",
    "conv_geometry",
    "conv_output_size",
    "convolve2d",
    "dilate_kernel",
    "fft_lengths",
    "im2col",
    "make_operands",
    "multiplication_count",
    "normalize_conv_args",
    "pad2d",
    "pair",
    "plan",
    "plan_store",
    "patch_view",
    "profile_im2col",
    "profile_winograd",
    "same_padding",
    "tap_slices",
    "tile_grid",
    "transform_filters",
    "winograd_transforms",
]


def __getattr__(name: str) -> object:
    """``conv2d_unfold``, ``conv2d_backward_unfold`` and ``UnfoldConv2dFunction``, from
    :mod:`.unfold` (which imports torch) when first asked for."""
    if name in _TORCH_NAMES:
        from course_utils.conv import unfold

        return getattr(unfold, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_TORCH_NAMES})
