"""Convolution algorithms built in the lessons, all with the conventions of
``torch.nn.functional.conv2d`` (cross-correlation; NumPy arrays in and out).

Shapes: ``x`` is (N, C, H, W) or (H, W); ``w`` is (K, C, kh, kw) or (kh, kw); the bias is
(K,). ``stride``, ``padding`` and ``dilation`` are ints or ``(vertical, horizontal)``
pairs. The output is (N, K, Ho, Wo) (or (Ho, Wo) for 2-D input) with

    Ho = floor((H + 2*ph - dh*(kh - 1) - 1) / sh) + 1     (same for Wo)

Dtypes: float32 stays float32, anything with float64 gives float64, integers and bools
are converted to float64, complex input raises ``ValueError``.

- :mod:`.loops`   -- the definition as Python loops (reference), ``pad2d``, ``dilate_kernel``
- :mod:`.direct`  -- shift-and-add over kernel taps
- :mod:`.fft`     -- products of real FFTs
- :mod:`.im2col`  -- patches as a matrix, one GEMM; ``im2col``/``col2im`` as torch's unfold/fold
- :mod:`.true_convolution` -- ``convolve2d``, the flipped-kernel convolution of SciPy
"""

from course_utils.conv._validate import (
    conv2d_flops,
    conv_output_size,
    normalize_conv_args,
    pair,
)
from course_utils.conv.direct import conv2d_direct, tap_slices
from course_utils.conv.fft import conv2d_fft, fft_lengths
from course_utils.conv.im2col import col2im, conv2d_im2col, im2col, patch_view, profile_im2col
from course_utils.conv.loops import conv2d_loops, dilate_kernel, pad2d
from course_utils.conv.true_convolution import convolve2d, same_padding

__all__ = [
    "col2im",
    "conv2d_direct",
    "conv2d_fft",
    "conv2d_flops",
    "conv2d_im2col",
    "conv2d_loops",
    "conv_output_size",
    "convolve2d",
    "dilate_kernel",
    "fft_lengths",
    "im2col",
    "normalize_conv_args",
    "pad2d",
    "pair",
    "patch_view",
    "profile_im2col",
    "same_padding",
    "tap_slices",
]
