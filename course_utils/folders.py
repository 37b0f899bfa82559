"""Output folders the course's builders own: they write into a new or empty folder, and
replace an existing one only if they wrote it themselves (a marker file says so) and the
user asked for it. Nothing else is ever deleted."""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["prepare_owned_folder"]


def prepare_owned_folder(
    out: Path, marker: str, force: bool, what: str, error: type[Exception] = ValueError
) -> None:
    """Create ``out`` for a build of ``what`` (e.g. "a classroom edition").

    An existing non-empty folder is removed and recreated only when it holds the file
    ``marker`` (written by an earlier build) and ``force`` is true; otherwise ``error`` is
    raised with a message that says which case it is. The marker is not written here."""
    if out.exists() and any(out.iterdir()):
        if not (out / marker).is_file():
            raise error(f"{out} exists and is not {what}: choose a new folder")
        if not force:
            raise error(f"{out} holds {what} built before: add --force to replace it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
