"""Course-wide settings read from the environment.

``COURSE_QUICK=1`` switches every notebook into *quick mode*: sizes and
iteration counts shrink so the whole course executes in CI in minutes, while
every code path still runs. Lessons call :func:`sized` instead of branching.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

QUICK_ENV = "COURSE_QUICK"


def quick_mode() -> bool:
    """True when ``COURSE_QUICK`` is set to a truthy value (1, true, yes, on)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def sized(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode, ``full`` otherwise.

    >>> sized(512, 64) in (512, 64)
    True
    """
    return quick if quick_mode() else full
