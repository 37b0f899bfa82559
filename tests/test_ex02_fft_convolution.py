"""Exercise set 2: the FFT method is checked through the transforms handed to the learner.

``test_exercise_sets.py`` shows that each reference passes, that every known mistake is named
and that every declared wrong answer is rejected with its message. Here: the check's transform
pairs really are transform pairs (so any correct use of them passes) but mark the convolution
theorem's result; other correct ways to write each exercise pass; the direct method does not.
"""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
import scipy.fft
import scipy.signal

from course_utils.checks import Kind
from course_utils.exercise_sets import ex02_fft_convolution as ex02
from course_utils.exercise_sets.ex02_fft_convolution import ScaledTransform


def _evaluate(problem, answer):
    problem.bind({problem.name: answer})
    return problem.evaluate()


# -- the transform pairs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forward", "inverse", "shape", "kwargs"),
    [
        ("fft", "ifft", (9,), {"n": 12}),
        ("rfft", "irfft", (11,), {"n": 15}),
        ("rfft2", "irfft2", (5, 7), {"s": (6, 9)}),
    ],
)
def test_scaled_pairs_invert_each_other(forward, inverse, shape, kwargs) -> None:
    signal = np.random.default_rng(0).standard_normal(shape)
    pair = ex02._pair(forward, inverse, 3)
    spectrum = pair[forward](signal, **kwargs)
    back = pair[inverse](spectrum, **kwargs)
    padded = np.zeros(kwargs.get("s", (kwargs.get("n"),)))
    padded[tuple(slice(0, n) for n in shape)] = signal
    np.testing.assert_allclose(back, padded, atol=1e-12)
    assert ex02._gain(pair[forward], pair[inverse]) == pytest.approx(pair[forward].scale)


def test_every_fft_case_hands_over_a_marked_pair() -> None:
    for problem, forward, inverse in [
        (ex02.q1, "fft", "ifft"),
        (ex02.q2, "rfft", "irfft"),
        (ex02.q3, "rfft2", "irfft2"),
    ]:
        for case in problem.cases():
            pair = case.kwargs[forward], case.kwargs[inverse]
            assert all(isinstance(t, ScaledTransform) for t in pair)
            assert abs(ex02._gain(*pair) - 1.0) > 0.2, case.label


def test_transforms_survive_copies_and_pickles() -> None:
    transform = ScaledTransform("rfft", 2.5)
    assert copy.deepcopy(transform) == transform
    assert pickle.loads(pickle.dumps(transform)) == transform
    assert transform.__plain_recipe__() == ("scaled_fft", {"name": "rfft", "scale": 2.5})
    with pytest.raises(ValueError):
        ScaledTransform("convolve", 1.0)


def test_references_with_numpy_transforms_are_the_plain_convolutions() -> None:
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(10), rng.standard_normal(4)
    np.testing.assert_allclose(
        ex02._circular_reference(x, w), np.fft.ifft(np.fft.fft(x) * np.fft.fft(w, 10)).real
    )
    np.testing.assert_allclose(ex02._linear_reference(x, w), np.convolve(x, w))
    image, kernel = rng.standard_normal((9, 8)), rng.standard_normal((3, 2))
    np.testing.assert_allclose(
        ex02._correlate_reference(image, kernel),
        scipy.signal.correlate2d(image, kernel, mode="valid"),
    )


# -- q1 ---------------------------------------------------------------------------------------


def _circular_padding_by_hand(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    padded = np.zeros(len(x))
    padded[: len(w)] = w
    return np.real(ifft(fft(x) * fft(padded)))


def _circular_by_flipping_the_correlation(x, w, fft=np.fft.fft, ifft=np.fft.ifft):
    # a circular correlation with the reversed, rolled kernel is the convolution
    padded = np.pad(w, (0, len(x) - len(w)))
    reversed_kernel = np.roll(padded[::-1], 1)
    return ifft(fft(x) * np.conj(fft(reversed_kernel))).real


@pytest.mark.parametrize(
    "answer", [_circular_padding_by_hand, _circular_by_flipping_the_correlation]
)
def test_circular_alternatives_pass(answer) -> None:
    assert _evaluate(ex02.q1, answer).kind is Kind.CORRECT


# -- q2 ---------------------------------------------------------------------------------------


def _linear_exact_length(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    return irfft(rfft(x, size) * rfft(w, size), size)


def _linear_power_of_two_cropped(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    length = 1 << (size - 1).bit_length()
    return irfft(rfft(x, n=length) * rfft(w, n=length), n=length)[:size]


def _linear_padded_by_hand(x, w, rfft=np.fft.rfft, irfft=np.fft.irfft):
    size = len(x) + len(w) - 1
    length = scipy.fft.next_fast_len(size)
    xp, wp = np.pad(x, (0, length - len(x))), np.pad(w, (0, length - len(w)))
    return irfft(rfft(xp) * rfft(wp), length)[:size].copy()


@pytest.mark.parametrize(
    "answer", [_linear_exact_length, _linear_power_of_two_cropped, _linear_padded_by_hand]
)
def test_linear_alternatives_pass(answer) -> None:
    assert _evaluate(ex02.q2, answer).kind is Kind.CORRECT


# -- q3 ---------------------------------------------------------------------------------------


def _correlate_by_flipping(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    (height, width), (kh, kw) = x.shape, w.shape
    full = (height + kh - 1, width + kw - 1)
    spectrum = rfft2(x, s=full) * rfft2(w[::-1, ::-1], s=full)
    return irfft2(spectrum, s=full)[kh - 1 : height, kw - 1 : width]


def _correlate_on_a_fast_grid(x, w, rfft2=np.fft.rfft2, irfft2=np.fft.irfft2):
    (height, width), (kh, kw) = x.shape, w.shape
    grid = tuple(scipy.fft.next_fast_len(n, real=True) for n in x.shape)
    spectrum = rfft2(x, s=grid) * np.conj(rfft2(w, s=grid))
    return np.ascontiguousarray(
        irfft2(spectrum, s=grid, axes=(0, 1))[: height - kh + 1, : width - kw + 1]
    )


@pytest.mark.parametrize("answer", [_correlate_by_flipping, _correlate_on_a_fast_grid])
def test_correlate_alternatives_pass(answer) -> None:
    assert _evaluate(ex02.q3, answer).kind is Kind.CORRECT


def test_the_direct_method_is_not_yet_for_every_fft_exercise() -> None:
    def circular(x, w, fft=None, ifft=None):
        return sum(tap * np.roll(x, t) for t, tap in enumerate(w))

    def linear(x, w, rfft=None, irfft=None):
        return np.convolve(x, w)

    def correlate(x, w, rfft2=None, irfft2=None):
        return scipy.signal.correlate2d(x, w, mode="valid")

    for problem, answer in [(ex02.q1, circular), (ex02.q2, linear), (ex02.q3, correlate)]:
        outcome = _evaluate(problem, answer)
        assert outcome.kind is Kind.INCORRECT
        assert "not built from the transforms passed" in outcome.message


# -- q4, q5 -------------------------------------------------------------------------------------


def _made_of_2_3_5(length: int) -> bool:
    for factor in (2, 3, 5):
        while length % factor == 0:
            length //= factor
    return length == 1


def _length_by_search(n, k, mode="full"):
    length = n + k - 1 if mode == "full" else n
    while not _made_of_2_3_5(length):
        length += 1
    return length


def test_transform_length_by_search_passes() -> None:
    assert _evaluate(ex02.q4, _length_by_search).kind is Kind.CORRECT


def _crossover_vectorised(n, channels_in=1, channels_out=1):
    c, k_out = channels_in, channels_out
    points = n * n
    fft = (c + c * k_out + k_out) * 2.5 * points * math.log2(points) + 6 * c * k_out * n * (
        n // 2 + 1
    )
    k = np.arange(1, n + 1)
    direct = 2.0 * c * k_out * k**2 * (n - k + 1) ** 2
    return int(k[np.argmax(direct > fft)])


def test_crossover_vectorised_passes() -> None:
    assert _evaluate(ex02.q5, _crossover_vectorised).kind is Kind.CORRECT


def test_crossover_cases_are_not_all_the_one_channel_answer() -> None:
    answers = {ex02._crossover_reference(*c.args, **c.kwargs) for c in ex02.q5.cases()}
    assert len(answers) >= 3


def test_every_exercise_declares_at_least_three_wrong_answers() -> None:
    for problem in ex02.EXERCISES.problems:
        assert len(problem.wrong_answers) >= 3, problem.label
