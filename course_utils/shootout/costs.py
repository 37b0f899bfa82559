"""Costs of a method on a problem besides time: operations and extra memory.

* :func:`fft_operation_count` -- the flops the FFT method itself performs;
* :func:`extra_memory_bytes` -- an analytic model of the peak bytes of the temporaries of one
  call (input, weights and output not counted), derived from each implementation's code
  (the models live with the methods, in :mod:`course_utils.conv.registry`);
* :func:`measure_extra_bytes` -- the same quantity measured with ``tracemalloc`` (NumPy
  methods); :func:`memory_report` puts the two side by side.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from course_utils.conv import CONV_METHODS, fft_lengths
from course_utils.shootout.methods import (
    METHOD_NAMES,
    METHODS,
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


#: The analytic memory model of every course method, from the convolution registry.
_MEMORY_MODELS: dict[str, Callable[[LayerShape], int]] = {
    name: spec.extra_memory for name, spec in CONV_METHODS.items()
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
