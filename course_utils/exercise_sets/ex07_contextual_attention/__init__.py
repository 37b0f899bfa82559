"""Checks for ``exercises/07_contextual_attention.ipynb``: the five steps of contextual attention
(Yu et al. 2018) at rate 1 on single feature maps -- score every background patch against every
position, find the usable (hole-free) patches, take a masked softmax, paste the attended patches
back with overlap averaging, and read off where each position copied from.

Conventions (shared with :class:`course_utils.inpainting.ContextualAttention` at ``rate=1``,
``fuse=False``, ``eps=1e-4``): inputs are float64 tensors without a batch axis; the L = H * W
background patches are zero-padded "same" patches (padding ``patch_size // 2``) indexed by the
row-major index l = r * W + c of their centre. A position with no known patch to attend to
(in q3 this happens when no patch at all is known) gets all-zero attention: never NaN, and not
weights spread over patches that may not be copied.

Tolerances. q1, q3 and q4 (float answers): ``rtol=1e-9``, ``atol=1e-12``. Every answer is a sum
of at most C * k * k = 75 products of O(1) numbers, a softmax, or an average of at most 25 such
sums; in float64 any summation order (``conv2d``, ``conv_transpose2d``, ``fold``, a loop) agrees
to ~1e-14 relative. The softmax cases include logits of about +-1000 (scores of +-100 at scale
10): a softmax that subtracts the maximum computes ``exp(x - max)`` from a difference exact to
~1e-13 absolute, so its weights agree to ~1e-13 relative however it is written; 1e-9 leaves four
orders of magnitude of margin. ``atol`` only matters for attention weights that underflow:
excluding unknown patches with ``-inf`` or with a large finite penalty (``-1e4``, as the layer
does) gives weights below 1e-12 either way, so both are accepted. Every wrong normalisation,
axis, flip or padding gives errors of order 1e-4 or more (the smallest is a different epsilon
guard in q1, ~1e-4 / ||patch||), and an unstable softmax gives NaN, far outside these
tolerances. q2 (bool) and q5 (int64) are compared exactly.

Wrong answers. Each problem declares, as ``wrong_answers``, the code a learner plausibly writes
instead of the answer (unnormalised or zero-norm-NaN scores, ``valid`` padding, kernels reshaped
without the transpose, a flipped paste, a softmax without the max shift or over the wrong axis,
patch indices divided by H instead of W, float32, a hard-coded patch size, inputs changed in
place, ...); ``tests/test_exercise_sets.py`` shows each is rejected with a message that names
its mistake. Most are recognised by a :class:`Mistake` that computes the same wrong result; the
cases are built so that each one shows: large scores, fully masked inputs, non-square maps
(marked "non-square" in the case labels), patch sizes 1 and 5, flat and zero patches.
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex07_contextual_attention._known import _known_reference, q2
from course_utils.exercise_sets.ex07_contextual_attention._offsets import _offsets_reference, q5
from course_utils.exercise_sets.ex07_contextual_attention._rebuild import (
    _own_patch_attention,
    _rebuild_reference,
    q4,
)
from course_utils.exercise_sets.ex07_contextual_attention._scores import _scores_reference, q1
from course_utils.exercise_sets.ex07_contextual_attention._softmax import _softmax_reference, q3

EXERCISES = ExerciseSet("07_contextual_attention", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup

__all__ = [
    "EXERCISES",
    "_known_reference",
    "_offsets_reference",
    "_own_patch_attention",
    "_rebuild_reference",
    "_scores_reference",
    "_softmax_reference",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "setup",
]
