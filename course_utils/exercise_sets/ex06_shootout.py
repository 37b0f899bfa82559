"""Checks for ``exercises/06_shootout.ipynb``: flops, effective GFLOP/s, im2col memory, choosing.

1. ``conv_flops`` -- the direct method's flop count of a layer.
2. ``effective_gflops`` -- effective GFLOP/s from a measured time.
3. ``im2col_bytes`` -- bytes of the im2col column matrix of a whole batch.
4. ``choose_method`` -- the fastest applicable method from a dict of timings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake
from course_utils.shootout import METHOD_NAMES, fft_operation_count

# ---------------------------------------------------------------------------------------
# q1: flop count
# ---------------------------------------------------------------------------------------


def _out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _conv_flops(
    N: int, C: int, K: int, H: int, W: int, kh: int, kw: int, stride: int = 1, padding: int = 0
) -> int:
    """Reference: 2 * N * K * C * kh * kw * Ho * Wo."""
    ho, wo = _out(H, kh, stride, padding), _out(W, kw, stride, padding)
    return 2 * N * K * C * kh * kw * ho * wo


def _layer_cases() -> list[Case]:
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


def _flops_without_factor_two(N, C, K, H, W, kh, kw, stride=1, padding=0):
    return _conv_flops(N, C, K, H, W, kh, kw, stride, padding) // 2


def _flops_of_input_size(N, C, K, H, W, kh, kw, stride=1, padding=0):
    return 2 * N * K * C * kh * kw * H * W


def _flops_without_channels(N, C, K, H, W, kh, kw, stride=1, padding=0):
    return _conv_flops(N, 1, K, H, W, kh, kw, stride, padding)


def _flops_without_stride(N, C, K, H, W, kh, kw, stride=1, padding=0):
    return _conv_flops(N, C, K, H, W, kh, kw, 1, padding)


q1 = FunctionProblem(
    "q1",
    "conv_flops",
    _conv_flops,
    _layer_cases,
    # The answer is an exact integer and is compared exactly (the float tolerances of the
    # engine do not apply to ints); a float such as 2.0e9 is reported as "expected an int".
    hints=[
        "Count the work per output value first: how many kernel taps, over how many input "
        "channels, and how many floating-point operations per tap? Then count output values.",
        "Every output value (there are N·K·Ho·Wo of them) needs C·kh·kw multiply-adds, and a "
        "multiply-add is 2 flops. Ho and Wo come from the output-size formula with padding "
        "and stride, using floor division.",
    ],
    mistakes=[
        Mistake(
            "the count is half the expected one: a multiply-add is two floating-point operations.",
            _flops_without_factor_two,
        ),
        Mistake(
            "you counted one output per *input* pixel; count the output pixels Ho·Wo instead.",
            _flops_of_input_size,
        ),
        Mistake(
            "every output sums over all C input channels: the input channels are missing.",
            _flops_without_channels,
        ),
        Mistake(
            "the stride is ignored: with stride s the kernel skips positions, so there are "
            "fewer outputs.",
            _flops_without_stride,
        ),
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
    for layer in _layer_cases()[1:10]:
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


q2 = FunctionProblem(
    "q2",
    "effective_gflops",
    _effective_gflops,
    _gflops_cases,
    # Float64 arithmetic on exact integer counts: any order of the divisions agrees to a few
    # ulps (~1e-16 relative), while the smallest wrong answer (multiply-adds) is off by 2x.
    rtol=1e-9,
    atol=0.0,
    hints=[
        "*Effective* GFLOP/s credit every method with the same amount of work, whatever it "
        "actually computes: the work of the direct method. Then watch the units.",
        "Divide the direct method's flop count 2·N·K·C·kh·kw·Ho·Wo (your q1, or "
        "`course_utils.conv.conv2d_flops`) by the time in seconds, and by 1e9 for *giga*.",
    ],
    mistakes=[
        Mistake(
            "this is the FFT method's own operation count per second. Effective GFLOP/s "
            "credit every method with the direct method's count, so methods can be compared.",
            _gflops_of_fft_count,
        ),
        Mistake(
            "the value is a billion times too large: that is FLOP/s, not GFLOP/s.",
            _flop_per_second,
        ),
        Mistake(
            "the value is a thousand times too large: that is MFLOP/s (1e6), not GFLOP/s.",
            _mflop_per_second,
        ),
        Mistake(
            "the value is half the expected one: a multiply-add counts as two flops.",
            _gmac_per_second,
        ),
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
            ((3, 4, 10, 9), (5, 4, 3, 3), np.float64),
            label="x (3, 4, 10, 9), w (5, 4, 3, 3), float64",
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
    ]
    rng = np.random.default_rng(61)
    for layer in _layer_cases()[6:14]:
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
        Mistake(
            "that is the number of values, not of bytes: multiply by the bytes per value.",
            _elements_not_bytes,
        ),
        Mistake(
            "right for float32 only: the bytes per value depend on the dtype.", _always_four_bytes
        ),
        Mistake(
            "that is the matrix of one image: the whole batch is unfolded at once.", _one_image
        ),
        Mistake(
            "there is one column per *output* pixel (Ho·Wo), not per input pixel.",
            _input_positions,
        ),
    ],
)

# ---------------------------------------------------------------------------------------
# q4: choosing a method from measurements
# ---------------------------------------------------------------------------------------


def _winograd_applies(kernel_size: int, stride: int) -> bool:
    return kernel_size == 3 and stride == 1


def _choose_method(timings: dict[str, float | None], kernel_size: int, stride: int) -> str:
    """Reference: the fastest method with a time that applies to the layer."""
    allowed = {
        m: t
        for m, t in timings.items()
        if t is not None and (m != "winograd" or _winograd_applies(kernel_size, stride))
    }
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
        (_timings(rng, "winograd"), 5, 1, "5x5 kernel, stride 1, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 3, 2, "3x3 kernel, stride 2, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 3, 1, "3x3 kernel, stride 1, Winograd fastest"),
        (_timings(rng, "fft"), 11, 1, "11x11 kernel, FFT fastest"),
        ({"direct": 2e-3, "loops": None, "torch": 5e-3}, 3, 1, "three entries, loops n/a"),
        ({"winograd": 1e-4, "im2col": 9e-3}, 1, 1, "1x1 kernel, two entries"),
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


def _no_rule(timings, kernel_size, stride):
    return _choose_method(timings, 3, 1)


def _slowest(timings, kernel_size, stride):
    allowed = {
        m: t
        for m, t in timings.items()
        if t is not None and (m != "winograd" or _winograd_applies(kernel_size, stride))
    }
    return max(allowed, key=allowed.__getitem__)


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
        "`min(d, key=d.__getitem__)` returns the key of a dict's smallest value.",
    ],
    mistakes=[
        Mistake(
            "Winograd F(4x4, 3x3) also needs stride 1: its tiles cover every output position.",
            _kernel_rule_only,
        ),
        Mistake(
            "this picks Winograd for a kernel that is not 3x3; F(4x4, 3x3) only applies to "
            "3x3 kernels with stride 1.",
            _no_rule,
        ),
        Mistake("this picks the slowest applicable method, not the fastest.", _slowest),
    ],
)

EXERCISES = ExerciseSet("06_shootout", [q1, q2, q3, q4])
setup = EXERCISES.setup
