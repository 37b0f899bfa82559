"""q3: 2-D valid cross-correlation with real FFTs."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft
import scipy.signal

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import IMAGE_KERNEL_EDGES, Cases
from course_utils.checks.stock import common_wrong_answers, kernel_flipped
from course_utils.conv import conv2d_direct
from course_utils.exercise_sets.ex02_fft_convolution._transforms import (
    ATOL,
    RTOL,
    _gain,
    _transform_mistakes,
    _with_transforms,
)

# -- q3: 2-D valid cross-correlation with real FFTs -------------------------------------------


def _correlate_direct(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return conv2d_direct(x, w)  # shift-and-add: the FFT-free reference


def _correlate_reference(
    x: np.ndarray, w: np.ndarray, rfft2: Any = np.fft.rfft2, irfft2: Any = np.fft.irfft2
) -> np.ndarray:
    return _gain(rfft2, irfft2) * _correlate_direct(x, w)


def _image_kernel(rng: np.random.Generator) -> tuple:
    h, w = int(rng.integers(8, 48)), int(rng.integers(8, 48))
    return (h, w), (int(rng.integers(2, min(h, 12))), int(rng.integers(2, min(w, 12))))


def _correlate_cases() -> list[Case]:
    cases = Cases(seed=22, names=("x", "w"))
    cases.add(
        np.arange(20.0).reshape(4, 5),
        np.array([[1.0, 2.0], [0.0, -1.0]]),
        label="x = arange(20).reshape(4, 5), w = [[1, 2], [0, -1]]",
    )
    cases.add((9, 7), (3, 2), note="non-square image and kernel")
    cases.add((6, 11), (6, 11), note="kernel as large as the image: one output")
    cases.add((8, 5), (1, 1), note="a 1x1 kernel")
    cases.add((15, 10), (5, 3))
    cases.add_edges(IMAGE_KERNEL_EDGES)
    cases.add_random(3, _image_kernel)
    return _with_transforms(cases.build(), "rfft2", "irfft2")


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
        kernel_flipped(_correlate_reference),
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
        *common_wrong_answers(_learner_correlate, kernel_arg=1, wrong_dtype=np.float32),
    ],
)
