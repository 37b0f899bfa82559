"""Checks for ``exercises/04_unfold_and_fold.ipynb``: convolution and its gradients from
``F.unfold`` / ``F.fold``, averaging overlapping patches, and locating a colour patch with
``conv2d``.

Every case is float64 torch tensors.

How the method is checked
    q1, q3 and q4 ask for one matrix product next to ``unfold`` / ``fold``. The learner's
    function receives a ``matmul`` argument (``torch.matmul`` by default); the check passes
    its own, which tags the result of the whole product
    (:mod:`course_utils.checks.instruments`). The references use it too, so a
    result computed with ``F.conv2d``, ``F.conv_transpose2d``, autograd, ``@``, ``einsum``,
    the course's ``conv2d_unfold`` / ``conv2d_backward_unfold``, or a loop of smaller
    products has no tag (or a partial one) and a mistake names it. q5 takes a multi-channel
    image, so the lesson's single-channel code and the course's 2-D helpers do not answer it,
    and its cases contain a bright block (raw correlation fails), a black region (an
    unguarded division gives NaN) and a recoloured copy of the patch (matching on grey
    values fails).

Tolerances (q1-q4): ``rtol = atol = 1e-10``. The answers are sums of at most a few hundred
products of O(1) numbers; in float64 any summation order (matmul, fold, conv2d, autograd)
agrees to ~1e-14 relative, so 1e-10 leaves four orders of magnitude of margin, while any wrong
index, flip, transpose or missing normalisation gives errors of order 1, and a missing tag
errors of at least 1e-6 relative. q5 returns integers, compared exactly.
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex04_unfold_and_fold._backward import (
    _grad_input_autograd,
    _grad_input_reference,
    _grad_weight_autograd,
    _grad_weight_reference,
    q3,
    q4,
)
from course_utils.exercise_sets.ex04_unfold_and_fold._forward import (
    _conv_reference,
    _fold_mean_reference,
    q1,
    q2,
)
from course_utils.exercise_sets.ex04_unfold_and_fold._locate import (
    _LOCATE_SPECS,
    _locate_grey,
    _locate_reference,
    q5,
)

EXERCISES = ExerciseSet("04_unfold_and_fold", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup

__all__ = [
    "EXERCISES",
    "_LOCATE_SPECS",
    "_conv_reference",
    "_fold_mean_reference",
    "_grad_input_autograd",
    "_grad_input_reference",
    "_grad_weight_autograd",
    "_grad_weight_reference",
    "_locate_grey",
    "_locate_reference",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "setup",
]
