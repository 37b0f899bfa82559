"""What a check can say, as objects with a rich (HTML) display and a plain-text fallback.

One vocabulary, used everywhere in the course:

* **correct** -- the answer matches the reference on every case;
* **not yet** -- it runs, but an answer differs; the message says how (shape, dtype, error size,
  which typical mistake it looks like) without giving the answer away;
* **not attempted** -- the stub is still there (``raise NotImplementedError``, ``...``) or the
  name is not defined yet;
* **error in your code** -- the code raised (type, message and the inputs that triggered it) or
  ran past the time limit.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The four outcomes of a check."""

    CORRECT = "correct"
    INCORRECT = "not yet"
    NOT_ATTEMPTED = "not attempted"
    ERROR = "error in your code"


_STYLE = {
    Kind.CORRECT: ("#1b7f3b", "#e8f5ec", "✔"),
    Kind.INCORRECT: ("#b3261e", "#fdecea", "✘"),
    Kind.NOT_ATTEMPTED: ("#5f6368", "#f1f3f4", "…"),
    Kind.ERROR: ("#8a4b00", "#fff4e5", "⚠"),
}


_CODE = re.compile(r"`([^`\n]+)`")


def _rich(text: str) -> str:
    """Plain text as HTML: escaped, with `code` spans shown as code."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text))


def _box(title: str, body_lines: list[str], kind: Kind | None, tag: str = "") -> str:
    colour, background, icon = _STYLE.get(kind, ("#1a4d8f", "#e8f0fb", "ℹ"))
    body = "".join(f"<div style='margin-top:4px'>{line}</div>" for line in body_lines)
    return (
        f"<div class='course-check' data-outcome='{html.escape(tag)}' style='border-left:5px solid "
        f"{colour};background:{background};padding:8px 12px;margin:4px 0;border-radius:4px;"
        f"font-family:system-ui,sans-serif'><b style='color:{colour}'>{icon} "
        f"{html.escape(title)}</b>{body}</div>"
    )


@dataclass(frozen=True)
class Outcome:
    """The result of checking one exercise.

    Attributes:
        kind: one of :class:`Kind`.
        problem: the exercise's label, e.g. ``"q1"``.
        message: the explanation shown to the learner (plain text).
        details: extra plain-text lines (failing case, error sizes, notes).
    """

    kind: Kind
    problem: str
    message: str = ""
    details: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return f"{self.problem}: {self.kind.value}"

    @property
    def passed(self) -> bool:
        return self.kind is Kind.CORRECT

    def __str__(self) -> str:
        lines = [f"{_STYLE[self.kind][2]} {self.title}"]
        if self.message:
            lines.append(self.message)
        lines.extend(f"  {line}" for line in self.details)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        body = [_rich(self.message)] if self.message else []
        body += [f"<code>{html.escape(line)}</code>" for line in self.details]
        return _box(self.title, body, self.kind, tag=self.kind.name.lower())


@dataclass(frozen=True)
class Note:
    """A hint, a solution or a notice: titled text (optionally code) with a rich display."""

    title: str
    text: str
    code: bool = False

    def __str__(self) -> str:
        return f"{self.title}\n{self.text}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        if self.code:
            body = [
                "<pre style='margin:4px 0;white-space:pre-wrap'>"
                f"<code>{html.escape(self.text)}</code></pre>"
            ]
        else:
            body = [_rich(self.text)]
        return _box(self.title, body, None, tag="note")


def correct(problem: str, message: str = "", details: tuple[str, ...] = ()) -> Outcome:
    return Outcome(Kind.CORRECT, problem, message, details)


def incorrect(problem: str, message: str, details: tuple[str, ...] = ()) -> Outcome:
    return Outcome(Kind.INCORRECT, problem, message, details)


def not_attempted(problem: str, message: str) -> Outcome:
    return Outcome(Kind.NOT_ATTEMPTED, problem, message)


def code_error(problem: str, message: str, details: tuple[str, ...] = ()) -> Outcome:
    return Outcome(Kind.ERROR, problem, message, details)
