"""Launch links (Binder, Colab) for the course's notebooks, all made from one repository URL.

The URL is defined once, as ``Repository`` under ``[project.urls]`` in ``pyproject.toml``
(a fork changes that one line). While it is the placeholder ``https://github.com/OWNER/REPO``
there are no launch links (rather than broken ones). :func:`launch_links` turns a notebook's
path in the repository into the links that open it:

* Binder: ``https://mybinder.org/v2/gh/OWNER/REPO/HEAD?urlpath=lab/tree/PATH`` (JupyterLab,
  that notebook, the environment of ``environment.yml``);
* Colab: ``https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH``.

Solutions never get a launch link.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["PLACEHOLDER", "LaunchLinks", "launch_links", "repository"]

ROOT = Path(__file__).resolve().parents[1]
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")
BRANCH = "main"


@dataclass(frozen=True)
class LaunchLinks:
    """Where one notebook opens: ``binder`` and ``colab`` URLs."""

    path: str
    binder: str
    colab: str


PLACEHOLDER = ("OWNER", "REPO")


def repository(pyproject: Path = ROOT / "pyproject.toml") -> tuple[str, str] | None:
    """(owner, name) of the GitHub repository named in ``[project.urls] Repository``; None
    while it is the placeholder. Raises ``ValueError`` when it is missing or not a
    ``https://github.com/OWNER/REPO`` URL."""
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("urls", {})
    url = urls.get("Repository", "")
    match = _GITHUB.match(url)
    if match is None:
        raise ValueError(
            f"[project.urls] Repository in {pyproject.name} must be https://github.com/OWNER/REPO,"
            f" got {url!r}"
        )
    found = match.group(1), match.group(2)
    return None if found == PLACEHOLDER else found


def launch_links(path: str, pyproject: Path = ROOT / "pyproject.toml") -> LaunchLinks | None:
    """The launch links of the notebook at ``path`` (relative to the repository, e.g.
    ``notebooks/03_im2col.ipynb``); None while the repository is the placeholder. Raises
    ``ValueError`` for a solution or a non-notebook."""
    if not path.endswith(".ipynb") or path.startswith("solutions/"):
        raise ValueError(f"no launch link for {path!r}: only lesson and exercise notebooks")
    found = repository(pyproject)
    if found is None:
        return None
    owner, name = found
    quoted = quote(path)
    binder = f"https://mybinder.org/v2/gh/{owner}/{name}/HEAD?urlpath=lab/tree/{quoted}"
    colab = f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/{quoted}"
    return LaunchLinks(path, binder, colab)
