"""Wrong-but-plausible answers: what a learner would write, and what the check must say.

Every exercise declares the wrong answers a learner is likely to write -- the wrong method, the
wrong dtype, a flipped kernel, an off-by-one size, a stride that is ignored, a transposed
layout, an input mutated in place, unstable numerics, code that only works for the shapes in
the examples -- as :class:`WrongAnswer` objects on its problem (``wrong_answers=[...]``). The
test suite runs each one through the real check and requires a *not yet* (or *error in your
code*) whose text contains ``says``: a wrong answer must never pass, and the learner must be
told which mistake it is.

:class:`~course_utils.checks.problems.Mistake` is the other half: a function that computes the
wrong *result* of a typical mistake, so the check can recognise it and name it. A WrongAnswer is
written the way a learner would write it (it may use another method, loop, mutate, return
another dtype); often its rejection comes from a Mistake, a dtype rule or a behavioural case
(large values, odd shapes, random transforms) rather than from its values alone.

The stock wrappers below build the common ones from a correct function in one line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong answer a learner would plausibly write.

    Attributes:
        label: what the learner did, e.g. ``"direct formula instead of the four products"``.
        answer: the learner's function (function exercises) or value (value exercises).
        says: a phrase the outcome's text (message and details) must contain, case-insensitive.
    """

    label: str
    answer: Any
    says: str


def _first_array_index(args: tuple) -> int:
    for index, arg in enumerate(args):
        if isinstance(arg, np.ndarray) or (torch is not None and isinstance(arg, torch.Tensor)):
            return index
    raise ValueError("no array argument to act on")


def returns_dtype(fn: Callable[..., Any], dtype: Any) -> Callable[..., Any]:
    """``fn`` whose array result is converted to ``dtype`` (e.g. float64 for a float32 spec)."""

    @functools.wraps(fn)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if torch is not None and isinstance(result, torch.Tensor):
            return result.to(dtype)
        return np.asarray(result).astype(dtype)

    return wrong


def mutates_input(fn: Callable[..., Any], arg: int | None = None) -> Callable[..., Any]:
    """``fn`` that also overwrites its array argument number ``arg`` (default: the first one)
    in place -- a correct result, but the caller's data is destroyed."""

    @functools.wraps(fn)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        index = _first_array_index(args) if arg is None else arg
        target = args[index]
        if torch is not None and isinstance(target, torch.Tensor):
            with torch.no_grad():
                target.mul_(0.5)
        else:
            target *= 0.5
        return result

    return wrong


def returns_transpose(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` whose (2-D or more) result has its last two axes swapped."""

    @functools.wraps(fn)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if torch is not None and isinstance(result, torch.Tensor):
            return result.transpose(-1, -2).contiguous()
        return np.ascontiguousarray(np.swapaxes(result, -1, -2))

    return wrong


def returns_list(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` whose array result is returned as a (nested) Python list."""

    @functools.wraps(fn)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if torch is not None and isinstance(result, torch.Tensor):
            return result.tolist()
        return np.asarray(result).tolist()

    return wrong


def flips_kernel(fn: Callable[..., Any], arg: int = 1) -> Callable[..., Any]:
    """``fn`` called with argument ``arg`` (the kernel) flipped over its last two axes (or its
    only axis): true convolution where cross-correlation is asked, or the reverse."""

    @functools.wraps(fn)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        kernel = args[arg]
        axes = (-1,) if kernel.ndim == 1 else (-2, -1)
        if torch is not None and isinstance(kernel, torch.Tensor):
            flipped = torch.flip(kernel, dims=axes)
        else:
            flipped = np.flip(kernel, axis=axes).copy()
        return fn(*args[:arg], flipped, *args[arg + 1 :], **kwargs)

    return wrong


def ignores_keyword(fn: Callable[..., Any], name: str, default: Any) -> Callable[..., Any]:
    """``fn`` that silently uses ``default`` for keyword ``name`` (e.g. a stride ignored)."""

    @functools.wraps(fn)
    def wrong(*args: Any, **kwargs: Any) -> Any:
        kwargs = dict(kwargs)
        if name in kwargs:
            kwargs[name] = default
        return fn(*args, **kwargs)

    return wrong


__all__ = [
    "WrongAnswer",
    "flips_kernel",
    "ignores_keyword",
    "mutates_input",
    "returns_dtype",
    "returns_list",
    "returns_transpose",
]
