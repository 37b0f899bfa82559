"""The exercise sets the course has, and the exercises each one asks for.

A set is a module ``course_utils.exercise_sets.exNN_<name>`` with ``EXERCISES.problems``; its
notebook is ``exercises/NN_<name>.ipynb``, so ``NN_<name>`` is its *file stem*. The sets are the
ones :data:`course_utils.lessons.LESSONS` names.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from course_utils import lessons

__all__ = ["exercise_set_names", "file_stem", "set_labels"]

_PACKAGE = "course_utils.exercise_sets"


def exercise_set_names() -> tuple[str, ...]:
    """Every exercise set's module name (``ex00_warmup``, ``ex01_...``), sorted."""
    return tuple(sorted(lessons.exercise_set_names()))


def file_stem(set_name: str) -> str:
    """The notebook's file stem of a set: ``ex03_im2col`` -> ``03_im2col``."""
    return set_name[2:] if set_name.startswith("ex") else set_name


@cache
def set_labels(set_name: str) -> tuple[str, ...]:
    """The labels of a set's exercises in order (``("q1", "q2", ...)``); empty for an
    unknown set or one that fails to import."""
    if set_name not in exercise_set_names():
        return ()
    try:
        exercises = import_module(f"{_PACKAGE}.{set_name}").EXERCISES
    except Exception:  # noqa: BLE001 - a broken set counts as unknown here; grading reports it
        return ()
    return tuple(problem.label for problem in exercises.problems)
