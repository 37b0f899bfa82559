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
a margin of 80x over the bound, while every wrong answer is off by O(1) on random data.

Cases come from the case builders (:mod:`course_utils.checks.cases`); q3 also runs on the edge
image/kernel shapes ``IMAGE_KERNEL_EDGES``. Layout: ``_transforms`` (tolerances, the transform
pairs and the mistakes of not using them), ``_convolve1d`` (q1, q2), ``_correlate2d`` (q3),
``_cost`` (q4, q5).
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.checks.instruments import ScaledTransform
from course_utils.exercise_sets.ex02_fft_convolution._convolve1d import (
    _circular_reference,
    _linear_reference,
    q1,
    q2,
)
from course_utils.exercise_sets.ex02_fft_convolution._correlate2d import _correlate_reference, q3
from course_utils.exercise_sets.ex02_fft_convolution._cost import _crossover_reference, q4, q5
from course_utils.exercise_sets.ex02_fft_convolution._transforms import _gain, _pair

EXERCISES = ExerciseSet("02_fft_convolution", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup

__all__ = [
    "EXERCISES",
    "ScaledTransform",
    "_circular_reference",
    "_correlate_reference",
    "_crossover_reference",
    "_gain",
    "_linear_reference",
    "_pair",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "setup",
]
