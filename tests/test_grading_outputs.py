"""The teacher's outputs of grading: gradebook, Gradescope results, feedback files, report.

All built from a small synthetic class of NotebookGrade objects (no notebook is run):

* alice -- both sets handed in, one typical mistake;
* bob   -- ex03_im2col not handed in; a shape error, an exercise not attempted;
* carol -- ex01 ran out of time (notebook-level error); partial credit on ex03 q1;
* dave  -- two notebooks of ex01 (the better one counts); code that raised in ex03.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
from pathlib import Path

import pytest

from course_utils.grading.demo import DEMO_SETS, demo_class
from course_utils.grading.feedback import write_feedback
from course_utils.grading.files import (
    OutputPathError,
    atomic_write_bytes,
    atomic_write_text,
    ensure_directory,
)
from course_utils.grading.gradebook import gradebook_table, write_gradebook
from course_utils.grading.gradescope import write_gradescope
from course_utils.grading.report import failure_key, item_analysis, write_report
from course_utils.grading.results import (
    CORRECT,
    ERROR,
    NOT_ATTEMPTED,
    NOT_YET,
    ExerciseGrade,
    NotebookGrade,
)
from course_utils.grading.sets import set_labels
from course_utils.grading.students import safe_file_name, student_file_names, student_of

EX01, EX03 = "ex01_direct_convolution", "ex03_im2col"
TIMEOUT = "grading stopped after 120 s (an endless loop or a very slow answer?)"
PADDING = "This looks like a typical mistake: the padding was forgotten."


def ok(label: str, cell: int = 3) -> ExerciseGrade:
    return ExerciseGrade(label, CORRECT, f"`{label}` is right.", cell=cell, score=1.0)


def wrong(label: str, message: str, outcome: str = NOT_YET, score: float = 0.0) -> ExerciseGrade:
    return ExerciseGrade(label, outcome, message, ("failing case 2 of 9",), 5, "def f(x):", score)


def notebook(student: str, set_name: str, *exercises: ExerciseGrade, **kw) -> NotebookGrade:
    name = kw.pop("name", f"{set_name[2:]}.ipynb")
    return NotebookGrade(Path("subs") / student / name, student, set_name, list(exercises), **kw)


def synthetic_class() -> list[NotebookGrade]:
    timeout = [ExerciseGrade(q, ERROR, TIMEOUT) for q in ("q1", "q2", "q3")]
    return [
        notebook("alice", EX01, ok("q1"), ok("q2"), ok("q3")),
        notebook("alice", EX03, ok("q1"), wrong("q2", PADDING)),
        notebook(
            "bob",
            EX01,
            ok("q1"),
            wrong("q2", "shape (3, 4), expected shape (4, 3)."),
            wrong("q3", "`conv` still raises NotImplementedError.", NOT_ATTEMPTED),
        ),
        notebook("carol", EX01, *timeout, error=TIMEOUT),
        notebook(
            "carol", EX03, wrong("q1", "2 of 9 cases differ.", score=0.5), wrong("q2", PADDING)
        ),
        notebook("dave", EX01, ok("q1"), wrong("q2", "no"), wrong("q3", "no"), name="old.ipynb"),
        notebook(
            "dave",
            EX01,
            ok("q1"),
            wrong("q2", "shape (5, 6), expected shape (6, 5)."),
            ok("q3"),
            name="new.ipynb",
        ),
        notebook(
            "dave",
            EX03,
            wrong("q1", "IndexError: index 5 is out of bounds for axis 0 with size 5", ERROR),
            ok("q2"),
        ),
    ]


# -- gradebook ---------------------------------------------------------------------------------


def test_gradebook_has_one_row_per_student_with_set_exercise_and_total_columns():
    header, rows = gradebook_table(synthetic_class())
    assert header == [
        "student", EX01, EX03, f"{EX01}.q1", f"{EX01}.q2", f"{EX01}.q3", f"{EX03}.q1",
        f"{EX03}.q2", "total", "max", "percent", "flags",
    ]  # fmt: skip
    table = {row[0]: row[1:-1] for row in rows}
    flags = {row[0]: row[-1] for row in rows}
    assert [row[0] for row in rows] == ["alice", "bob", "carol", "dave"]
    assert table["alice"] == ["3", "1", "1", "1", "1", "1", "0", "4", "5", "80.0"]
    assert table["bob"] == ["1", "0", "1", "0", "0", "0", "0", "1", "5", "20.0"]
    assert table["carol"] == ["0", "0.5", "0", "0", "0", "0.5", "0", "0.5", "5", "10.0"]
    assert table["dave"] == ["2", "1", "1", "0", "1", "0", "1", "3", "5", "60.0"]
    assert flags["alice"] == ""
    assert "no notebook for ex03_im2col (scored 0)" in flags["bob"]
    assert "could not be graded normally" in flags["carol"] and "120 s" in flags["carol"]
    assert "2 notebooks for ex01_direct_convolution" in flags["dave"]
    assert re.search(r"counted \S*new\.ipynb \(2/3\); not counted: \S*old\.ipynb", flags["dave"])


def test_gradebook_csv_round_trips_and_sets_can_be_chosen(tmp_path):
    path = write_gradebook(synthetic_class(), tmp_path / "grades.csv", sets=[EX03])
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student", EX03, f"{EX03}.q1", f"{EX03}.q2", "total", "max", "percent",
                       "flags"]  # fmt: skip
    assert rows[1][:7] == ["alice", "1", "1", "0", "1", "2", "50.0"]
    assert rows[2][:7] == ["bob", "0", "0", "0", "0", "2", "0.0"]
    assert not list(tmp_path.glob(".*tmp")), "the temporary file is gone"


def test_a_set_nobody_handed_in_takes_its_exercises_from_the_set_module():
    header, rows = gradebook_table(synthetic_class(), sets=["ex00_warmup"])
    labels = set_labels("ex00_warmup")
    assert labels and header[2 : 2 + len(labels)] == [f"ex00_warmup.{q}" for q in labels]
    assert all(row[1] == "0" and "no notebook for ex00_warmup" in row[-1] for row in rows)


def test_a_cell_that_looks_like_a_formula_is_quoted():
    grades = [notebook("=HYPERLINK(1)", EX03, ok("q1"))]
    _, rows = gradebook_table(grades)
    assert rows[0][0] == "'=HYPERLINK(1)"


# -- Gradescope --------------------------------------------------------------------------------


def test_gradescope_results_per_student(tmp_path):
    paths = write_gradescope(synthetic_class(), tmp_path / "gs")
    assert sorted(p.parent.name for p in paths) == ["alice", "bob", "carol", "dave"]
    alice = json.loads((tmp_path / "gs" / "alice" / "results.json").read_text())
    assert alice["score"] == 4 and alice["extra_data"]["max_score"] == 5
    assert [t["name"] for t in alice["tests"]] == [
        f"{EX01} q1", f"{EX01} q2", f"{EX01} q3", f"{EX03} q1", f"{EX03} q2"
    ]  # fmt: skip
    q2 = alice["tests"][4]
    assert (q2["score"], q2["max_score"], q2["status"]) == (0, 1, "failed")
    assert PADDING in q2["output"] and "cell 5" in q2["output"] and "not yet" in q2["output"]
    assert all(set(t) >= {"name", "score", "max_score", "output"} for t in alice["tests"])
    bob = json.loads((tmp_path / "gs" / "bob" / "results.json").read_text())
    assert bob["score"] == 1
    assert "No notebook was handed in" in bob["tests"][3]["output"]
    assert "no notebook for ex03_im2col" in bob["output"]
    carol = json.loads((tmp_path / "gs" / "carol" / "results.json").read_text())
    assert carol["score"] == 0.5 and TIMEOUT in carol["tests"][0]["output"]


# -- feedback ----------------------------------------------------------------------------------


def test_feedback_files_show_outcome_message_cell_and_score(tmp_path):
    written = write_feedback(synthetic_class(), tmp_path / "fb")
    assert sorted(p.name for p in written) == sorted(
        f"{s}.{ext}" for s in ("alice", "bob", "carol", "dave") for ext in ("html", "md")
    )
    page = (tmp_path / "fb" / "alice.html").read_text()
    assert "Feedback for alice" in page and "4 of 5 points (80%)" in page
    assert "the padding was forgotten." in page and "from cell 5" in page
    assert "failing case 2 of 9" in page and "not yet" in page and "0 / 1" in page
    markdown = (tmp_path / "fb" / "alice.md").read_text()
    assert "### q2: ✘ not yet (0 / 1)" in markdown
    assert "the padding was forgotten." in markdown and "*from cell 5*: `def f(x):`" in markdown
    bob = (tmp_path / "fb" / "bob.md").read_text()
    assert "No notebook was handed in for this set." in bob
    carol = (tmp_path / "fb" / "carol.html").read_text()
    assert carol.count("grading stopped after 120 s") == 2  # the notice and the set, not per q


# -- item analysis -----------------------------------------------------------------------------


def test_item_analysis_counts_outcomes_per_exercise():
    analysis = item_analysis(synthetic_class())
    assert analysis["students"] == 4 and analysis["sets"] == [EX01, EX03]
    assert analysis["notebooks"] == {
        "handed_in": 8, "counted": 7, "missing": 1, "not_counted": 1, "errors": 1
    }  # fmt: skip
    q2 = analysis["exercises"][f"{EX03}.q2"]
    assert q2["counts"] == {CORRECT: 1, NOT_YET: 2, NOT_ATTEMPTED: 0, ERROR: 0, "no notebook": 1}
    assert q2["shares"][CORRECT] == 0.25 and q2["share_correct"] == pytest.approx(1 / 3)
    q3 = analysis["exercises"][f"{EX01}.q3"]
    assert q3["counts"] == {CORRECT: 2, NOT_YET: 0, NOT_ATTEMPTED: 1, ERROR: 1, "no notebook": 0}
    assert q3["not_graded"] == 1 and q3["failures"] == []
    assert analysis["exercises"][f"{EX03}.q1"]["mean_score"] == pytest.approx(0.5)


def test_item_analysis_groups_failures_by_the_mistake_they_name():
    exercises = item_analysis(synthetic_class())["exercises"]
    [padding] = exercises[f"{EX03}.q2"]["failures"]
    assert padding["mistake"] and padding["text"] == "the padding was forgotten."
    assert padding["count"] == 2 and padding["students"] == ["alice", "carol"]
    [shape] = exercises[f"{EX01}.q2"]["failures"]
    assert shape["text"] == "shape (#, #), expected shape (#, #)." and shape["count"] == 2
    texts = [g["text"] for g in exercises[f"{EX03}.q1"]["failures"]]
    assert "IndexError: index # is out of bounds for axis # with size #" in texts


def test_failure_key_keeps_names_with_digits():
    assert failure_key("this looks like a typical mistake:  the kernel\nis flipped.") == (
        True,
        "the kernel is flipped.",
    )
    assert failure_key("dtype float64, expected dtype float32; error 1.5e-03") == (
        False,
        "dtype float64, expected dtype float32; error #",
    )


def test_item_analysis_scores_and_problems():
    analysis = item_analysis(synthetic_class())
    scores = analysis["scores"]
    assert scores["percent"] == {"alice": 80.0, "bob": 20.0, "carol": 10.0, "dave": 60.0}
    assert scores["mean"] == pytest.approx(42.5) and scores["median"] == pytest.approx(40.0)
    assert scores["histogram"]["counts"] == [0, 1, 1, 0, 0, 0, 1, 0, 1, 0]
    path = str(Path("subs/carol/01_direct_convolution.ipynb"))
    assert analysis["problems"] == [
        {"student": "carol", "set": EX01, "path": path, "error": TIMEOUT}
    ]
    assert analysis["per_set"][EX03]["missing"] == ["bob"]
    assert set(analysis["flags"]) == {"bob", "carol", "dave"}


def test_report_is_one_self_contained_page_with_embedded_images(tmp_path):
    path = write_report(synthetic_class(), tmp_path / "report.html")
    page = path.read_text()
    images = re.findall(r"<img src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 2
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for data in images)
    sources = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)""", page)
    assert all(s.startswith("data:") for s in sources)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "@media print" in page
    for text in ("Time-outs and crashes", "carol", TIMEOUT[:30], "the padding was forgotten."):
        assert text in page


# -- escaping and file names -------------------------------------------------------------------


def test_messages_and_names_from_submissions_are_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    grades = [
        notebook("<b>eve</b>", EX03, wrong("q1", f"ValueError: {evil}", ERROR), ok("q2")),
        notebook("../../etc/passwd", EX03, ok("q1"), ok("q2")),
    ]
    written = write_feedback(grades, tmp_path / "fb")
    report = write_report(grades, tmp_path / "report.html").read_text()
    assert all(p.parent == tmp_path / "fb" for p in written)
    for text in [report] + [p.read_text() for p in written]:
        assert "<script>" not in text and "<b>eve" not in text
    assert "&lt;script&gt;alert(#)&lt;/script&gt;" in report  # grouped: numbers as #
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (tmp_path / "fb" / "_b_eve_b_.md").read_text()
    assert "&lt;b&gt;eve&lt;/b&gt;" in (tmp_path / "fb" / "_b_eve_b_.html").read_text()


def test_student_ids_become_safe_distinct_file_names():
    assert safe_file_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_file_name("..") == "_" and safe_file_name("") == "_"
    assert safe_file_name("anna.b@uni.edu") == "anna.b@uni.edu"
    names = student_file_names(["anna b", "anna/b", "Anna_B"])
    assert len(set(names.values())) == 3 and all("/" not in n for n in names.values())


# -- students ----------------------------------------------------------------------------------


def test_student_from_the_folder_layout(tmp_path):
    root = tmp_path / "submissions"
    assert student_of(root / "anna" / "week3" / "03_im2col.ipynb", root) == "anna"
    assert student_of(Path("somewhere/ben/03_im2col.ipynb")) == "ben"
    with pytest.raises(ValueError, match="not in a student's folder"):
        student_of(root / "03_im2col.ipynb", root)
    with pytest.raises(ValueError, match="not below"):
        student_of(tmp_path / "elsewhere" / "x" / "a.ipynb", root)


def test_student_from_a_file_name_pattern():
    pattern = "{student}_{set}.ipynb"
    assert student_of(Path("in/anna_03_im2col.ipynb"), pattern=pattern) == "anna"
    assert student_of(Path("in/anna_b_03_im2col.ipynb"), pattern=pattern) == "anna_b"
    assert student_of(Path("in/anna_b_week3.ipynb"), pattern=pattern) == "anna"
    assert student_of(Path("x/ben/w3/a.ipynb"), pattern="{student}/w3/{set}.ipynb") == "ben"
    with pytest.raises(ValueError, match=r"does not match the student pattern"):
        student_of(Path("in/anna-03.txt"), pattern=pattern)
    with pytest.raises(ValueError, match="no {student}"):
        student_of(Path("in/a.ipynb"), pattern="{set}.ipynb")


# -- atomic writes -----------------------------------------------------------------------------


def test_atomic_write_replaces_a_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_refuses_a_folder_and_symlinks(tmp_path):
    folder = tmp_path / "report.html"
    folder.mkdir()
    with pytest.raises(OutputPathError, match=r"report\.html exists and is a folder"):
        atomic_write_text(folder, "x")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.csv"
    os.symlink(victim, link)
    with pytest.raises(OutputPathError, match=r"link\.csv is a symbolic link"):
        atomic_write_text(link, "x")
    assert victim.read_text() == "keep me"
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling.csv")
    with pytest.raises(OutputPathError, match="symbolic link"):
        write_gradebook(synthetic_class(), tmp_path / "dangling.csv")
    with pytest.raises(OutputPathError, match="not a folder"):
        ensure_directory(victim)
    os.symlink(folder, tmp_path / "linked_dir")
    with pytest.raises(OutputPathError, match="symbolic link"):
        write_feedback(synthetic_class(), tmp_path / "linked_dir")
    assert isinstance(OutputPathError("x"), ValueError)


# -- demo --------------------------------------------------------------------------------------


def test_demo_class_uses_the_real_sets_and_has_the_hard_cases():
    grades = demo_class()
    assert {g.exercise_set for g in grades} == set(DEMO_SETS)
    for grade in grades:
        assert [e.label for e in grade.exercises] == list(set_labels(grade.exercise_set))
    analysis = item_analysis(grades)
    notebooks = analysis["notebooks"]
    assert notebooks["missing"] >= 1 and notebooks["not_counted"] >= 1
    assert notebooks["errors"] >= 1
    outcomes = {e.outcome for g in grades for e in g.exercises}
    assert outcomes == {CORRECT, NOT_YET, NOT_ATTEMPTED, ERROR}
    assert demo_class() == grades
