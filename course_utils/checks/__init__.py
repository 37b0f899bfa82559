"""The exercise checking engine.

An exercise notebook has one set-up cell, then per exercise ``q1.check()``, ``q1.hint()``,
``q1.hint(2)`` and ``q1.solution()``. A check reports one of four outcomes (see
:mod:`course_utils.checks.outcomes`): *correct*, *not yet* (with a specific message),
*not attempted*, or *error in your code*. ``check()`` displays the outcome as rich HTML (plain
text outside Jupyter) and never raises into the notebook -- except in strict mode
(:mod:`course_utils.checks.strict`), which CI uses to prove that every solution is correct and
every fresh exercise is not attempted.

How answers are compared
    Function exercises run the learner's function and a reference on the same generated cases
    (several seeds plus edge cases). Floats are compared with per-exercise tolerances, never
    exactly. A wrong answer is described by the first failing case (input shapes, the result's
    shape/dtype, max absolute and relative error) and, when it matches a known mistake
    (kernel flipped, output transposed, off-by-one size, ...), by the mistake's name.

What the in-notebook checker protects against
    * mutation: the learner's code runs on deep copies of the inputs; the expected output is
      computed from its own copy and kept private;
    * hangs: a time limit (``SIGALRM``) turns an infinite loop into "timed out";
    * noise: output printed while checking is captured, not shown;
    * exceptions: anything the learner's code raises becomes an *error in your code* outcome with
      the exception and the case; a failure inside the checker itself is reported, not raised;
    * stubs: an untouched stub (``raise NotImplementedError``, ``...``, ``pass``) is *not
      attempted*, never *not yet*.

What it does not protect against
    The checker runs inside the learner's own kernel, so a learner who wants to can patch it,
    redefine the reference, or edit the outcome. The time limit cannot interrupt one long C
    call and is not enforced on Windows or outside the main thread. The classroom grader
    (``python -m course_utils.grade``) re-runs the checks on the learner's definitions in a
    clean process for grading; the in-notebook check is feedback, not proof.
"""

from course_utils.checks.exercise_set import ExerciseSet, solution_text
from course_utils.checks.outcomes import Kind, Note, Outcome
from course_utils.checks.problems import (
    Case,
    FunctionProblem,
    Mistake,
    Problem,
    ValueProblem,
    looks_like_stub,
)
from course_utils.checks.strict import StrictModeMismatch
from course_utils.checks.wrong_answers import WrongAnswer

__all__ = [
    "Case",
    "ExerciseSet",
    "FunctionProblem",
    "Kind",
    "Mistake",
    "Note",
    "Outcome",
    "Problem",
    "StrictModeMismatch",
    "ValueProblem",
    "WrongAnswer",
    "looks_like_stub",
    "solution_text",
]
