"""q1 circular convolution and q2 linear convolution by zero padding (1-D)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft
import scipy.signal

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex02_fft_convolution._transforms import (
    ATOL,
    RTOL,
    _gain,
    _transform_mistakes,
    _with_transforms,
)

# -- q1: circular convolution ----------------------------------------------------------------


def _circular_direct(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """y[m] = sum_t w[t] * x[(m - t) mod n], without any FFT: (n,) float64."""
    out = np.zeros(len(x))
    for t, tap in enumerate(w):
        out += tap * np.roll(x, t)
    return out


def _circular_reference(
    x: np.ndarray, w: np.ndarray, fft: Any = np.fft.fft, ifft: Any = np.fft.ifft
) -> np.ndarray:
    """The circular convolution times the gain of the transform pair (1 for NumPy's)."""
    return _gain(fft, ifft) * _circular_direct(x, w)


def _circular_lengths(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(6, 64))
    return (n,), (int(rng.integers(3, n + 1)),)


def _circular_cases() -> list[Case]:
    cases = Cases(seed=20, names=("x", "w"))
    cases.add(np.arange(1.0, 7.0), np.array([1.0, 2.0, 0.0, -1.0]), label="x=[1..6], w=[1,2,0,-1]")
    cases.add((1,), (1,), note="n=1, k=1")
    cases.add((9,), (1,), note="a 1-tap kernel")
    cases.add((8,), (8,), note="k == n")
    cases.add((13,), (5,), note="n prime")
    cases.add_random(4, _circular_lengths, note="random lengths")
    return _with_transforms(cases.build(), "fft", "ifft")


def _circular_correlation(x, w, fft=np.fft.fft, ifft=np.fft.ifft) -> np.ndarray:
    direct = np.zeros(len(x))
    for t, tap in enumerate(w):
        direct += tap * np.roll(x, -t)
    return _gain(fft, ifft) * direct


def _linear_not_circular(x, w, fft=np.fft.fft, ifft=np.fft.ifft) -> np.ndarray:
    return _gain(fft, ifft) * np.convolve(x, w)


def _centred_kernel(x, w, fft=np.fft.fft, ifft=np.fft.ifft) -> np.ndarray:
    return np.roll(_circular_reference(x, w, fft, ifft), -(len(w) // 2))


# Wrong answers as a learner writes them.


def _learner_circular(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return ifft(fft(x) * fft(w, len(x))).real


def _learner_numpy_fft(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return np.fft.ifft(np.fft.fft(x) * np.fft.fft(w, len(x))).real


def _learner_roll_sum(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return sum(tap * np.roll(x, t) for t, tap in enumerate(w))


def _learner_numpy_inverse(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return np.fft.ifft(fft(x) * fft(w, len(x))).real


def _learner_conjugate(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return ifft(fft(x) * np.conj(fft(w, len(x)))).real


def _learner_complex(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return ifft(fft(x) * fft(w, len(x)))


def _learner_linear(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    size = len(x) + len(w) - 1
    return ifft(fft(x, size) * fft(w, size)).real


def _learner_centred(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    padded = np.roll(np.pad(w, (0, len(x) - len(w))), -(len(w) // 2))
    return ifft(fft(x) * fft(padded)).real


def _learner_kernel_not_padded(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    return ifft(fft(x) * fft(w)).real


q1 = FunctionProblem(
    "q1",
    "circular_convolve",
    _circular_reference,
    _circular_cases,
    rtol=RTOL,
    atol=ATOL,
    hints=[
        "The convolution theorem: the DFT of a circular convolution is the product of the "
        "two DFTs. Both spectra must have the same length n, so the kernel is zero-padded "
        "to n first. Use the `fft` and `ifft` your function receives.",
        "`fft(w, n)` pads and transforms the kernel. Multiply the spectra as they are (no "
        "conjugate: that would reverse the kernel), transform back with `ifft` and keep the "
        "real part: the imaginary part is round-off.",
    ],
    mistakes=[
        *_transform_mistakes(_circular_direct, "fft", "ifft"),
        Mistake(
            "this is a circular cross-correlation, i.e. the kernel is reversed. Conjugating a "
            "spectrum reverses its signal; a convolution multiplies the spectra as they are.",
            _circular_correlation,
        ),
        Mistake(
            "this is the linear convolution (length n + k - 1): the result should have n "
            "samples, with the tail wrapping around onto the start.",
            _linear_not_circular,
        ),
        Mistake(
            "the result is circularly shifted: the kernel was centred. Tap t of the kernel "
            "belongs at index t of the padded kernel, starting at 0.",
            _centred_kernel,
        ),
    ],
    wrong_answers=[
        WrongAnswer("np.fft instead of the transforms given", _learner_numpy_fft, "not built"),
        WrongAnswer("a direct sum of rolled copies", _learner_roll_sum, "not built"),
        WrongAnswer("the inverse from np.fft", _learner_numpy_inverse, "the way back"),
        WrongAnswer("the kernel's spectrum conjugated", _learner_conjugate, "reversed"),
        WrongAnswer("the complex result returned", _learner_complex, "complex"),
        WrongAnswer("padded to n + k - 1", _learner_linear, "linear convolution"),
        WrongAnswer("kernel centred", _learner_centred, "centred"),
        WrongAnswer("kernel not padded to n", _learner_kernel_not_padded, "broadcast"),
        *common_wrong_answers(_learner_circular, wrong_dtype=np.float32, transposed=False),
    ],
)


# -- q2: linear convolution by zero padding ---------------------------------------------------


def _linear_direct(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.convolve(x, w)  # the direct sum: the FFT-free reference


def _linear_reference(
    x: np.ndarray, w: np.ndarray, rfft: Any = np.fft.rfft, irfft: Any = np.fft.irfft
) -> np.ndarray:
    return _gain(rfft, irfft) * _linear_direct(x, w)


def _linear_lengths(rng: np.random.Generator) -> tuple:
    return (int(rng.integers(5, 80)),), (int(rng.integers(2, 20)),)


def _linear_cases() -> list[Case]:
    cases = Cases(seed=21, names=("x", "w"))
    cases.add(np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 2.0]), label="x=[1,2,3], w=[1,-1,2]")
    cases.add((1,), (1,), note="n=1, k=1")
    cases.add((10,), (5,), note="n+k-1 = 14")
    cases.add((6,), (6,), note="n+k-1 = 11")
    cases.add((4,), (9,), note="kernel longer than x")
    cases.add((7,), (1,), note="a 1-tap kernel")
    cases.add_random(4, _linear_lengths, note="random lengths")
    return _with_transforms(cases.build(), "rfft", "irfft")


def _padded_too_little(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft) -> np.ndarray:
    length = max(len(x), len(w))
    return irfft(rfft(x, length) * rfft(w, length), length)


def _one_too_short(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft) -> np.ndarray:
    length = len(x) + len(w) - 2
    return irfft(rfft(x, length) * rfft(w, length), length)


def _not_cropped_power_of_two(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft) -> np.ndarray:
    length = 1 << (len(x) + len(w) - 2).bit_length()
    return irfft(rfft(x, length) * rfft(w, length), length)


def _irfft_without_length(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft) -> np.ndarray:
    length = len(x) + len(w) - 1
    return irfft(rfft(x, length) * rfft(w, length))


def _first_n_only(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft) -> np.ndarray:
    return _linear_reference(x, w, rfft, irfft)[: len(x)]


def _learner_linear_fft(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    length = scipy.fft.next_fast_len(size, real=True)
    return irfft(rfft(x, length) * rfft(w, length), length)[:size]


def _learner_scipy_fftconvolve(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    return scipy.signal.fftconvolve(x, w)


def _learner_numpy_rfft(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(w, size), size)


def _learner_only_forward_given(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    return np.fft.irfft(rfft(x, size) * rfft(w, size), size)


def _learner_same_length(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    return irfft(rfft(x, size) * rfft(w, size), size)[: len(x)]


def _np_convolve(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    return np.convolve(x, w)


q2 = FunctionProblem(
    "q2",
    "linear_convolve",
    _linear_reference,
    _linear_cases,
    rtol=RTOL,
    atol=ATOL,
    hints=[
        "A circular convolution of length L equals the linear one when nothing wraps around: "
        "the linear result has n + k - 1 samples, so L must be at least that long. Pad both "
        "signals with zeros to L before transforming, with the `rfft` your function receives.",
        "`rfft(x, L)` pads and transforms in one call. Give the length to the inverse as "
        "well, `irfft(..., L)` (without it, an odd L comes back one sample short), and return "
        "only the first n + k - 1 samples if L is longer.",
    ],
    mistakes=[
        *_transform_mistakes(_linear_direct, "rfft", "irfft"),
        Mistake(
            "circular wrap-around: the transforms were padded too little, so the end of the "
            "linear result wrapped onto its beginning.",
            _padded_too_little,
        ),
        Mistake(
            "circular wrap-around: the transform length is one sample short of what a linear "
            "convolution needs.",
            _one_too_short,
        ),
        Mistake(
            "padded to the wrong length and not cropped: the extra samples at the end are zero "
            "padding, not part of the convolution.",
            _not_cropped_power_of_two,
        ),
        Mistake(
            "`irfft` was called without the length: for an odd length it returns one sample "
            "too few, and the values are those of a different (even) length.",
            _irfft_without_length,
        ),
        Mistake(
            "only the first len(x) samples are returned: the full convolution has "
            "n + k - 1 of them (the kernel's tail runs past the end of x).",
            _first_n_only,
        ),
    ],
    wrong_answers=[
        WrongAnswer("np.convolve", _np_convolve, "not built"),
        WrongAnswer("scipy.signal.fftconvolve", _learner_scipy_fftconvolve, "not built"),
        WrongAnswer("NumPy's own rfft/irfft", _learner_numpy_rfft, "not built"),
        WrongAnswer("the inverse from np.fft", _learner_only_forward_given, "the way back"),
        WrongAnswer("padded to max(n, k)", _padded_too_little, "wrap-around"),
        WrongAnswer("padded to n + k - 2", _one_too_short, "one sample short"),
        WrongAnswer("power of two, not cropped", _not_cropped_power_of_two, "not cropped"),
        WrongAnswer("irfft without the length", _irfft_without_length, "without the length"),
        WrongAnswer("cropped to len(x)", _learner_same_length, "first len(x)"),
        *common_wrong_answers(_learner_linear_fft, wrong_dtype=np.float32, transposed=False),
    ],
)
