"""The convolution methods of the package, each described once, and :func:`conv2d`.

:data:`CONV_METHODS` maps a name to a :class:`ConvMethod`: its function (imported when
first used, so that ``"unfold"`` alone loads torch), its library, when it applies (a rule in
words and :meth:`ConvMethod.not_applicable_reason`) and an analytic model of the extra
memory one call allocates. ``conv2d(x, w, ..., method=name)`` runs any of them with the
package's arguments; the shootout (:mod:`course_utils.shootout`) reads the same table.

The applicability and memory models take a *layer*: a :class:`.layers.LayerShape` (the
package's one description of a convolution problem, also the shootout's and the benchmarks').
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.conv._validate import as_float_array, resolve_bias
from course_utils.conv.fft import fft_lengths
from course_utils.conv.im2col import PATCH_BLOCK_BYTES
from course_utils.conv.layers import LayerShape
from course_utils.conv.winograd import chunk_layout

__all__ = [
    "CONV_METHODS",
    "LOOPS_MAX_MACS",
    "WINOGRAD_TILE",
    "ConvMethod",
    "conv2d",
]

#: conv2d_loops runs about a million multiply-adds per second: above this many it is "n/a".
LOOPS_MAX_MACS = 100_000
#: Winograd output tile of the memory model: F(4x4, 3x3), conv2d_winograd's default.
WINOGRAD_TILE = 4


# ---------------------------------------------------------------------------------------
# When a method applies
# ---------------------------------------------------------------------------------------


def _always(layer: LayerShape) -> str | None:
    return None


def _loops_reason(layer: LayerShape) -> str | None:
    if layer.macs > LOOPS_MAX_MACS:
        return f"too slow: {layer.macs:,} multiply-adds > {LOOPS_MAX_MACS:,}"
    return None


def _winograd_reason(layer: LayerShape) -> str | None:
    if (layer.kh, layer.kw) != (3, 3):
        return f"F(4x4, 3x3) needs a 3x3 kernel, got {layer.kh}x{layer.kw}"
    if layer.stride != 1:
        return f"Winograd tiles need stride 1, got {layer.stride}"
    return None


# ---------------------------------------------------------------------------------------
# Extra memory: peak bytes of one call's temporaries (input, weights, output not counted)
# ---------------------------------------------------------------------------------------


def _padded_input_bytes(s: LayerShape, images: int) -> int:
    if s.padding == 0:
        return 0
    return images * s.C * (s.H + 2 * s.padding) * (s.W + 2 * s.padding) * s.itemsize


def _bytes_loops(s: LayerShape) -> int:
    # pad2d always copies the input: (N, C, H + 2p, W + 2p).
    return s.N * s.C * (s.H + 2 * s.padding) * (s.W + 2 * s.padding) * s.itemsize


def _bytes_direct(s: LayerShape) -> int:
    length = s.out_hw[0] * s.out_hw[1]
    padded = _padded_input_bytes(s, s.N)
    if s.C == 1:  # one scratch product (N, K, Ho, Wo) per tap, reused
        return padded + s.N * s.K * length * s.itemsize
    # window copy (N, C, Ho, Wo) + matmul result (N, K, Ho, Wo) + taps (kh, kw, K, C)
    temporaries = s.N * s.C * length + s.N * s.K * length + s.K * s.C * s.kh * s.kw
    return padded + temporaries * s.itemsize


def _im2col_block(s: LayerShape) -> int:
    """Images per patch matrix in conv2d_im2col (it blocks the batch to stay in cache)."""
    per_image = s.C * s.kh * s.kw * s.out_hw[0] * s.out_hw[1] * s.itemsize
    return max(1, min(s.N, PATCH_BLOCK_BYTES // max(1, per_image)))


def _bytes_im2col(s: LayerShape) -> int:
    block, length = _im2col_block(s), s.out_hw[0] * s.out_hw[1]
    columns = block * s.C * s.kh * s.kw * length * s.itemsize
    # one padded buffer, refilled per block; the GEMM writes straight into the output
    return columns + _padded_input_bytes(s, block)


def _fft_rows_used(size: int, kernel: int, padding: int, stride: int, out: int) -> int:
    """Input rows that any kept output reads (as ``course_utils.conv.fft`` computes them)."""
    return max(1, min(size, stride * (out - 1) + kernel - padding))


def _bytes_fft(s: LayerShape) -> int:
    (l1, l2), (ho, wo) = fft_lengths((s.H, s.W), (s.kh, s.kw), s.stride, s.padding), s.out_hw
    f2, real, cplx = l2 // 2 + 1, s.itemsize, 2 * s.itemsize
    used = _fft_rows_used(s.H, s.kh, s.padding, s.stride, ho)
    x_hat = s.N * s.C * l1 * f2 * cplx
    row_pass = s.N * s.C * used * f2 * cplx  # rfft of the rows, before the column FFT
    placed = s.K * s.C * l1 * l2 * real  # kernel placed in an L1 x L2 array
    w_hat = s.K * s.C * l1 * f2 * cplx
    in_place = s.N == s.C == s.K == 1  # then the product overwrites x_hat
    y_hat = 0 if in_place else s.N * s.K * l1 * f2 * cplx
    inverse = s.N * s.K * ho * l2 * real  # irfft of the kept rows; the output is a view of it
    peak = max(row_pass + x_hat, x_hat + placed + w_hat, x_hat + w_hat + y_hat + inverse)
    return peak - s.N * s.K * ho * wo * real


def _bytes_winograd(s: LayerShape) -> int:
    """Peak of conv2d_winograd's temporaries (m = :data:`WINOGRAD_TILE`): per piece of
    work (a batch chunk, or a band of tile rows of one large image), times the pieces in
    flight at once (see ``winograd.chunk_layout``). With several pieces in flight this is
    an upper bound: their peaks need not coincide.

    Input transform: the padded copy, its row pass and V; then V, the GEMM result M, the
    row pass of the output transform and, only with partial tiles, the uncropped result
    (with whole tiles the output transform writes straight into the output).
    """
    m, n = WINOGRAD_TILE, WINOGRAD_TILE + 2
    (ho, wo), b = s.out_hw, s.itemsize
    th, tw = -(-ho // m), -(-wo // m)
    images, band, in_flight = chunk_layout((s.N, s.C, s.H, s.W), s.K, s.padding, b, m)
    tiles = images * band * tw
    padded = (band * m + 2) * (tw * m + 2) * images * s.C * b  # channels-last padded copy
    rows = band * n * (tw * m + 2) * images * s.C * b  # row pass of the input transform
    v = n * n * tiles * s.C * b
    prod = n * n * tiles * s.K * b
    half = m * n * band * tw * images * s.K * b  # row pass of the output transform
    whole = (th * m, tw * m) == (ho, wo)
    uncropped = 0 if whole else band * m * tw * m * images * s.K * b
    return in_flight * max(padded + rows + v, v + prod + half + uncropped)


def _bytes_unfold(s: LayerShape) -> int:
    # F.unfold materialises the column matrix of the whole batch: (N, C kh kw, Ho Wo).
    return s.N * s.C * s.kh * s.kw * s.out_hw[0] * s.out_hw[1] * s.itemsize


# ---------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvMethod:
    """One convolution method of the package.

    Attributes:
    - name: short key (``"direct"``, ``"winograd"``, ...).
    - path: the function's public import path (``"course_utils.conv.conv2d_direct"``).
    - library: ``"NumPy"`` or ``"PyTorch"`` (then it takes and returns torch tensors).
    - rule: when it applies, in words.
    - reason: ``reason(layer)`` is why it does not apply to a layer, or None.
    - extra_memory: ``extra_memory(layer)``, the analytic peak bytes of one call's
      temporaries (input, weights and output not counted).
    - options: its keyword options besides the common arguments.
    """

    name: str
    path: str
    library: str
    rule: str
    reason: Callable[[LayerShape], str | None]
    extra_memory: Callable[[LayerShape], int]
    options: tuple[str, ...] = ()

    @property
    def function(self) -> Callable[..., Any]:
        """The function itself, imported on first use."""
        module, _, attribute = self.path.rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    def not_applicable_reason(self, layer: LayerShape) -> str | None:
        """Why the method cannot (or should not) run on ``layer``; None when it applies."""
        return self.reason(layer)


CONV_METHODS: dict[str, ConvMethod] = {
    m.name: m
    for m in (
        ConvMethod(
            "loops",
            "course_utils.conv.conv2d_loops",
            "NumPy",
            f"at most {LOOPS_MAX_MACS:,} multiply-adds",
            _loops_reason,
            _bytes_loops,
        ),
        ConvMethod(
            "direct", "course_utils.conv.conv2d_direct", "NumPy", "always", _always, _bytes_direct
        ),
        ConvMethod(
            "fft",
            "course_utils.conv.conv2d_fft",
            "NumPy",
            "always",
            _always,
            _bytes_fft,
            ("workers",),
        ),  # fmt: skip
        ConvMethod(
            "im2col",
            "course_utils.conv.conv2d_im2col",
            "NumPy",
            "always",
            _always,
            _bytes_im2col,
            ("batch_chunk", "engine"),
        ),  # fmt: skip
        ConvMethod(
            "unfold",
            "course_utils.conv.unfold.conv2d_unfold",
            "PyTorch",
            "always",
            _always,
            _bytes_unfold,
        ),  # fmt: skip
        ConvMethod(
            "winograd",
            "course_utils.conv.winograd.conv2d_winograd",
            "NumPy",
            "3x3 kernel and stride 1",
            _winograd_reason,
            _bytes_winograd,
            ("m", "workers", "engine", "orientation", "chunk_bytes"),
        ),  # fmt: skip
    )
}


# ---------------------------------------------------------------------------------------
# The dispatcher
# ---------------------------------------------------------------------------------------


def _method(name: str) -> ConvMethod:
    if name not in CONV_METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(CONV_METHODS)}")
    return CONV_METHODS[name]


def _run(spec: ConvMethod, x: Any, w: Any, bias: Any, geometry: tuple, options: dict) -> np.ndarray:
    """One call of ``spec`` on NumPy operands; a PyTorch method gets tensors of the
    package's result dtype and its output comes back as an array."""
    if spec.library == "NumPy":
        return spec.function(x, w, bias, *geometry, **options)
    import torch

    arrays = [as_float_array(a, n) for a, n in ((x, "x"), (w, "w"), (bias, "bias"))
              if a is not None]  # fmt: skip
    dtype = np.result_type(*arrays)
    x_t, w_t, *rest = (torch.from_numpy(np.ascontiguousarray(a, dtype)) for a in arrays)
    out = spec.function(x_t, w_t, rest[0] if rest else None, *geometry, **options)
    return out.numpy()


def _group_slices(x: np.ndarray, w: np.ndarray, groups: int) -> tuple[int, int]:
    """(input channels, filters) per group, checked as torch checks them."""
    if x.ndim < 3 or w.ndim != 4:
        raise ValueError(f"groups={groups} needs a 3-D or 4-D x and a 4-D w, got x.ndim={x.ndim}")
    channels, filters = x.shape[-3], w.shape[0]
    if channels != groups * w.shape[1] or filters % groups:
        raise ValueError(
            f"groups={groups}: x must have groups * w.shape[1] = {groups * w.shape[1]} "
            f"channels (got {channels}) and the {filters} filters must split into {groups} "
            "equal groups"
        )
    return w.shape[1], filters // groups


def conv2d(
    x: Any,
    w: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    method: str = "direct",
    b: Any = None,
    **options: Any,
) -> np.ndarray:
    """2-D convolution (cross-correlation, as ``torch.nn.functional.conv2d``) by any method
    of :data:`CONV_METHODS`: ``"direct"``, ``"fft"``, ``"im2col"``, ``"winograd"``,
    ``"loops"`` or ``"unfold"``, or ``"auto"`` (the planner's choice).

    Inputs: as every method of the package -- x (N, C, H, W), (C, H, W) or (H, W); w
    (K, C/groups, kh, kw) or (kh, kw); bias (K,) (or ``b=``); stride, padding (int, pair,
    ``"valid"``, ``"same"``), dilation -- plus
    - groups: the input channels and filters split into ``groups`` independent
      convolutions (as in torch), each run by the method; the results are concatenated;
    - method: the method's name, or ``"auto"``: the fastest method for this layer as
      measured by :func:`course_utils.conv.plan` (once per shape, dtype and thread count);
    - options: the method's keyword options (``m`` for Winograd, ``batch_chunk`` for
      im2col, ``workers`` for fft and Winograd, ...). A planned method (direct, fft,
      im2col, winograd) called without options runs its best plan for the layer.

    NumPy arrays in and out, also for ``"unfold"`` (the operands become torch tensors of
    the package's result dtype). Returns (N, K, Ho, Wo), (K, Ho, Wo) or (Ho, Wo). Raises
    ``ValueError`` for an unknown method or option and for any setting the method cannot
    do (the method's own message).

    >>> conv2d(np.ones((1, 4, 5, 5)), np.ones((6, 2, 3, 3)), groups=2, method="fft").shape
    (1, 6, 3, 3)
    """
    bias = resolve_bias(bias, b)
    if method == "auto":
        if options:
            raise ValueError(f"method 'auto' takes no options, got {sorted(options)[0]!r}")
    else:
        spec = _method(method)
        unknown = sorted(set(options) - set(spec.options))
        if unknown:
            known = ", ".join(spec.options) or "none"
            raise ValueError(
                f"method {method!r} has no option {unknown[0]!r} (its options: {known})"
            )
    geometry, groups = (stride, padding, dilation), _positive_groups(groups)
    if groups == 1:
        return _run_planned(method, x, w, bias, geometry, options)
    x_arr, w_arr = as_float_array(x, "x"), as_float_array(w, "w")
    per_group, filters = _group_slices(x_arr, w_arr, groups)
    parts = []
    for g in range(groups):
        channels = slice(g * per_group, (g + 1) * per_group)
        kernels = slice(g * filters, (g + 1) * filters)
        part_bias = None if bias is None else np.asarray(bias)[kernels]
        x_part, w_part = x_arr[..., channels, :, :], w_arr[kernels]
        parts.append(_run_planned(method, x_part, w_part, part_bias, geometry, options))
    return np.concatenate(parts, axis=-3)


def _run_planned(
    method: str, x: Any, w: Any, bias: Any, geometry: tuple, options: dict
) -> np.ndarray:
    """Run ``method`` with ``options``; without options, a planned method (and "auto")
    runs its plan's choice (:func:`course_utils.conv.planner.planned_candidate`)."""
    from course_utils.conv.planner import PLANNED_METHODS, planned_candidate

    if not options and (method == "auto" or method in PLANNED_METHODS):
        candidate = planned_candidate(method, x, w, bias, geometry)
        method, options = candidate.method, candidate.kwargs
    return _run(_method(method), x, w, bias, geometry, options)


def _positive_groups(groups: Any) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    return int(groups)
