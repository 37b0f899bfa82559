"""The classroom edition (``python -m course_utils.classroom build OUT``).

It is built once into a temporary folder. The build's own check (every recorded exercise
passes the full reference and rejects every declared wrong answer with its message) must
report no failure; no file a learner's kernel can import or open contains a solution region or
a reference (compared as normalised ASTs with :mod:`course_utils.answer_leaks`, as the
lesson/exercise leak test does); and in a
fresh interpreter that sees only the edition, the exercise and solutions notebooks run with
the checks saying *not attempted* and *correct*.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.classroom import BuildError, answer_matches, build, exercise_sets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("classroom") / "edition"
    return build(out)


def _edition_env(out: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(out)  # ahead of the editable install of the full course
    env.pop("COURSE_SOLUTIONS_DIR", None)
    return env


def test_the_build_checks_itself_and_finds_nothing_wrong(edition) -> None:
    assert edition.failures == []
    assert len(edition.sets) == 9 and edition.problems >= 40
    assert edition.wrong_answers >= 300
    assert edition.recording_bytes < 20e6


def test_the_edition_holds_loaders_and_recordings_but_no_exercise_set_code(edition) -> None:
    sets = edition.out / "course_utils" / "exercise_sets"
    modules = sorted(p.name for p in sets.glob("*.py"))
    assert modules == ["__init__.py", *(f"{name}.py" for name in edition.sets)]
    assert not [p for p in sets.iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert not (edition.out / "course_utils" / "grading").exists()
    assert not (edition.out / "solutions").exists()
    for name in edition.sets:
        assert len((sets / f"{name}.py").read_text().splitlines()) < 10


def test_no_solution_region_is_importable_or_readable_from_the_edition(edition) -> None:
    """Not in the loaders, the recordings' folder, the lessons or the library the lessons use
    (whose plain hinge losses are a named mistake of exercise 08, not its answer)."""
    assert answer_matches(edition.out, exercise_sets()) == []


def test_a_copied_solution_in_the_edition_is_found(edition, tmp_path: Path) -> None:
    """The leak check itself: a learner-style copy of a solution, renamed, is reported."""
    copy = edition.out / "notebooks" / "zz_copy_for_this_test.py"
    copy.write_text(
        "def renamed(real, fake, hole):\n"
        "    real_term = F.relu(1.0 - real).mean()\n"
        "    hole_count = hole.sum().clamp_min(1.0)\n"
        "    fake_term = (F.relu(1.0 + fake) * hole).sum() / hole_count\n"
        "    return real_term + fake_term\n"
    )
    try:
        found = answer_matches(edition.out, exercise_sets())
    finally:
        copy.unlink()
    assert any(m.startswith("notebooks/zz_copy_for_this_test.py contains") for m in found)


def test_the_build_never_replaces_a_folder_it_did_not_write(tmp_path: Path, edition) -> None:
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(BuildError, match="not a classroom edition"):
        build(other)
    assert (other / "notes.txt").read_text() == "keep me"
    with pytest.raises(BuildError, match="--force"):
        build(edition.out)
    with pytest.raises(BuildError, match="part of the course"):
        build(ROOT / "notebooks")


_PROBE = """
import inspect, json, course_utils
from course_utils.exercise_sets import ex01_direct_convolution as ex01
ns = {}
q1, *_ = ex01.setup(ns)
source = inspect.getsource(q1.reference)
print(json.dumps({
    "package": course_utils.__file__,
    "stub": q1.evaluate().kind.value,
    "solution": q1.solution_note().text,
    "reference": source,
}))
"""


def test_a_kernel_that_sees_the_edition_gets_recorded_checks(edition) -> None:
    import json

    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        env=_edition_env(edition.out),
        cwd=edition.out,
        check=True,
    )
    probe = json.loads(done.stdout.splitlines()[-1])
    assert probe["package"].startswith(str(edition.out))
    assert probe["stub"] == "not attempted"
    assert "withheld" in probe["solution"]
    assert "no reference" in probe["reference"]


@pytest.mark.slow
def test_exercise_and_solution_notebooks_run_against_the_edition(edition, tmp_path: Path) -> None:
    """The real notebooks, executed by nbval in a kernel that imports only the edition: the
    exercises' checks say *not attempted*, the solutions' checks say *correct*."""
    solutions = edition.out / "solutions-for-this-test"
    solutions.mkdir()
    for name in ("00_warmup.ipynb", "03_im2col.ipynb"):
        shutil.copy2(ROOT / "solutions" / name, solutions / name)
    runs = [
        ([str(edition.out / "exercises" / "00_warmup.ipynb")], "exercises"),
        (sorted(str(p) for p in solutions.glob("*.ipynb")), "correct"),
    ]
    try:
        for notebooks, strict in runs:
            env = _edition_env(edition.out) | {"COURSE_STRICT": strict, "COURSE_QUICK": "1"}
            env["MPLBACKEND"] = "Agg"
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--nbval-lax",
                    "--nbval-current-env",
                    *notebooks,
                ],
                capture_output=True,
                text=True,
                env=env,
                cwd=edition.out,
                timeout=900,
            )
            assert done.returncode == 0, done.stdout[-3000:]
    finally:
        shutil.rmtree(solutions)
