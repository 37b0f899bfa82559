"""A static website of the course: every lesson and exercise notebook as an HTML page with
its stored outputs, and an index page from the lesson manifest. No solutions.

``bash course.sh site [OUT]`` (or ``python -m course_utils.site build OUT``) writes::

    OUT/index.html                 the lesson table (course_utils.lessons.LESSONS)
    OUT/NN_name.html               each lesson, figures and tables as stored
    OUT/exercises/NN_name.html     each exercise notebook (as handed out: no answers)

Each page is the notebook converted by nbconvert, with:

* widgets shown as the static figure their shell stores next to them (the interactive view
  needs a kernel, so the widget part of each output is dropped);
* links between notebooks pointing to the pages, links to solutions or source files turned
  into plain text (the site has neither);
* launch links (Binder, Colab) when the repository URL is set (:mod:`course_utils.launch`).

The builder never writes into a folder it did not make (``--force`` replaces a site it built).
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.folders import prepare_owned_folder
from course_utils.launch import launch_links
from course_utils.lessons import LESSONS

__all__ = ["SiteError", "SiteReport", "build_site", "main", "site_path"]

ROOT = Path(__file__).resolve().parents[1]
MARKER = ".course-site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_HREF = re.compile(r'<a\s+([^>]*?)href="([^"]*)"([^>]*)>(.*?)</a>', re.S)


class SiteError(RuntimeError):
    """The site cannot be written where asked."""


@dataclass
class SiteReport:
    """What :func:`build_site` wrote (paths relative to ``out``)."""

    out: Path
    pages: list[str] = field(default_factory=list)


def site_path(repo_path: str) -> str | None:
    """The page of a repository notebook: ``notebooks/03_im2col.ipynb`` -> ``03_im2col.html``,
    ``exercises/03_im2col.ipynb`` -> ``exercises/03_im2col.html``; None for anything else."""
    folder, _, name = repo_path.partition("/")
    if not name.endswith(".ipynb") or "/" in name:
        return None
    stem = name.removesuffix(".ipynb")
    return {"notebooks": f"{stem}.html", "exercises": f"exercises/{stem}.html"}.get(folder)


def _pages() -> list[str]:
    """Repository paths of the notebooks the site shows, in lesson order."""
    pages = [lesson.notebook for lesson in LESSONS]
    pages += [p for lesson in LESSONS if (p := lesson.exercise_notebook("exercises"))]
    return [p for p in pages if (ROOT / p).exists()]


def _static_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without widget views (their stored PNG stays) and without widget state."""
    result = copy.deepcopy(notebook)
    result.metadata.pop("widgets", None)
    for cell in result.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return result


def _rewrite_link(match: re.Match[str], repo_path: str) -> str:
    before, target, after, text = match.groups()
    if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):  # http:, https:, mailto:, data:, #anchor
        return match.group(0)
    address, _, anchor = target.partition("#")
    linked = posixpath.normpath(posixpath.join(posixpath.dirname(repo_path), address))
    page = site_path(linked)
    if page is None:
        return text  # a solution, a source file or a folder: not on the site
    here = posixpath.dirname(site_path(repo_path) or "")
    relative = posixpath.relpath(page, here or ".")
    return f'<a {before}href="{relative}{"#" + anchor if anchor else ""}"{after}>{text}</a>'


def _launch_bar(repo_path: str, index_href: str) -> str:
    parts = [f'<a href="{index_href}">course index</a>']
    links = launch_links(repo_path)
    if links is not None:
        parts += [
            f'<a href="{html.escape(links.binder)}">run on Binder</a>',
            f'<a href="{html.escape(links.colab)}">open in Colab</a>',
        ]
    items = " · ".join(parts)
    return f'<nav class="course-launch" style="margin:1em 2em;font-size:0.95em">{items}</nav>'


def _page_html(repo_path: str) -> str:
    from nbconvert import HTMLExporter

    notebook = _static_outputs(nbformat.read(ROOT / repo_path, as_version=4))
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    body = _HREF.sub(lambda m: _rewrite_link(m, repo_path), body)
    depth = site_path(repo_path).count("/")
    bar = _launch_bar(repo_path, "../" * depth + "index.html")
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, body, count=1)


def _index_html() -> str:
    rows = []
    for lesson in LESSONS:
        page = site_path(lesson.notebook)
        exercise = lesson.exercise_notebook("exercises")
        exercise_cell = (
            f'<a href="{site_path(exercise)}">exercises</a>'
            if exercise and (ROOT / exercise).exists()
            else "&mdash;"
        )
        rows.append(
            f'<tr><td>{lesson.number}</td><td><a href="{page}">{html.escape(lesson.title)}'
            f"</a></td><td>{exercise_cell}</td><td>{lesson.minutes} min</td></tr>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Fast convolutions and generative image inpainting</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.5}}
td,th{{padding:0.3em 0.8em;text-align:left}}</style></head>
<body><h1>Fast convolutions and generative image inpainting</h1>
<p>An interactive course, here to read with every figure and table as computed on a 2-core
CPU. To run the lessons and check the exercises, clone the repository and run
<code>bash course.sh lab</code>.</p>
<table><thead><tr><th>#</th><th>lesson</th><th>exercises</th><th>time</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></body></html>
"""


def _prepare(out: Path, force: bool) -> None:
    out = out.resolve()
    if out == ROOT or ROOT in out.parents and out.relative_to(ROOT).parts[0] != "build":
        raise SiteError(f"{out} is part of the course; write the site elsewhere (e.g. build/)")
    if out in ROOT.parents:
        raise SiteError(f"{out} contains the course itself; write the site elsewhere")
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file, not a folder")
    prepare_owned_folder(out, MARKER, force, "a course website", SiteError)
    (out / MARKER).write_text("written by python -m course_utils.site\n")


def build_site(out: str | os.PathLike[str], force: bool = False) -> SiteReport:
    """Write the site into ``out`` (see the module's doc). Raises :class:`SiteError` when
    ``out`` is not a place the builder may write."""
    out = Path(out)
    _prepare(out, force)
    report = SiteReport(out)
    for repo_path in _pages():
        page = site_path(repo_path)
        (out / page).parent.mkdir(parents=True, exist_ok=True)
        (out / page).write_text(_page_html(repo_path), encoding="utf-8")
        report.pages.append(page)
    (out / "index.html").write_text(_index_html(), encoding="utf-8")
    report.pages.insert(0, "index.html")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.site")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write the website of the lessons")
    build.add_argument("out", nargs="?", default=str(ROOT / "build" / "site"))
    build.add_argument("--force", action="store_true", help="replace a site built before")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        report = build_site(args.out, force=args.force)
    except SiteError as error:
        print(f"site not built: {error}")
        return 1
    print(f"wrote {len(report.pages)} pages to {report.out}; open {report.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
