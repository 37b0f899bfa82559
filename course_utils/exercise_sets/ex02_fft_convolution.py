"""Checks for ``exercises/02_fft_convolution.ipynb``: convolution through the FFT.

q1 circular convolution, q2 linear convolution by zero padding, q3 2-D valid
cross-correlation with real FFTs, q4 the transform length, q5 the model crossover.

Tolerances. The FFT's round-off on an output is of order ``eps * log2(L) * ||x|| * ||w||``
(Euclidean norms; each inverse-transform output mixes every frequency). The cases use
standard-normal float64 data of at most a few thousand samples, so ``||x|| * ||w|| < 10^3``
and ``log2(L) < 12``: the bound is below ``2.2e-16 * 12 * 1e3 ~ 3e-12`` (measured: ~1e-14).
``atol = 1e-9`` with ``rtol = 1e-7`` leaves a margin of 300x over the bound, while every
wrong answer below is off by O(1) on random data.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, ValueProblem
from course_utils.conv import conv2d_direct

RTOL, ATOL = 1e-7, 1e-9  # float64 FFT round-off is ~1e-14 here; see the module docstring


# -- q1: circular convolution ----------------------------------------------------------------


def _circular_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """y[m] = sum_t w[t] * x[(m - t) mod n], without any FFT: (n,) float64."""
    out = np.zeros(len(x))
    for t, tap in enumerate(w):
        out += tap * np.roll(x, t)
    return out


def _circular_cases() -> list[Case]:
    rng = np.random.default_rng(20)
    cases = [
        Case(
            (np.arange(1.0, 7.0), np.array([1.0, 2.0, 0.0, -1.0])), label="x=[1..6], w=[1,2,0,-1]"
        ),
        Case((rng.standard_normal(1), rng.standard_normal(1)), label="n=1, k=1"),
        Case((rng.standard_normal(9), rng.standard_normal(1)), label="n=9, a 1-tap kernel"),
        Case((rng.standard_normal(8), rng.standard_normal(8)), label="k == n == 8"),
        Case((rng.standard_normal(13), rng.standard_normal(5)), label="n=13 (prime), k=5"),
    ]
    for _ in range(4):
        n = int(rng.integers(6, 64))
        k = int(rng.integers(3, n + 1))
        cases.append(Case((rng.standard_normal(n), rng.standard_normal(k)), label=f"n={n}, k={k}"))
    return cases


def _circular_correlation(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    n = len(x)
    return np.fft.ifft(np.fft.fft(x) * np.conj(np.fft.fft(w, n))).real


def _linear_not_circular(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.convolve(x, w)


def _centred_kernel(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.roll(_circular_reference(x, w), -(len(w) // 2))


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
        "to n first.",
        "Use `np.fft.fft(w, n)` to pad and transform the kernel. Multiply the spectra as they "
        "are (no conjugate: that would reverse the kernel), transform back with `np.fft.ifft` "
        "and keep the real part: the imaginary part is round-off.",
    ],
    mistakes=[
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
)


# -- q2: linear convolution by zero padding ---------------------------------------------------


def _linear_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.convolve(x, w)  # the direct sum: the FFT-free reference


def _linear_cases() -> list[Case]:
    rng = np.random.default_rng(21)
    cases = [
        Case(
            (np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 2.0])), label="x=[1,2,3], w=[1,-1,2]"
        ),
        Case((rng.standard_normal(1), rng.standard_normal(1)), label="n=1, k=1"),
        Case((rng.standard_normal(10), rng.standard_normal(5)), label="n=10, k=5 (n+k-1 = 14)"),
        Case((rng.standard_normal(6), rng.standard_normal(6)), label="n=6, k=6 (n+k-1 = 11)"),
        Case((rng.standard_normal(4), rng.standard_normal(9)), label="kernel longer than x"),
        Case((rng.standard_normal(7), rng.standard_normal(1)), label="a 1-tap kernel"),
    ]
    for _ in range(4):
        n, k = int(rng.integers(5, 80)), int(rng.integers(2, 20))
        cases.append(Case((rng.standard_normal(n), rng.standard_normal(k)), label=f"n={n}, k={k}"))
    return cases


def _padded_too_little(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    length = max(len(x), len(w))
    return np.fft.irfft(np.fft.rfft(x, length) * np.fft.rfft(w, length), length)


def _one_too_short(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    length = len(x) + len(w) - 2
    return np.fft.irfft(np.fft.rfft(x, length) * np.fft.rfft(w, length), length)


def _not_cropped_power_of_two(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    length = 1 << (len(x) + len(w) - 2).bit_length()
    return np.fft.irfft(np.fft.rfft(x, length) * np.fft.rfft(w, length), length)


def _irfft_without_length(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    length = len(x) + len(w) - 1
    return np.fft.irfft(np.fft.rfft(x, length) * np.fft.rfft(w, length))


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
        "signals with zeros to L before transforming.",
        "`np.fft.rfft(x, L)` pads and transforms in one call. Give the length to the inverse "
        "as well, `np.fft.irfft(..., L)` (without it, an odd L comes back one sample short), "
        "and return only the first n + k - 1 samples if L is longer.",
    ],
    mistakes=[
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
    ],
)


# -- q3: 2-D valid cross-correlation with real FFTs -------------------------------------------


def _correlate_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return conv2d_direct(x, w)  # shift-and-add: the FFT-free reference


def _correlate_cases() -> list[Case]:
    rng = np.random.default_rng(22)

    def case(h: int, w: int, kh: int, kw: int, label: str) -> Case:
        return Case((rng.standard_normal((h, w)), rng.standard_normal((kh, kw))), label=label)

    cases = [
        Case(
            (np.arange(20.0).reshape(4, 5), np.array([[1.0, 2.0], [0.0, -1.0]])),
            label="x = arange(20).reshape(4, 5), w = [[1, 2], [0, -1]]",
        ),
        case(9, 7, 3, 2, "x (9, 7), w (3, 2): non-square image and kernel"),
        case(6, 11, 6, 11, "kernel as large as the image: one output"),
        case(8, 5, 1, 1, "a 1x1 kernel"),
        case(1, 1, 1, 1, "a 1x1 image and kernel"),
        case(1, 12, 1, 4, "a single row"),
        case(15, 10, 5, 3, "x (15, 10), w (5, 3)"),
    ]
    for _ in range(3):
        h, w = int(rng.integers(8, 48)), int(rng.integers(8, 48))
        kh, kw = int(rng.integers(2, min(h, 12))), int(rng.integers(2, min(w, 12)))
        cases.append(case(h, w, kh, kw, f"x ({h}, {w}), w ({kh}, {kw})"))
    return cases


def _flipped_kernel(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return scipy.signal.fftconvolve(x, w, mode="valid")


def _full_convolution_of_flipped(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return scipy.signal.fftconvolve(x, w[::-1, ::-1], mode="full")


def _crop_from_start(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    out_h, out_w = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    return _full_convolution_of_flipped(x, w)[:out_h, :out_w]


def _crop_one_late(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    (h, wd), (kh, kw) = x.shape, w.shape
    return _full_convolution_of_flipped(x, w)[kh : h + 1, kw : wd + 1]


def _irfft2_without_shape(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    (h, wd), (kh, kw) = x.shape, w.shape
    spectrum = np.fft.rfft2(x) * np.conj(np.fft.rfft2(w, s=x.shape))
    return np.fft.irfft2(spectrum)[: h - kh + 1, : wd - kw + 1]


q3 = FunctionProblem(
    "q3",
    "correlate2d_valid",
    _correlate_reference,
    _correlate_cases,
    rtol=RTOL,
    atol=ATOL,
    hints=[
        "Two routes give a cross-correlation: multiply the image's spectrum by the *conjugate* "
        "of the kernel's, or flip the kernel and convolve. Then decide which outputs of the "
        "circular (or full) result are the valid ones: those where the whole kernel lies "
        "inside the image.",
        "With the conjugate and transforms of size exactly (H, W), output (i, j) of the "
        "circular result reads x[i + u, j + v]: the first H - kh + 1 rows and W - kw + 1 "
        "columns never wrap around. Remember `s=` in `np.fft.irfft2(..., s=(H, W))`.",
    ],
    mistakes=[
        Mistake(
            "the kernel is flipped: that is a true convolution; deep-learning layers compute "
            "cross-correlation.",
            _flipped_kernel,
        ),
        Mistake(
            "right size, wrong place: the crop of the full result includes outputs where the "
            "kernel hangs over the top/left edge of the image.",
            _crop_from_start,
        ),
        Mistake(
            "the crop is off by one: the output window is shifted by one pixel.", _crop_one_late
        ),
        Mistake(
            "`irfft2` was called without `s=`: for an odd width it assumes an even length one "
            "sample shorter, and every value changes.",
            _irfft2_without_shape,
        ),
    ],
)


# -- q4: the transform length -------------------------------------------------------------------


def _fft_length(n: int, k: int, mode: str = "full") -> int:
    needed = n + k - 1 if mode == "full" else n
    return scipy.fft.next_fast_len(needed, real=True)


def _length_cases() -> list[Case]:
    pairs = [
        (516, 5, "full"),  # 520 = 2^3*5*13 is not fast; 540 is
        (512, 5, "valid"),
        (100, 31, "full"),
        (97, 3, "valid"),
        (1, 1, "full"),
        (1, 1, "valid"),
        (7, 7, "valid"),
        (1000, 25, "full"),
        (300, 301, "full"),
        (1021, 11, "valid"),
        (2000, 49, "full"),
    ]
    cases = [Case((n, k), {"mode": m}, label=f"n={n}, k={k}, mode={m!r}") for n, k, m in pairs]
    cases.append(Case((60, 7), label="n=60, k=7 (mode left at its default, 'full')"))
    return cases


def _power_of_two(n: int, k: int, mode: str = "full") -> int:
    needed = n + k - 1 if mode == "full" else n
    return 1 << (needed - 1).bit_length()


def _not_enough_padding(n: int, k: int, mode: str = "full") -> int:
    return scipy.fft.next_fast_len(n, real=True)


def _not_rounded(n: int, k: int, mode: str = "full") -> int:
    return n + k - 1 if mode == "full" else n


def _valid_like_full(n: int, k: int, mode: str = "full") -> int:
    return scipy.fft.next_fast_len(n + k - 1, real=True)


def _complex_lengths(n: int, k: int, mode: str = "full") -> int:
    return scipy.fft.next_fast_len(n + k - 1 if mode == "full" else n, real=False)


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
        Mistake(
            "long enough for mode='valid', but longer than needed: the outputs that wrap "
            "around are exactly the ones a valid correlation throws away.",
            _valid_like_full,
        ),
        Mistake(
            "that is the fast length for *complex* transforms (factors 7 and 11 allowed); the "
            "real transforms rfft/irfft are fast for lengths made of 2, 3 and 5 only.",
            _complex_lengths,
        ),
    ],
)


# -- q5: the crossover of the cost model ---------------------------------------------------


def _model_crossover(
    n: int = 512, transforms: int = 3, log_of_points: bool = True, flops_per_tap: int = 2
) -> int:
    """Smallest k with direct cost 2*k^2*(n-k+1)^2 above the FFT model on an n x n grid."""
    points = n * n
    log_term = np.log2(points) if log_of_points else np.log2(n)
    fft = transforms * 2.5 * points * log_term + 6 * n * (n // 2 + 1)
    k = 1
    while flops_per_tap * k**2 * (n - k + 1) ** 2 <= fft:
        k += 1
    return k


q5 = ValueProblem(
    "q5",
    "crossover_k",
    _model_crossover(),
    hints=[
        "Loop over k = 1, 2, 3, ... and compare the two formulas; stop at the first k where "
        "the direct cost is larger. N = L² is the number of points of one 2-D transform.",
        "With L = 512: the FFT model is 3 · 2.5 · 512² · log2(512²) + 6 · 512 · 257 flops; "
        "the direct cost is 2 · k² · (512 − k + 1)².",
    ],
    mistakes=[
        Mistake(
            "that is the largest k for which the direct method is still cheaper; the question "
            "asks for the first k where the FFT wins.",
            _model_crossover() - 1,
        ),
        Mistake(
            "the logarithm is of the number of points of the 2-D transform, N = L², not of L.",
            _model_crossover(log_of_points=False),
        ),
        Mistake(
            "the FFT method needs three transforms (image, kernel, inverse), not one.",
            _model_crossover(transforms=1),
        ),
        Mistake(
            "the direct method does a multiplication and an addition per tap and output: "
            "2 flops, not 1.",
            _model_crossover(flops_per_tap=1),
        ),
    ],
)

EXERCISES = ExerciseSet("02_fft_convolution", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
