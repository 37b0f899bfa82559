"""The classroom grader: learner code runs in a sandbox that only computes; the grader judges.

One graded class (module fixture) holds honest, blank, broken and hostile notebooks; each test
asserts one guarantee: a submission that patches the checks, forges the result channel, reads or
writes another submission, leaves a detached process behind or prints fake results earns nothing
it did not compute and changes nobody else's grade.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from course_utils.grading.cli import main
from course_utils.grading.isolation import bwrap_path, isolation_warnings
from course_utils.grading.notebook import NotebookError, read_submission

ROOT = Path(__file__).resolve().parents[1]
SOLVED = ROOT / "solutions" / "00_warmup.ipynb"
FRESH = ROOT / "exercises" / "00_warmup.ipynb"
WRONG_Q4 = {"n_multiplications = conv_output_size(32, 3) ** 2 * 3 * 3": "n_multiplications = 9"}
MARKER = "course-grade-detached-marker"


def _notebook(source: Path, target: Path, extra=(), replace=None) -> Path:
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        for old, new in (replace or {}).items():
            cell.source = cell.source.replace(old, new)
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in extra]
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target


def _hostile_cells(classmate: Path, outputs: Path) -> dict[str, list[str]]:
    patch_checks = (
        "import course_utils.checks.problems as problems\n"
        "from course_utils.checks import outcomes\n"
        "_ = setattr(problems.ValueProblem, 'judge', lambda self, a: outcomes.correct(self.label))"
    )
    forge_channel = (
        "import os, struct, json\n"
        "fake = json.dumps({'answers': {'q4': {'status': 'value', 'value': 8100}}}).encode()\n"
        "_ = [os.write(fd, struct.pack('!Q', len(fake)) + fake) for fd in range(0, 64)"
        " if os.path.exists(f'/proc/self/fd/{fd}')]\n"
        "_ = print('ann 00_warmup 4/4 q1 correct q2 correct q3 correct q4 correct')\n"
        "_ = os._exit(0)"
    )
    steal = f"stolen = open({str(classmate)!r}).read()\nn_multiplications = len(stolen)"
    vandal = (
        "import os, pathlib\n"
        f"_ = pathlib.Path({str(classmate)!r}).write_text('{{}}')\n"
        f"_ = os.remove({str(classmate)!r})\n"
        f"_ = pathlib.Path({str(outputs / 'grades.csv')!r}).write_text('forged')"
    )
    detach = (
        "import subprocess, sys\n"
        "_ = subprocess.Popen([sys.executable, '-c', 'import time, pathlib; time.sleep(1.5); "
        f"pathlib.Path({str(outputs / 'grades.csv')!r}).write_text(\"forged\")', '{MARKER}'],"
        " start_new_session=True)"
    )
    return {
        "patch": [patch_checks],
        "forge": [forge_channel],
        "steal": [steal],
        "vandal": [vandal],
        "detach": [detach],
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("class")
    folder, outputs = root / "submissions", root / "out"
    outputs.mkdir()
    ann = _notebook(SOLVED, folder / "ann" / "00_warmup.ipynb")
    hostile = _hostile_cells(ann, outputs)
    notebooks = {
        "ann": ann,
        "ben": _notebook(FRESH, folder / "ben" / "00_warmup.ipynb"),
        "syntax": _notebook(
            SOLVED, folder / "syn" / "00_warmup.ipynb", replace={"span = dilation": "span = ("}
        ),
        "endless": _notebook(
            SOLVED,
            folder / "eve" / "00_warmup.ipynb",
            ["spin = next(i for i in iter(int, 1) if i)"],
        ),
    }
    for name, cells in hostile.items():
        notebooks[name] = _notebook(SOLVED, folder / name / "00_warmup.ipynb", cells, WRONG_Q4)
    (folder / "zed").mkdir()
    (folder / "zed" / "00_warmup.ipynb").write_text("this is not JSON")
    (folder / "zed" / "empty.ipynb").write_bytes(b"")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.ipynb")}
    start = time.perf_counter()
    code = main([str(folder), "--json-out", str(outputs / "grades.json"),
                 "--csv", str(outputs / "grades.csv"), "--timeout", "8"])  # fmt: skip
    seconds = time.perf_counter() - start
    time.sleep(2.5)  # longer than the detached process would wait before writing
    grades = json.loads((outputs / "grades.json").read_text())
    by_student = {g["student"]: g for g in grades if g["notebook"].endswith("00_warmup.ipynb")}
    return {"code": code, "grades": by_student, "all": grades, "folder": folder,
            "outputs": outputs, "before": before, "seconds": seconds}  # fmt: skip


def _outcomes(grade: dict) -> dict[str, str]:
    return {e["exercise"]: e["outcome"] for e in grade["exercises"]}


def test_honest_solutions_get_full_marks_and_blank_notebooks_zero(graded) -> None:
    assert graded["code"] == 0
    assert set(_outcomes(graded["grades"]["ann"]).values()) == {"correct"}
    assert set(_outcomes(graded["grades"]["ben"]).values()) == {"not attempted"}


@pytest.mark.parametrize("student", ["patch", "steal", "vandal", "detach"])
def test_hostile_code_earns_nothing_it_did_not_compute(graded, student: str) -> None:
    outcomes = _outcomes(graded["grades"][student])
    assert outcomes["q4"] == "not yet", outcomes
    assert [outcomes[q] for q in ("q1", "q2", "q3")] == ["correct"] * 3


def test_a_forged_result_channel_earns_nothing(graded) -> None:
    grade = graded["grades"]["forge"]
    assert _outcomes(grade)["q4"] != "correct"


def test_no_submission_was_read_changed_or_deleted(graded) -> None:
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in graded["before"]}
    assert after == graded["before"]
    assert graded["grades"]["steal"]["notes"], "reading a classmate's file must fail and be noted"


def test_outputs_are_written_by_the_grader_only(graded) -> None:
    rows = list(csv.DictReader((graded["outputs"] / "grades.csv").open()))
    assert rows and rows[0]["notebook"], "the CSV is the grader's, not 'forged'"
    assert "forged" not in (graded["outputs"] / "grades.csv").read_text()


def test_no_process_outlives_its_notebook(graded) -> None:
    alive = subprocess.run(["pgrep", "-f", MARKER], capture_output=True, text=True).stdout
    assert alive.strip() == ""


def test_a_syntax_error_is_an_error_for_the_exercise_it_defines(graded) -> None:
    grade = graded["grades"]["syn"]
    q1 = next(e for e in grade["exercises"] if e["exercise"] == "q1")
    assert q1["outcome"] == "error in your code"
    assert "syntax error" in q1["message"] and "Cell " in q1["message"]
    assert _outcomes(grade)["q3"] == "correct"


def test_an_endless_notebook_is_stopped_and_counted_as_errors(graded) -> None:
    grade = graded["grades"]["eve"]
    assert "time limit" in (grade["error"] or "")
    assert set(_outcomes(grade).values()) == {"error in your code"}


def test_files_that_are_not_notebooks_are_errors_with_a_reason(graded) -> None:
    broken = {Path(g["notebook"]).name: g for g in graded["all"] if "zed" in g["notebook"]}
    assert "not valid JSON" in broken["00_warmup.ipynb"]["error"]
    assert set(_outcomes(broken["00_warmup.ipynb"]).values()) == {"error in your code"}
    assert "empty" in broken["empty.ipynb"]["error"]


def test_cells_are_numbered_as_jupyterlab_shows_them(graded) -> None:
    q1 = next(e for e in graded["grades"]["ann"]["exercises"] if e["exercise"] == "q1")
    cells = nbformat.read(SOLVED, as_version=4).cells
    assert "def conv_output_size" in cells[q1["cell"] - 1].source


def test_a_directory_as_output_path_is_an_error_for_that_output_only(tmp_path: Path) -> None:
    (tmp_path / "grades.csv").mkdir()
    code = main([str(SOLVED), "--csv", str(tmp_path / "grades.csv"), "--force",
                 "--json-out", str(tmp_path / "grades.json")])  # fmt: skip
    assert code == 1
    assert json.loads((tmp_path / "grades.json").read_text())[0]["score"] == 4


def test_existing_outputs_are_not_overwritten_without_force(tmp_path: Path, capsys) -> None:
    (tmp_path / "grades.csv").write_text("keep")
    assert main([str(SOLVED), "--csv", str(tmp_path / "grades.csv")]) == 2
    assert (tmp_path / "grades.csv").read_text() == "keep"
    assert "--force" in capsys.readouterr().err


def test_reading_a_non_notebook_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.ipynb"
    path.write_text('{"cells": 3}')
    with pytest.raises(NotebookError, match="not a Jupyter notebook"):
        read_submission(path)


def test_the_sandbox_is_complete_here() -> None:
    """CI installs bubblewrap (course.sh test); elsewhere the grader warns."""
    if bwrap_path() is None:
        pytest.skip("bwrap is not installed: the grader runs without a filesystem sandbox")
    assert isolation_warnings() == []


def test_one_command_writes_gradebook_feedback_gradescope_and_report(tmp_path: Path) -> None:
    """Three students, two sets (one student misses a set, one notebook is broken)."""
    folder, out = tmp_path / "submissions", tmp_path / "out"
    _notebook(SOLVED, folder / "ann" / "00_warmup.ipynb")
    _notebook(
        ROOT / "solutions" / "02_fft_convolution.ipynb", folder / "ann" / "02_fft_convolution.ipynb"
    )
    tamper = _hostile_cells(folder / "ann" / "00_warmup.ipynb", out)["patch"]
    _notebook(SOLVED, folder / "ben" / "00_warmup.ipynb", tamper, replace=WRONG_Q4)
    _notebook(
        ROOT / "exercises" / "02_fft_convolution.ipynb", folder / "ben" / "02_fft_convolution.ipynb"
    )
    (folder / "cat").mkdir()
    (folder / "cat" / "00_warmup.ipynb").write_text("{ broken")
    code = main([str(folder), "--gradebook", str(out / "gradebook.csv"),
                 "--feedback", str(out / "feedback"), "--gradescope", str(out / "gradescope"),
                 "--report", str(out / "report.html"), "--timeout", "60"])  # fmt: skip
    assert code == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert set(rows) == {"ann", "ben", "cat"}
    fft_max = float(rows["ann"]["max"]) - 4
    assert float(rows["ann"]["total"]) == 4 + fft_max
    assert (
        float(rows["ben"]["ex00_warmup"]) == 3 and float(rows["ben"]["ex02_fft_convolution"]) == 0
    )
    assert rows["ben"]["ex00_warmup.q4"] in ("0", "0.0")
    assert float(rows["cat"]["total"]) == 0 and rows["cat"]["flags"]
    results = json.loads((out / "gradescope" / "ben" / "results.json").read_text())
    assert results["score"] == 3 and any("q4" in t["name"] for t in results["tests"])
    feedback = (out / "feedback" / "ben.md").read_text()
    assert "not yet" in feedback and "n_multiplications" in feedback
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and "cat" in report


def test_a_bwrap_that_cannot_start_falls_back_with_a_warning(tmp_path: Path, monkeypatch, capsys):
    from course_utils.grading import isolation

    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{__import__('os').environ['PATH']}")
    monkeypatch.setattr(isolation, "_BWRAP_FAILED", [])
    assert main([str(SOLVED), "--json-out", str(tmp_path / "g.json")]) == 0
    assert json.loads((tmp_path / "g.json").read_text())[0]["score"] == 4
    assert "cannot create a sandbox" in capsys.readouterr().err


def test_hidden_cases_catch_an_answer_that_fits_the_visible_cases_only(tmp_path: Path) -> None:
    fitted = "    if size >= 100:\n        return 0\n"
    notebook = _notebook(
        SOLVED,
        tmp_path / "sub" / "fit" / "00_warmup.ipynb",
        replace={
            "    ### BEGIN SOLUTION\n    span": "    ### BEGIN SOLUTION\n" + fitted + "    span"
        },
    )
    hidden = tmp_path / "hidden.py"
    hidden.write_text(
        "from course_utils.checks import Case\n"
        "HIDDEN_CASES = {'ex00_warmup': {'q1': [Case((1000, 3), {'stride': 3})]}}\n"
    )
    visible, secret = tmp_path / "visible.json", tmp_path / "secret.json"
    assert main([str(notebook), "--json-out", str(visible)]) == 0
    assert main([str(notebook), "--json-out", str(secret), "--hidden-cases", str(hidden)]) == 0
    assert _outcomes(json.loads(visible.read_text())[0])["q1"] == "correct"
    q1 = json.loads(secret.read_text())[0]["exercises"][0]
    assert q1["outcome"] == "not yet" and "your teacher's cases" in " ".join(q1["details"])


def test_a_wrong_hidden_cases_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    hidden = tmp_path / "hidden.py"
    hidden.write_text("HIDDEN_CASES = {'ex00_warmup': {'q9': []}}\n")
    assert main([str(SOLVED), "--hidden-cases", str(hidden)]) == 2
    assert "no function exercise 'q9'" in capsys.readouterr().err


def test_the_grader_rejects_a_loss_autograd_cannot_differentiate(tmp_path: Path) -> None:
    """The differentiability check holds in the grader's sandbox too (not only in the
    notebook): a detached loss is *not yet* for exercise 08 q2 and q3."""
    solved = ROOT / "solutions" / "08_inpainting_gan.ipynb"
    detach = {
        "    return real_term + fake_term\n": "    return (real_term + fake_term).detach()\n",
        "    return -(fake_scores * hole_patches).sum() / hole_count\n": (
            "    return (-(fake_scores * hole_patches).sum() / hole_count).detach()\n"
        ),
    }
    notebook = _notebook(
        solved, tmp_path / "sub" / "s1" / "08_inpainting_gan.ipynb", replace=detach
    )
    report = tmp_path / "grades.json"
    assert main([str(notebook), "--json-out", str(report)]) == 0
    exercises = {e["exercise"]: e for e in json.loads(report.read_text())[0]["exercises"]}
    for label in ("q2", "q3"):
        assert exercises[label]["outcome"] == "not yet", exercises[label]
        assert "cannot differentiate" in exercises[label]["message"]
    assert exercises["q1"]["outcome"] == "correct"
