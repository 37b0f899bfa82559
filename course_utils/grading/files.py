"""Writing output files safely: every gradebook, feedback file and report goes through here.

A file is written to a temporary file in the same folder and then moved over the target with
:func:`os.replace`, so a reader never sees half a file and an interrupted run leaves the old
file intact. A target that exists but is not a regular file (a folder, a device, a socket) and
any symbolic link -- to a file or not -- are refused with :class:`OutputPathError`: writing
"through" a link could replace a file somewhere else without anyone noticing.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["OutputPathError", "atomic_write_bytes", "atomic_write_text", "ensure_directory"]

_NEW_FILE_MODE = 0o644


class OutputPathError(ValueError):
    """An output path that cannot be written safely (a folder, a link, a special file)."""


def _refuse_unsafe_target(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise OutputPathError(
            f"{path} is a symbolic link: refusing to write through it (remove it or choose "
            "another output path)"
        )
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise OutputPathError(f"{path} exists and is {kind}: choose another output path")


def ensure_directory(directory: str | Path) -> Path:
    """Create ``directory`` (and its parents) if needed and return it as a Path.

    Raises OutputPathError if it exists as something other than a folder, or is a link.
    """
    path = Path(directory)
    try:
        info = path.lstat()
    except FileNotFoundError:
        path.mkdir(parents=True, exist_ok=True)
        return path
    if stat.S_ISLNK(info.st_mode):
        raise OutputPathError(f"{path} is a symbolic link: refusing to write into it")
    if not stat.S_ISDIR(info.st_mode):
        raise OutputPathError(f"{path} exists and is not a folder: choose another output folder")
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then
    :func:`os.replace`). An existing regular file is replaced and keeps its permissions;
    a new one gets ``rw-r--r--``. Returns the path."""
    target = Path(path)
    _refuse_unsafe_target(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputPathError(f"{folder} is not an existing folder: cannot write {target.name}")
    mode = target.stat().st_mode & 0o777 if target.exists() else _NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        _refuse_unsafe_target(target)  # a link planted while we were writing is refused too
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`). Line endings
    are written as given (``\\n``), whatever the platform."""
    return atomic_write_bytes(path, text.encode(encoding))
