"""Re-execute lesson notebooks at full size and store their outputs, ready to commit.

``python -m course_utils.refresh_outputs 03 05`` (lesson numbers, or notebook paths) runs
each notebook top to bottom in a fresh kernel, as a learner would (never in quick mode), and
writes it back only when every cell ran. The stored outputs are tidied the way JupyterLab
shows them: consecutive stream outputs are merged and text overwritten by a carriage return
is dropped (a progress bar leaves its last state, not every redraw), and nbclient's
per-cell execution timestamps are removed so that a re-run changes only what changed.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat

from course_utils.lessons import LESSONS

__all__ = ["as_displayed", "main", "refresh_notebook", "tidy_outputs"]

ROOT = Path(__file__).resolve().parents[1]


def _line_as_displayed(line: str) -> str:
    """One line as a terminal leaves it: ``\r`` returns to its start, later characters
    overwrite earlier ones and the rest of the line stays."""
    shown: list[str] = []
    for piece_index, piece in enumerate(line.split("\r")):
        if piece_index == 0:
            shown = list(piece)
        else:
            shown[: len(piece)] = piece
    return "".join(shown)


def as_displayed(text: str) -> str:
    """Stream text with every carriage return applied, as JupyterLab shows it."""
    return "\n".join(_line_as_displayed(line) for line in text.split("\n"))


def tidy_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Merge consecutive stream outputs of the same name, drop text a ``\\r`` overwrote, and
    remove execution timestamps from the cells' metadata (in place; returns the notebook)."""
    for cell in notebook.cells:
        cell.get("metadata", {}).pop("execution", None)
        merged: list[nbformat.NotebookNode] = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                previous.text += output.text
            else:
                merged.append(output)
        for output in merged:
            if output.output_type == "stream":
                output.text = as_displayed(output.text)
        if "outputs" in cell:
            cell.outputs = merged
    return notebook


def refresh_notebook(path: Path, timeout: float = 3600) -> float:
    """Execute ``path`` in a fresh kernel in its own folder and write it back tidied; returns
    the seconds it took. Raises (and writes nothing) when a cell fails."""
    from nbclient import NotebookClient

    if os.environ.get("COURSE_QUICK", "0") not in ("", "0"):
        raise RuntimeError("COURSE_QUICK is set: stored outputs must come from a full-size run")
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=timeout, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    temporary = path.with_name(path.name + ".refreshing")
    nbformat.write(tidy_outputs(notebook), temporary)
    os.replace(temporary, path)
    return time.perf_counter() - started


def _resolve(name: str) -> Path:
    for lesson in LESSONS:
        if name in (lesson.number, lesson.stem):
            return ROOT / lesson.notebook
    path = Path(name)
    if path.suffix == ".ipynb" and path.exists():
        return path
    raise ValueError(f"{name!r} is neither a lesson number nor a notebook")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.refresh_outputs")
    parser.add_argument("notebooks", nargs="+", help="lesson numbers (03) or notebook paths")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        paths = [_resolve(name) for name in args.notebooks]
    except ValueError as error:
        parser.error(str(error))
    for path in paths:
        seconds = refresh_notebook(path)
        print(f"{path.name}: executed and stored in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
