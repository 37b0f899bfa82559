"""Exercises generated from solutions: round trip, --check, edited notebooks, bad markers."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import build_exercises as build
from course_utils.solution_regions import MarkerError, solutions_by_check, strip_code

ROOT = Path(__file__).resolve().parents[1]

FUNCTION_CELL = '''def f(x):
    """Double."""
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION'''


def _solution_notebook() -> nbformat.NotebookNode:
    executed = new_code_cell(FUNCTION_CELL, execution_count=3)
    executed.outputs = [new_output("stream", name="stdout", text="secret answer\n")]
    return new_notebook(
        cells=[
            new_markdown_cell("# Title\n### BEGIN SOLUTION\nThe answer is 4.\n### END SOLUTION"),
            new_code_cell("from course_utils.exercise_sets import ex00_warmup"),
            executed,
            new_code_cell("q1.check()"),
            new_code_cell("### BEGIN SOLUTION\nanswer = f(2)\n### END SOLUTION"),
            new_code_cell("q2.check()"),
            new_code_cell("### SOLUTION ONLY\n# NBVAL_CHECK_OUTPUT\nprint(f(2))"),
            new_code_cell("### BEGIN SOLUTION\nfor i in range(3):\n    print(i)\n### END SOLUTION"),
            new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)"),
        ]
    )


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(_solution_notebook(), solutions / "01_demo.ipynb")
    return solutions, exercises


def _run(course: tuple[Path, Path], *flags: str) -> int:
    solutions, exercises = course
    return build.main(["--solutions", str(solutions), "--exercises", str(exercises), *flags])


def _exercise(course: tuple[Path, Path]) -> nbformat.NotebookNode:
    return nbformat.read(course[1] / "01_demo.ipynb", as_version=4)


def test_regions_become_stubs_outputs_cleared_solution_only_dropped(course) -> None:
    assert _run(course) == 0
    cells = _exercise(course).cells
    sources = [cell.source for cell in cells]
    text = "\n".join(sources)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "2 * x" not in text and "The answer is 4" not in text
    assert "print(f(2))" not in text  # the solution-only cell is gone
    assert "*Your answer here.*" in sources[0]
    assert sources[2] == (
        'def f(x):\n    """Double."""\n    # YOUR CODE HERE\n    raise NotImplementedError'
    )
    assert sources[4] == "answer = ...  # YOUR CODE HERE"
    assert all(cell.get("outputs", []) == [] for cell in cells)
    assert all(cell.get("execution_count") is None for cell in cells if cell.cell_type == "code")
    assert "NBVAL_CHECK_OUTPUT" not in text


def test_top_level_stub_that_raises_is_tagged_for_nbval(course) -> None:
    _run(course)
    loop_cell = _exercise(course).cells[6]
    assert loop_cell.source.endswith("raise NotImplementedError")
    assert "raises-exception" in loop_cell.metadata["tags"]


def test_round_trip_is_stable_and_check_passes(course) -> None:
    assert _run(course) == 0
    first = (course[1] / "01_demo.ipynb").read_text()
    assert _run(course, "--check") == 0
    assert _run(course) == 0
    assert (course[1] / "01_demo.ipynb").read_text() == first


def test_check_fails_when_exercises_are_stale(course, capsys) -> None:
    assert _run(course, "--check") == 1  # not generated yet
    _run(course)
    solution = nbformat.read(course[0] / "01_demo.ipynb", as_version=4)
    solution.cells.append(new_markdown_cell("A new paragraph."))
    nbformat.write(solution, course[0] / "01_demo.ipynb")
    assert _run(course, "--check") == 1
    assert "out of date" in capsys.readouterr().err


def test_unchanged_exercise_is_updated_when_solution_changes(course) -> None:
    _run(course)
    solution = nbformat.read(course[0] / "01_demo.ipynb", as_version=4)
    solution.cells.append(new_markdown_cell("A new paragraph."))
    nbformat.write(solution, course[0] / "01_demo.ipynb")
    assert _run(course) == 0
    assert _exercise(course).cells[-1].source == "A new paragraph."


def test_edited_exercise_is_never_overwritten_without_force(course, capsys) -> None:
    _run(course)
    target = course[1] / "01_demo.ipynb"
    learner = _exercise(course)
    learner.cells[2].source = "def f(x):\n    return x + x  # my work"
    nbformat.write(learner, target)
    mine = target.read_text()
    solution = nbformat.read(course[0] / "01_demo.ipynb", as_version=4)
    solution.cells.append(new_markdown_cell("Changed upstream."))
    nbformat.write(solution, course[0] / "01_demo.ipynb")

    assert _run(course) == 1
    assert target.read_text() == mine
    err = capsys.readouterr().err
    assert "refused" in err and str(target) in err

    assert _run(course, "--force") == 0
    assert "my work" not in target.read_text()


def test_run_exercise_with_outputs_counts_as_edited(course) -> None:
    _run(course)
    target = course[1] / "01_demo.ipynb"
    learner = _exercise(course)
    learner.cells[3].outputs = [new_output("stream", name="stdout", text="my results\n")]
    nbformat.write(learner, target)
    solution = nbformat.read(course[0] / "01_demo.ipynb", as_version=4)
    solution.cells.append(new_markdown_cell("Changed upstream."))
    nbformat.write(solution, course[0] / "01_demo.ipynb")
    assert _run(course) == 1
    assert "my results" in target.read_text()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "nested"),
        ("x = 1\n### END SOLUTION", "without"),
    ],
)
def test_malformed_markers_name_notebook_and_cell(course, capsys, source, problem) -> None:
    solution = nbformat.read(course[0] / "01_demo.ipynb", as_version=4)
    solution.cells.insert(2, new_code_cell(source))
    nbformat.write(solution, course[0] / "01_demo.ipynb")
    assert _run(course) == 2
    err = capsys.readouterr().err
    assert problem in err and "01_demo.ipynb, cell 2" in err
    assert not (course[1] / "01_demo.ipynb").exists()


def test_strip_code_keeps_indentation_of_nested_regions() -> None:
    source = (
        "class A:\n    def f(self):\n"
        "        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION"
    )
    stubbed, raises = strip_code(source, "here")
    assert stubbed.splitlines()[2:] == [
        "        # YOUR CODE HERE",
        "        raise NotImplementedError",
    ]
    assert raises is False
    with pytest.raises(MarkerError, match="here"):
        strip_code("### END SOLUTION", "here")


def test_solutions_are_assigned_to_the_next_check() -> None:
    cells = [(c.cell_type, c.source) for c in _solution_notebook().cells]
    solutions = solutions_by_check(cells, "demo")
    assert "y = 2 * x" in solutions["q1"] and "BEGIN" not in solutions["q1"]
    assert solutions["q2"] == "answer = f(2)"


def test_repository_exercises_are_in_sync() -> None:
    assert build.main(["--check"]) == 0


def test_shipped_exercises_carry_no_outputs_or_answers() -> None:
    for path in (ROOT / "exercises").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            assert "BEGIN SOLUTION" not in cell.source, path
            assert not cell.get("outputs"), path
