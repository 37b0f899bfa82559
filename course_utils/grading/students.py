"""Who handed in a notebook: the student id, read from where the file sits or from its name.

Two layouts are understood:

* one folder per student (the default): ``submissions/<student>/.../03_im2col.ipynb``. With a
  ``root`` the student is the first folder below it; without one, the notebook's own folder;
* a file-name pattern, e.g. ``"{student}_{set}.ipynb"`` for ``anna_03_im2col.ipynb``. The
  placeholders are ``{student}`` (required) and ``{set}`` (optional: whatever names the set,
  such as ``03_im2col``); everything else must match literally. A pattern containing ``/``
  is matched against the last folders of the path too, e.g. ``"{student}/week3/{set}.ipynb"``.
  When a name could be split in several ways (``anna_b_03_im2col.ipynb``), a ``{set}`` that
  is one of the course's sets (``03_im2col`` or ``ex03_im2col``) wins, then one that looks
  like a set's file stem (two digits, ``_``, a name), so the student is ``anna_b``.

Student ids are kept as written; :func:`safe_file_name` turns one into a file name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from course_utils.grading.sets import exercise_set_names, file_stem

__all__ = ["safe_file_name", "student_file_names", "student_of"]

_PLACEHOLDER = re.compile(r"\{(student|set)\}")
_SET_LIKE = r"(?:ex)?\d\d_[A-Za-z0-9_-]+"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


def _pattern_regex(pattern: str, set_regex: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        name = match.group(1)
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>[^/]+?)" if name == "student" else f"(?P<set>{set_regex})")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    if "student" not in seen:
        raise ValueError(f"the pattern {pattern!r} has no {{student}} placeholder")
    return re.compile("".join(parts))


def _match_pattern(path: Path, pattern: str) -> str:
    depth = pattern.count("/") + 1
    tail = PurePosixPath(*path.parts[-depth:]).as_posix()
    known = "|".join(
        re.escape(name)
        for set_name in exercise_set_names()
        for name in (set_name, file_stem(set_name))
    )
    for set_regex in (known, _SET_LIKE, r"[^/]+?"):
        match = _pattern_regex(pattern, set_regex).fullmatch(tail)
        if match and match.group("student"):
            return match.group("student")
    raise ValueError(
        f"{path} does not match the student pattern {pattern!r} (compared with {tail!r}; "
        "placeholders: {student}, {set})"
    )


def student_of(path: Path, root: Path | None = None, pattern: str | None = None) -> str:
    """The student who handed in the notebook at ``path`` (see the module docstring).

    Raises ValueError when the path does not match ``pattern``, lies outside ``root``, or
    sits directly in ``root`` (no student folder) while no pattern is given.
    """
    path = Path(path)
    if pattern is not None:
        return _match_pattern(path, pattern)
    if root is None:
        student = path.parent.name
        if not student:
            raise ValueError(
                f"{path} is not in a student folder; give a pattern such as "
                "'{student}_{set}.ipynb'"
            )
        return student
    try:
        relative = path.resolve().relative_to(Path(root).resolve())
    except ValueError:
        raise ValueError(f"{path} is not below the submissions folder {root}") from None
    if len(relative.parts) < 2:
        raise ValueError(
            f"{path} sits directly in {root}, not in a student's folder: put it in "
            f"{root}/<student>/ or give a pattern such as '{{student}}_{{set}}.ipynb'"
        )
    return relative.parts[0]


def safe_file_name(student: str) -> str:
    """``student`` as a file name: letters, digits and ``. _ - @ +`` kept, anything else
    (``/``, spaces, ``\\``, control characters) becomes ``_``; no leading dot, so never
    ``.`` or ``..``; never empty; at most 100 characters."""
    name = _UNSAFE.sub("_", student.strip()).lstrip(".")[:100]
    return name or "_"


def student_file_names(students: Iterable[str]) -> dict[str, str]:
    """A distinct safe file name for each student (``anna_b`` and ``anna/b`` both sanitise to
    ``anna_b``: the second one becomes ``anna_b-2``). Names are compared case-insensitively,
    as on macOS and Windows file systems."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for student in sorted(set(students)):
        base = safe_file_name(student)
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.lower())
        names[student] = name
    return names
