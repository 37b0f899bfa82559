"""The teacher's report as one HTML page, from the numbers of
:func:`course_utils.grading.report.item_analysis`.

Sections: key figures; the score distribution and each set's mean; the share of each outcome
per exercise; the most common failures of each exercise with their counts; time-outs and
crashes with the student; the roster's flags (missing and duplicate notebooks); the grader's
notes. Figures are embedded PNGs, styles inline: the page opens offline and prints on A4.
"""

from __future__ import annotations

from typing import Any

from course_utils.grading.pages import esc, inline_markup, page
from course_utils.grading.plots import (
    CHART_COLOURS,
    outcome_bars_png,
    png_data_uri,
    score_histogram_png,
)
from course_utils.grading.results import CORRECT, ERROR, NOT_ATTEMPTED, NOT_YET

__all__ = ["render_report"]

TOP_FAILURES = 5
_STUDENTS_SHOWN = 8
_COLUMNS = (CORRECT, NOT_YET, NOT_ATTEMPTED, ERROR, "no notebook")
_SHORT = {ERROR: "error"}
_CSS = """
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 4px; vertical-align: baseline; }
.failures li { display: grid; grid-template-columns: 2.6em 1fr; column-gap: 4px;
  margin: 3px 0; }
.failures .count { text-align: right; min-width: 0; margin: 0; }
table.outcomes { font-size: 13px; }
section.item { border-top: 1px solid var(--rule); padding: 6px 0 8px; }
section.item h3 { margin: 6px 0 2px; display: flex; justify-content: space-between; }
.who { color: var(--muted); font-size: 12.5px; }
.tag { font-size: 11px; font-weight: 600; color: #1a4d8f; background: #e8f0fb;
  border-radius: 8px; padding: 0 6px; margin-right: 4px; white-space: nowrap; }
.bar { display: inline-block; height: 8px; border-radius: 4px; background: #2e9d53;
  vertical-align: middle; margin-right: 6px; }
"""


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _figure(data: bytes, alt: str, caption: str) -> str:
    return (
        f"<figure><img src='{png_data_uri(data)}' alt='{esc(alt)}'>"
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def _cards(analysis: dict[str, Any]) -> str:
    notebooks, scores = analysis["notebooks"], analysis["scores"]
    cards = [
        (str(analysis["students"]), "students"),
        (str(notebooks["handed_in"]), "notebooks graded"),
        (f"{scores['mean']:.0f}%", "mean score"),
        (f"{scores['median']:.0f}%", "median score"),
        (str(notebooks["missing"]), "missing notebooks"),
        (str(notebooks["errors"]), "time-outs and crashes"),
    ]
    items = "".join(
        f"<div class='card'><div class='value'>{esc(value)}</div>"
        f"<div class='label'>{esc(label)}</div></div>"
        for value, label in cards
    )
    return f"<div class='cards'>{items}</div>"


def _scores_section(analysis: dict[str, Any]) -> str:
    histogram = analysis["scores"]["histogram"]
    figure = _figure(
        score_histogram_png(histogram["edges"], histogram["counts"]),
        "histogram of the students' scores",
        "Students by share of all points (missing notebooks count as 0).",
    )
    rows = "".join(
        f"<tr><td>{esc(name)}</td><td class='num'>{s['handed_in']}</td>"
        f"<td class='num'>{len(s['missing'])}</td>"
        f"<td class='num'>{_points(s['mean'])} / {_points(s['max'])}</td>"
        f"<td class='num'>{s['mean_percent']:.0f}%</td></tr>"
        for name, s in analysis["per_set"].items()
    )
    table = (
        "<table><tr><th>exercise set</th><th class='num'>notebooks</th>"
        "<th class='num'>missing</th><th class='num'>mean points</th>"
        f"<th class='num'>mean</th></tr>{rows}</table>"
    )
    return f"<h2>Score distribution</h2>{figure}{table}"


def _outcomes_section(analysis: dict[str, Any]) -> str:
    exercises = analysis["exercises"]
    if not exercises:
        return "<h2>Outcomes per exercise</h2><p class='muted'>No exercises graded.</p>"
    labels = [f"{e['set'].split('_')[0]} {e['label']}" for e in exercises.values()]
    figure = _figure(
        outcome_bars_png(labels, [e["shares"] for e in exercises.values()]),
        "share of each outcome per exercise",
        "Share of all students with each outcome, per exercise.",
    )
    head = "".join(
        f"<th class='num'><span class='swatch' style='background:{CHART_COLOURS[c]}'></span>"
        f"{esc(_SHORT.get(c, c))}</th>"
        for c in _COLUMNS
    )
    rows = "".join(
        f"<tr><td>{esc(key)}</td>"
        + "".join(f"<td class='num'>{e['counts'][c]}</td>" for c in _COLUMNS)
        + f"<td class='num'>{_percent(e['share_correct'])}</td>"
        f"<td class='num'>{_points(e['mean_score'])} / {_points(e['max_score'])}</td></tr>"
        for key, e in exercises.items()
    )
    table = (
        f"<table class='outcomes'><tr><th>exercise</th>{head}"
        "<th class='num' title='share correct of the notebooks handed in'>correct (handed in)"
        f"</th><th class='num'>mean points</th></tr>{rows}</table>"
    )
    return f"<h2>Outcomes per exercise</h2>{figure}{table}"


def _students(names: list[str]) -> str:
    shown = ", ".join(names[:_STUDENTS_SHOWN])
    more = len(names) - _STUDENTS_SHOWN
    return esc(shown + (f" and {more} more" if more > 0 else ""))


def _failure_item(group: dict[str, Any]) -> str:
    tag = "<span class='tag'>typical mistake</span>" if group["mistake"] else ""
    return (
        f"<li><span class='count'>{group['count']}×</span><div>{tag}"
        f"{inline_markup(group['text'])}<div class='who'>{_students(group['students'])}</div>"
        "</div></li>"
    )


def _more(rest: int, other_groups: int, not_graded: int) -> str:
    items = []
    if rest:
        items.append(
            f"<li><span class='count'>{rest}×</span><div class='muted'>in "
            f"{other_groups} other group{'s' if other_groups > 1 else ''}</div></li>"
        )
    if not_graded:
        items.append(
            f"<li><span class='count'>{not_graded}×</span><div class='muted'>the "
            "notebook timed out or crashed (see below)</div></li>"
        )
    return "".join(items)


def _failures_section(analysis: dict[str, Any]) -> str:
    parts = [
        "<h2>Most common failures</h2>",
        "<p class='muted'>Answers that were <i>not yet</i> right or raised an error, "
        "grouped by the mistake they name (numbers in other messages replaced by #).</p>",
    ]
    failing = [
        (key, e) for key, e in analysis["exercises"].items() if e["failures"] or e["not_graded"]
    ]
    if not failing:
        parts.append("<p class='muted'>No failures.</p>")
    for key, exercise in failing:
        groups = exercise["failures"]
        shown = "".join(_failure_item(g) for g in groups[:TOP_FAILURES])
        rest = sum(g["count"] for g in groups[TOP_FAILURES:])
        more = _more(rest, len(groups) - TOP_FAILURES, exercise["not_graded"])
        width = round(60 * exercise["share_correct"])
        parts.append(
            f"<section class='item'><h3><span>{esc(key)}</span><span class='muted'>"
            f"<span class='bar' style='width:{width}px'></span>"
            f"{_percent(exercise['share_correct'])} correct</span></h3>"
            f"<ul class='failures'>{shown}{more}</ul></section>"
        )
    return "".join(parts)


def _rows_table(title: str, rows: list[dict[str, str]], field: str, empty: str) -> str:
    if not rows:
        return f"<h2>{esc(title)}</h2><p class='muted'>{esc(empty)}</p>"
    body = "".join(
        f"<tr><td>{esc(r['student'])}</td><td>{esc(r['set'])}</td>"
        f"<td><code>{esc(r['path'])}</code></td><td>{esc(r[field])}</td></tr>"
        for r in rows
    )
    return (
        f"<h2>{esc(title)}</h2><table><tr><th>student</th><th>set</th><th>notebook</th>"
        f"<th>{esc(field)}</th></tr>{body}</table>"
    )


def _flags_section(flags: dict[str, list[str]]) -> str:
    if not flags:
        return "<h2>Flags</h2><p class='muted'>Every student handed in one notebook per set.</p>"
    body = "".join(
        f"<tr><td>{esc(student)}</td><td>{'<br>'.join(esc(f) for f in items)}</td></tr>"
        for student, items in flags.items()
    )
    return f"<h2>Flags</h2><table><tr><th>student</th><th>flag</th></tr>{body}</table>"


def render_report(analysis: dict[str, Any], title: str, generated: str) -> str:
    """The complete HTML page for ``analysis`` (a result of ``item_analysis``)."""
    sets = ", ".join(analysis["sets"]) or "none"
    body = [
        f"<h1>{esc(title)}</h1>",
        f"<p class='subtitle'>Item analysis · exercise sets: {esc(sets)} · {esc(generated)}</p>",
        _cards(analysis),
        _scores_section(analysis),
        _outcomes_section(analysis),
        _failures_section(analysis),
        _rows_table(
            "Time-outs and crashes", analysis["problems"], "error", "Every notebook ran to the end."
        ),
        _flags_section(analysis["flags"]),
        _rows_table("Grader notes", analysis["notes"], "note", "No notes."),
        "<footer>Made by <code>python -m course_utils.grade</code>. Each student counts once "
        "per set, with their best notebook of it; the gradebook has every student's points."
        "</footer>",
    ]
    return page(f"{title}: item analysis", "\n".join(body), _CSS)
