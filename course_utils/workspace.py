"""The learner's work folder: copies of the lessons and exercises that ``git pull`` never
touches and that the course never overwrites once the learner has changed them.

``bash course.sh lab`` runs :func:`sync_workspace` and opens JupyterLab on the copy of the
welcome notebook. The tracked notebooks stay as the course ships them, so ``git pull`` always
works; the work folder (``mywork/`` by default) is git-ignored. Each run

* copies every lesson and exercise notebook that is not in the work folder yet (a new lesson
  after a ``git pull``, or one the learner deleted);
* updates a copy the learner has not changed when the course's notebook changed;
* keeps a copy the learner has changed; when the course's notebook changed too, it says so
  (the course's new version stays in the course folder, e.g. ``notebooks/03_im2col.ipynb``).

"Changed" is decided by content: ``.course-copies.json`` in the work folder records the
SHA-256 of every copy as it was written. A copy whose record is missing or unreadable counts
as the learner's. Files are written to a temporary name and renamed, so an interrupted run
leaves either the old or the new file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["COPIED_FOLDERS", "MANIFEST", "SyncReport", "sync_workspace", "main"]

#: The course folders whose notebooks the learner works on.
COPIED_FOLDERS = ("notebooks", "exercises")
#: What each copy held when it was written, inside the work folder.
MANIFEST = ".course-copies.json"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SyncReport:
    """What one :func:`sync_workspace` run did, as paths relative to the work folder."""

    work: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by the learner, course changed too
    unchanged: int = 0
    yours: int = 0  # changed by the learner, the course's notebook as when it was copied

    def lines(self) -> list[str]:
        """Plain sentences for the terminal."""
        out = [
            f"work folder {self.work}: {self.unchanged} notebook(s) as the course has them, "
            f"{self.yours + len(self.kept)} with your changes"
        ]
        if self.added:
            out.append(f"copied {len(self.added)} new: {', '.join(self.added)}")
        if self.updated:
            names = ", ".join(self.updated)
            out.append(f"updated {len(self.updated)} you had not changed: {names}")
        for path in self.kept:
            out.append(
                f"kept your version of {path} (the course's version, possibly newer, is {path} "
                "in the course folder)"
            )
        return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(work: Path) -> dict[str, str]:
    try:
        data = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp-course-copy")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _course_notebooks(root: Path) -> list[str]:
    return [
        f"{folder}/{path.name}"
        for folder in COPIED_FOLDERS
        for path in sorted((root / folder).glob("*.ipynb"))
    ]


def _check_work_folder(root: Path, work: Path) -> None:
    inside_course = root in work.parents and work.relative_to(root).parts[0] in COPIED_FOLDERS
    if work == root or inside_course:
        raise ValueError(
            f"the work folder {work} must not be the course folder or inside "
            f"{' or '.join(COPIED_FOLDERS)}/"
        )


def sync_workspace(root: Path = ROOT, work: Path | None = None) -> SyncReport:
    """Bring the work folder (default ``root / "mywork"``) up to date with the course's
    lessons and exercises without overwriting anything the learner changed (module doc)."""
    root = Path(root).resolve()
    work = (root / "mywork") if work is None else Path(work).resolve()
    _check_work_folder(root, work)
    recorded = _read_manifest(work)
    report = SyncReport(work)
    for relative in _course_notebooks(root):
        source, copy = root / relative, work / relative
        data = source.read_bytes()
        wanted = hashlib.sha256(data).hexdigest()
        if not copy.exists():
            _write_atomically(copy, data)
            report.added.append(relative)
        elif (current := _digest(copy)) == wanted:
            report.unchanged += 1
        elif recorded.get(relative) == current:  # the learner never edited this copy
            _write_atomically(copy, data)
            report.updated.append(relative)
        elif recorded.get(relative) == wanted:  # the learner's edits; nothing new upstream
            report.yours += 1
            continue
        else:
            report.kept.append(relative)
            continue  # its record stays: the copy is the learner's
        recorded[relative] = wanted
    text = json.dumps(recorded, indent=1, sort_keys=True) + "\n"
    _write_atomically(work / MANIFEST, text.encode("utf-8"))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.workspace",
        description="Copy the lessons and exercises into your work folder (never overwriting "
        "a notebook you changed).",
    )
    parser.add_argument("work", nargs="?", default=None, help="work folder (default: mywork)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        report = sync_workspace(ROOT, None if args.work is None else Path(args.work))
    except (OSError, ValueError) as error:
        print(f"could not prepare the work folder: {error}")
        return 1
    print("\n".join(f"==> {line}" for line in report.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
