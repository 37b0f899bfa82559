"""Checks for ``exercises/02_fft_convolution.ipynb``: convolution through the FFT.

q1 circular convolution, q2 linear convolution by zero padding, q3 2-D valid
cross-correlation with real FFTs, q4 the transform length, q5 the model crossover of a layer
with channels.

How the checks know the FFT was used. q1-q3 ask for the convolution theorem, and a direct sum
(``np.convolve``, ``scipy.signal``, loops) gives the same numbers. So their functions receive
the transforms to use as arguments -- ``fft``/``ifft``, ``rfft``/``irfft``, ``rfft2``/``irfft2``,
NumPy's by default -- and the check passes its own pair, :class:`ScaledTransform`: NumPy's
transform times a constant ``c`` (forward) and ``1 / c`` (inverse), ``c`` drawn per case from
0.3 .. 4, never 1. It is still a transform pair, ``inverse(forward(v)) == v``, and accepts every
argument NumPy's does (``n``, ``s``, ``axes``), so padding, conjugates, flips and crops all work
as usual; but the convolution theorem computed with it (two forward transforms, one inverse)
gives ``c`` times the convolution. Anything that does not go through the spectra of the given
pair -- a direct sum, NumPy's own FFT, SciPy -- is off by the factor ``c`` (or ``c**2``, ``1/c``
when only one side of the pair is used): far outside the tolerance, and named by a Mistake.
The references are FFT-free (direct sums) times the gain the case's pair implies. The prompts
say all this; the scale is not a secret, a learner simply has to use the transforms given.

Tolerances. The FFT's round-off on an output is of order ``eps * log2(L) * ||x|| * ||w||``
(Euclidean norms; each inverse-transform output mixes every frequency). The cases use
standard-normal float64 data of at most a few thousand samples, so ``||x|| * ||w|| < 10^3``
and ``log2(L) < 12``: the bound is below ``2.2e-16 * 12 * 1e3 ~ 3e-12`` (measured: ~1e-14),
and the scales (at most 4) multiply it by at most 4. ``atol = 1e-9`` with ``rtol = 1e-7`` leaves
a margin of 80x over the bound, while every wrong answer below is off by O(1) on random data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.fft
import scipy.signal

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.instruments import ScaledTransform
from course_utils.checks.wrong_answers import returns_transpose
from course_utils.conv import conv2d_direct

RTOL, ATOL = 1e-7, 1e-9  # float64 FFT round-off is ~1e-14 here; see the module docstring


# -- the check's transform pairs --------------------------------------------------------------

# Never 1 (the plain convolution would pass), spread over an order of magnitude either way.
_SCALES = (2.5, 0.4, 3.0, 0.5, 1.75, 0.3, 4.0, 0.6, 1.5, 2.25, 0.7, 3.5)


def _pair(forward: str, inverse: str, index: int) -> dict[str, ScaledTransform]:
    scale = _SCALES[index % len(_SCALES)]
    return {forward: ScaledTransform(forward, scale), inverse: ScaledTransform(inverse, 1 / scale)}


def _scale(transform: Any) -> float:
    return transform.scale if isinstance(transform, ScaledTransform) else 1.0


def _gain(forward: Any, inverse: Any) -> float:
    """What the convolution theorem with this pair multiplies the convolution by."""
    return _scale(forward) ** 2 * _scale(inverse)


def _with_transforms(cases: list[Case], forward: str, inverse: str) -> list[Case]:
    """Every case, with the check's transform pair added as keyword arguments."""
    out = []
    for index, case in enumerate(cases):
        pair = _pair(forward, inverse, index)
        label = f"{case.label}; the check's {forward}/{inverse} (scale {pair[forward].scale:g})"
        out.append(Case(case.args, {**case.kwargs, **pair}, label=label))
    return out


_NOT_FROM_TRANSFORMS = (
    "the result is not built from the transforms passed to your function. The check passes its "
    "own `{f}` and `{i}` (NumPy's, scaled by a constant): compute the spectra with `{f}`, "
    "multiply them, and go back with `{i}`; np.fft itself, np.convolve, scipy.signal or a "
    "direct sum give numbers off by that constant."
)
_INVERSE_NOT_GIVEN = (
    "the spectra come from the `{f}` passed to your function, but the way back does not: use "
    "the `{i}` argument for the inverse transform too."
)
_FORWARD_NOT_GIVEN = (
    "the inverse is the `{i}` passed to your function, but the spectra are not from its `{f}`: "
    "transform x and w with the `{f}` argument."
)


def _transform_mistakes(
    direct: Callable[..., np.ndarray], forward: str, inverse: str
) -> list[Mistake]:
    """The three ways of not using the given pair: neither side, only the forward, only the
    inverse (``direct`` computes the plain convolution from the case's arrays)."""

    def plain(*args: Any, **kwargs: Any) -> np.ndarray:
        return direct(*args)

    def forward_only(*args: Any, **kwargs: Any) -> np.ndarray:
        return _scale(kwargs.get(forward)) ** 2 * direct(*args)

    def inverse_only(*args: Any, **kwargs: Any) -> np.ndarray:
        return _scale(kwargs.get(inverse)) * direct(*args)

    names = {"f": forward, "i": inverse}
    return [
        Mistake(_NOT_FROM_TRANSFORMS.format(**names), plain),
        Mistake(_INVERSE_NOT_GIVEN.format(**names), forward_only),
        Mistake(_FORWARD_NOT_GIVEN.format(**names), inverse_only),
    ]


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
    return _with_transforms(cases, "fft", "ifft")


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
    ],
)


# -- q2: linear convolution by zero padding ---------------------------------------------------


def _linear_direct(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.convolve(x, w)  # the direct sum: the FFT-free reference


def _linear_reference(
    x: np.ndarray, w: np.ndarray, rfft: Any = np.fft.rfft, irfft: Any = np.fft.irfft
) -> np.ndarray:
    return _gain(rfft, irfft) * _linear_direct(x, w)


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
    return _with_transforms(cases, "rfft", "irfft")


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
    ],
)


# -- q3: 2-D valid cross-correlation with real FFTs -------------------------------------------


def _correlate_direct(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return conv2d_direct(x, w)  # shift-and-add: the FFT-free reference


def _correlate_reference(
    x: np.ndarray, w: np.ndarray, rfft2: Any = np.fft.rfft2, irfft2: Any = np.fft.irfft2
) -> np.ndarray:
    return _gain(rfft2, irfft2) * _correlate_direct(x, w)


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
    return _with_transforms(cases, "rfft2", "irfft2")


def _flipped_kernel(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2) -> np.ndarray:
    return _gain(rfft2, irfft2) * scipy.signal.fftconvolve(x, w, mode="valid")


def _full_convolution_of_flipped(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return scipy.signal.fftconvolve(x, w[::-1, ::-1], mode="full")


def _crop_from_start(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2) -> np.ndarray:
    out_h, out_w = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    return _gain(rfft2, irfft2) * _full_convolution_of_flipped(x, w)[:out_h, :out_w]


def _crop_one_late(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2) -> np.ndarray:
    (h, wd), (kh, kw) = x.shape, w.shape
    return _gain(rfft2, irfft2) * _full_convolution_of_flipped(x, w)[kh : h + 1, kw : wd + 1]


def _irfft2_without_shape(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2) -> np.ndarray:
    (h, wd), (kh, kw) = x.shape, w.shape
    spectrum = rfft2(x) * np.conj(rfft2(w, s=x.shape))
    return irfft2(spectrum)[: h - kh + 1, : wd - kw + 1]


def _learner_correlate(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    (h, wd), (kh, kw) = x.shape, w.shape
    spectrum = rfft2(x) * np.conj(rfft2(w, s=x.shape))
    return irfft2(spectrum, s=x.shape)[: h - kh + 1, : wd - kw + 1]


def _learner_no_conjugate(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    (h, wd), (kh, kw) = x.shape, w.shape
    full = (h + kh - 1, wd + kw - 1)
    spectrum = rfft2(x, s=full) * rfft2(w, s=full)
    return irfft2(spectrum, s=full)[kh - 1 : h, kw - 1 : wd]


def _learner_flip_crop_from_start(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    (h, wd), (kh, kw) = x.shape, w.shape
    full = (h + kh - 1, wd + kw - 1)
    spectrum = rfft2(x, s=full) * rfft2(w[::-1, ::-1], s=full)
    return irfft2(spectrum, s=full)[: h - kh + 1, : wd - kw + 1]


def _learner_flip_crop_one_late(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    (h, wd), (kh, kw) = x.shape, w.shape
    full = (h + kh - 1, wd + kw - 1)
    spectrum = rfft2(x, s=full) * rfft2(w[::-1, ::-1], s=full)
    return irfft2(spectrum, s=full)[kh : h + 1, kw : wd + 1]


def _learner_scipy_correlate2d(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    return scipy.signal.correlate2d(x, w, mode="valid")


def _learner_numpy_rfft2(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    return _learner_correlate(x, w, np.fft.rfft2, np.fft.irfft2)


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
        "inside the image. Use the `rfft2` and `irfft2` your function receives.",
        "With the conjugate and transforms of size exactly (H, W), output (i, j) of the "
        "circular result reads x[i + u, j + v]: the first H - kh + 1 rows and W - kw + 1 "
        "columns never wrap around. Remember `s=` in `irfft2(..., s=(H, W))`.",
    ],
    mistakes=[
        *_transform_mistakes(_correlate_direct, "rfft2", "irfft2"),
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
    wrong_answers=[
        WrongAnswer("scipy.signal.correlate2d", _learner_scipy_correlate2d, "not built"),
        WrongAnswer("NumPy's own rfft2/irfft2", _learner_numpy_rfft2, "not built"),
        WrongAnswer("no conjugate, no flip", _learner_no_conjugate, "flipped"),
        WrongAnswer("crop from the start", _learner_flip_crop_from_start, "wrong place"),
        WrongAnswer("crop one late", _learner_flip_crop_one_late, "off by one"),
        WrongAnswer("irfft2 without s=", _irfft2_without_shape, "without `s=`"),
        WrongAnswer("output transposed", returns_transpose(_learner_correlate), "transpose"),
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
    specs = [
        (512, 1, 1, " (one channel: the lesson's model)"),
        (256, 3, 64, " (an RGB image into 64 channels)"),
        (56, 64, 64, " (a ResNet layer)"),
        (100, 16, 32, ""),
        (37, 8, 8, " (odd size)"),
        (1000, 1, 1, ""),
        (64, 1, 128, ""),
        (129, 32, 1, " (odd size)"),
        (2048, 4, 4, ""),
        (40, 2, 3, ""),
    ]
    cases = []
    for n, c, k, note in specs:
        label = f"n={n}, channels_in={c}, channels_out={k}{note}"
        cases.append(Case((n,), {"channels_in": c, "channels_out": k}, label=label))
    return cases


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

EXERCISES = ExerciseSet("02_fft_convolution", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
