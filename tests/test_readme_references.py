"""Every pointer into the README names a section that exists.

Code, configuration and notebooks point into the README in two ways: a link
``README.md#some-anchor`` (GitHub's anchor of a heading) or prose such as
``see README, "PyTorch: CPU build, or a GPU"``. Both must name a heading of README.md.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LINK = re.compile(r"README\.md#([A-Za-z0-9_-]+)")
_QUOTED = re.compile(r"README(?:'s)?,? (?:section )?[\"“]([^\"”]+)[\"”]")
_SUFFIXES = {".py", ".sh", ".toml", ".md", ".yml", ".yaml", ".cfg", ".txt", ".ipynb", ""}


def _headings() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # comments in code blocks are no headings
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6} (.+)$", text, flags=re.M)]


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _tracked_texts() -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    texts = {}
    for name in names:
        path = ROOT / name
        if path.suffix not in _SUFFIXES or not path.is_file() or path.stat().st_size > 5e6:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":  # sources only, not stored outputs
            cells = json.loads(text)["cells"]
            text = "\n".join("".join(cell["source"]) for cell in cells)
        texts[name] = text
    return texts


def test_the_anchor_function_matches_githubs_rules() -> None:
    assert github_anchor("PyTorch: CPU build, or a GPU") == "pytorch-cpu-build-or-a-gpu"
    assert github_anchor("For teachers: grading collected notebooks") == (
        "for-teachers-grading-collected-notebooks"
    )
    assert github_anchor("Set-up: two commands") == "set-up-two-commands"


def test_every_readme_pointer_names_an_existing_section() -> None:
    headings = _headings()
    anchors = {github_anchor(h) for h in headings}
    broken = []
    for name, text in _tracked_texts().items():
        if name == "tests/test_readme_references.py":
            continue  # the examples in this file's docstring
        broken += [f"{name}: README.md#{a}" for a in _LINK.findall(text) if a not in anchors]
        broken += [f'{name}: README "{t}"' for t in _QUOTED.findall(text) if t not in headings]
    assert not broken, "pointers to README sections that do not exist:\n" + "\n".join(broken)


def test_the_pyproject_pointer_is_found_and_checked() -> None:
    """The check above sees the torch comment of pyproject.toml (so it cannot pass vacuously)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert _QUOTED.findall(text) == ["PyTorch: CPU build, or a GPU"]
