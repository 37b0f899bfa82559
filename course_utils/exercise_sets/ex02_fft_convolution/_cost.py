"""q4 the transform length and q5 the crossover of the cost model, with channels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.fft
import scipy.signal

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import keyword_ignored

# -- q4: the transform length -------------------------------------------------------------------


def _fft_length(n: int, k: int, mode: str = "full") -> int:
    needed = n + k - 1 if mode == "full" else n
    return scipy.fft.next_fast_len(needed, real=True)


def _length_cases() -> list[Case]:
    cases = Cases(seed=0, names=("n", "k"))
    cases.add(516, 5, mode="full", note="520 = 2^3·5·13 is not fast; 540 is")
    cases.add(512, 5, mode="valid")
    cases.add(100, 31, mode="full")
    cases.add(97, 3, mode="valid")
    cases.add(1, 1, mode="full")
    cases.add(1, 1, mode="valid")
    cases.add(7, 7, mode="valid")
    cases.add(1000, 25, mode="full")
    cases.add(300, 301, mode="full")
    cases.add(1021, 11, mode="valid")
    cases.add(2000, 49, mode="full")
    cases.add(60, 7, note="mode left at its default, 'full'")
    return cases.build()


def _power_of_two(n: int, k: int, mode: str = "full") -> int:
    needed = n + k - 1 if mode == "full" else n
    return 1 << (needed - 1).bit_length()


def _not_enough_padding(n: int, k: int, mode: str = "full") -> int:
    return scipy.fft.next_fast_len(n, real=True)


def _not_rounded(n: int, k: int, mode: str = "full") -> int:
    return n + k - 1 if mode == "full" else n


def _complex_lengths(n: int, k: int, mode: str = "full") -> int:
    return scipy.fft.next_fast_len(n + k - 1 if mode == "full" else n, real=False)


def _one_too_long(n: int, k: int, mode: str = "full") -> int:
    return scipy.fft.next_fast_len(n + k if mode == "full" else n, real=True)


def _learner_length(n, k, mode="full"):
    needed = n + k - 1 if mode == "full" else n
    return scipy.fft.next_fast_len(needed, real=True)


def _learner_float_power_of_two(n, k, mode="full"):
    needed = n + k - 1 if mode == "full" else n
    return 2 ** np.ceil(np.log2(needed))


def _learner_mode_ignored(n, k, mode="full"):
    return scipy.fft.next_fast_len(n + k - 1, real=True)


def _learner_no_real_flag(n, k, mode="full"):
    return scipy.fft.next_fast_len(n + k - 1 if mode == "full" else n)


q4 = FunctionProblem(
    "q4",
    "fft_length",
    _fft_length,
    _length_cases,
    hints=[
        "First the minimum: how many samples must the transform hold so that no output you "
        "keep wraps around? It differs between 'full' (every output of the linear "
        "convolution) and 'valid' (only windows inside the signal). Then round up to a length "
        "the FFT is fast for.",
        "'full' needs n + k - 1 samples; 'valid' needs only n (the outputs that wrap are "
        "exactly the ones it discards). Round up with `scipy.fft.next_fast_len(..., "
        "real=True)`: the smallest length >= the argument made of the factors 2, 3 and 5.",
    ],
    mistakes=[
        Mistake(
            "that is a power of two: the results would be right, but the transform can be "
            "almost twice as long per axis as needed (four times the pixels in 2-D); a "
            "shorter fast length exists.",
            _power_of_two,
        ),
        Mistake(
            "not enough padding for mode='full': the last outputs of the linear convolution "
            "would wrap around onto the first ones.",
            _not_enough_padding,
        ),
        Mistake(
            "long enough, but not rounded up to a fast length: lengths with large prime "
            "factors make the FFT several times slower.",
            _not_rounded,
        ),
        keyword_ignored(
            _fft_length,
            "mode",
            "full",
            "long enough for mode='valid', but longer than needed: the outputs that wrap "
            "around are exactly the ones a valid correlation throws away.",
        ),
        Mistake(
            "that is the fast length for *complex* transforms (factors 7 and 11 allowed); the "
            "real transforms rfft/irfft are fast for lengths made of 2, 3 and 5 only.",
            _complex_lengths,
        ),
        Mistake(
            "one sample too long for mode='full': the linear convolution has n + k - 1 "
            "outputs, not n + k.",
            _one_too_long,
        ),
    ],
    wrong_answers=[
        WrongAnswer("next power of two", _power_of_two, "power of two"),
        WrongAnswer("a power of two as a float", _learner_float_power_of_two, "expected an int"),
        WrongAnswer("n for mode='full'", _not_enough_padding, "not enough padding"),
        WrongAnswer("not rounded to a fast length", _not_rounded, "not rounded up"),
        WrongAnswer("mode ignored", _learner_mode_ignored, "mode='valid'"),
        WrongAnswer("real=True left out", _learner_no_real_flag, "complex"),
        WrongAnswer("n + k", _one_too_long, "n + k - 1"),
    ],
)


# -- q5: the crossover of the cost model, with channels ------------------------------------


def _crossover(
    n: int,
    channels_in: int = 1,
    channels_out: int = 1,
    *,
    shared: bool = True,
    log_of_points: bool = True,
    flops_per_tap: int = 2,
    products_per_pair: bool = True,
    kernel_transforms: bool = True,
) -> int:
    """Smallest k whose direct cost exceeds the FFT model (the keywords build the mistakes)."""
    c, k_out = channels_in, channels_out
    points = n * n
    per_transform = 2.5 * points * (np.log2(points) if log_of_points else np.log2(n))
    if not shared:
        transforms = 3 * c * k_out
    else:
        transforms = c + k_out + (c * k_out if kernel_transforms else 0)
    pairs = c * k_out if products_per_pair else 1
    fft = transforms * per_transform + 6 * pairs * n * (n // 2 + 1)
    for k in range(1, n + 1):
        if flops_per_tap * c * k_out * k**2 * (n - k + 1) ** 2 > fft:
            return k
    raise ValueError(f"the direct method never costs more for n={n}")  # not in the cases


def _crossover_reference(n: int, channels_in: int = 1, channels_out: int = 1) -> int:
    """Smallest k with 2 C K k^2 (n - k + 1)^2 > (C + CK + K) 2.5 N log2 N + 6 CK L (L//2 + 1)."""
    return _crossover(n, channels_in, channels_out)


def _crossover_cases() -> list[Case]:
    cases = Cases(seed=0, names=("n",))
    for n, c, k, note in [
        (512, 1, 1, "one channel: the lesson's model"),
        (256, 3, 64, "an RGB image into 64 channels"),
        (56, 64, 64, "a ResNet layer"),
        (100, 16, 32, ""),
        (37, 8, 8, "odd size"),
        (1000, 1, 1, ""),
        (64, 1, 128, ""),
        (129, 32, 1, "odd size"),
        (2048, 4, 4, ""),
        (40, 2, 3, ""),
    ]:
        cases.add(n, channels_in=c, channels_out=k, note=note)
    return cases.build()


def _mistake(**change: Any) -> Callable[..., int]:
    def wrong(n: int, channels_in: int = 1, channels_out: int = 1) -> int:
        return _crossover(n, channels_in, channels_out, **change)

    return wrong


def _largest_still_cheaper(n: int, channels_in: int = 1, channels_out: int = 1) -> int:
    return _crossover(n, channels_in, channels_out) - 1


def _learner_crossover(n, channels_in=1, channels_out=1):
    c, k_out = channels_in, channels_out
    big_n = n * n
    fft = (c + c * k_out + k_out) * 2.5 * big_n * np.log2(big_n)
    fft += 6 * c * k_out * n * (n // 2 + 1)
    k = 1
    while 2 * c * k_out * k**2 * (n - k + 1) ** 2 <= fft:
        k += 1
    return k


def _learner_one_channel_model(n, channels_in=1, channels_out=1):
    fft = 3 * 2.5 * n * n * np.log2(n * n) + 6 * n * (n // 2 + 1)
    k = 1
    while 2 * k**2 * (n - k + 1) ** 2 <= fft:
        k += 1
    return k


def _learner_largest_cheaper(n, channels_in=1, channels_out=1):
    return _learner_crossover(n, channels_in, channels_out) - 1


def _learner_float(n, channels_in=1, channels_out=1):
    return float(_learner_crossover(n, channels_in, channels_out))


q5 = FunctionProblem(
    "q5",
    "crossover_kernel_size",
    _crossover_reference,
    _crossover_cases,
    hints=[
        "The FFT cost does not depend on k; compute it once. Then try k = 1, 2, 3, ... and stop "
        "at the first k where the direct cost is larger. N = L² = n² is the number of points "
        "of one 2-D transform.",
        "Count the transforms: one per input channel (C), one per kernel slice (C·K) and one "
        "inverse per output channel (K), each 2.5·N·log2(N) flops; the products are done for "
        "every (input, output) channel pair: 6·C·K·L·(L//2 + 1) flops. The direct cost is "
        "2·C·K·k²·(n − k + 1)².",
    ],
    # The mistakes are tried in this order on the first failing case; forgetting the products
    # per channel pair gives k - 1 on every case where it changes the answer at all, so it is
    # listed before "the largest k still cheaper" (which fails on the first case already, where
    # the products make no difference).
    mistakes=[
        Mistake(
            "the transforms are not shared: that is the model of one channel applied to every "
            "channel pair. An image spectrum is computed once per input channel and used by "
            "all K outputs, and one inverse transform per output channel sums over all inputs.",
            _mistake(shared=False),
        ),
        Mistake(
            "the logarithm is of the number of points of the 2-D transform, N = L², not of L.",
            _mistake(log_of_points=False),
        ),
        Mistake(
            "the direct method does a multiplication and an addition per tap and output: "
            "2 flops, not 1.",
            _mistake(flops_per_tap=1),
        ),
        Mistake(
            "the spectra are multiplied for every (input, output) channel pair: C·K products "
            "per frequency, not one.",
            _mistake(products_per_pair=False),
        ),
        Mistake(
            "that is the largest k for which the direct method is still cheaper; the question "
            "asks for the first k where the FFT wins.",
            _largest_still_cheaper,
        ),
        Mistake(
            "the kernels' transforms are missing: every one of the C·K kernel slices is "
            "transformed too, not only the C images and the K outputs.",
            _mistake(kernel_transforms=False),
        ),
    ],
    wrong_answers=[
        WrongAnswer("one-channel model for every layer", _learner_one_channel_model, "shared"),
        WrongAnswer("last k still cheaper", _learner_largest_cheaper, "still cheaper"),
        WrongAnswer("log2(L) for log2(N)", _mistake(log_of_points=False), "N = L²"),
        WrongAnswer("1 flop per tap", _mistake(flops_per_tap=1), "2 flops"),
        WrongAnswer("one product per frequency", _mistake(products_per_pair=False), "pair"),
        WrongAnswer(
            "kernel transforms forgotten", _mistake(kernel_transforms=False), "kernel slices"
        ),
        WrongAnswer("a float k", _learner_float, "expected an int"),
    ],
)
