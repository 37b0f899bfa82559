"""Costs of a method on a problem besides time: operations and extra memory.

* :func:`fft_operation_count` -- the flops the FFT method itself performs;
* :func:`extra_memory_bytes` -- an analytic model of the peak bytes of the temporaries of one
  call (input, weights and output not counted), derived from each implementation's code;
* :func:`measure_extra_bytes` -- the same quantity measured with ``tracemalloc`` (NumPy
  methods); :func:`memory_report` puts the two side by side.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from course_utils.conv import (
    fft_lengths,
)
from course_utils.conv.im2col import PATCH_BLOCK_BYTES
from course_utils.conv.winograd import chunk_layout
from course_utils.shootout.methods import (
    METHOD_NAMES,
    METHODS,
    WINOGRAD_TILE,
    _check_method,
    not_applicable_reason,
    prepare_call,
)
from course_utils.shootout.problems import LayerShape, make_operands

# ---------------------------------------------------------------------------------------
# Costs: operations and memory
# ---------------------------------------------------------------------------------------


def fft_operation_count(
    x_shape: Sequence[int], w_shape: Sequence[int], stride: int = 1, padding: int = 0
) -> float:
    """Estimated floating-point operations the FFT method itself performs (not the direct count).

    With transform size L1 x L2 (:func:`course_utils.conv.fft_lengths`), one real 2-D FFT
    costs about ``2.5 L1 L2 log2(L1 L2)`` flops (half of the classic ``5 n log2 n`` of a complex
    FFT); there are ``N C`` input, ``K C`` kernel and ``N K`` inverse transforms, and the
    spectra products cost 8 flops (one complex multiply-add) per frequency, channel, image
    and filter: ``8 N K C L1 (L2 // 2 + 1)``.

    Inputs: x_shape (N, C, H, W), w_shape (K, C, kh, kw), stride, padding (ints).
    """
    n, c, h, w = x_shape
    k, _, kh, kw = w_shape
    l1, l2 = fft_lengths((h, w), (kh, kw), stride=stride, padding=padding)
    transform = 2.5 * l1 * l2 * math.log2(l1 * l2)
    return transform * (n * c + k * c + n * k) + 8.0 * n * k * c * l1 * (l2 // 2 + 1)


def _fft_rows_used(size: int, kernel: int, padding: int, stride: int, out: int) -> int:
    """Input rows that any kept output reads (as ``course_utils.conv.fft`` computes them)."""
    return max(1, min(size, stride * (out - 1) + kernel - padding))


def _bytes_loops(s: LayerShape) -> int:
    # pad2d always copies the input: (N, C, H + 2p, W + 2p).
    return s.N * s.C * (s.H + 2 * s.padding) * (s.W + 2 * s.padding) * s.itemsize


def _padded_input_bytes(s: LayerShape, images: int) -> int:
    if s.padding == 0:
        return 0
    return images * s.C * (s.H + 2 * s.padding) * (s.W + 2 * s.padding) * s.itemsize


def _bytes_direct(s: LayerShape) -> int:
    length = s.out_hw[0] * s.out_hw[1]
    padded = _padded_input_bytes(s, s.N)
    if s.C == 1:  # one scratch product (N, K, Ho, Wo) per tap, reused
        return padded + s.N * s.K * length * s.itemsize
    # window copy (N, C, Ho, Wo) + matmul result (N, K, Ho, Wo) + taps (kh, kw, K, C)
    return padded + (s.N * s.C * length + s.N * s.K * length + s.K * s.C * s.kh * s.kw) * (
        s.itemsize
    )


def _im2col_block(s: LayerShape) -> int:
    """Images per patch matrix in conv2d_im2col (it blocks the batch to stay in cache)."""
    per_image = s.C * s.kh * s.kw * s.out_hw[0] * s.out_hw[1] * s.itemsize
    return max(1, min(s.N, PATCH_BLOCK_BYTES // max(1, per_image)))


def _bytes_im2col(s: LayerShape) -> int:
    block, length = _im2col_block(s), s.out_hw[0] * s.out_hw[1]
    columns = block * s.C * s.kh * s.kw * length * s.itemsize
    # one padded buffer, refilled per block; the GEMM writes straight into the output
    return columns + _padded_input_bytes(s, block)


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
    """Peak of conv2d_winograd's temporaries (the output not counted): per batch chunk,
    times the chunks in flight at once (see ``winograd.chunk_layout``). With several
    chunks in flight this is an upper bound: their peaks need not coincide.

    Input transform: the padded copy, its row pass and V; then V, the GEMM result M, the
    row pass of the output transform and, only with partial tiles, the uncropped result
    (with whole tiles the output transform writes straight into the output).
    """
    m, n = WINOGRAD_TILE, WINOGRAD_TILE + 2
    (ho, wo), b = s.out_hw, s.itemsize
    th, tw = -(-ho // m), -(-wo // m)
    images, in_flight = chunk_layout((s.N, s.C, s.H, s.W), s.K, s.padding, b, m)
    tiles = images * th * tw
    padded = (th * m + 2) * (tw * m + 2) * images * s.C * b  # channels-last, tile-padded copy
    rows = th * n * (tw * m + 2) * images * s.C * b  # row pass of the input transform
    v = n * n * tiles * s.C * b
    prod = n * n * tiles * s.K * b
    half = m * n * th * tw * images * s.K * b  # row pass of the output transform
    uncropped = 0 if (th * m, tw * m) == (ho, wo) else th * m * tw * m * images * s.K * b
    return in_flight * max(padded + rows + v, v + prod + half + uncropped)


def _bytes_unfold(s: LayerShape) -> int:
    # F.unfold materialises the column matrix of the whole batch: (N, C kh kw, Ho Wo).
    return s.N * s.C * s.kh * s.kw * s.out_hw[0] * s.out_hw[1] * s.itemsize


_MEMORY_MODELS: dict[str, Callable[[LayerShape], int]] = {
    "loops": _bytes_loops,
    "direct": _bytes_direct,
    "fft": _bytes_fft,
    "im2col": _bytes_im2col,
    "unfold": _bytes_unfold,
    "winograd": _bytes_winograd,
}


def extra_memory_bytes(shape: LayerShape, method: str) -> int | None:
    """Analytic peak bytes of the temporaries one call of ``method`` allocates.

    Counted: every array the implementation allocates besides its output, at the moment
    the most of them are alive at once (the model follows each function's code). Not
    counted: the input, the weights, the output, Winograd's pre-transformed filters
    (``n*n*K*C`` values, kept between calls), and small fixed buffers of NumPy and BLAS.
    ``None`` for ``torch`` (its workspace is internal to the library).
    """
    _check_method(method)
    model = _MEMORY_MODELS.get(method)
    return None if model is None else int(model(shape))


def measure_extra_bytes(shape: LayerShape, method: str, seed: int = 0) -> int | None:
    """Measured with ``tracemalloc``: peak bytes allocated during one call, minus the output.

    Only for the NumPy methods (``tracemalloc`` sees NumPy's arrays, not PyTorch's);
    ``None`` for the others. A warm-up call runs first, outside the measurement.
    """
    _check_method(method)
    if METHODS[method].library != "NumPy":
        return None
    x, w = make_operands(shape, seed)
    call = prepare_call(method, shape, x, w)
    call()  # warm-up: caches (transform matrices, FFT plans) are not per-call memory
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if started:
            tracemalloc.stop()
    return int(peak - before - out.nbytes)


def memory_report(
    shape: LayerShape, methods: Iterable[str] = METHOD_NAMES, measure: bool = True
) -> list[dict[str, Any]]:
    """Extra memory of every method on ``shape``: analytic model and (NumPy) measurement.

    Returns one dict per method: method, analytic (bytes or None), measured (bytes, or None
    for PyTorch methods, n/a methods and ``measure=False``), input_bytes (x itself, for
    scale), note ("" or "n/a: <reason>"). n/a methods keep their analytic value (what they
    *would* need) but are not run.
    """
    rows = []
    input_bytes = shape.N * shape.C * shape.H * shape.W * shape.itemsize
    for method in methods:
        reason = not_applicable_reason(shape, method)
        measured = None
        if measure and reason is None:
            measured = measure_extra_bytes(shape, method)
        rows.append(
            {
                "method": method,
                "analytic": extra_memory_bytes(shape, method),
                "measured": measured,
                "input_bytes": input_bytes,
                "note": "" if reason is None else f"n/a: {reason}",
            }
        )
    return rows
