"""Re-executing lessons for their stored outputs (course_utils.refresh_outputs)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course_utils.refresh_outputs import refresh_notebook, tidy_outputs


def _stream(text: str, name: str = "stdout") -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_streams_are_merged_and_overwritten_progress_is_dropped() -> None:
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = [
        _stream("\rstep 1/3"),
        _stream("\rstep 2/3"),
        _stream("\rstep 3/3\n"),
        _stream("careful\n", name="stderr"),
        _stream("done\n"),
    ]
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    notebook = tidy_outputs(nbformat.v4.new_notebook(cells=[cell]))
    outputs = notebook.cells[0].outputs
    assert [(o.name, o.text) for o in outputs] == [
        ("stdout", "step 3/3\n"),
        ("stderr", "careful\n"),
        ("stdout", "done\n"),
    ]
    assert "execution" not in notebook.cells[0].metadata


def test_a_notebook_runs_in_a_fresh_kernel_and_is_stored_tidied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COURSE_QUICK", raising=False)  # the test suite runs in quick mode
    source = "import sys\nfor i in range(50):\n    print(f'\\r{i}', end='', flush=True)\nprint()"
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
    refresh_notebook(path, timeout=120)
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert len(outputs) == 1 and outputs[0].text == "49\n"


def test_a_failing_notebook_is_not_written_and_quick_mode_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    path = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), path)
    before = path.read_bytes()
    with pytest.raises(Exception, match="ZeroDivisionError"):
        refresh_notebook(path, timeout=120)
    assert path.read_bytes() == before
    monkeypatch.setenv("COURSE_QUICK", "1")
    with pytest.raises(RuntimeError, match="full-size"):
        refresh_notebook(path)


def test_carriage_returns_overwrite_like_a_terminal() -> None:
    from course_utils.refresh_outputs import as_displayed

    assert as_displayed("abcdef\rXY") == "XYcdef"  # the rest of the line stays
    assert as_displayed("abc\r\r\nz") == "abc\nz"
    assert as_displayed("\r 10%\r 20%\r100%\ndone\n") == "100%\ndone\n"
