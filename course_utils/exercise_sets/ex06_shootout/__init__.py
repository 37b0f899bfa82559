"""Checks for ``exercises/06_shootout.ipynb``: flops, effective GFLOP/s, im2col memory, choosing.

1. ``conv_flops`` -- the direct method's flop count of a layer, grouped convolutions included.
2. ``effective_gflops`` -- effective GFLOP/s from a measured time.
3. ``im2col_bytes`` -- bytes of the im2col column matrix of a whole batch.
4. ``choose_method`` -- the fastest applicable method from a dict of timings.

What the checks make sure of, beyond the numbers of the examples:

* q1 has a ``groups`` argument (each filter reads C / groups channels): the lesson's
  ``conv2d_flops`` counts ungrouped layers only, so calling it is "groups ignored". Strides that
  do not divide the size, padding, non-square kernels and 1x1 outputs pin down the output size.
* q2 credits the direct count (the FFT's own count is named) and checks the units.
* q3 includes float16 layers, which the shootout's memory model (``extra_memory_bytes`` on a
  ``LayerShape``, float32/float64 only) cannot describe, so the byte count has to be derived.
* q4 holds Winograd times for layers it does not apply to, ``None`` entries, and each rule
  (kernel, stride, both) is needed on some case; mutating the dict is "in place".

Tolerances: q1, q3 and q4 answers are exact (ints and strings, compared exactly); q2 is a float
computed from exact integer counts, where any order of the divisions agrees to a few ulps, so
rtol = 1e-9 rejects the smallest wrong answer (2^30 instead of 1e9: 7 %).
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex06_shootout._choice import (
    _choose_method,
    _either_rule,
    _kernel_rule_only,
    _never_winograd,
    _no_rule,
    q4,
)
from course_utils.exercise_sets.ex06_shootout._counts import (
    _conv_flops,
    _effective_gflops,
    _flops_learner_package,
    _im2col_bytes,
    q1,
    q2,
    q3,
)

EXERCISES = ExerciseSet("06_shootout", [q1, q2, q3, q4])
setup = EXERCISES.setup

__all__ = [
    "EXERCISES",
    "_choose_method",
    "_conv_flops",
    "_effective_gflops",
    "_either_rule",
    "_flops_learner_package",
    "_im2col_bytes",
    "_kernel_rule_only",
    "_never_winograd",
    "_no_rule",
    "q1",
    "q2",
    "q3",
    "q4",
    "setup",
]
