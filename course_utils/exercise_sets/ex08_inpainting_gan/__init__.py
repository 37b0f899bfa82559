"""Checks for ``exercises/08_inpainting_gan.ipynb``: the pieces of the inpainting GAN's training
and evaluation, compared with the course engine (:mod:`course_utils.inpainting`).

1. ``spatial_discount`` -- weights gamma**d in the hole (``losses.spatial_discount``).
2. ``masked_critic_loss`` -- the critic's hinge loss with only the hole's patches labelled fake
   (the engine's ``losses.critic_hinge_loss`` is the unmasked form, a named mistake).
3. ``masked_generator_loss`` -- the generator's adversarial loss over the hole's patches
   (the engine's ``losses.generator_hinge_loss`` is the unmasked form).
4. ``local_boxes`` -- where the local critic looks (``networks.local_boxes``).
5. ``hole_l1`` -- the evaluation metric, in NumPy (``evaluate.hole_l1``).
6. ``composite`` -- paste the generated hole into the known image.

Inputs are float64 torch tensors (NumPy float64 arrays and bool masks in exercise 5); masks are
float with 1 = hole, shape (B, 1, H, W). Every sample given to ``spatial_discount`` has at least
one known pixel: the engine's rule for an image that is all hole (a fixed distance cap) is an
implementation detail, not part of the exercise, so such samples are left out of the cases.

Tolerances (every float exercise): ``rtol=1e-10``, ``atol=1e-10``. The answers are powers of
gamma, means of at most a few thousand O(1) numbers, or a blend with a 0/1 mask; in float64 any
evaluation order (``pow`` vs repeated products, ``mean`` vs ``sum / count``, ``where`` vs
arithmetic blending) agrees to ~1e-14 relative, so 1e-10 leaves four orders of magnitude of
margin. The smallest error a wrong method makes in these cases is far larger: Euclidean
instead of chessboard distance changes a weight from gamma**2 to gamma**sqrt(5) (2e-3 for
gamma = 0.99), and every other mistake is off by a constant factor or O(1). Local boxes are
int64 and compared exactly.

Wrong answers. Each problem declares, as ``wrong_answers``, the code a learner plausibly writes
instead of the answer: Euclidean or city-block distances, d = 0 on the border, the discount on
the wrong side or outside the hole, ``mask[0]`` shared by the batch (discount, crops,
composite), a fixed gamma, a growing loop that stops too early, hinge margins swapped, missing
or with the wrong sign, the hole patches ignored (the lesson's plain loss), inverted, averaged
over all patches or image by image, 0/0 for a batch without hole patches, the real term masked
too, the scores masked inside the hinge, sums instead of means, ``.item()`` instead of a
tensor, crops centred on the centre of mass or not shifted inside the image, the hole L1 over
the wrong count, float32, inputs changed in place. ``tests/test_exercise_sets.py`` shows each
is rejected with a message that names its mistake, mostly through a :class:`Mistake` that
computes the same wrong result; the cases (batches with different holes, holes deep enough and
touching the border, odd and non-square sizes, several gammas) are built so that each shows.
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex08_inpainting_gan._boxes import (
    _boxes_reference,
    _boxes_unclamped,
    q4,
)
from course_utils.exercise_sets.ex08_inpainting_gan._discount import _discount_reference, q1
from course_utils.exercise_sets.ex08_inpainting_gan._losses import (
    _critic_reference,
    _generator_reference,
    q2,
    q3,
)
from course_utils.exercise_sets.ex08_inpainting_gan._metric import (
    _composite_reference,
    _hole_l1_reference,
    q5,
    q6,
)

EXERCISES = ExerciseSet("08_inpainting_gan", [q1, q2, q3, q4, q5, q6])
setup = EXERCISES.setup

__all__ = [
    "EXERCISES",
    "_boxes_reference",
    "_boxes_unclamped",
    "_composite_reference",
    "_critic_reference",
    "_discount_reference",
    "_generator_reference",
    "_hole_l1_reference",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q6",
    "setup",
]
