"""Argument normalisation and validation shared by every convolution in the package.

Every public convolution accepts the arguments of ``torch.nn.functional.conv2d``,
``method(x, w, bias=None, stride=1, padding=0, dilation=1, *, groups=1, **options)``, and
passes them through :func:`normalize_conv_args`, so all implementations agree on shapes,
dtypes and error messages. The geometry alone (hyper-parameters, output size, Winograd
tile grid) is :func:`conv_geometry`, shared with the PyTorch-based methods. The output-size
formula used everywhere is

    out = floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1

``padding`` is an int, a pair, ``"valid"`` (no padding) or ``"same"`` (stride 1 only, as in
torch: ``d*(k - 1)`` zeros per axis, the odd one at the bottom/right). ``x`` may be
(N, C, H, W), unbatched (C, H, W) (with a 4-D ``w``; the result is (K, Ho, Wo)) or one
(H, W) image with an (kh, kw) kernel. The bias was called ``b`` before; ``b=`` still works.

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
    "ConvGeometry",
    "WindowArgs",
    "as_float_array",
    "conv2d_flops",
    "conv_geometry",
    "conv_output_size",
    "normalize_conv_args",
    "normalize_window_args",
    "pair",
    "resolve_bias",
    "tile_grid",
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
class ConvGeometry:
    """Validated geometry of a 2-D convolution, from the shapes alone.

    Attributes (all ``(vertical, horizontal)`` pairs):
    - stride, padding, dilation: the hyper-parameters (``padding`` zeros on both sides);
    - extra: zeros added after the input (bottom, right) on top of ``padding``; only
      ``padding="same"`` with an even dilated kernel has them (torch puts the odd one there);
    - out_hw: ``(Ho, Wo)`` from the output-size formula.
    """

    stride: IntPair
    padding: IntPair
    dilation: IntPair
    extra: IntPair
    out_hw: IntPair

    def tile_grid(self, m: int) -> IntPair:
        """Winograd tiles of ``m x m`` outputs covering the output: see :func:`tile_grid`."""
        return tile_grid(self.out_hw, m)


def tile_grid(out_hw: tuple[int, int], m: int) -> IntPair:
    """``(tiles_h, tiles_w) = (ceil(Ho / m), ceil(Wo / m))``: the Winograd tiles of
    ``m x m`` outputs that cover an (Ho, Wo) output (partial border tiles count in full).

    >>> tile_grid((30, 32), 4)
    (8, 8)
    """
    m = _check_int(m, "m")
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    return -(-out_hw[0] // m), -(-out_hw[1] // m)


_PADDING_WORDS = ("valid", "same")


def _padding_spec(
    padding: Any, stride: IntPair, kernel_hw: IntPair, dilation: IntPair
) -> tuple[IntPair, IntPair]:
    """(padding on both sides, extra zeros at the bottom/right) of a padding argument."""
    if not isinstance(padding, str):
        return pair(padding, "padding"), (0, 0)
    if padding not in _PADDING_WORDS:
        raise ValueError(
            f"padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}"
        )
    if padding == "valid":
        return (0, 0), (0, 0)
    if stride != (1, 1):
        raise ValueError(
            f"padding='same' needs stride 1 (as in torch.nn.functional.conv2d), got stride={stride}"
        )
    totals = [d * (k - 1) for d, k in zip(dilation, kernel_hw, strict=True)]
    return (totals[0] // 2, totals[1] // 2), (totals[0] % 2, totals[1] % 2)


def conv_geometry(
    in_hw: Any, kernel_hw: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> ConvGeometry:
    """Check the hyper-parameters of a convolution of an (H, W) input with a (kh, kw)
    kernel and compute its output size.

    ``stride`` and ``dilation`` are ints or pairs (>= 1); ``padding`` an int or pair
    (>= 0), ``"valid"`` or ``"same"`` (stride 1 only). Raises ``ValueError`` saying what is
    wrong, also when the dilated kernel does not fit in the padded input.

    >>> conv_geometry((7, 8), (3, 4), padding="same").out_hw
    (7, 8)
    """
    in_pair, kernel = pair(in_hw, "input size"), pair(kernel_hw, "kernel size")
    stride_hw, dilation_hw = pair(stride, "stride"), pair(dilation, "dilation")
    padding_hw, extra = _padding_spec(padding, stride_hw, kernel, dilation_hw)
    _check_conv_hyperparameters(stride_hw, padding_hw, dilation_hw)
    extended = (in_pair[0] + extra[0], in_pair[1] + extra[1])
    out_hw = _output_hw(extended, kernel, stride_hw, padding_hw, dilation_hw)
    return ConvGeometry(stride_hw, padding_hw, dilation_hw, extra, out_hw)


@dataclass(frozen=True)
class ConvArgs:
    """Validated, 4-D view of the arguments of a 2-D convolution.

    Attributes:
    - x: input of shape (N, C, H, W), dtype ``dtype`` (with ``padding="same"`` and an even
      kernel, already extended by the extra bottom/right zeros).
    - w: weights of shape (K, C, kh, kw), dtype ``dtype``.
    - b: bias of shape (K,) or None, dtype ``dtype``.
    - stride, padding, dilation: ``(vertical, horizontal)`` pairs.
    - out_hw: ``(Ho, Wo)`` from the output-size formula.
    - squeeze: True when the caller passed 2-D arrays and expects a 2-D result.
    - unbatched: True when the caller passed one (C, H, W) image and expects (K, Ho, Wo).
    """

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: IntPair
    padding: IntPair
    dilation: IntPair
    out_hw: IntPair
    squeeze: bool
    unbatched: bool = False

    @property
    def dtype(self) -> np.dtype:
        return self.x.dtype

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """(N, K, Ho, Wo)."""
        return (self.x.shape[0], self.w.shape[0], *self.out_hw)

    def tile_grid(self, m: int) -> IntPair:
        """Winograd tiles ``(ceil(Ho / m), ceil(Wo / m))``, see :func:`tile_grid`."""
        return tile_grid(self.out_hw, m)

    def finish(self, out: np.ndarray) -> np.ndarray:
        """Return ``out`` (N, K, Ho, Wo) as the caller expects it: (Ho, Wo) for 2-D inputs,
        (K, Ho, Wo) for one unbatched (C, H, W) image."""
        if self.squeeze:
            return out[0, 0]
        return out[0] if self.unbatched else out


def resolve_bias(bias: Any, b: Any) -> Any:
    """The bias given as ``bias=`` or by its former name ``b=`` (not both)."""
    if b is None:
        return bias
    if bias is not None:
        raise ValueError("the bias was given twice, as bias= and as b= (its former name)")
    return b


def check_groups(groups: Any, method: str) -> None:
    """Raise ``ValueError`` unless ``groups`` is 1: ``method`` has no grouped variant."""
    if _check_int(groups, "groups") != 1:
        raise ValueError(
            f"{method} does not support groups={groups} (grouped convolution); "
            "course_utils.conv.conv2d(x, w, ..., groups=...) runs any method group by group"
        )


def reject_setting(method: str, setting: str, value: Any, supported: str) -> None:
    """Raise the ``ValueError`` of a setting ``method`` cannot do, naming the setting."""
    raise ValueError(f"{method} supports {setting} {supported} only, got {setting}={value!r}")


def _normalize_bias(b: Any, num_kernels: int, squeeze: bool, w_shape: tuple) -> np.ndarray:
    bias = as_float_array(b, "bias")
    if squeeze and bias.ndim == 0:
        bias = bias.reshape(1)
    if bias.ndim != 1 or bias.shape[0] != num_kernels:
        raise ValueError(
            f"bias must have shape ({num_kernels},), one value per output channel of "
            f"w.shape={w_shape}, got shape {bias.shape}"
        )
    return bias


def _check_shapes(x: np.ndarray, w: np.ndarray) -> None:
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"x must be 2-D (H, W), 3-D (C, H, W) or 4-D (N, C, H, W), got x.ndim={x.ndim}"
        )
    if x.ndim == 3 and w.ndim != 4:
        raise ValueError(
            f"an unbatched x (C, H, W) needs a 4-D w (K, C, kh, kw), got x.shape={x.shape} "
            f"and w.shape={w.shape}"
        )
    if x.ndim != 3 and w.ndim != x.ndim:
        raise ValueError(
            f"x and w must have the same number of dimensions (2-D with 2-D, 4-D with 4-D), "
            f"got x.shape={x.shape} and w.shape={w.shape}"
        )
    if x.size == 0 or w.size == 0:
        raise ValueError(f"x and w must not be empty, got x.shape={x.shape}, w.shape={w.shape}")
    if x.ndim > 2 and x.shape[-3] != w.shape[1]:
        raise ValueError(
            f"x has {x.shape[-3]} channels but w expects {w.shape[1]} (w.shape={w.shape})"
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


def _as_4d(x_arr: np.ndarray, w_arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, C, H, W) and (K, C, kh, kw) views of checked 2-D, 3-D or 4-D arrays."""
    if x_arr.ndim == 2:
        return x_arr[None, None], w_arr[None, None]
    return (x_arr[None], w_arr) if x_arr.ndim == 3 else (x_arr, w_arr)


def normalize_conv_args(
    x: Any,
    w: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    groups: Any = 1,
    method: str = "this convolution",
    b: Any = None,
) -> ConvArgs:
    """Validate the arguments of a 2-D convolution and bring them to the 4-D form.

    Inputs:
    - x: (N, C, H, W), unbatched (C, H, W) or (H, W) array.
    - w: (K, C, kh, kw), or (kh, kw) with a 2-D ``x``.
    - bias (or its former name b): None, or a (K,) bias (a scalar or a shape (1,) bias
      for 2-D inputs).
    - stride, dilation: int or pair of ints; padding: int, pair, ``"valid"`` or ``"same"``.
    - groups: must be 1 (``method``, the caller's name, is named in the error).

    Returns a :class:`ConvArgs` whose arrays are (N, C, H, W), (K, C, kh, kw), (K,) views
    in the common result dtype (float32 or float64). Raises ``ValueError`` when anything
    is wrong, saying what.
    """
    bias = resolve_bias(bias, b)
    check_groups(groups, method)
    x_arr, w_arr = as_float_array(x, "x"), as_float_array(w, "w")
    _check_shapes(x_arr, w_arr)
    squeeze, unbatched = x_arr.ndim == 2, x_arr.ndim == 3
    x_arr, w_arr = _as_4d(x_arr, w_arr)
    geometry = conv_geometry(x_arr.shape[2:], w_arr.shape[2:], stride, padding, dilation)
    if geometry.extra != (0, 0):
        x_arr = np.pad(x_arr, ((0, 0), (0, 0), (0, geometry.extra[0]), (0, geometry.extra[1])))
    bias_arr = None if bias is None else _normalize_bias(bias, w_arr.shape[0], squeeze, w_arr.shape)
    dtype = _result_dtype(x_arr, w_arr, bias_arr)
    return ConvArgs(
        x=x_arr.astype(dtype, copy=False),
        w=w_arr.astype(dtype, copy=False),
        b=None if bias_arr is None else bias_arr.astype(dtype, copy=False),
        stride=geometry.stride,
        padding=geometry.padding,
        dilation=geometry.dilation,
        out_hw=geometry.out_hw,
        squeeze=squeeze,
        unbatched=unbatched,
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
    Shapes are (N, C, H, W) / (K, C, kh, kw), (C, H, W) / (K, C, kh, kw) or (H, W) / (kh, kw).

    >>> conv2d_flops((1, 3, 32, 32), (8, 3, 3, 3), padding=1)
    442368
    """
    if len(x_shape) == 2:
        x_shape, w_shape = (1, 1, *x_shape), (1, 1, *w_shape)
    elif len(x_shape) == 3:
        x_shape = (1, *x_shape)
    n, c, h, w = x_shape
    k, _, kh, kw = w_shape
    ho, wo = conv_geometry((h, w), (kh, kw), stride, padding, dilation).out_hw
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
