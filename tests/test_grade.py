"""The classroom grader: outcomes from a clean process, robust to broken or hostile notebooks."""

from __future__ import annotations

import csv
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course_utils.grade import (
    answer_statements,
    exercise_module_of,
    find_notebooks,
    format_summary,
    grade_notebook,
    grade_notebooks,
    main,
)

ROOT = Path(__file__).resolve().parents[1]
SOLVED = ROOT / "solutions" / "00_warmup.ipynb"
FRESH = ROOT / "exercises" / "00_warmup.ipynb"
ALL_CORRECT = {f"q{i}": "correct" for i in range(1, 5)}
ENDLESS_TIMEOUT = 8


def _with_cells(source: Path, target: Path, extra: list[str], replace: dict[str, str]) -> Path:
    """A copy of ``source`` with code replaced (old -> new) and extra code cells appended."""
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        for old, new in replace.items():
            cell.source = cell.source.replace(old, new)
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in extra]
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("submissions")
    wrong_q4 = {"n_multiplications = conv_output_size(32, 3) ** 2 * 3 * 3": "n_multiplications = 9"}
    notebooks = {
        "solved": _with_cells(SOLVED, folder / "ann" / "00_warmup.ipynb", [], {}),
        "fresh": _with_cells(FRESH, folder / "ben" / "00_warmup.ipynb", [], {}),
        # a wrong answer plus every way of patching the checker from the notebook's top level
        "patched": _with_cells(
            SOLVED,
            folder / "cat" / "00_warmup.ipynb",
            [
                "from course_utils.checks import outcomes\n"
                "q4.evaluate = lambda: outcomes.correct('q4')\n"
                "ex00_warmup.q4._evaluate = lambda: outcomes.correct('q4')\n"
                "import course_utils.checks.problems as problems\n"
                "problems.ValueProblem._evaluate = lambda self: outcomes.correct(self.label)",
                "q4.check()",
            ],
            wrong_q4,
        ),
        # a statement that raises, a cell that does not parse, a magic: the rest is graded
        "broken": _with_cells(
            SOLVED,
            folder / "dan" / "00_warmup.ipynb",
            ["%matplotlib inline\nratio = 1 / 0", "def broken(:\n    pass"],
            {},
        ),
        "crash": _with_cells(
            SOLVED, folder / "fay" / "00_warmup.ipynb", ["import os\ngone = os._exit(3)"], {}
        ),
        "endless": _with_cells(
            SOLVED, folder / "eve" / "00_warmup.ipynb", ["stuck = sum(iter(int, 1))"], {}
        ),
        "lesson": ROOT / "notebooks" / "00_welcome.ipynb",
    }
    digests = {
        name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in notebooks.items()
    }
    names = [name for name in notebooks if name != "endless"]
    with ThreadPoolExecutor(max_workers=2) as pool:  # the endless one runs beside the others
        endless = pool.submit(grade_notebook, notebooks["endless"], ENDLESS_TIMEOUT)
        others = grade_notebooks([notebooks[name] for name in names], timeout=120, workers=2)
    return {
        "paths": notebooks,
        "digests": digests,
        "results": {**dict(zip(names, others, strict=True)), "endless": endless.result()},
    }


def _kinds(result) -> dict[str, str]:
    return {label: kind for label, (kind, _) in result.outcomes.items()}


def test_a_solved_notebook_is_all_correct_and_a_fresh_one_not_attempted(graded) -> None:
    results = graded["results"]
    assert results["solved"].exercise_set == "ex00_warmup"
    assert _kinds(results["solved"]) == ALL_CORRECT
    assert (results["solved"].correct, results["solved"].total) == (4, 4)
    assert set(_kinds(results["fresh"]).values()) == {"not attempted"}


def test_patching_the_checker_in_the_notebook_does_not_change_the_grade(graded) -> None:
    kinds = _kinds(graded["results"]["patched"])
    assert kinds == {**ALL_CORRECT, "q4": "not yet"}


def test_failing_statements_are_noted_and_the_rest_is_graded(graded) -> None:
    result = graded["results"]["broken"]
    assert _kinds(result) == ALL_CORRECT
    notes = "\n".join(result.notes)
    assert "ZeroDivisionError" in notes and "does not parse" in notes


def test_an_endless_notebook_times_out_without_blocking_the_others(graded) -> None:
    result = graded["results"]["endless"]
    assert set(_kinds(result)) == set(ALL_CORRECT)
    assert set(_kinds(result).values()) == {"error in your code"}
    assert any(f"stopped after {ENDLESS_TIMEOUT} s" in note for note in result.notes)


def test_a_process_that_dies_counts_every_exercise_as_an_error(graded) -> None:
    result = graded["results"]["crash"]
    assert set(_kinds(result).values()) == {"error in your code"} and len(result.outcomes) == 4
    assert any("ended early (exit code 3)" in note for note in result.notes)


def test_summary_gives_the_share_correct_per_exercise(graded) -> None:
    results = graded["results"]
    summary = format_summary([results["solved"], results["fresh"], results["lesson"]])
    assert summary == (
        "ex00_warmup: 2 notebook(s), correct per exercise: q1 50%  q2 50%  q3 50%  q4 50%; "
        "mean score 2.0/4"
    )


def test_a_notebook_without_exercises_is_reported(graded) -> None:
    result = graded["results"]["lesson"]
    assert result.exercise_set is None and not result.outcomes
    assert "not an exercise notebook" in result.notes[0]


def test_submissions_are_never_modified(graded) -> None:
    for name, path in graded["paths"].items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == graded["digests"][name], name


def test_an_unknown_exercise_set_is_reported(tmp_path: Path) -> None:
    fake = _with_cells(FRESH, tmp_path / "00_warmup.ipynb", [], {"ex00_warmup": "ex99_missing"})
    (result,) = grade_notebooks([fake])
    assert result.exercise_set == "ex99_missing" and not result.outcomes
    assert result.notes == ["unknown exercise set ex99_missing"]


def test_answer_statements_keep_definitions_and_plain_assignments_only() -> None:
    cells = [
        "import numpy as np\nfrom course_utils.exercise_sets import ex00_warmup\n"
        "q1, q2 = ex00_warmup.setup(globals())",
        "def f(x):\n    return x\n\nq1.check()\nprint(f(1))",
        "answer = f(2)\nq1.evaluate = None\nsettings['x'] = 1\nfor i in range(3):\n    pass",
    ]
    kept, notes = answer_statements(cells)
    assert kept == [
        "import numpy as np",
        "from course_utils.exercise_sets import ex00_warmup",
        "def f(x):\n    return x",
        "answer = f(2)",
    ]
    assert notes == [] and exercise_module_of(cells) == "ex00_warmup"


def test_find_notebooks_skips_checkpoints_and_rejects_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    for name in ("a/x.ipynb", "a/.ipynb_checkpoints/x-checkpoint.ipynb", "y.ipynb", "z.txt"):
        (tmp_path / name).write_text("{}")
    assert find_notebooks([tmp_path]) == [tmp_path / "a" / "x.ipynb", tmp_path / "y.ipynb"]
    with pytest.raises(ValueError, match="no such file"):
        find_notebooks([tmp_path / "missing"])


def test_cli_writes_csv_and_json_and_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    submission = _with_cells(SOLVED, tmp_path / "sub" / "00_warmup.ipynb", [], {})
    table, rows = tmp_path / "grades.csv", tmp_path / "grades.json"
    assert main([str(submission), "--csv", str(table), "--json-out", str(rows)]) == 0
    assert "4/4" in capsys.readouterr().out
    with table.open() as handle:
        lines = list(csv.DictReader(handle))
    assert [(line["exercise"], line["outcome"]) for line in lines] == list(ALL_CORRECT.items())
    assert json.loads(rows.read_text())[0]["correct"] == 4
    assert main([str(submission), "--csv", str(table)]) == 2  # exists: refused
    assert "--force" in capsys.readouterr().err
    assert main([str(tmp_path / "nothing-here")]) == 2
