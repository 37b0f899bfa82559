"""The static website of the lessons (course_utils.site): every page there, no link broken,
no solution on it, figures that render in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CHROMEDRIVER, CHROMIUM

from course_utils import launch
from course_utils.lessons import LESSONS
from course_utils.site import SiteError, build_site, site_path

ROOT = Path(__file__).resolve().parents[1]
_HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out)
    return out


def _internal_links(page: Path) -> list[str]:
    links = _HREF.findall(page.read_text(encoding="utf-8"))
    return [link for link in links if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", link)]


def test_every_lesson_and_exercise_has_a_page_and_the_index_links_them(site: Path) -> None:
    index = _internal_links(site / "index.html")
    for lesson in LESSONS:
        assert (site / site_path(lesson.notebook)).exists()
        assert site_path(lesson.notebook) in index
        exercise = lesson.exercise_notebook("exercises")
        if exercise:
            assert site_path(exercise) in index and (site / site_path(exercise)).exists()


def test_no_link_is_broken_and_no_solution_is_on_the_site(site: Path) -> None:
    broken = []
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" not in text, page
        for link in _internal_links(page):
            target = (page.parent / link.split("#")[0]).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            assert "solutions" not in link, f"{page.name} links {link}"
    assert not broken, "\n".join(broken)
    assert not (site / "solutions").exists()


def test_widgets_show_their_stored_figure(site: Path) -> None:
    page = (site / site_path("notebooks/01_direct_convolution.ipynb")).read_text()
    assert "widget-view+json" not in page and page.count("<img") >= 5


def test_launch_links_appear_once_the_repository_is_named(tmp_path: Path, monkeypatch) -> None:
    named = tmp_path / "pyproject.toml"
    named.write_text(
        '[project]\nname = "x"\n[project.urls]\nRepository = "https://github.com/a/b"\n'
    )
    links = launch.launch_links("notebooks/03_im2col.ipynb", named)
    assert links.binder == (
        "https://mybinder.org/v2/gh/a/b/HEAD?urlpath=lab/tree/notebooks/03_im2col.ipynb"
    )
    assert links.colab == (
        "https://colab.research.google.com/github/a/b/blob/main/notebooks/03_im2col.ipynb"
    )
    assert launch.launch_links("notebooks/03_im2col.ipynb") is None  # the placeholder: none
    with pytest.raises(ValueError, match="only lesson and exercise"):
        launch.launch_links("solutions/03_im2col.ipynb", named)
    named.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "gitlab.com/a"\n')
    with pytest.raises(ValueError, match="github.com/OWNER/REPO"):
        launch.repository(named)


def test_the_builder_never_writes_over_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(SiteError, match="not a course website"):
        build_site(mine)
    assert (mine / "notes.txt").read_text() == "keep"
    with pytest.raises(SiteError, match="part of the course"):
        build_site(ROOT / "notebooks")
    with pytest.raises(SiteError, match="contains the course"):
        build_site(ROOT.parent, force=True)


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="the browser check needs chromium and chromedriver on the PATH",
)
def test_the_index_and_a_lesson_render_in_a_browser(site: Path, browser) -> None:
    browser.get((site / "index.html").as_uri())
    assert "Fast convolutions" in browser.title
    links = browser.execute_script("return [...document.querySelectorAll('a')].length")
    assert links >= 2 * len(LESSONS) - 1
    browser.get((site / site_path("notebooks/05_winograd.ipynb")).as_uri())
    sizes = browser.execute_script(
        "return [...document.images].map(i => i.complete ? i.naturalWidth : 0)"
    )
    assert sizes and all(width > 0 for width in sizes), sizes
