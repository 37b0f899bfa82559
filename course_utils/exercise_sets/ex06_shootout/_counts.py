"""q1-q3 of the shootout set: flop count, effective GFLOP/s, im2col memory."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import Cases, keep
from course_utils.checks.stock import keyword_ignored
from course_utils.checks.wrong_answers import WrongAnswer
from course_utils.conv import conv2d_flops
from course_utils.shootout import LayerShape, extra_memory_bytes, fft_operation_count

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


_LAYER = ("N", "C", "K", "H", "W", "kh", "kw")


def _random_layer(rng: np.random.Generator) -> tuple:
    kh, kw = int(rng.integers(1, 8)), int(rng.integers(1, 8))
    stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 4))
    h = int(rng.integers(max(1, kh - 2 * padding), 40))
    w = int(rng.integers(max(1, kw - 2 * padding), 40))
    n, c, k = (int(v) for v in rng.integers(1, 17, size=3))
    return n, c, k, h, w, kh, kw, {"stride": stride, "padding": padding}


def _plain_layer_cases() -> list[Case]:
    """Ungrouped layers (also the layers of q2 and q3)."""
    cases = Cases(seed=6, names=_LAYER)
    cases.add(2, 3, 4, 9, 7, 3, 2, note="non-square input and kernel")
    cases.add(1, 1, 1, 1, 1, 1, 1, note="a 1x1 image and a 1x1 kernel")
    cases.add(1, 2, 3, 5, 5, 5, 5, note="kernel as large as the image (1x1 output)")
    cases.add(2, 3, 5, 10, 7, 3, 3, stride=2, note="stride 2 does not divide evenly")
    cases.add(1, 4, 8, 6, 6, 3, 3, padding=1)
    cases.add(8, 64, 64, 56, 56, 3, 3, padding=1, note="a ResNet layer")
    cases.add_random(12, _random_layer, note="random layer")
    return cases.build()


def _flops_cases() -> list[Case]:
    cases = Cases(seed=0, names=_LAYER)
    # First a layer on which every typical mistake gives a different count.
    cases.add(2, 12, 8, 9, 7, 3, 2, stride=2, padding=3, groups=4)
    cases.extend(_plain_layer_cases())
    cases.add(1, 16, 16, 14, 14, 3, 3, padding=1, groups=16, note="depthwise: groups = C = K")
    cases.add(4, 8, 32, 15, 9, 5, 3, stride=2, groups=2)
    cases.add(2, 32, 64, 28, 28, 1, 1, groups=4, note="1x1 grouped convolution")
    cases.add(1, 2, 3, 1, 12, 1, 4, note="one row")
    cases.add(2, 3, 2, 10, 1, 3, 1, stride=2, note="one column")
    return cases.build()


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

_FLOPS_STRIDE = keyword_ignored(_conv_flops, "stride", 1, _FLOPS_MESSAGES["stride"])

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
        _FLOPS_STRIDE,
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
        WrongAnswer("stride ignored", _FLOPS_STRIDE.wrong, "stride is ignored"),
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
    cases = Cases(seed=60, names=("x_shape", "w_shape", "seconds"))
    cases.add(keep((1, 1, 512, 512)), keep((1, 1, 5, 5)), 2.5e-3, note="2.5 ms")
    for layer in _plain_layer_cases()[1:10]:
        x_shape, w_shape, kwargs = _shapes_of(layer)
        seconds = float(10 ** cases.rng.uniform(-5, 0))
        cases.add(keep(x_shape), keep(w_shape), seconds, **kwargs)
    return cases.build()


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

_GFLOPS_STRIDE = keyword_ignored(_effective_gflops, "stride", 1, _GFLOPS_MESSAGES["stride"])
_GFLOPS_PADDING = keyword_ignored(_effective_gflops, "padding", 0, _GFLOPS_MESSAGES["padding"])

q2 = FunctionProblem(
    "q2",
    "effective_gflops",
    _effective_gflops,
    _gflops_cases,
    allowed_calls=("course_utils.conv._validate.conv2d_flops",),  # the hint offers it
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
        _GFLOPS_STRIDE,
        _GFLOPS_PADDING,
    ],
    wrong_answers=[
        WrongAnswer("the FFT's own operations", _gflops_learner_fft, "FFT method's own"),
        WrongAnswer("FLOP/s", _flop_per_second, "billion"),
        WrongAnswer("MFLOP/s", _mflop_per_second, "thousand"),
        WrongAnswer("GMAC/s", _gmac_per_second, "multiply-add"),
        WrongAnswer("2^30 for giga", _gflops_binary_giga, "2^30"),
        WrongAnswer("multiplied by the time", _gflops_times_seconds, "divided"),
        WrongAnswer("stride ignored", _GFLOPS_STRIDE.wrong, "stride is ignored"),
        WrongAnswer("padding ignored", _GFLOPS_PADDING.wrong, "padding is ignored"),
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
    cases = Cases(seed=61, names=("x_shape", "w_shape", "dtype"))
    for x_shape, w_shape, dtype, kwargs, note in [
        ((3, 4, 8, 8), (5, 4, 3, 2), np.float64, {"stride": 2, "padding": 1}, ""),
        ((1, 1, 1, 1), (1, 1, 1, 1), np.float32, {}, "1x1 image, 1x1 kernel"),
        ((2, 3, 5, 5), (4, 3, 5, 5), np.float32, {}, "kernel as large as the image"),
        ((2, 3, 10, 7), (4, 3, 3, 3), np.float32, {"stride": 2}, "stride does not divide"),
        ((8, 64, 56, 56), (64, 64, 3, 3), np.float32, {"padding": 1}, "a ResNet layer"),
        ((2, 3, 16, 12), (4, 3, 5, 3), np.float16, {"padding": 2}, ""),
        ((4, 16, 32, 32), (32, 16, 3, 3), np.float16, {"stride": 2, "padding": 1}, ""),
        ((1, 2, 1, 12), (3, 2, 1, 4), np.float64, {}, "one row"),
        ((2, 1, 10, 1), (2, 1, 3, 1), np.float16, {"stride": 2}, "one column"),
    ]:
        cases.add(keep(x_shape), keep(w_shape), dtype, note=note, **kwargs)
    for layer in _plain_layer_cases()[6:14]:
        x_shape, w_shape, kwargs = _shapes_of(layer)
        dtype = (np.float32, np.float64)[int(cases.rng.integers(0, 2))]
        cases.add(keep(x_shape), keep(w_shape), dtype, **kwargs)
    return cases.build()


def _elements_not_bytes(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes(x_shape, w_shape, np.uint8, stride, padding)


def _always_four_bytes(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes(x_shape, w_shape, np.float32, stride, padding)


def _one_image(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    return _im2col_bytes((1, *x_shape[1:]), w_shape, dtype, stride, padding)


def _input_positions(x_shape, w_shape, dtype=np.float32, stride=1, padding=0):
    n, c, h, w = x_shape
    return n * c * w_shape[2] * w_shape[3] * h * w * np.dtype(dtype).itemsize


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

_BYTES_STRIDE = keyword_ignored(_im2col_bytes, "stride", 1, _BYTES_MESSAGES["stride"])
_BYTES_PADDING = keyword_ignored(_im2col_bytes, "padding", 0, _BYTES_MESSAGES["padding"])

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
        _BYTES_STRIDE,
        _BYTES_PADDING,
        Mistake(_BYTES_MESSAGES["filters"], _bytes_filters_as_rows),
    ],
    wrong_answers=[
        WrongAnswer("values, not bytes", _elements_not_bytes, "number of values"),
        WrongAnswer("4 bytes whatever the dtype", _always_four_bytes, "float32 only"),
        WrongAnswer("one image", _one_image, "one image"),
        WrongAnswer("input pixels", _input_positions, "output"),
        WrongAnswer("stride ignored", _BYTES_STRIDE.wrong, "stride is ignored"),
        WrongAnswer("padding ignored", _BYTES_PADDING.wrong, "padding is ignored"),
        WrongAnswer("K instead of C", _bytes_filters_as_rows, "filters K"),
        WrongAnswer("bits / 8: a float", _bytes_learner_bits, "expected an int"),
        WrongAnswer("the lesson's extra_memory_bytes", _bytes_learner_shootout, "float16"),
    ],
)
