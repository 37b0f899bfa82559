"""Stock mistakes and stock wrong answers: the ones nearly every convolution exercise has.

A :class:`~course_utils.checks.problems.Mistake` lets a check *name* a wrong result; a
:class:`~course_utils.checks.wrong_answers.WrongAnswer` is a learner's wrong code that the test
suite shows is rejected with that name. Both are built here from the exercise's reference (or a
learner-style correct function) in one line each::

    mistakes=[kernel_flipped(_reference), last_window_dropped(_reference),
              keyword_ignored(_reference, "stride", 1)],
    wrong_answers=[*common_wrong_answers(_learner_loops, kernel_arg=1, wrong_dtype=np.float32)],

The messages say what went wrong and where to look, never the answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks.problems import Mistake
from course_utils.checks.wrong_answers import (
    WrongAnswer,
    flips_kernel,
    ignores_keyword,
    mutates_input,
    returns_dtype,
    returns_list,
    returns_transpose,
)

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]

FLIPPED = (
    "the kernel is flipped: cross-correlation slides the kernel as it is (w[u, v] multiplies "
    "x[i + u, j + v]); flipping it gives true convolution (or the reverse)."
)
LAST_WINDOW = (
    "the last row and column of the output are missing: a range that stops at H - kh (not "
    "H - kh + 1) stops one position early."
)
MUTATED = "changed its input arrays in place"


def kernel_flipped(reference: Callable[..., Any], arg: int = 1, message: str = FLIPPED) -> Mistake:
    """The reference run on a kernel (argument ``arg``) flipped over its last two axes."""
    return Mistake(message, flips_kernel(reference, arg))


def last_window_dropped(reference: Callable[..., Any], message: str = LAST_WINDOW) -> Mistake:
    """The reference's output without its last row and column (an off-by-one range)."""

    @functools.wraps(reference)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        return reference(*args, **kwargs)[..., :-1, :-1]

    return Mistake(message, wrong)


def keyword_ignored(
    reference: Callable[..., Any], name: str, default: Any, message: str | None = None
) -> Mistake:
    """The reference with keyword ``name`` left at ``default`` (a stride or dilation ignored)."""
    text = message or (
        f"`{name}` seems to be ignored: the result is what {name}={default!r} gives. Use it "
        "where the window moves (or spreads) on the input."
    )
    return Mistake(text, ignores_keyword(reference, name, default))


def common_wrong_answers(
    learner: Callable[..., Any],
    *,
    kernel_arg: int | None = None,
    wrong_dtype: Any = None,
    mutate_arg: int | None = 0,
    transposed: bool = True,
    as_list: bool = False,
) -> list[WrongAnswer]:
    """The stock wrong answers made from a correct learner-style function ``learner``:

    * ``kernel_arg``: the kernel (that argument) flipped -- the message must say "flipped";
    * ``wrong_dtype``: the result converted to that dtype (float64 for a float32 exercise, or
      float32 for a float64 one) -- the message names the dtype;
    * ``mutate_arg``: that input array overwritten in place -- "changed its input arrays";
    * ``transposed``: the last two axes of the result swapped -- "transpose";
    * ``as_list``: the result as nested Python lists -- "NumPy array" or "tensor".
    """
    found: list[WrongAnswer] = []
    if kernel_arg is not None:
        found.append(WrongAnswer("kernel flipped", flips_kernel(learner, kernel_arg), "flipped"))
    if wrong_dtype is not None:
        name = _dtype_name(wrong_dtype)
        found.append(
            WrongAnswer(f"{name} result", returns_dtype(learner, wrong_dtype), f"dtype {name}")
        )
    if mutate_arg is not None:
        found.append(
            WrongAnswer("input changed in place", mutates_input(learner, mutate_arg), MUTATED)
        )
    if transposed:
        found.append(WrongAnswer("result transposed", returns_transpose(learner), "transpose"))
    if as_list:
        found.append(WrongAnswer("nested Python lists", returns_list(learner), "list"))
    return found


def _dtype_name(dtype: Any) -> str:
    if torch is not None and isinstance(dtype, torch.dtype):
        return str(dtype)  # "torch.float32", as a check names a tensor's dtype
    return np.dtype(dtype).name


__all__ = [
    "FLIPPED",
    "LAST_WINDOW",
    "MUTATED",
    "common_wrong_answers",
    "keyword_ignored",
    "kernel_flipped",
    "last_window_dropped",
]
