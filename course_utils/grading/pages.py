"""Self-contained HTML pages for the feedback files and the teacher's report.

A page has its style inline and no external assets (no fonts, scripts or images from the
network), so it opens offline and prints well; its content-security policy lets nothing else
load and no script run. Everything that comes from a submission --
student ids, messages, cell lines, error texts -- goes through :func:`esc`.
"""

from __future__ import annotations

import html
import re

from course_utils.grading.results import CORRECT, ERROR, NOT_ATTEMPTED, NOT_YET

__all__ = ["OUTCOME_STYLE", "esc", "inline_markup", "outcome_badge", "page"]

#: outcome -> (text colour, background, icon), the palette of the notebooks' checks.
OUTCOME_STYLE: dict[str, tuple[str, str, str]] = {
    CORRECT: ("#1b7f3b", "#e8f5ec", "✔"),
    NOT_YET: ("#b3261e", "#fdecea", "✘"),
    NOT_ATTEMPTED: ("#5f6368", "#f1f3f4", "…"),
    ERROR: ("#8a4b00", "#fff4e5", "⚠"),
}
_OTHER = ("#1a4d8f", "#e8f0fb", "•")

_CSS = """
:root { --ink: #202124; --muted: #5f6368; --rule: #dadce0; --accent: #1a4d8f; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0; background: #f6f7f9; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 36px 48px; background: #fff;
  min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid
  var(--rule); }
h3 { font-size: 16px; margin: 18px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }
.card { flex: 1 1 150px; border: 1px solid var(--rule); border-radius: 8px; padding: 10px 14px; }
.card .value { font-size: 24px; font-weight: 650; }
.card .label { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--rule);
  vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; }
td code { word-break: break-all; font-size: 12.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 10px 0 18px; text-align: center; }
figure img { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px;
  font-weight: 600; white-space: nowrap; }
.exercise { border-left: 5px solid; border-radius: 4px; padding: 8px 12px; margin: 8px 0;
  break-inside: avoid; }
.exercise .head { display: flex; justify-content: space-between; gap: 12px; font-weight: 600; }
.exercise pre, pre.details { margin: 6px 0 0; white-space: pre-wrap; font-size: 13px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.where { color: var(--muted); font-size: 13px; margin-top: 4px; }
.notice { border: 1px solid #f2c46d; background: #fff8e6; border-radius: 6px;
  padding: 8px 12px; margin: 10px 0; }
.notice ul { margin: 4px 0 0 18px; padding: 0; }
.muted { color: var(--muted); }
.failures { margin: 4px 0 0; padding-left: 0; list-style: none; }
.failures li { margin: 2px 0; }
.count { display: inline-block; min-width: 2.2em; text-align: right; margin-right: 6px;
  font-weight: 650; font-variant-numeric: tabular-nums; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; min-height: 0; }
  h2 { break-after: avoid; }
  table, figure, .exercise, .card, .notice, section.item { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*<>]+?)(?<=\S)\*(?![\w*])")

# Nothing but inline style and embedded images may load, and no script may run.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def esc(text: object) -> str:
    """``text`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(text), quote=True)


def inline_markup(text: object) -> str:
    """A check's message as HTML: escaped, then its `code` spans shown as code and its
    *emphasis* in italics (the light markup the checks' messages use)."""
    pieces, position, source = [], 0, str(text)
    for match in _CODE.finditer(source):
        pieces.append(_EMPHASIS.sub(r"<em>\1</em>", esc(source[position : match.start()])))
        pieces.append(f"<code>{esc(match.group(2))}</code>")
        position = match.end()
    pieces.append(_EMPHASIS.sub(r"<em>\1</em>", esc(source[position:])))
    return "".join(pieces)


def outcome_badge(outcome: str) -> str:
    """A coloured label with the outcome's icon, e.g. ``✘ not yet``."""
    colour, background, icon = OUTCOME_STYLE.get(outcome, _OTHER)
    return (
        f"<span class='badge' style='color:{colour};background:{background}'>"
        f"{icon} {esc(outcome)}</span>"
    )


def page(title: str, body: str, extra_css: str = "") -> str:
    """A complete HTML document: ``title`` (escaped here) and ``body`` (already HTML)."""
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_POLICY}\">\n"
        f"<title>{esc(title)}</title>\n<style>{_CSS}{extra_css}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
