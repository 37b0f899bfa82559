"""Strict mode for CI: a check whose outcome is not the expected one fails the notebook run.

``COURSE_STRICT`` selects what every check in the kernel must report:

==========================  ==============================================================
value                       expected outcome
==========================  ==============================================================
unset, ``0``, ``off``       none (normal learner use: checks only display)
``correct``/``solutions``   every check is *correct* (the solutions notebooks)
``not-attempted``/``exercises``  every check is *not attempted* (the generated exercises)
``auto`` or ``1``           from the folder the kernel runs in: ``solutions/`` -> correct,
                            ``exercises/`` -> not attempted, anything else -> none
==========================  ==============================================================

Jupyter and nbval start a notebook's kernel in the notebook's folder, so ``auto`` lets one
test run cover both folders.
"""

from __future__ import annotations

import os
from pathlib import Path

from course_utils.checks.outcomes import Kind, Outcome

STRICT_ENV = "COURSE_STRICT"

_BY_VALUE = {
    "correct": Kind.CORRECT,
    "solutions": Kind.CORRECT,
    "not-attempted": Kind.NOT_ATTEMPTED,
    "not_attempted": Kind.NOT_ATTEMPTED,
    "exercises": Kind.NOT_ATTEMPTED,
}
_BY_FOLDER = {"solutions": Kind.CORRECT, "exercises": Kind.NOT_ATTEMPTED}


class StrictModeMismatch(AssertionError):
    """A check reported something other than what strict mode expects."""


def expected_kind(cwd: Path | None = None) -> Kind | None:
    """The outcome strict mode demands, or ``None`` when strict mode is off."""
    value = os.environ.get(STRICT_ENV, "").strip().lower()
    if value in {"", "0", "off", "false", "no"}:
        return None
    if value in _BY_VALUE:
        return _BY_VALUE[value]
    if value in {"1", "auto", "true", "yes", "on"}:
        return _BY_FOLDER.get((cwd or Path.cwd()).name)
    raise ValueError(
        f"{STRICT_ENV}={value!r} is not understood; use one of: off, auto, correct, not-attempted"
    )


def enforce(outcome: Outcome) -> None:
    """Raise :class:`StrictModeMismatch` if strict mode is on and ``outcome`` is unexpected."""
    wanted = expected_kind()
    if wanted is not None and outcome.kind is not wanted:
        raise StrictModeMismatch(
            f"strict mode ({STRICT_ENV}) expected '{wanted.value}' but {outcome.problem} "
            f"reported '{outcome.kind.value}':\n{outcome}"
        )
