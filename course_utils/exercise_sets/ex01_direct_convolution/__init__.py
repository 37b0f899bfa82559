"""Checks for ``exercises/01_direct_convolution.ipynb``: direct 2-D cross-correlation.

1. ``correlate2d_loops``      -- single-channel, valid, explicit loops;
2. ``correlate2d_padded``     -- zero padding, then correlate;
3. ``conv2d_multichannel``    -- (N, C, H, W) x (K, C, kh, kw) with a stride;
4. ``input_positions``        -- which input pixels an output pixel reads (stride/padding/dilation);
5. ``correlate2d_shift_add``  -- the vectorised version: a loop over kernel taps only.

Every reference is :func:`course_utils.conv.conv2d_direct` (tested against torch and SciPy) or
a one-line formula. Inputs are random float64 arrays drawn by the case builders
(:mod:`course_utils.checks.cases`) from one seed per question, kernels are asymmetric (so a
flipped kernel is caught) and shapes are non-square (so a transposed output is caught); q1 and
q5 also run on the edge shapes ``IMAGE_KERNEL_EDGES`` (1×1, one row, one column, kernel as large
as the image).

Layout: ``_single`` (q1, q2), ``_multichannel`` (q3), ``_positions`` (q4), ``_shift_add`` (q5),
``_common`` (tolerances, the learner-style loops q1 and q2 share).

Tolerances (float64 everywhere): each output is a sum of at most a few hundred products of
standard-normal numbers, so the round-off of any summation order is below ~1e-13 in absolute
terms. ``rtol=1e-10, atol=1e-12`` accepts any order of summation and rejects every real mistake
(a wrong tap or a missing term changes an output by O(1)).

Wrong answers. Each problem declares, as ``wrong_answers``, the wrong-but-plausible answers a
learner writes (flipped kernel, off-by-one ranges, a square image or kernel assumed, transposed
output, stride or dilation ignored, integer or float32 arrays, an input changed in place, pixel
loops where only tap loops are asked); the test suite shows that each is rejected with a message
naming the mistake. q5's method (loops over the taps only) is checked by a 1500×1500 case with a
time limit of 3 s or 30 times the reference's own time on it, measured on the same machine when
the check runs (whichever is larger). Measured on a 2-core AMD EPYC: the reference 0.08 s, a
vectorised answer that stacks all 25 shifted terms 0.85 s (about 11 times the reference), a loop
over the 2.2 million pixels 8 s (about 100 times); a busy machine slows all three alike.
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex01_direct_convolution._multichannel import q3
from course_utils.exercise_sets.ex01_direct_convolution._positions import q4
from course_utils.exercise_sets.ex01_direct_convolution._shift_add import q5
from course_utils.exercise_sets.ex01_direct_convolution._single import q1, q2

EXERCISES = ExerciseSet("01_direct_convolution", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup

__all__ = ["EXERCISES", "q1", "q2", "q3", "q4", "q5", "setup"]
