"""The learner's work folder (course_utils.workspace): copies that git never sees and that
the course never overwrites once the learner changed them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from course_utils.course_map import course_map_html
from course_utils.workspace import MANIFEST, sync_workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    """A small course folder: two lessons, one exercise notebook."""
    root = tmp_path / "course"
    for relative in ("notebooks/00_welcome.ipynb", "notebooks/01_a.ipynb", "exercises/01_a.ipynb"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(json.dumps({"cells": [], "name": relative}))
    return root


def _edit(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_a_first_run_copies_every_lesson_and_exercise(course: Path) -> None:
    report = sync_workspace(course, course / "mywork")
    assert sorted(report.added) == [
        "exercises/01_a.ipynb",
        "notebooks/00_welcome.ipynb",
        "notebooks/01_a.ipynb",
    ]
    for relative in report.added:
        assert (course / "mywork" / relative).read_bytes() == (course / relative).read_bytes()
    again = sync_workspace(course, course / "mywork")
    assert (again.added, again.updated, again.kept, again.unchanged) == ([], [], [], 3)


def test_new_lessons_are_added_and_unchanged_copies_follow_the_course(course: Path) -> None:
    work = course / "mywork"
    sync_workspace(course, work)
    (course / "notebooks" / "02_b.ipynb").write_text("{}")  # a git pull brought a lesson
    _edit(course / "notebooks" / "01_a.ipynb", " ")  # and changed another
    report = sync_workspace(course, work)
    assert report.added == ["notebooks/02_b.ipynb"]
    assert report.updated == ["notebooks/01_a.ipynb"]
    assert (work / "notebooks/01_a.ipynb").read_text().endswith(" ")


def test_a_notebook_the_learner_changed_is_never_overwritten(course: Path) -> None:
    work = course / "mywork"
    sync_workspace(course, work)
    _edit(work / "exercises" / "01_a.ipynb", "my answer")
    assert sync_workspace(course, work).kept == []  # course unchanged: nothing to keep back
    _edit(course / "exercises" / "01_a.ipynb", " fixed typo")
    for _ in range(2):  # and still on the next start
        report = sync_workspace(course, work)
        assert report.kept == ["exercises/01_a.ipynb"]
        assert (work / "exercises/01_a.ipynb").read_text().endswith("my answer")
    assert any("kept your version of exercises/01_a.ipynb" in line for line in report.lines())


def test_without_a_readable_record_every_differing_copy_counts_as_the_learners(
    course: Path,
) -> None:
    work = course / "mywork"
    sync_workspace(course, work)
    (work / MANIFEST).write_text("not json")
    _edit(course / "notebooks" / "01_a.ipynb", " ")
    report = sync_workspace(course, work)
    assert report.kept == ["notebooks/01_a.ipynb"] and report.updated == []


def test_a_deleted_copy_comes_back_and_bad_work_folders_are_refused(course: Path) -> None:
    work = course / "mywork"
    sync_workspace(course, work)
    (work / "notebooks" / "01_a.ipynb").unlink()
    assert sync_workspace(course, work).added == ["notebooks/01_a.ipynb"]
    for bad in (course, course / "notebooks" / "mine"):
        with pytest.raises(ValueError, match="work folder"):
            sync_workspace(course, bad)


def test_the_course_map_links_the_copies_beside_it_and_the_course_solutions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = ROOT / "mywork-for-test-course-map"
    try:
        (work / "notebooks").mkdir(parents=True)
        (work / "exercises").mkdir()
        shutil.copy(ROOT / "exercises" / "03_im2col.ipynb", work / "exercises")
        monkeypatch.chdir(work / "notebooks")
        html = course_map_html()
    finally:
        shutil.rmtree(work)
    assert "href='../exercises/03_im2col.ipynb'" in html  # the learner's copy
    assert "href='../../solutions/03_im2col.ipynb'" in html  # the course's own
    assert "href='../../notebooks/01_direct_convolution.ipynb'" in html  # no copy: the course's


def test_course_sh_lab_syncs_the_work_folder_before_jupyterlab() -> None:
    script = (ROOT / "course.sh").read_text()
    body = script.split("run_lab() {", 1)[1].split("\n}\n", 1)[0]
    assert body.index("course_utils.workspace") < body.index("jupyter")
    assert "/lab/tree/$work/notebooks/00_welcome.ipynb" in body
    assert "must be a folder inside the course" in body  # Lab serves the course folder
    ignored = subprocess.run(
        ["git", "check-ignore", "mywork/notebooks/01.ipynb"], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0, "mywork/ must be git-ignored"
