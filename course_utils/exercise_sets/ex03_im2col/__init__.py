"""Checks for ``exercises/03_im2col.ipynb``: im2col by hand, strides and padding, channels,
a convolution as one matrix product, and the memory the column matrix costs.

Layout everywhere (that of ``torch.nn.functional.unfold`` and ``course_utils.conv.im2col``):
row ``c*kh*kw + u*kw + v`` is channel ``c``, kernel tap ``(u, v)``; column ``i*Wo + j`` is
output pixel ``(i, j)`` (row-major).

How the method is checked
    q1-q3 ask for im2col *written by hand*. im2col only copies entries, so it works for an
    array of any dtype and returns that dtype. Besides float64 images, each exercise has an
    int64 case early on, with values above 2**53, which float64 cannot hold exactly.
    Hand-written code (loops, ``sliding_window_view``, ``as_strided``, fancy indexing)
    copies them unchanged; the course's ``im2col`` turns them into float64, ``F.unfold``
    refuses integers, and a result buffer created with ``np.zeros(shape)`` is float64.
    q4 hands the learner's function a ``matmul`` that tags the result of the whole product
    (:mod:`course_utils.checks.instruments`): a result computed with ``@``,
    ``einsum``, loops, several smaller products or the course's ``conv2d_im2col`` has no tag,
    and a mistake names it.

Tolerances
    q1-q3 compare exactly (``rtol = atol = 0``). This is not a float comparison of computed
    results: every entry of a column matrix is a *copy* of an input entry (or a padding zero),
    so every correct method -- loops, views, fancy indexing, even a product with a 0/1
    selection matrix, whose sums only add exact zeros -- returns the same bits, and a
    tolerance would only admit results that went through a lossy conversion (a float32 round
    trip). Integer cases are compared exactly by the engine anyway.
    q4: sums of at most C*kh*kw = 27 float64 products of standard-normal numbers; any
    summation order agrees to ~1e-14, so ``rtol = atol = 1e-10`` accept every correct product
    (in any layout) and reject every real mistake (entries off by O(1)) and every untagged
    product (off by the tag, >= 1e-6 relative). q5 is an integer, compared exactly.
"""

from __future__ import annotations

from course_utils.checks import ExerciseSet
from course_utils.exercise_sets.ex03_im2col._common import _columns
from course_utils.exercise_sets.ex03_im2col._gemm import _conv2d_gemm, q4, q5
from course_utils.exercise_sets.ex03_im2col._single import q1, q3
from course_utils.exercise_sets.ex03_im2col._strided import _im2col_strided, q2

q4.uses = ("q3",)  # the prompt suggests building the product on im2col_channels

EXERCISES = ExerciseSet("03_im2col", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup

__all__ = ["EXERCISES", "_columns", "_conv2d_gemm", "_im2col_strided", "q1", "q2", "q3", "q4", "q5"]
__all__ += ["setup"]
