"""Every convolution method of the course on the same problems: registry, rules, costs, ranking.

The contenders (all compute ``torch.nn.functional.conv2d``'s cross-correlation):

=========  ============================================  =========================================
name       function                                      applies to
=========  ============================================  =========================================
loops      ``course_utils.conv.conv2d_loops``            small problems only (Python loops)
direct     ``course_utils.conv.conv2d_direct``           everything
fft        ``course_utils.conv.conv2d_fft``              everything
im2col     ``course_utils.conv.conv2d_im2col``           everything
unfold     ``course_utils.conv.unfold.conv2d_unfold``    everything (PyTorch)
winograd   ``course_utils.conv.winograd.conv2d_winograd``  3x3 kernels, stride 1 (F(4x4, 3x3))
torch      ``torch.nn.functional.conv2d``                everything (PyTorch's own kernels)
=========  ============================================  =========================================

A method that does not apply to a problem is reported as "n/a" with the reason, never dropped.

Costs, per problem (:class:`LayerShape`):

* **flops** -- the direct method's ``2 N K C kh kw Ho Wo`` (:func:`course_utils.conv.conv2d_flops`);
  *effective* GFLOP/s of every method divide this same count by its time, so FFT and Winograd,
  which do fewer operations, can exceed the GEMM peak;
* **extra memory** -- :func:`extra_memory_bytes`, an *analytic* model of the peak bytes of the
  temporaries one call allocates (input, weights and output not counted, Winograd's filters
  are transformed once outside the call and not counted either), derived from each
  implementation's code; :func:`measure_extra_bytes` *measures* the same quantity with
  ``tracemalloc`` for the NumPy methods (``tests/test_shootout.py`` checks the two agree).

Timing uses :func:`course_utils.timing.benchmark` (median after warm-up) and
:func:`course_utils.timing.sweep`. The ResNet-like layers are the ones the benchmark commands
use (:mod:`course_utils.bench.conv`, :mod:`course_utils.bench.winograd`).
"""

from __future__ import annotations

import contextlib
import math
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.conv import (
    conv2d_direct,
    conv2d_fft,
    conv2d_flops,
    conv2d_im2col,
    conv2d_loops,
    conv_output_size,
    fft_lengths,
)
from course_utils.conv.im2col import PATCH_BLOCK_BYTES
from course_utils.conv.unfold import conv2d_unfold
from course_utils.conv.winograd import chunk_layout, conv2d_winograd, transform_filters
from course_utils.timing import SweepResult, Timing, benchmark, limit_threads, sweep

__all__ = [
    "LOOPS_MAX_MACS",
    "METHODS",
    "METHOD_NAMES",
    "NUMPY_METHODS",
    "WINOGRAD_TILE",
    "LayerShape",
    "Method",
    "ShootoutSweep",
    "applicable_methods",
    "extra_memory_bytes",
    "fft_operation_count",
    "format_bytes",
    "format_ranking",
    "format_memory_report",
    "make_operands",
    "measure_extra_bytes",
    "memory_report",
    "not_applicable_reason",
    "prepare_call",
    "rank_methods",
    "ranking_summary",
    "resnet_layers",
    "run_method",
    "run_sweep",
    "time_methods",
    "which_method_guide",
]

#: conv2d_loops runs about a million multiply-adds per second: above this many it is "n/a".
LOOPS_MAX_MACS = 100_000
#: The guide calls a problem overhead-bound when no method exceeds this fraction of the peak.
TINY_FRACTION_OF_PEAK = 0.1
#: Methods whose work is done by matrix products (GEMM) or Winograd's batched GEMMs.
GEMM_LIKE = frozenset({"im2col", "unfold", "winograd", "torch"})
#: Winograd output tile: F(4x4, 3x3), the variant Lavin & Gray recommend for 3x3 layers.
WINOGRAD_TILE = 4


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


# ---------------------------------------------------------------------------------------
# The contenders
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One contender.

    Attributes:
    - name: short key (``"direct"``, ``"winograd"``, ...).
    - function: the function's import path, for display.
    - library: ``"NumPy"`` or ``"PyTorch"``.
    - rule: when it applies, in words.
    """

    name: str
    function: str
    library: str
    rule: str


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "loops",
            "course_utils.conv.conv2d_loops",
            "NumPy",
            f"at most {LOOPS_MAX_MACS:,} multiply-adds",
        ),
        Method("direct", "course_utils.conv.conv2d_direct", "NumPy", "always"),
        Method("fft", "course_utils.conv.conv2d_fft", "NumPy", "always"),
        Method("im2col", "course_utils.conv.conv2d_im2col", "NumPy", "always"),
        Method("unfold", "course_utils.conv.unfold.conv2d_unfold", "PyTorch", "always"),
        Method(
            "winograd",
            f"course_utils.conv.winograd.conv2d_winograd (m={WINOGRAD_TILE})",
            "NumPy",
            "3x3 kernel and stride 1",
        ),
        Method("torch", "torch.nn.functional.conv2d", "PyTorch", "always"),
    )
}
METHOD_NAMES: tuple[str, ...] = tuple(METHODS)
NUMPY_METHODS: tuple[str, ...] = tuple(n for n, m in METHODS.items() if m.library == "NumPy")


def _check_method(name: str) -> None:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHOD_NAMES)}")


def not_applicable_reason(shape: LayerShape, method: str) -> str | None:
    """Why ``method`` cannot (or should not) run on ``shape``; ``None`` when it applies."""
    _check_method(method)
    if method == "loops" and shape.macs > LOOPS_MAX_MACS:
        return f"too slow: {shape.macs:,} multiply-adds > {LOOPS_MAX_MACS:,}"
    if method == "winograd":
        if (shape.kh, shape.kw) != (3, 3):
            return f"F(4x4, 3x3) needs a 3x3 kernel, got {shape.kh}x{shape.kw}"
        if shape.stride != 1:
            return f"Winograd tiles need stride 1, got {shape.stride}"
    return None


def applicable_methods(shape: LayerShape, methods: Iterable[str] = METHOD_NAMES) -> list[str]:
    """The methods (in registry order) that apply to ``shape``."""
    return [m for m in methods if not_applicable_reason(shape, m) is None]


def prepare_call(method: str, shape: LayerShape, x: np.ndarray, w: np.ndarray) -> Callable[[], Any]:
    """A zero-argument callable that runs ``method`` once on (x, w) -- the part that is timed.

    Set-up that a real layer does once is done here, outside the timed call: torch tensors
    are created (sharing memory with x and w), Winograd's filters are transformed with
    :func:`transform_filters`. Raises ``ValueError`` when the method does not apply.
    """
    reason = not_applicable_reason(shape, method)
    if reason is not None:
        raise ValueError(f"{method} does not apply to {shape.label}: {reason}")
    geometry = {"stride": shape.stride, "padding": shape.padding}
    numpy_functions = {
        "loops": conv2d_loops,
        "direct": conv2d_direct,
        "fft": conv2d_fft,
        "im2col": conv2d_im2col,
    }
    if method in numpy_functions:
        return partial(numpy_functions[method], x, w, **geometry)
    if method == "winograd":
        filters = transform_filters(w, WINOGRAD_TILE, dtype=x.dtype)
        return partial(conv2d_winograd, x, filters, padding=shape.padding)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    if method == "unfold":
        return partial(conv2d_unfold, tx, tw, **geometry)
    return partial(F.conv2d, tx, tw, **geometry)


def run_method(method: str, shape: LayerShape, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The output (N, K, Ho, Wo) of ``method`` on (x, w) as a NumPy array."""
    with torch.no_grad():
        out = prepare_call(method, shape, x, w)()
    return out.numpy() if isinstance(out, torch.Tensor) else np.asarray(out)


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


def format_memory_report(rows: Sequence[dict[str, Any]]) -> str:
    """Plain-text table of :func:`memory_report` rows (sizes also as multiples of the input)."""
    header = f"{'method':<9} {'analytic':>11} {'x input':>8} {'measured':>11}  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        analytic, measured = row["analytic"], row["measured"]
        times = "" if analytic is None else f"{analytic / row['input_bytes']:.1f}x"
        if measured is None:
            measured_text = "not run" if row["note"] else "-"
        else:
            measured_text = format_bytes(measured)
        analytic_text = "not counted" if analytic is None else format_bytes(analytic)
        lines.append(
            f"{row['method']:<9} {analytic_text:>11} {times:>8} {measured_text:>11}  {row['note']}"
        )
    return "\n".join(lines)


def format_bytes(value: float | None) -> str:
    """``1536 -> '1.5 KiB'``; ``None -> 'n/a'``."""
    if value is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------------------
# Timing and ranking
# ---------------------------------------------------------------------------------------


def time_methods(
    shape: LayerShape,
    methods: Iterable[str] = METHOD_NAMES,
    *,
    repeat: int = 3,
    warmup: int = 1,
    rounds: int = 1,
    min_time: float = 0.0,
    seed: int = 0,
    threads: int | None = None,
) -> dict[str, Timing | None]:
    """Time every applicable method on one problem; ``None`` for the ones that do not apply.

    Each round runs :func:`course_utils.timing.benchmark` (``warmup`` discarded calls, then
    ``repeat`` timed ones) for every method in turn; with several rounds the methods are
    interleaved, so slow drifts of a shared machine hit them alike, and the reported
    Timing is the round with the median median. ``threads``: run with that many BLAS and
    PyTorch threads (:func:`course_utils.timing.limit_threads`); ``None`` leaves them as they are.
    """
    methods = list(methods)
    x, w = make_operands(shape, seed)
    calls = {m: prepare_call(m, shape, x, w) for m in applicable_methods(shape, methods)}
    per_round: dict[str, list[Timing]] = {m: [] for m in calls}
    with torch.no_grad(), _threads(threads):
        for _ in range(max(1, rounds)):
            for name, call in calls.items():
                timing = benchmark(
                    call, repeat=repeat, warmup=warmup, flops=shape.flops, min_time=min_time
                )
                per_round[name].append(timing)
    chosen = {name: _median_timing(timings) for name, timings in per_round.items()}
    return {m: chosen.get(m) for m in methods}


def _threads(threads: int | None) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext() if threads is None else limit_threads(threads)


def _median_timing(timings: list[Timing]) -> Timing:
    ordered = sorted(timings, key=lambda t: t.median)
    return ordered[(len(ordered) - 1) // 2]


def rank_methods(
    shape: LayerShape,
    *,
    methods: Iterable[str] = METHOD_NAMES,
    repeat: int = 3,
    warmup: int = 1,
    rounds: int = 1,
    min_time: float = 1e-3,
    peak_gflops: float | None = None,
    seed: int = 0,
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """Measure every method on ``shape`` and rank them, fastest first; n/a methods last.

    Returns one dict per method with keys: rank (1 = fastest, ``None`` if n/a), method,
    median_s, min_s, max_s, gflops (effective: direct flops / median), percent_of_peak
    (if ``peak_gflops`` is given), vs_fastest (median / fastest median), extra_bytes
    (:func:`extra_memory_bytes`), note ("" or "n/a: <reason>"). Time-like fields are
    ``None`` for n/a methods. ``threads`` as in :func:`time_methods`.
    """
    methods = list(methods)
    timings = time_methods(
        shape,
        methods,
        repeat=repeat,
        warmup=warmup,
        rounds=rounds,
        min_time=min_time,
        seed=seed,
        threads=threads,
    )
    measured = sorted((t.median, m) for m, t in timings.items() if t is not None)
    fastest = measured[0][0] if measured else None
    rows = []
    for rank, (_, name) in enumerate(measured, start=1):
        timing = timings[name]
        assert timing is not None and fastest is not None
        rows.append(_ranking_row(shape, name, rank, timing, fastest, peak_gflops))
    for name in methods:
        if timings[name] is None:
            rows.append(_ranking_row(shape, name, None, None, fastest, peak_gflops))
    return rows


def _ranking_row(
    shape: LayerShape,
    method: str,
    rank: int | None,
    timing: Timing | None,
    fastest: float | None,
    peak: float | None,
) -> dict[str, Any]:
    reason = not_applicable_reason(shape, method)
    gflops = None if timing is None else timing.gflops
    return {
        "rank": rank,
        "method": method,
        "median_s": None if timing is None else timing.median,
        "min_s": None if timing is None else timing.min,
        "max_s": None if timing is None else timing.max,
        "gflops": gflops,
        "percent_of_peak": None if gflops is None or not peak else 100.0 * gflops / peak,
        "vs_fastest": None if timing is None or not fastest else timing.median / fastest,
        "extra_bytes": extra_memory_bytes(shape, method),
        "note": "" if reason is None else f"n/a: {reason}",
    }


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.0f} us"


def format_ranking(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`rank_methods` rows (n/a rows keep their reason)."""
    header = (
        f"{'#':>3}  {'method':<9} {'median':>10} {'x fastest':>9} {'GFLOP/s':>8} "
        f"{'% peak':>7} {'extra memory':>13}  note"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        rank = "n/a" if row["rank"] is None else str(row["rank"])
        ratio = "n/a" if row["vs_fastest"] is None else f"{row['vs_fastest']:.2f}x"
        gflops = "n/a" if row["gflops"] is None else f"{row['gflops']:.2f}"
        percent = "" if row["percent_of_peak"] is None else f"{row['percent_of_peak']:.0f}%"
        memory = "not counted" if row["extra_bytes"] is None else format_bytes(row["extra_bytes"])
        lines.append(
            f"{rank:>3}  {row['method']:<9} {_seconds(row['median_s']):>10} {ratio:>9} "
            f"{gflops:>8} {percent:>7} {memory:>13}  {row['note']}"
        )
    return "\n".join(lines)


def ranking_summary(rankings: dict[str, Sequence[dict[str, Any]]]) -> str:
    """One line per problem: the measured order, fastest first, then the n/a methods."""
    lines = []
    width = max((len(label) for label in rankings), default=0)
    for label, rows in rankings.items():
        ranked = [r for r in rows if r["rank"] is not None]
        order = " < ".join(f"{r['method']} ({_seconds(r['median_s'])})" for r in ranked)
        missing = [r["method"] for r in rows if r["rank"] is None]
        suffix = f"   n/a: {', '.join(missing)}" if missing else ""
        lines.append(f"{label:<{width}}  {order}{suffix}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------------------


@dataclass
class ShootoutSweep:
    """Timings of the methods over a family of problems (one :class:`LayerShape` per size).

    Attributes:
    - result: the :class:`course_utils.timing.SweepResult` (rows: size, method, median_s,
      min_s, max_s, gflops); n/a pairs have no row.
    - shapes: size -> LayerShape.
    - not_applicable: (size, method) -> reason, for every pair that was not timed.
    - methods: the methods of the sweep, in registry order.
    """

    result: SweepResult
    shapes: dict[Any, LayerShape]
    not_applicable: dict[tuple[Any, str], str] = field(default_factory=dict)
    methods: tuple[str, ...] = METHOD_NAMES

    @property
    def label(self) -> str:
        return self.result.label

    @property
    def sizes(self) -> list[Any]:
        return list(self.shapes)

    def time(self, size: Any, method: str) -> float | None:
        """Median seconds of ``method`` at ``size`` (``None`` if n/a)."""
        for row in self.result.rows:
            if row["size"] == size and row["method"] == method:
                return row["median_s"]
        return None

    def gflops(self, size: Any, method: str) -> float | None:
        for row in self.result.rows:
            if row["size"] == size and row["method"] == method:
                return row["gflops"]
        return None

    def fastest(self, size: Any, among: Iterable[str] | None = None) -> str | None:
        """The fastest measured method at ``size`` (optionally among ``among`` only)."""
        allowed = set(self.methods if among is None else among)
        timed = [(self.time(size, m), m) for m in self.methods if m in allowed]
        timed = [(t, m) for t, m in timed if t is not None]
        return min(timed)[1] if timed else None

    def table(self, gflops: bool = False) -> str:
        """Median time (or effective GFLOP/s) per size and method; n/a where not applicable."""
        header = f"{self.label:>14} | " + " | ".join(f"{m:>9}" for m in self.methods)
        lines = [header, "-" * len(header)]
        for size in self.sizes:
            cells = []
            for m in self.methods:
                if gflops:
                    value = self.gflops(size, m)
                    cells.append("n/a" if value is None else f"{value:.2f}")
                else:
                    cells.append(_seconds(self.time(size, m)))
            lines.append(f"{size!s:>14} | " + " | ".join(f"{c:>9}" for c in cells))
        return "\n".join(lines)


def run_sweep(
    shapes: dict[Any, LayerShape],
    *,
    label: str = "size",
    methods: Iterable[str] = METHOD_NAMES,
    repeat: int = 3,
    warmup: int = 1,
    seed: int = 0,
    progress: bool = False,
    threads: int | None = None,
) -> ShootoutSweep:
    """Time ``methods`` on every problem of ``shapes`` (size -> LayerShape) with
    :func:`course_utils.timing.sweep`; n/a pairs are recorded with their reason.
    ``threads`` as in :func:`time_methods`."""
    methods = tuple(methods)
    operands: dict[Any, tuple[np.ndarray, np.ndarray]] = {}

    def maker(method: str) -> Callable[[Any], Callable[[], Any] | None]:
        def make(size: Any) -> Callable[[], Any] | None:
            shape = shapes[size]
            if not_applicable_reason(shape, method) is not None:
                return None
            if size not in operands:
                operands.clear()  # keep only the current size's arrays in memory
                operands[size] = make_operands(shape, seed)
            return prepare_call(method, shape, *operands[size])

        return make

    with torch.no_grad(), _threads(threads):
        result = sweep(
            {m: maker(m) for m in methods},
            list(shapes),
            flops=lambda size: float(shapes[size].flops),
            repeat=repeat,
            warmup=warmup,
            label=label,
            progress=progress,
        )
    missing = {
        (size, m): reason
        for size, shape in shapes.items()
        for m in methods
        if (reason := not_applicable_reason(shape, m)) is not None
    }
    return ShootoutSweep(result, dict(shapes), missing, methods)


# ---------------------------------------------------------------------------------------
# "Which method when", written from the measurements
# ---------------------------------------------------------------------------------------


def _runs(items: Sequence[tuple[Any, str]]) -> list[tuple[Any, Any, str]]:
    """Compress [(size, winner), ...] into runs [(first size, last size, winner), ...]."""
    runs: list[tuple[Any, Any, str]] = []
    for size, winner in items:
        if runs and runs[-1][2] == winner:
            runs[-1] = (runs[-1][0], size, winner)
        else:
            runs.append((size, size, winner))
    return runs


def _describe_runs(items: Sequence[tuple[Any, str]], name: str) -> str:
    parts = []
    for first, last, winner in _runs(items):
        span = f"{name} = {first}" if first == last else f"{name} = {first} to {last}"
        parts.append(f"{winner} ({span})")
    return ", ".join(parts)


def _tiny_problem_line(image: ShootoutSweep, peak: float | None) -> str:
    size = image.sizes[0]
    shape = image.shapes[size]
    times = [t for m in image.methods if (t := image.time(size, m)) is not None]
    best = image.fastest(size)
    best_numpy = image.fastest(size, NUMPY_METHODS)
    rates = [g for m in image.methods if (g := image.gflops(size, m)) is not None]
    text = (
        f"Tiny problems ({shape.label}): the fastest method was {best}, the fastest NumPy "
        f"method {best_numpy}; all methods took {_seconds(min(times))} to "
        f"{_seconds(max(times))}, at most {max(rates):.2g} effective GFLOP/s"
    )
    if peak:
        text += f" ({100 * max(rates) / peak:.2g}% of the GEMM peak)"
    if peak and max(rates) < TINY_FRACTION_OF_PEAK * peak:
        return text + ": fixed per-call costs, not arithmetic, decide at this size."
    return text + "."


def _large_kernel_line(kernels: ShootoutSweep) -> str:
    sizes = kernels.sizes
    wins_all = [k for k in sizes if kernels.fastest(k) == "fft"]
    wins_numpy = [k for k in sizes if kernels.fastest(k, NUMPY_METHODS) == "fft"]
    shape = kernels.shapes[sizes[-1]]
    where = f"{shape.H}x{shape.W} input, N={shape.N} C={shape.C} K={shape.K}"
    if not wins_numpy:
        return (
            f"Large kernels ({where}): FFT was not the fastest NumPy method at any kernel size "
            f"measured (up to {sizes[-1]}x{sizes[-1]}); its advantage needs larger kernels here."
        )
    from_k = _first_of_tail(sizes, wins_numpy)
    if from_k is not None and from_k == sizes[-1]:
        which = f"at the largest kernel measured ({from_k}x{from_k}) only"
    elif from_k is not None:
        which = f"for every kernel from {from_k}x{from_k} up to {sizes[-1]}x{sizes[-1]}"
    else:
        which = "at kernel size " + ", ".join(f"{k}x{k}" for k in wins_numpy)
    text = f"Large kernels ({where}): FFT was the fastest NumPy method {which}"
    fft_time, torch_time = kernels.time(sizes[-1], "fft"), kernels.time(sizes[-1], "torch")
    if fft_time is not None and torch_time is not None:
        ratio = max(fft_time, torch_time) / min(fft_time, torch_time)
        relation = "faster" if fft_time < torch_time else "slower"
        text += f"; at {sizes[-1]}x{sizes[-1]} it was {ratio:.1f}x {relation} than F.conv2d"
    if wins_all:
        text += f" (fastest of all methods at {', '.join(f'{k}x{k}' for k in wins_all)})"
    return text + ". Its cost does not grow with the kernel; every other method's does."


def _first_of_tail(sizes: Sequence[Any], winners: Sequence[Any]) -> Any | None:
    """The smallest size from which every larger size is in ``winners`` (None: last is not)."""
    tail = None
    for size in reversed(sizes):
        if size not in winners:
            break
        tail = size
    return tail


def _channels_line(channels: ShootoutSweep) -> str:
    shape = channels.shapes[channels.sizes[-1]]
    items = [(c, channels.fastest(c, NUMPY_METHODS)) for c in channels.sizes]
    overall = [(c, channels.fastest(c)) for c in channels.sizes]
    return (
        f"Channels (3x3, N={shape.N}, {shape.H}x{shape.W}, C = K): fastest NumPy method "
        f"{_describe_runs(items, 'C')}; fastest overall {_describe_runs(overall, 'C')}."
    )


def _layers_line(layers: dict[str, Sequence[dict[str, Any]]], peak: float | None) -> str:
    numpy_wins: dict[str, int] = {}
    overall_wins: dict[str, int] = {}
    best_rates = []
    for rows in layers.values():
        ranked = [r for r in rows if r["rank"] is not None]
        overall_wins[ranked[0]["method"]] = overall_wins.get(ranked[0]["method"], 0) + 1
        numpy_best = next(r for r in ranked if METHODS[r["method"]].library == "NumPy")
        numpy_wins[numpy_best["method"]] = numpy_wins.get(numpy_best["method"], 0) + 1
        best_rates.append(numpy_best["gflops"])
    total = len(layers)

    def tally(wins: dict[str, int]) -> str:
        return ", ".join(f"{m} {n}/{total}" for m, n in sorted(wins.items(), key=lambda i: -i[1]))

    text = (
        f"3x3 layers with many channels (the {total} ResNet-like layers): fastest NumPy method "
        f"{tally(numpy_wins)}; fastest overall {tally(overall_wins)}"
    )
    if peak:
        low, high = min(best_rates), max(best_rates)
        text += (
            f". The best NumPy method ran at {100 * low / peak:.0f}-{100 * high / peak:.0f}% "
            "of the GEMM peak (effective)"
        )
    if set(overall_wins) <= GEMM_LIKE and set(numpy_wins) <= GEMM_LIKE:
        return text + (
            ": these layers are GEMM-shaped, and the winners were GEMM-based, Winograd, "
            "or PyTorch's own kernels."
        )
    return text + "."


def _loops_line(sweeps: Sequence[ShootoutSweep]) -> str | None:
    ratios = []
    for s in sweeps:
        for size in s.sizes:
            loops, direct = s.time(size, "loops"), s.time(size, "direct")
            if loops is not None and direct is not None:
                ratios.append(loops / direct)
    if not ratios:
        return None
    where = f"wherever they could be measured ({len(ratios)} problems)"
    if min(ratios) > 1:
        return (
            f"Python loops: {min(ratios):.0f}x to {max(ratios):.0f}x slower than conv2d_direct "
            f"{where}; a reference, never a method."
        )
    return (
        f"Python loops: between {min(ratios):.2g}x and {max(ratios):.2g}x the time of "
        f"conv2d_direct {where}."
    )


def _memory_line(layers: dict[str, Sequence[dict[str, Any]]]) -> str:
    worst = []
    for label, rows in layers.items():
        counted = [r for r in rows if r["extra_bytes"] is not None and r["rank"] is not None]
        top = max(counted, key=lambda r: r["extra_bytes"])
        worst.append(f"{top['method']} on {label} ({format_bytes(top['extra_bytes'])})")
    return (
        "Memory: the largest temporaries were "
        + "; ".join(worst)
        + ". Column matrices hold every input pixel kh*kw times; FFT spectra are as large as "
        "the padded images, for every (image, channel) and (filter, channel) pair."
    )


def which_method_guide(
    image: ShootoutSweep,
    kernels: ShootoutSweep,
    channels: ShootoutSweep,
    layers: dict[str, Sequence[dict[str, Any]]],
    peak_gflops: float | None = None,
) -> list[str]:
    """The "which method when" guide as sentences, each computed from the measurements.

    Inputs: the image-size, kernel-size and channel sweeps, and :func:`rank_methods` rows
    for the ResNet-like layers (label -> rows). Every number and every winner named in
    the text comes from these measurements, so the guide cannot contradict them.
    """
    lines = [
        _tiny_problem_line(image, peak_gflops),
        _large_kernel_line(kernels),
        _channels_line(channels),
        _layers_line(layers, peak_gflops),
    ]
    loops = _loops_line([image, kernels, channels])
    if loops:
        lines.append(loops)
    lines.append(_memory_line(layers))
    return lines
