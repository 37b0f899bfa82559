"""Argument normalisation and validation shared by every convolution in the package.

Every public convolution accepts the same arguments as ``torch.nn.functional.conv2d``
(``x``, ``w``, ``b``, ``stride``, ``padding``, ``dilation``) and passes them through
:func:`normalize_conv_args`, so all implementations agree on shapes, dtypes and error
messages. The output-size formula used everywhere is

    out = floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1

Dtype policy (the same for every function of :mod:`course_utils.conv`):

* float32 and float64 arrays are used as they are; the result has the dtype
  ``np.result_type(x, w[, b])`` (float32 only if every input is float32);
* integer and boolean arrays are converted to float64 (exact for integers below 2**53);
* float16 is converted to float32 (there is no fast float16 arithmetic in NumPy);
* complex, object and string arrays raise ``ValueError``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ConvArgs",
    "WindowArgs",
    "as_float_array",
    "conv2d_flops",
    "conv_output_size",
    "normalize_conv_args",
    "normalize_window_args",
    "pair",
]

IntPair = tuple[int, int]


def _check_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int, refusing floats, bools and strings."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    return int(value)


def pair(value: Any, name: str = "value") -> IntPair:
    """Normalise an int or a pair of ints to a ``(vertical, horizontal)`` tuple.

    Inputs:
    - value: an integer (used for both directions) or a sequence of two integers.
    - name: the argument's name, used in error messages.

    Returns a tuple ``(value_h, value_w)`` of Python ints. Floats (even ``2.0``), bools and
    sequences of another length raise ``ValueError``. Ranges are checked by the caller.

    >>> pair(3), pair((1, 2))
    ((3, 3), (1, 2))
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, tuple | list | np.ndarray):
        items = list(value)
        if len(items) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return _check_int(items[0], name), _check_int(items[1], name)
    return (_check_int(value, name),) * 2  # type: ignore[return-value]


def _check_conv_hyperparameters(stride: IntPair, padding: IntPair, dilation: IntPair) -> None:
    if min(stride) < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if min(dilation) < 1:
        raise ValueError(f"dilation must be >= 1, got {dilation}")
    if min(padding) < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution along one axis.

    ``floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1``

    Inputs:
    - size: input length (>= 1); kernel: kernel length (>= 1);
    - stride (>= 1), padding (>= 0), dilation (>= 1): integers.

    Raises ``ValueError`` for non-integers, out-of-range values, and when the dilated kernel
    ``dilation*(kernel - 1) + 1`` is longer than the padded input ``size + 2*padding``.

    >>> conv_output_size(32, 3, stride=2, padding=1)
    16
    """
    size, kernel = _check_int(size, "size"), _check_int(kernel, "kernel")
    stride, padding = _check_int(stride, "stride"), _check_int(padding, "padding")
    dilation = _check_int(dilation, "dilation")
    if size < 1 or kernel < 1:
        raise ValueError(f"size and kernel must be >= 1, got size={size}, kernel={kernel}")
    _check_conv_hyperparameters((stride, stride), (padding, padding), (dilation, dilation))
    effective = dilation * (kernel - 1) + 1
    if effective > size + 2 * padding:
        raise ValueError(
            f"the kernel (dilated size {effective} = dilation {dilation} * (kernel {kernel} - 1)"
            f" + 1) is larger than the padded input ({size} + 2 * padding {padding}"
            f" = {size + 2 * padding})"
        )
    return (size + 2 * padding - effective) // stride + 1


def as_float_array(a: Any, name: str) -> np.ndarray:
    """``a`` as a float32 or float64 ndarray, following the module's dtype policy.

    float32/float64 pass through without a copy; integers and bools become float64;
    float16 becomes float32; complex, object and other dtypes raise ``ValueError``.
    """
    arr = np.asarray(a)
    kind = arr.dtype.kind
    if arr.dtype in (np.float32, np.float64):
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    if kind == "f" and arr.dtype.itemsize < 4:
        return arr.astype(np.float32)
    raise ValueError(
        f"{name} has dtype {arr.dtype}; expected float32 or float64 (integers and bools are "
        "converted to float64, float16 to float32; complex and other dtypes are not supported)"
    )


def _result_dtype(*arrays: np.ndarray | None) -> np.dtype:
    """float32 when every given array is float32, float64 otherwise."""
    return np.result_type(*[a for a in arrays if a is not None])


@dataclass(frozen=True)
class ConvArgs:
    """Validated, 4-D view of the arguments of a 2-D convolution.

    Attributes:
    - x: input of shape (N, C, H, W), dtype ``dtype``.
    - w: weights of shape (K, C, kh, kw), dtype ``dtype``.
    - b: bias of shape (K,) or None, dtype ``dtype``.
    - stride, padding, dilation: ``(vertical, horizontal)`` pairs.
    - out_hw: ``(Ho, Wo)`` from the output-size formula.
    - squeeze: True when the caller passed 2-D arrays and expects a 2-D result.
    """

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: IntPair
    padding: IntPair
    dilation: IntPair
    out_hw: IntPair
    squeeze: bool

    @property
    def dtype(self) -> np.dtype:
        return self.x.dtype

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """(N, K, Ho, Wo)."""
        return (self.x.shape[0], self.w.shape[0], *self.out_hw)

    def finish(self, out: np.ndarray) -> np.ndarray:
        """Return ``out`` (N, K, Ho, Wo) as the caller expects it: (Ho, Wo) for 2-D inputs."""
        return out[0, 0] if self.squeeze else out


def _normalize_bias(b: Any, num_kernels: int, squeeze: bool, w_shape: tuple) -> np.ndarray:
    bias = as_float_array(b, "b")
    if squeeze and bias.ndim == 0:
        bias = bias.reshape(1)
    if bias.ndim != 1 or bias.shape[0] != num_kernels:
        raise ValueError(
            f"b must have shape ({num_kernels},), one value per output channel of "
            f"w.shape={w_shape}, got shape {bias.shape}"
        )
    return bias


def _check_shapes(x: np.ndarray, w: np.ndarray) -> None:
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be 2-D (H, W) or 4-D (N, C, H, W), got x.ndim={x.ndim}")
    if w.ndim != x.ndim:
        raise ValueError(
            f"x and w must have the same number of dimensions (2-D with 2-D, 4-D with 4-D), "
            f"got x.shape={x.shape} and w.shape={w.shape}"
        )
    if x.size == 0 or w.size == 0:
        raise ValueError(f"x and w must not be empty, got x.shape={x.shape}, w.shape={w.shape}")
    if x.shape[1] != w.shape[1] and x.ndim == 4:
        raise ValueError(
            f"x has {x.shape[1]} channels but w expects {w.shape[1]} (w.shape={w.shape})"
        )


def _output_hw(
    in_hw: IntPair, kernel_hw: IntPair, stride: IntPair, padding: IntPair, dilation: IntPair
) -> IntPair:
    """(Ho, Wo), with an error message naming the axis when the kernel does not fit."""
    sizes = []
    for axis, (size, k, s, p, d) in enumerate(
        zip(in_hw, kernel_hw, stride, padding, dilation, strict=True)
    ):
        try:
            sizes.append(conv_output_size(size, k, s, p, d))
        except ValueError as err:
            raise ValueError(f"along the {('height', 'width')[axis]} axis: {err}") from None
    return sizes[0], sizes[1]


def normalize_conv_args(
    x: Any, w: Any, b: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> ConvArgs:
    """Validate the arguments of a 2-D convolution and bring them to the 4-D form.

    Inputs:
    - x: (N, C, H, W) or (H, W) array.
    - w: (K, C, kh, kw) or (kh, kw) array, same number of dimensions as ``x``.
    - b: None, or a (K,) bias (a scalar or a shape (1,) bias for 2-D inputs).
    - stride, padding, dilation: int or pair of ints.

    Returns a :class:`ConvArgs` whose arrays are (N, C, H, W), (K, C, kh, kw), (K,) views
    in the common result dtype (float32 or float64). Raises ``ValueError`` when anything
    is wrong, saying what.
    """
    x_arr, w_arr = as_float_array(x, "x"), as_float_array(w, "w")
    _check_shapes(x_arr, w_arr)
    stride_hw, padding_hw = pair(stride, "stride"), pair(padding, "padding")
    dilation_hw = pair(dilation, "dilation")
    _check_conv_hyperparameters(stride_hw, padding_hw, dilation_hw)
    squeeze = x_arr.ndim == 2
    if squeeze:
        x_arr, w_arr = x_arr[None, None], w_arr[None, None]
    bias = None if b is None else _normalize_bias(b, w_arr.shape[0], squeeze, w_arr.shape)
    dtype = _result_dtype(x_arr, w_arr, bias)
    out_hw = _output_hw(x_arr.shape[2:], w_arr.shape[2:], stride_hw, padding_hw, dilation_hw)
    return ConvArgs(
        x=x_arr.astype(dtype, copy=False),
        w=w_arr.astype(dtype, copy=False),
        b=None if bias is None else bias.astype(dtype, copy=False),
        stride=stride_hw,
        padding=padding_hw,
        dilation=dilation_hw,
        out_hw=out_hw,
        squeeze=squeeze,
    )


def conv2d_flops(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
) -> int:
    """Floating-point operations of a direct convolution: ``2 * N * K * C * kh * kw * Ho * Wo``.

    One multiply and one add per kernel tap and output value (the bias is not counted).
    Shapes are (N, C, H, W) / (K, C, kh, kw) or (H, W) / (kh, kw).

    >>> conv2d_flops((1, 3, 32, 32), (8, 3, 3, 3), padding=1)
    442368
    """
    if len(x_shape) == 2:
        x_shape, w_shape = (1, 1, *x_shape), (1, 1, *w_shape)
    n, c, h, w = x_shape
    k, _, kh, kw = w_shape
    ho, wo = _output_hw(
        (h, w),
        (kh, kw),
        pair(stride, "stride"),
        pair(padding, "padding"),
        pair(dilation, "dilation"),
    )
    return 2 * n * k * c * kh * kw * ho * wo


@dataclass(frozen=True)
class WindowArgs:
    """Validated geometry of sliding windows (used by ``im2col`` / ``col2im``).

    All attributes are ``(vertical, horizontal)`` pairs; ``out_hw`` is ``(Ho, Wo)``.
    """

    kernel: IntPair
    stride: IntPair
    padding: IntPair
    dilation: IntPair
    out_hw: IntPair

    @property
    def num_windows(self) -> int:
        """L = Ho * Wo, the number of window positions."""
        return self.out_hw[0] * self.out_hw[1]


def normalize_window_args(
    in_hw: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> WindowArgs:
    """Validate the window geometry for an input of size ``in_hw = (H, W)``.

    ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are ints or pairs; the kernel
    size, stride and dilation must be >= 1, the padding >= 0, and the dilated kernel must
    fit in the padded input. Raises ``ValueError`` saying what is wrong.
    """
    in_pair, kernel = pair(in_hw, "input size"), pair(kernel_size, "kernel_size")
    stride_hw, padding_hw = pair(stride, "stride"), pair(padding, "padding")
    dilation_hw = pair(dilation, "dilation")
    if min(kernel) < 1:
        raise ValueError(f"kernel_size must be >= 1, got {kernel}")
    _check_conv_hyperparameters(stride_hw, padding_hw, dilation_hw)
    out_hw = _output_hw(in_pair, kernel, stride_hw, padding_hw, dilation_hw)
    return WindowArgs(kernel, stride_hw, padding_hw, dilation_hw, out_hw)
