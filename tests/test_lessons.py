"""The lesson list (``course_utils.lessons``) agrees with the files and with the prose.

* every entry has its lesson notebook, its solutions and exercises notebooks and its exercise
  set, and no notebook or exercise set exists that the list does not name;
* the README's lesson map, the welcome notebook's introduction and each lesson's
  "Prerequisites" and "Estimated time" say what the list says.

Every failure names the lessons and files that are missing or different.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import nbformat

import course_utils.exercise_sets as sets
from course_utils.course_map import course_map_html
from course_utils.lessons import LESSONS, Lesson, exercise_set_names, lesson

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "solutions", "exercises")


def _listed_files() -> dict[str, set[str]]:
    """Folder -> the notebook file names the list names in it."""
    listed: dict[str, set[str]] = {folder: set() for folder in FOLDERS}
    for entry in LESSONS:
        listed["notebooks"].add(Path(entry.notebook).name)
        for folder in ("solutions", "exercises"):
            if (path := entry.exercise_notebook(folder)) is not None:
                listed[folder].add(Path(path).name)
    return listed


def _markdown(notebook: str) -> str:
    nb = nbformat.read(ROOT / notebook, as_version=4)
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


# -- the list itself ---------------------------------------------------------------------------


def test_the_list_is_numbered_in_order_and_names_follow_the_numbers() -> None:
    numbers = [entry.number for entry in LESSONS]
    assert numbers == [f"{i:02d}" for i in range(len(LESSONS))], numbers
    wrong = [
        entry.number
        for entry in LESSONS
        if not entry.stem.startswith(f"{entry.number}_")
        or not (entry.exercise_set or f"ex{entry.number}_").startswith(f"ex{entry.number}_")
    ]
    assert not wrong, (
        f"lessons whose stem or exercise set does not start with their number: {wrong}"
    )


def test_prerequisites_are_earlier_lessons() -> None:
    wrong = {
        entry.number: [p for p in entry.prerequisites if p not in {e.number for e in LESSONS}]
        or [p for p in entry.prerequisites if p >= entry.number]
        for entry in LESSONS
    }
    wrong = {number: bad for number, bad in wrong.items() if bad}
    assert not wrong, f"prerequisites that are not earlier lessons: {wrong}"


def test_lesson_looks_a_lesson_up_by_number() -> None:
    assert lesson("03").stem == "03_im2col"
    assert exercise_set_names()[0] == "ex00_warmup"


# -- the list and the files --------------------------------------------------------------------


def test_every_listed_lesson_has_its_notebooks_and_exercise_set() -> None:
    missing = [
        f"lesson {entry.number}: {path}"
        for entry in LESSONS
        for path in (
            entry.notebook,
            entry.exercise_notebook("solutions"),
            entry.exercise_notebook("exercises"),
        )
        if path is not None and not (ROOT / path).is_file()
    ]
    modules = {info.name for info in pkgutil.iter_modules(sets.__path__)}
    missing += [
        f"lesson {entry.number}: course_utils/exercise_sets/{entry.exercise_set}"
        for entry in LESSONS
        if entry.exercise_set is not None and entry.exercise_set not in modules
    ]
    assert not missing, "missing files of listed lessons:\n" + "\n".join(missing)


def test_every_exercise_set_belongs_to_its_lessons_notebook() -> None:
    wrong = []
    for entry in LESSONS:
        if entry.exercise_set is None:
            continue
        module = importlib.import_module(f"{sets.__name__}.{entry.exercise_set}")
        if module.EXERCISES.notebook != entry.exercise_stem:
            wrong.append(f"{entry.exercise_set}: {module.EXERCISES.notebook!r}")
    assert not wrong, f"sets whose EXERCISES.notebook is not their lesson's: {wrong}"


def test_every_notebook_and_exercise_set_is_listed() -> None:
    listed = _listed_files()
    unlisted = [
        f"{folder}/{path.name}"
        for folder in FOLDERS
        for path in sorted((ROOT / folder).glob("*.ipynb"))
        if path.name not in listed[folder]
    ]
    unlisted += [
        f"course_utils/exercise_sets/{info.name}"
        for info in pkgutil.iter_modules(sets.__path__)
        if not info.name.startswith("_") and info.name not in {e.exercise_set for e in LESSONS}
    ]
    assert not unlisted, "not in course_utils/lessons.py LESSONS:\n" + "\n".join(unlisted)


def test_the_course_map_links_every_lesson() -> None:
    html = course_map_html(ROOT / "notebooks")
    missing = [
        f"lesson {entry.number}: {text}"
        for entry in LESSONS
        for text in (entry.title, f"{entry.minutes} min", f"{entry.stem}.ipynb")
        if text not in html
    ]
    assert not missing, f"not in the course map: {missing}"


# -- the list and the prose --------------------------------------------------------------------

_README_ROW = re.compile(
    r"^\| (?P<number>\d\d) \| \[(?P<title>[^\]]+)\]\((?P<notebook>[^)]+)\) "
    r"\| \[[^\]]+\]\((?P<exercises>[^)]+)\) \| \[[^\]]+\]\((?P<solutions>[^)]+)\) "
    r"\| (?P<minutes>\d+) min \|$"
)


def _readme_rows() -> dict[str, dict[str, str]]:
    """The README's lesson map: number -> its cells (title, the three links, minutes)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Lesson map", 1)[1].split("\n## ", 1)[0]
    rows = [_README_ROW.match(line) for line in section.splitlines() if re.match(r"\| \d", line)]
    assert all(rows), "README lesson-map rows must read | NN | [title](notebook) | ... | N min |"
    return {row["number"]: row.groupdict() for row in rows if row}


def _expected_row(entry: Lesson) -> dict[str, str]:
    return {
        "number": entry.number,
        "title": entry.title,
        "notebook": entry.notebook,
        "exercises": entry.exercise_notebook("exercises") or "",
        "solutions": entry.exercise_notebook("solutions") or "",
        "minutes": str(entry.minutes),
    }


def test_the_readme_lesson_map_matches_the_list() -> None:
    rows = _readme_rows()
    problems = [f"lesson {e.number} has no row" for e in LESSONS if e.number not in rows]
    problems += [
        f"row {n} is no listed lesson" for n in rows if n not in {e.number for e in LESSONS}
    ]
    for entry in LESSONS:
        row, expected = rows.get(entry.number, {}), _expected_row(entry)
        problems += [
            f"lesson {entry.number} {key}: README has {row[key]!r}, the list {value!r}"
            for key, value in expected.items()
            if key in row and row[key] != value
        ]
    assert list(rows) == sorted(rows), f"README rows out of order: {list(rows)}"
    assert not problems, "README lesson map vs course_utils/lessons.py:\n" + "\n".join(problems)


def _welcome_introduction() -> str:
    nb = nbformat.read(ROOT / lesson("00").notebook, as_version=4)
    return nb.cells[0].source


def test_the_welcome_notebook_introduces_every_lesson_in_order() -> None:
    text, position, missing = _welcome_introduction().lower(), 0, []
    for entry in LESSONS[1:]:
        found = text.find(entry.topic.lower(), position)
        if found < 0:
            missing.append(f"lesson {entry.number} ({entry.topic!r})")
        else:
            position = found
    assert not missing, f"the welcome notebook's introduction does not name, in order: {missing}"


def test_the_welcome_notebooks_numbered_list_follows_the_lesson_numbers() -> None:
    items = re.findall(r"^(\d+)\. (.+)$", _welcome_introduction(), flags=re.MULTILINE)
    assert items, "the welcome notebook's introduction has no numbered list of lessons"
    wrong = [
        f"item {n} should name lesson {lesson(f'{int(n):02d}').topic!r}: {line}"
        for n, line in items
        if lesson(f"{int(n):02d}").topic.lower() not in line.lower()
    ]
    assert not wrong, "\n".join(wrong)


def _stated_prerequisites(markdown: str) -> set[str] | None:
    """The lesson numbers of a notebook's "**Prerequisites.**" paragraph (None if it has none):
    numbers after "lesson(s)", "and" or a link's "[", not those of link targets or "1-D"."""
    match = re.search(r"\*\*Prerequisites\.?\*\*(.*?)\*\*Estimated time", markdown, re.DOTALL)
    if match is None:
        return None
    found = re.findall(r"(?:\b[Ll]essons?\s+|\[|\band\s+)(\d+)\b", match.group(1))
    return {f"{int(number):02d}" for number in found}


def test_each_lessons_stated_prerequisites_and_time_match_the_list() -> None:
    problems = []
    for entry in LESSONS:
        markdown = _markdown(entry.notebook)
        stated = _stated_prerequisites(markdown)
        if stated is None and entry.prerequisites:
            problems.append(f"{entry.notebook} states no prerequisites")
        elif stated is not None and stated != set(entry.prerequisites):
            problems.append(f"{entry.notebook} prerequisites {sorted(stated)}")
        minutes = re.search(r"\*\*Estimated time[.:]?\*\*:?\s*(\d+) minutes", markdown)
        if minutes and int(minutes.group(1)) != entry.minutes:
            problems.append(f"{entry.notebook} estimated time {minutes.group(1)} minutes")
    assert not problems, "lessons that differ from course_utils/lessons.py:\n" + "\n".join(problems)


def test_every_lesson_notebook_stays_under_one_mebibyte_with_its_outputs() -> None:
    """Lessons are read with their outputs (GitHub, the website, a slow connection)."""
    heavy = {
        lesson.notebook: (ROOT / lesson.notebook).stat().st_size
        for lesson in LESSONS
        if (ROOT / lesson.notebook).stat().st_size > 2**20
    }
    assert not heavy, f"over 1 MiB (store figures as JPEG: use_course_style(photos=True)): {heavy}"
