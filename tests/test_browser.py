"""JupyterLab in a real (headless Chromium) browser: what nbval cannot see.

1. ``bash course.sh lab`` (the README's command, with the install step skipped) opens
   JupyterLab on the learner's copy of the welcome notebook (``mywork/``), and its course map
   links every lesson.
2. A lesson widget, run in a live kernel, renders and redraws when a slider moves (widget
   callbacks never fire under nbval, so only a browser can test this).

Needs ``chromium`` and ``chromedriver`` on the PATH (``course.sh test`` installs the Debian
packages when it runs as root with apt-get) and ``selenium``; otherwise the tests are
skipped with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import CHROMEDRIVER, CHROMIUM

from course_utils.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
LESSON_STEMS = [lesson.stem for lesson in LESSONS]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="browser tests need chromium and chromedriver on the PATH",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout:.0f} s")


class LabServer:
    """A JupyterLab server on a free port with a random token, stopped on exit."""

    def __init__(self, command: list[str], cwd: Path, home: Path) -> None:
        self.port, self.token = _free_port(), secrets.token_hex(16)
        env = {
            **os.environ,
            "COURSE_SKIP_INSTALL": "1",
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
        }
        env.pop("MPLBACKEND", None)  # the kernel picks the inline backend as for a learner
        args = [f"--port={self.port}", f"--ServerApp.token={self.token}", "--no-browser"]
        self.log = (home / "server.log").open("w")
        self.process = subprocess.Popen(
            [*command, *args], cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def url(self, path: str = "lab") -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def __enter__(self) -> LabServer:
        _wait_for_server(self.url("api/status"), self.process)
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _wait(driver: Any, condition: Callable[[Any], Any], timeout: float, what: str) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25).until(condition)
    except TimeoutException:
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def test_course_sh_lab_opens_the_welcome_notebook_with_every_lesson_linked(
    browser: Any, tmp_path: Path
) -> None:
    with LabServer(["bash", "course.sh", "lab"], ROOT, tmp_path) as server:
        browser.get(server.url(""))  # the server root, as the browser course.sh opens
        _wait(
            browser,
            lambda d: (
                "mywork/notebooks/00_welcome.ipynb" in d.current_url
                and _css(d, ".jp-RenderedHTMLCommon a")
            ),
            90,
            "the welcome notebook to open and render",
        )
        tab_titles = [tab.text for tab in _css(browser, ".lm-TabBar-tabLabel")]
        assert "00_welcome.ipynb" in tab_titles
        links = _wait(
            browser,
            lambda d: [a.get_attribute("href") or "" for a in _css(d, ".jp-OutputArea a")],
            30,
            "the course map's links",
        )
        for stem in LESSON_STEMS:
            assert any(link.split("?")[0].endswith(f"{stem}.ipynb") for link in links), stem


def _widget_notebook(folder: Path, cell: str | None = None, name: str = "widget") -> Path:
    cell = cell or (
        "import course_utils\n"
        "from course_utils.widgets import lesson01\n\n"
        "lesson01.make_window_widget()"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


@contextlib.contextmanager
def _widget_running(
    browser: Any, tmp_path: Path, cell: str | None = None, name: str = "widget"
) -> Iterator[LabServer]:
    """JupyterLab on a one-cell notebook (``cell``, default lesson 01's widget), opened in the
    browser with the cell run in a live kernel, as a learner starts it."""
    root = tmp_path / "root"
    root.mkdir()
    _widget_notebook(root, cell, name=name)
    lab = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab.append("--allow-root")
    with LabServer(lab, root, tmp_path) as server:
        browser.get(server.url(f"lab/tree/{name}.ipynb"))
        _wait(browser, lambda d: _kernel_ready(server), 90, "the kernel to start")
        _wait(browser, _run_first_cell, 60, "the first cell to accept Shift+Enter")
        yield server


def _output_image(driver: Any) -> str:
    images = _css(driver, ".jp-OutputArea .widget-output img, .jp-OutputArea .jupyter-widgets img")
    return images[0].get_attribute("src") if images else ""


def test_a_lesson_widget_renders_and_redraws_in_a_live_kernel(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    with _widget_running(browser, tmp_path):
        sliders = _wait(
            browser, lambda d: _css(d, ".widget-slider"), 120, "the widget's sliders to render"
        )
        assert len(sliders) == 5, [s.text for s in sliders]
        first = _wait(browser, _output_image, 120, "the widget's first drawing")

        stride_readout = _css(browser, ".widget-slider .widget-readout")[2]
        stride_readout.click()
        stride_readout.send_keys(Keys.CONTROL, "a")
        stride_readout.send_keys("2", Keys.ENTER)
        redrawn = _wait(
            browser,
            lambda d: (src := _output_image(d)) and src != first and src,
            60,
            "the drawing to change after moving the stride slider",
        )
        assert redrawn.startswith("data:image/png")
        readouts = [r.text for r in _css(browser, ".widget-slider .widget-readout")]
        assert readouts[2] == "2", readouts  # the stride the kernel drew with


def _result_image(driver: Any) -> str:
    images = _css(driver, ".jp-OutputArea .jupyter-widgets img, .jp-OutputArea .widget-image")
    return images[0].get_attribute("src") if images else ""


def test_painting_a_stroke_in_lesson_8s_widget_updates_the_fills(
    browser: Any, tmp_path: Path
) -> None:
    """Lesson 8: drag the mouse over the photo; when the button is released, the fills of
    every method are computed again for the painted hole and shown."""
    from selenium.webdriver.common.action_chains import ActionChains

    cell = "from course_utils.widgets.paint import make_paint_widget\n\nmake_paint_widget()"
    with _widget_running(browser, tmp_path, cell, name="paint"):
        canvases = _wait(
            browser, lambda d: _css(d, ".jp-OutputArea canvas"), 120, "the painting canvas"
        )
        first = _wait(browser, _result_image, 120, "the first comparison of fills")
        before = _hole_share(browser)
        top = canvases[-1]  # the hole layer, on top: it receives the mouse
        ActionChains(browser).move_to_element_with_offset(top, -60, -20).click_and_hold().pause(
            0.2
        ).move_by_offset(40, 10).pause(0.1).move_by_offset(40, 10).pause(0.1).release().perform()
        updated = _wait(
            browser,
            lambda d: (src := _result_image(d)) and src != first and src,
            90,
            "the fills to change after painting a stroke",
        )
        assert updated.startswith("data:image/jpeg") or updated.startswith("blob:")
        after = _wait(
            browser,
            lambda d: (share := _hole_share(d)) is not None and share > before and share,
            30,
            "the status to report the larger painted hole",
        )
        assert after > before


def _hole_share(driver: Any) -> float | None:
    """The hole's share of the photo (percent) in the paint widget's status line."""
    import re

    status = " ".join(e.text for e in _css(driver, ".jp-OutputArea .widget-html"))
    found = re.search(r"Hole: ([0-9.]+)% of the photo", status)
    return float(found.group(1)) if found else None


def _run_first_cell(driver: Any) -> bool:
    """Click into the first cell and press Shift+Enter; False (retry) while JupyterLab is
    still re-rendering the cell."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.keys import Keys

    editors = _css(driver, ".jp-Notebook .jp-Cell .cm-content")
    if not editors:
        return False
    try:
        editors[0].click()
        editors[0].send_keys(Keys.SHIFT, Keys.ENTER)
    except WebDriverException:
        return False
    return True


def _kernel_ready(server: LabServer) -> bool:
    """True when the server has a kernel whose execution state is idle."""
    try:
        with urllib.request.urlopen(server.url("api/kernels"), timeout=2) as response:
            kernels = json.load(response)
    except OSError:
        return False
    return any(kernel.get("execution_state") == "idle" for kernel in kernels)
