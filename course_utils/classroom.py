"""The classroom edition: exercise notebooks whose checks ship no solutions.

Usage::

    python -m course_utils.classroom build OUT           # write the edition into folder OUT
    python -m course_utils.classroom build OUT --force   # replace an edition built there before

In the self-paced course every answer is one call away: a check computes the expected result
with the exercise's reference function, which the learner's kernel can import and print
(``inspect.getsource(q1.reference)``). The classroom edition is a folder to hand out instead:

* ``course_utils/`` -- the course library (convolutions, inpainting, widgets, the checking
  engine) without the exercise sets and the grader;
* ``course_utils/exercise_sets/exNN_*.py`` -- three-line loaders, each reading a *recording*
  (:mod:`course_utils.checks.recorded`): the cases' inputs, the references' outputs and the
  known mistakes' outputs, computed here at build time. ``q1.solution()`` says that solutions
  are withheld; hints stay;
* ``exercises/`` and ``notebooks/`` -- the exercise notebooks and the lessons, unchanged;
* ``pyproject.toml`` and ``README.md`` -- ``pip install ./OUT`` installs it.

The build then checks its own output: every recorded exercise passes the full reference and
rejects every declared wrong answer with its message, and no file of the edition contains the
code of a solution region or of a reference. The teacher grades with the full course
(``python -m course_utils.grade``), which keeps the references and any hidden cases.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.answer_leaks import asked_of, copied_solutions, python_functions, with_references
from course_utils.checks import FunctionProblem, Problem
from course_utils.checks.exercise_set import ExerciseSet
from course_utils.checks.recorded import SUFFIX, load_recorded_set, write_recording
from course_utils.folders import prepare_owned_folder
from course_utils.grading.sets import exercise_set_names

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(__file__).resolve().parent
MARKER = ".classroom-edition"
#: Parts of the package the edition leaves out: the exercise sets (references, cases, declared
#: wrong answers) and the grader (which imports them).
LEFT_OUT = ("exercise_sets", "grading", "grade.py", "classroom.py", "__pycache__")

LOADER = '''"""Exercise set {name} (classroom edition): checked against recorded cases."""

from course_utils.checks.recorded import load_recorded_set, recording_beside

EXERCISES = load_recorded_set(recording_beside(__file__))
setup = EXERCISES.setup
'''

README = """# {title} -- classroom edition

This folder holds the exercise notebooks of the course with checks that contain no
solutions. Install it and open the exercises:

    pip install ./{folder}                 # in the environment of the course (CPU PyTorch)
    jupyter lab {folder}/exercises

`q1.check()` compares your function with results recorded from the reference solutions
(several random inputs, edge shapes, large values). When your answer is wrong it says how
(shape, dtype, the first differing entry, a typical mistake such as a flipped kernel) without
showing the answer. `q1.hint()` gives hints; `q1.solution()` says that solutions are withheld:
ask your teacher. Your teacher grades the notebooks you hand in with the full course, which
may use further cases.
"""


class BuildError(RuntimeError):
    """The edition could not be built (the reason is in the message)."""


@dataclass
class BuildReport:
    out: Path
    sets: list[str] = field(default_factory=list)
    recording_bytes: int = 0
    problems: int = 0
    wrong_answers: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        state = "ok" if not self.failures else f"{len(self.failures)} FAILURES"
        lines = [
            f"classroom edition in {self.out}: {len(self.sets)} exercise sets, "
            f"{self.problems} exercises, recordings {self.recording_bytes / 1e6:.1f} MB",
            f"self-check: references pass and {self.wrong_answers} declared wrong answers "
            f"are rejected with their messages -- {state}",
        ]
        return "\n".join(lines + [f"  {failure}" for failure in self.failures])


# -- one step per function ----------------------------------------------------------------------


def prepare_folder(out: Path, force: bool) -> None:
    """Create ``out``; an existing non-empty folder is replaced only if it is an edition built
    before and ``force`` is given (nothing else is ever deleted)."""
    prepare_owned_folder(out, MARKER, force, "a classroom edition", BuildError)


def copy_library(out: Path) -> None:
    """The package without the exercise sets and the grader."""
    shutil.copytree(
        PACKAGE, out / "course_utils", ignore=shutil.ignore_patterns(*LEFT_OUT, "*.pyc")
    )
    sets = out / "course_utils" / "exercise_sets"
    sets.mkdir()
    shutil.copy2(PACKAGE / "exercise_sets" / "__init__.py", sets / "__init__.py")


def exercise_sets() -> dict[str, ExerciseSet]:
    return {
        name: importlib.import_module(f"course_utils.exercise_sets.{name}").EXERCISES
        for name in exercise_set_names()
    }


def write_sets(out: Path, sets: dict[str, ExerciseSet], report: BuildReport) -> None:
    folder = out / "course_utils" / "exercise_sets"
    for name, exercise_set in sets.items():
        (folder / f"{name}.py").write_text(LOADER.format(name=name), encoding="utf-8")
        path = write_recording(exercise_set, folder / f"{name}{SUFFIX}")
        report.sets.append(name)
        report.recording_bytes += path.stat().st_size
        report.problems += len(exercise_set.problems)


def copy_notebooks(out: Path) -> None:
    for folder in ("exercises", "notebooks"):
        shutil.copytree(
            ROOT / folder,
            out / folder,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
        )


def write_project_files(out: Path) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = text.replace('"**/*.json"]', f'"**/*.json", "**/*{SUFFIX}"]', 1)
    (out / "pyproject.toml").write_text(text, encoding="utf-8")
    readme = README.format(title="Fast convolutions and image inpainting", folder=out.name)
    (out / "README.md").write_text(readme, encoding="utf-8")
    (out / MARKER).write_text(json.dumps({"built_from": str(ROOT)}) + "\n", encoding="utf-8")


# -- the build checks itself ---------------------------------------------------------------------


def self_check(out: Path, sets: dict[str, ExerciseSet], report: BuildReport) -> None:
    """Every recorded exercise passes its reference and rejects every declared wrong answer."""
    folder = out / "course_utils" / "exercise_sets"
    for name, full in sets.items():
        recorded = load_recorded_set(folder / f"{name}{SUFFIX}")
        for original, problem in zip(full.problems, recorded.problems, strict=True):
            _check_problem(name, original, problem, report)


def _check_problem(name: str, original: Problem, problem: Problem, report: BuildReport) -> None:
    right = original.reference if isinstance(original, FunctionProblem) else original.expected
    problem.bind({problem.name: right})
    outcome = problem.evaluate()
    if not outcome.passed:
        report.failures.append(f"{name} {problem.label}: the reference gives {outcome.message}")
    for wrong in original.wrong_answers:
        problem.bind({problem.name: wrong.answer})
        outcome = problem.evaluate()
        text = " ".join((outcome.message, *outcome.details)).lower()
        report.wrong_answers += 1
        if outcome.passed or wrong.says.lower() not in text:
            report.failures.append(
                f"{name} {problem.label}: wrong answer {wrong.label!r} gives {outcome.message!r}"
            )
    problem.bind({})


def leaks(out: Path, sets: dict[str, ExerciseSet]) -> list[str]:
    """Files of the edition that contain a solution region's or a reference's code."""
    return answer_matches(out, sets)


def answer_matches(out: Path, sets: dict[str, ExerciseSet]) -> list[str]:
    """Every function in a ``.py`` file or notebook of the edition whose body is (or contains)
    a solution region or a reference, names changed or not (:mod:`course_utils.answer_leaks`)."""
    asked = [
        with_references(
            asked_of(
                exercise_set,
                ROOT / "solutions" / f"{exercise_set.notebook}.ipynb",
                f"solutions/{exercise_set.notebook}.ipynb",
            ),
            exercise_set.problems,
            name,
        )
        for name, exercise_set in sets.items()
    ]
    found = []
    for path in sorted(out.rglob("*")):
        if path.suffix not in (".py", ".ipynb"):
            continue
        for where, function in python_functions(path):
            for exercise in asked:
                found += [
                    f"{path.relative_to(out)} contains {solution} (`{function.name}`, {where})"
                    for solution in copied_solutions(function, exercise)
                ]
    return found


def build(out: Path, force: bool = False) -> BuildReport:
    """Write the classroom edition into ``out`` and check it (see the module's doc)."""
    out = Path(out).resolve()
    if out == ROOT or out in ROOT.parents or (out.parent == ROOT and (ROOT / out.name).exists()):
        raise BuildError(f"{out} is part of the course itself: choose another folder")
    prepare_folder(out, force)
    sets = exercise_sets()
    report = BuildReport(out)
    copy_library(out)
    write_sets(out, sets, report)
    copy_notebooks(out)
    write_project_files(out)
    self_check(out, sets, report)
    report.failures += leaks(out, sets)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.classroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write the classroom edition into a folder")
    make.add_argument("out", type=Path, help="the folder to write (new, or built before)")
    make.add_argument("--force", action="store_true", help="replace an edition built there")
    args = parser.parse_args(argv)
    try:
        report = build(args.out, force=args.force)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
