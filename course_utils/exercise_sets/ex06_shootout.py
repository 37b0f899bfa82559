"""Checks for ``exercises/06_shootout.ipynb``: flops, effective GFLOP/s, im2col memory, choosing.

1. ``conv_flops`` -- the direct method's flop count of a layer, grouped convolutions included.
2. ``effective_gflops`` -- effective GFLOP/s from a measured time.
3. ``im2col_bytes`` -- bytes of the im2col column matrix of a whole batch.
4. ``choose_method`` -- the fastest applicable method from a dict of timings.

What the checks make sure of, beyond the numbers of the examples:

* q1 has a ``groups`` argument (each filter reads C / groups channels): the lesson's
  ``conv2d_flops`` counts ungrouped layers only, so calling it is "groups ignored". Strides that
  do not divide the size, padding, non-square kernels and 1x1 outputs pin down the output size.
* q2 credits the direct count (the FFT's own count is named) and checks the units.
* q3 includes float16 layers, which the shootout's memory model (``extra_memory_bytes`` on a
  ``LayerShape``, float32/float64 only) cannot describe, so the byte count has to be derived.
* q4 holds Winograd times for layers it does not apply to, ``None`` entries, and each rule
  (kernel, stride, both) is needed on some case; mutating the dict is "in place".

Tolerances: q1, q3 and q4 answers are exact (ints and strings, compared exactly); q2 is a float
computed from exact integer counts, where any order of the divisions agrees to a few ulps, so
rtol = 1e-9 rejects the smallest wrong answer (2^30 instead of 1e9: 7 %).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake
from course_utils.checks.wrong_answers import WrongAnswer
from course_utils.conv import conv2d_flops
from course_utils.shootout import METHOD_NAMES, LayerShape, extra_memory_bytes, fft_operation_count

# ---------------------------------------------------------------------------------------
# q1: flop count
# ---------------------------------------------------------------------------------------


def _out(size: int, kernel: int, stride: int, padding: int, sides: int = 2, ceil=False) -> int:
    span = size + sides * padding - kernel
    return (-(-span // stride) if ceil else span // stride) + 1


def _conv_flops(
    N: int,
    C: int,
    K: int,
    H: int,
    W: int,
    kh: int,
    kw: int,
    stride: int = 1,
    padding: int = 0,
    groups: int = 1,
) -> int:
    """Reference: 2 * N * K * (C / groups) * kh * kw * Ho * Wo."""
    ho, wo = _out(H, kh, stride, padding), _out(W, kw, stride, padding)
    return 2 * N * K * (C // groups) * kh * kw * ho * wo


def _plain_layer_cases() -> list[Case]:
    """Ungrouped layers (also the layers of q2 and q3)."""
    fixed = [
        Case((2, 3, 4, 9, 7, 3, 2), label="N=2, C=3, K=4, 9x7 input, 3x2 kernel"),
        Case((1, 1, 1, 1, 1, 1, 1), label="a 1x1 image and a 1x1 kernel"),
        Case((1, 2, 3, 5, 5, 5, 5), label="kernel as large as the image (1x1 output)"),
        Case(
            (2, 3, 5, 10, 7, 3, 3),
            {"stride": 2},
            label="10x7 input, 3x3 kernel, stride 2 (does not divide evenly)",
        ),
        Case((1, 4, 8, 6, 6, 3, 3), {"padding": 1}, label="6x6 input, 3x3 kernel, padding 1"),
        Case((8, 64, 64, 56, 56, 3, 3), {"padding": 1}, label="ResNet layer N=8 C=K=64 56x56"),
    ]
    rng = np.random.default_rng(6)
    randoms = []
    for _ in range(12):
        kh, kw = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 4))
        h = int(rng.integers(max(1, kh - 2 * padding), 40))
        w = int(rng.integers(max(1, kw - 2 * padding), 40))
        n, c, k = (int(v) for v in rng.integers(1, 17, size=3))
        kwargs = {"stride": stride, "padding": padding}
        randoms.append(
            Case(
                (n, c, k, h, w, kh, kw),
                kwargs,
                label=f"N={n}, C={c}, K={k}, {h}x{w} input, {kh}x{kw} kernel, {kwargs}",
            )
        )
    return fixed + randoms


def _flops_cases() -> list[Case]:
    # First a layer on which every typical mistake gives a different count.
    first = Case(
        (2, 12, 8, 9, 7, 3, 2),
        {"stride": 2, "padding": 3, "groups": 4},
        label="N=2, C=12, K=8, 9x7 input, 3x2 kernel, stride 2, padding 3, groups 4",
    )
    grouped = [
        Case(
            (1, 16, 16, 14, 14, 3, 3),
            {"padding": 1, "groups": 16},
            label="depthwise: C=K=16 (groups=16), 14x14, 3x3, padding 1",
        ),
        Case(
            (4, 8, 32, 15, 9, 5, 3),
            {"stride": 2, "groups": 2},
            label="N=4, C=8, K=32, 15x9, 5x3 kernel, stride 2, groups 2",
        ),
        Case(
            (2, 32, 64, 28, 28, 1, 1),
            {"groups": 4},
            label="1x1 grouped convolution, C=32, K=64, groups 4",
        ),
    ]
    return [first, *_plain_layer_cases(), *grouped]


def _flops_variant(**change: Any):
    def wrong(N, C, K, H, W, kh, kw, stride=1, padding=0, groups=1):
        sides = change.get("sides", 2)
        ceil = change.get("ceil", False)
        plus = change.get("plus", 1)
        ho = _out(H, kh, stride, padding, sides, ceil) - 1 + plus
        wo = _out(W, kw, stride, padding, sides, ceil) - 1 + plus
        per_filter = change.get("channels", lambda c, g: c // g)(C, groups)
        filters = change.get("filters", lambda k, g: k)(K, groups)
        return change.get("factor", 2) * N * filters * per_filter * kh * kw * ho * wo

    return wrong


def _flops_of_input_size(N, C, K, H, W, kh, kw, stride=1, padding=0, groups=1):
    return 2 * N * K * (C // groups) * kh * kw * H * W


def _flops_without_stride(N, C, K, H, W, kh, kw, stride=1, padding=0, groups=1):
    return _conv_flops(N, C, K, H, W, kh, kw, 1, padding, groups)


def _flops_learner_package(N, C, K, H, W, kh, kw, stride=1, padding=0, groups=1):
    """A learner's answer: the lesson's conv2d_flops (it has no groups)."""
    return conv2d_flops((N, C, H, W), (K, C, kh, kw), stride=stride, padding=padding)


def _flops_learner_true_division(N, C, K, H, W, kh, kw, stride=1, padding=0, groups=1):
    """A learner's answer with / for the output size (a float)."""
    ho = (H + 2 * padding - kh) / stride + 1
    wo = (W + 2 * padding - kw) / stride + 1
    return 2 * N * K * C / groups * kh * kw * math.floor(ho) * math.floor(wo)


_FLOPS_MESSAGES = {
    "half": "the count is half the expected one: a multiply-add is two floating-point operations.",
    "input": "you counted one output per *input* pixel; count the output pixels Ho·Wo instead.",
    "channels": "every output sums over the input channels of its group (C / groups of them): "
    "the input channels are missing.",
    "stride": "the stride is ignored: with stride s the kernel skips positions, so there are "
    "fewer outputs.",
    "padding": "the padding is ignored: it adds 2·padding rows and columns to the input.",
    "one_side": "the padding is counted on one side only: it is added at the top and the "
    "bottom (left and right), 2·padding in all.",
    "off_by_one": "the output size is off by one: Ho = floor((H + 2·padding − kh) / stride) + 1.",
    "ceil": "the output size is rounded up: a window that does not fit is not computed, "
    "Ho = floor((H + 2·padding − kh) / stride) + 1.",
    "groups": "groups are ignored: with groups g each filter reads only the C / g input "
    "channels of its group, so the count shrinks by g.",
    "groups_twice": "the filters are divided among the groups twice: there are K filters in all "
    "(K / g per group), and each reads C / g channels.",
}

q1 = FunctionProblem(
    "q1",
    "conv_flops",
    _conv_flops,
    _flops_cases,
    # The answer is an exact integer and is compared exactly (the float tolerances of the
    # engine do not apply to ints); a float such as 2.0e9 is reported as "expected an int".
    hints=[
        "Count the work per output value first: how many kernel taps, over how many input "
        "channels (only those of the filter's group), and how many floating-point operations "
        "per tap? Then count output values.",
        "Every output value (there are N·K·Ho·Wo of them) needs (C / groups)·kh·kw "
        "multiply-adds, and a multiply-add is 2 flops. Ho and Wo come from the output-size "
        "formula with padding and stride, using floor division (//).",
    ],
    mistakes=[
        Mistake(_FLOPS_MESSAGES["half"], _flops_variant(factor=1)),
        Mistake(_FLOPS_MESSAGES["input"], _flops_of_input_size),
        Mistake(_FLOPS_MESSAGES["channels"], _flops_variant(channels=lambda c, g: 1)),
        Mistake(_FLOPS_MESSAGES["stride"], _flops_without_stride),
        Mistake(_FLOPS_MESSAGES["padding"], _flops_variant(sides=0)),
        Mistake(_FLOPS_MESSAGES["one_side"], _flops_variant(sides=1)),
        Mistake(_FLOPS_MESSAGES["off_by_one"], _flops_variant(plus=0)),
        Mistake(_FLOPS_MESSAGES["ceil"], _flops_variant(ceil=True)),
        Mistake(_FLOPS_MESSAGES["groups"], _flops_variant(channels=lambda c, g: c)),
        Mistake(_FLOPS_MESSAGES["groups_twice"], _flops_variant(filters=lambda k, g: k // g)),
    ],
    wrong_answers=[
        WrongAnswer("multiply-adds, not flops", _flops_variant(factor=1), "two floating-point"),
        WrongAnswer("input pixels", _flops_of_input_size, "input"),
        WrongAnswer("no channel sum", _flops_variant(channels=lambda c, g: 1), "input channels"),
        WrongAnswer("stride ignored", _flops_without_stride, "stride is ignored"),
        WrongAnswer("padding ignored", _flops_variant(sides=0), "padding is ignored"),
        WrongAnswer("padding on one side", _flops_variant(sides=1), "one side only"),
        WrongAnswer("output size without + 1", _flops_variant(plus=0), "off by one"),
        WrongAnswer("output size rounded up", _flops_variant(ceil=True), "rounded up"),
        WrongAnswer("the lesson's conv2d_flops", _flops_learner_package, "groups are ignored"),
        WrongAnswer(
            "filters divided by groups too",
            _flops_variant(filters=lambda k, g: k // g),
            "divided among the groups twice",
        ),
        WrongAnswer("true division: a float", _flops_learner_true_division, "expected an int"),
    ],
)

# ---------------------------------------------------------------------------------------
# q2: effective GFLOP/s
# ---------------------------------------------------------------------------------------


def _shapes_of(case: Case) -> tuple[tuple[int, ...], tuple[int, ...], dict[str, int]]:
    n, c, k, h, w, kh, kw = case.args
    return (n, c, h, w), (k, c, kh, kw), dict(case.kwargs)


def _effective_gflops(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    seconds: float,
    stride: int = 1,
    padding: int = 0,
) -> float:
    """Reference: direct flops / seconds / 1e9."""
    n, c, h, w = x_shape
    k, _, kh, kw = w_shape
    return _conv_flops(n, c, k, h, w, kh, kw, stride, padding) / seconds / 1e9


def _gflops_cases() -> list[Case]:
    rng = np.random.default_rng(60)
    cases = [
        Case(
            ((1, 1, 512, 512), (1, 1, 5, 5), 2.5e-3),
            label="one 512x512 image, 5x5 kernel, 2.5 ms",
        )
    ]
    for layer in _plain_layer_cases()[1:10]:
        x_shape, w_shape, kwargs = _shapes_of(layer)
        seconds = float(10 ** rng.uniform(-5, 0))
        cases.append(
            Case(
                (x_shape, w_shape, seconds),
                kwargs,
                label=f"x {x_shape}, w {w_shape}, {seconds:.3g} s, {kwargs}",
            )
        )
    return cases


def _gflops_of_fft_count(x_shape, w_shape, seconds, stride=1, padding=0):
    return fft_operation_count(x_shape, w_shape, stride=stride, padding=padding) / seconds / 1e9


def _flop_per_second(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, seconds, stride, padding) * 1e9


def _mflop_per_second(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, seconds, stride, padding) * 1e3


def _gmac_per_second(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, seconds, stride, padding) / 2


def _gflops_binary_giga(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, seconds, stride, padding) * 1e9 / 2**30


def _gflops_times_seconds(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, 1.0, stride, padding) * seconds


def _gflops_without_stride(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, seconds, 1, padding)


def _gflops_without_padding(x_shape, w_shape, seconds, stride=1, padding=0):
    return _effective_gflops(x_shape, w_shape, seconds, stride, 0)


def _gflops_learner_fft(x_shape, w_shape, seconds, stride=1, padding=0):
    """A learner's answer that credits the operations the FFT method really performs."""
    return fft_operation_count(x_shape, w_shape, stride, padding) / (seconds * 1e9)


_GFLOPS_MESSAGES = {
    "fft": "this is the FFT method's own operation count per second. Effective GFLOP/s credit "
    "every method with the direct method's count, so methods can be compared.",
    "flops": "the value is a billion times too large: that is FLOP/s, not GFLOP/s.",
    "mflops": "the value is a thousand times too large: that is MFLOP/s (1e6), not GFLOP/s.",
    "macs": "the value is half the expected one: a multiply-add counts as two flops.",
    "binary": "giga is 10^9 here, not 2^30: rates use decimal prefixes.",
    "times": "the count is multiplied by the time: a rate is operations *divided* by seconds.",
    "stride": "the stride is ignored in the flop count: with stride s there are fewer outputs.",
    "padding": "the padding is ignored in the flop count: it adds 2·padding rows and columns.",
}

q2 = FunctionProblem(
    "q2",
    "effective_gflops",
    _effective_gflops,
    _gflops_cases,
    # Float64 arithmetic on exact integer counts: any order of the divisions agrees to a few
    # ulps (~1e-16 relative), while the smallest wrong answer (2^30 for giga) is off by 7 %.
    rtol=1e-9,
    atol=0.0,
    hints=[
        "*Effective* GFLOP/s credit every method with the same amount of work, whatever it "
        "actually computes: the work of the direct method. Then watch the units.",
        "Divide the direct method's flop count 2·N·K·C·kh·kw·Ho·Wo (your q1, or "
        "`course_utils.conv.conv2d_flops`) by the time in seconds, and by 1e9 for *giga*.",
    ],
    mistakes=[
        Mistake(_GFLOPS_MESSAGES["fft"], _gflops_of_fft_count),
        Mistake(_GFLOPS_MESSAGES["flops"], _flop_per_second),
        Mistake(_GFLOPS_MESSAGES["mflops"], _mflop_per_second),
        Mistake(_GFLOPS_MESSAGES["macs"], _gmac_per_second),
        Mistake(_GFLOPS_MESSAGES["binary"], _gflops_binary_giga),
        Mistake(_GFLOPS_MESSAGES["times"], _gflops_times_seconds),
        Mistake(_GFLOPS_MESSAGES["stride"], _gflops_without_stride),
        Mistake(_GFLOPS_MESSAGES["padding"], _gflops_without_padding),
    ],
    wrong_answers=[
        WrongAnswer("the FFT's own operations", _gflops_learner_fft, "FFT method's own"),
        WrongAnswer("FLOP/s", _flop_per_second, "billion"),
        WrongAnswer("MFLOP/s", _mflop_per_second, "thousand"),
        WrongAnswer("GMAC/s", _gmac_per_second, "multiply-add"),
        WrongAnswer("2^30 for giga", _gflops_binary_giga, "2^30"),
        WrongAnswer("multiplied by the time", _gflops_times_seconds, "divided"),
        WrongAnswer("stride ignored", _gflops_without_stride, "stride is ignored"),
        WrongAnswer("padding ignored", _gflops_without_padding, "padding is ignored"),
    ],
)

# ---------------------------------------------------------------------------------------
# q3: memory of the im2col column matrix
# ---------------------------------------------------------------------------------------


def _im2col_bytes(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    dtype: Any = np.float32,
    stride: int = 1,
    padding: int = 0,
) -> int:
    """Reference: N * (C kh kw) * (Ho Wo) * itemsize."""
    n, c, h, w = x_shape
    _, _, kh, kw = w_shape
    ho, wo = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    return n * c * kh * kw * ho * wo * np.dtype(dtype).itemsize


def _memory_cases() -> list[Case]:
    cases = [
        Case(
            ((3, 4, 8, 8), (5, 4, 3, 2), np.float64),
            {"stride": 2, "padding": 1},
            label="x (3, 4, 8, 8), w (5, 4, 3, 2), float64, stride 2, padding 1",
        ),
        Case(((1, 1, 1, 1), (1, 1, 1, 1), np.float32), label="1x1 image, 1x1 kernel, float32"),
        Case(((2, 3, 5, 5), (4, 3, 5, 5), np.float32), label="kernel as large as the image"),
        Case(
            ((2, 3, 10, 7), (4, 3, 3, 3), np.float32),
            {"stride": 2},
            label="10x7 input, 3x3 kernel, stride 2 (does not divide evenly)",
        ),
        Case(
            ((8, 64, 56, 56), (64, 64, 3, 3), np.float32),
            {"padding": 1},
            label="ResNet layer N=8 C=K=64 56x56, float32",
        ),
        Case(
            ((2, 3, 16, 12), (4, 3, 5, 3), np.float16),
            {"padding": 2},
            label="x (2, 3, 16, 12), w (4, 3, 5, 3), padding 2, float16",
        ),
        Case(
            ((4, 16, 32, 32), (32, 16, 3, 3), np.float16),
            {"stride": 2, "padding": 1},
            label="x (4, 16, 32, 32), w (32, 16, 3, 3), stride 2, padding 1, float16",
        ),
    ]
    rng = np.random.default_rng(61)
    for layer in _plain_layer_cases()[6:14]:
        x_shape, w_shape, kwargs = _shapes_of(layer)
        dtype = (np.float32, np.float64)[int(rng.integers(0, 2))]
        name = np.dtype(dtype).name
        cases.append(
            Case(
                (x_shape, w_shape, dtype),
                kwargs,
                label=f"x {x_shape}, w {w_shape}, {name}, {kwargs}",
            )
        )
    return cases


def _elements_not_bytes(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes(x_shape, w_shape, np.uint8, stride, padding)


def _always_four_bytes(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes(x_shape, w_shape, np.float32, stride, padding)


def _one_image(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes((1, *x_shape[1:]), w_shape, dtype, stride, padding)


def _input_positions(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    n, c, h, w = x_shape
    return n * c * w_shape[2] * w_shape[3] * h * w * np.dtype(dtype).itemsize


def _bytes_without_stride(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes(x_shape, w_shape, dtype, 1, padding)


def _bytes_without_padding(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes(x_shape, w_shape, dtype, stride, 0)


def _bytes_filters_as_rows(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    k = w_shape[0]
    return _im2col_bytes((x_shape[0], k, *x_shape[2:]), w_shape, dtype, stride, padding)


def _bytes_learner_bits(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    """A learner's answer with bits / 8 for the bytes per value (a float)."""
    values = _im2col_bytes(x_shape, w_shape, np.uint8, stride, padding)
    return values * np.finfo(dtype).bits / 8


def _bytes_learner_shootout(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    """A learner's answer through the lesson's memory model of `unfold`."""
    (n, c, h, w), (k, _, kh, kw) = x_shape, w_shape
    name = np.dtype(dtype).name
    layer = LayerShape(n, c, k, h, w, kh, kw, padding=padding, stride=stride, dtype=name)
    return extra_memory_bytes(layer, "unfold")


_BYTES_MESSAGES = {
    "values": "that is the number of values, not of bytes: multiply by the bytes per value.",
    "four": "right for float32 only: the bytes per value depend on the dtype.",
    "one_image": "that is the matrix of one image: the whole batch is unfolded at once.",
    "input": "there is one column per *output* pixel (Ho·Wo), not per input pixel.",
    "stride": "the stride is ignored: with stride s there are fewer output pixels, so fewer "
    "columns.",
    "padding": "the padding is ignored: it adds 2·padding rows and columns, so more output pixels.",
    "filters": "the rows are (input channel, kernel tap) pairs, C·kh·kw of them: the filters K "
    "do not appear in the column matrix.",
}

q3 = FunctionProblem(
    "q3",
    "im2col_bytes",
    _im2col_bytes,
    _memory_cases,
    # A byte count: an exact integer, compared exactly (no float tolerance involved).
    hints=[
        "Picture the matrix: one row per (channel, kernel tap), one column per output pixel, "
        "and one such matrix per image of the batch. Then convert values to bytes.",
        "Values: N · (C·kh·kw) · (Ho·Wo), with Ho, Wo from the output-size formula. Bytes per "
        "value: `np.dtype(dtype).itemsize` (4 for float32, 8 for float64, 2 for float16).",
    ],
    mistakes=[
        Mistake(_BYTES_MESSAGES["values"], _elements_not_bytes),
        Mistake(_BYTES_MESSAGES["four"], _always_four_bytes),
        Mistake(_BYTES_MESSAGES["one_image"], _one_image),
        Mistake(_BYTES_MESSAGES["input"], _input_positions),
        Mistake(_BYTES_MESSAGES["stride"], _bytes_without_stride),
        Mistake(_BYTES_MESSAGES["padding"], _bytes_without_padding),
        Mistake(_BYTES_MESSAGES["filters"], _bytes_filters_as_rows),
    ],
    wrong_answers=[
        WrongAnswer("values, not bytes", _elements_not_bytes, "number of values"),
        WrongAnswer("4 bytes whatever the dtype", _always_four_bytes, "float32 only"),
        WrongAnswer("one image", _one_image, "one image"),
        WrongAnswer("input pixels", _input_positions, "output"),
        WrongAnswer("stride ignored", _bytes_without_stride, "stride is ignored"),
        WrongAnswer("padding ignored", _bytes_without_padding, "padding is ignored"),
        WrongAnswer("K instead of C", _bytes_filters_as_rows, "filters K"),
        WrongAnswer("bits / 8: a float", _bytes_learner_bits, "expected an int"),
        WrongAnswer("the lesson's extra_memory_bytes", _bytes_learner_shootout, "float16"),
    ],
)

# ---------------------------------------------------------------------------------------
# q4: choosing a method from measurements
# ---------------------------------------------------------------------------------------


def _winograd_applies(kernel_size: int, stride: int) -> bool:
    return kernel_size == 3 and stride == 1


def _usable(timings: dict[str, float | None], allowed) -> dict[str, float]:
    return {m: t for m, t in timings.items() if t is not None and (m != "winograd" or allowed)}


def _choose_method(timings: dict[str, float | None], kernel_size: int, stride: int) -> str:
    """Reference: the fastest method with a time that applies to the layer."""
    allowed = _usable(timings, _winograd_applies(kernel_size, stride))
    return min(allowed, key=allowed.__getitem__)


def _timings(rng: np.random.Generator, fastest: str | None = None) -> dict[str, float | None]:
    times = {m: float(10 ** rng.uniform(-4, 0)) for m in METHOD_NAMES}
    if rng.random() < 0.5:
        times["loops"] = None  # too big for the loops: not measured
    if fastest is not None:
        times[fastest] = min(t for t in times.values() if t is not None) / 2
    return times


def _choice_cases() -> list[Case]:
    rng = np.random.default_rng(62)
    fixed = [
        (_timings(rng, "winograd"), 5, 2, "5x5 kernel, stride 2, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 5, 1, "5x5 kernel, stride 1, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 3, 2, "3x3 kernel, stride 2, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 3, 1, "3x3 kernel, stride 1, Winograd fastest"),
        (_timings(rng, "fft"), 11, 1, "11x11 kernel, FFT fastest"),
        ({"direct": 2e-3, "loops": None, "torch": 5e-3}, 3, 1, "three entries, loops n/a"),
        ({"winograd": 1e-4, "im2col": 9e-3}, 1, 1, "1x1 kernel, two entries"),
        ({"unfold": 3e-3, "loops": None, "direct": 1e-3}, 3, 1, "the unmeasured entry first"),
    ]
    cases = [Case((t, k, s), label=text) for t, k, s, text in fixed]
    for _ in range(16):
        kernel, stride = int(rng.choice([1, 3, 5, 7])), int(rng.choice([1, 1, 2]))
        favourite = str(rng.choice(["winograd", "fft", "direct", "torch", "im2col"]))
        timings = _timings(rng, favourite)
        cases.append(Case((timings, kernel, stride), label=f"kernel {kernel}, stride {stride}"))
    return cases


def _kernel_rule_only(timings, kernel_size, stride):
    return _choose_method(timings, kernel_size, 1)


def _either_rule(timings, kernel_size, stride):
    allowed = _usable(timings, kernel_size == 3 or stride == 1)
    return min(allowed, key=allowed.__getitem__)


def _no_rule(timings, kernel_size, stride):
    return _choose_method(timings, 3, 1)


def _never_winograd(timings, kernel_size, stride):
    allowed = _usable(timings, False)
    return min(allowed, key=allowed.__getitem__)


def _slowest(timings, kernel_size, stride):
    allowed = _usable(timings, _winograd_applies(kernel_size, stride))
    return max(allowed, key=allowed.__getitem__)


def _smallest_name(timings, kernel_size, stride):
    return min(_usable(timings, _winograd_applies(kernel_size, stride)))


def _unmeasured_as_zero(timings, kernel_size, stride):
    allowed = {
        m: (0.0 if t is None else t)
        for m, t in timings.items()
        if m != "winograd" or _winograd_applies(kernel_size, stride)
    }
    return min(allowed, key=allowed.__getitem__)


def _choice_learner_none_kept(timings, kernel_size, stride):
    """A learner's answer that forgets the None entries."""
    usable = {
        m: t for m, t in timings.items() if m != "winograd" or (kernel_size, stride) == (3, 1)
    }
    return min(usable, key=usable.get)


def _choice_learner_time(timings, kernel_size, stride):
    """A learner's answer that returns the best time instead of the method."""
    allowed = _usable(timings, _winograd_applies(kernel_size, stride))
    return min(allowed.values())


def _choice_learner_pops(timings, kernel_size, stride):
    """A learner's answer that deletes entries from the caller's dict."""
    for name in [m for m, t in timings.items() if t is None]:
        del timings[name]
    if not _winograd_applies(kernel_size, stride):
        timings.pop("winograd", None)
    return min(timings, key=timings.__getitem__)


_CHOICE_MESSAGES = {
    "stride": "Winograd F(4x4, 3x3) also needs stride 1: its tiles cover every output position.",
    "either": "Winograd F(4x4, 3x3) needs both a 3x3 kernel *and* stride 1, not one of them.",
    "kernel": "this picks Winograd for a kernel that is not 3x3; F(4x4, 3x3) only applies to "
    "3x3 kernels with stride 1.",
    "never": "Winograd is left out even where it applies (3x3 kernel, stride 1).",
    "slowest": "this picks the slowest applicable method, not the fastest.",
    "name": "this is the alphabetically first method, not the fastest: `min(d)` compares the "
    "keys; `min(d, key=d.__getitem__)` compares the times.",
    "none": "this method has no time (None): it was not measured, so it cannot be chosen.",
}

q4 = FunctionProblem(
    "q4",
    "choose_method",
    _choose_method,
    _choice_cases,
    # The answer is a method name, compared exactly. The cases' times are distinct random
    # numbers (the favourite is made strictly fastest), so there are no ties to break.
    hints=[
        "Two steps: first throw away what cannot be used (no time, or a method whose rule "
        "excludes this layer), then pick among what is left.",
        "Keep the entries whose time is not None, and drop 'winograd' unless the kernel is "
        "3 and the stride is 1. Return the key with the smallest time: "
        "`min(d, key=d.__getitem__)` returns the key of a dict's smallest value. Build a new "
        "dict rather than deleting from the one you are given.",
    ],
    mistakes=[
        Mistake(_CHOICE_MESSAGES["stride"], _kernel_rule_only),
        Mistake(_CHOICE_MESSAGES["either"], _either_rule),
        Mistake(_CHOICE_MESSAGES["kernel"], _no_rule),
        Mistake(_CHOICE_MESSAGES["never"], _never_winograd),
        Mistake(_CHOICE_MESSAGES["slowest"], _slowest),
        Mistake(_CHOICE_MESSAGES["name"], _smallest_name),
        Mistake(_CHOICE_MESSAGES["none"], _unmeasured_as_zero),
    ],
    wrong_answers=[
        WrongAnswer("kernel rule only", _kernel_rule_only, "also needs stride 1"),
        WrongAnswer("kernel or stride", _either_rule, "not one of them"),
        WrongAnswer("no rule", _no_rule, "not 3x3"),
        WrongAnswer("Winograd never", _never_winograd, "left out"),
        WrongAnswer("the slowest", _slowest, "slowest"),
        WrongAnswer("min over the names", _smallest_name, "alphabetically"),
        WrongAnswer("None as 0 s", _unmeasured_as_zero, "not measured"),
        WrongAnswer("None entries kept", _choice_learner_none_kept, "NoneType"),
        WrongAnswer("returns the time", _choice_learner_time, "expected str"),
        WrongAnswer("deletes from the dict", _choice_learner_pops, "in place"),
    ],
)

EXERCISES = ExerciseSet("06_shootout", [q1, q2, q3, q4])
setup = EXERCISES.setup
