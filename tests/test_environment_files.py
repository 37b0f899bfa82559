"""The Binder environment and the pip package name the same dependencies; postBuild is safe."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names
CONDA_TO_PIP = {"pytorch-cpu": "torch"}
# conda-only tooling that pip does not list as a dependency
CONDA_ONLY = {"python", "pip", "setuptools"}


def _pip_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_pip_name(r) for r in requirements}


def _environment_names() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)", line.split("#")[0])
        if match and match.group(1) != "pip:":
            name = _pip_name(match.group(1))
            names.add(CONDA_TO_PIP.get(name, name))
    return names - CONDA_ONLY


def test_environment_yml_and_pyproject_name_the_same_packages() -> None:
    assert _environment_names() == _pyproject_names()


def test_environment_uses_conda_forge_python_311_and_cpu_torch() -> None:
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text and "python=3.11" in text and "pytorch-cpu" in text
    assert "  - pytorch\n" not in text  # the pytorch channel stopped publishing after 2.5


def test_postbuild_stops_on_errors_and_does_not_resolve_dependencies() -> None:
    lines = (ROOT / "postBuild").read_text().splitlines()
    assert any(line.startswith("set -e") for line in lines)
    assert any("--no-deps" in line for line in lines)


def test_no_binder_folder_shadows_the_root_configuration() -> None:
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "bash course.sh test" in readme and "bash course.sh lab" in readme
    assert "course.sh test" in (ROOT / ".ci" / "run").read_text()


def test_idle_threads_sleep_in_every_entry_point() -> None:
    import course_utils

    for name, value in course_utils.TIMING_ENV.items():
        for entry in ("course.sh", "start"):
            assert f'export {name}="${{{name}:-{value}}}"' in (ROOT / entry).read_text()
    start = (ROOT / "start").read_text().splitlines()
    assert start[-1] == 'exec "$@"'  # repo2docker's start must hand over to the server


def _function_body(script: str, name: str) -> str:
    match = re.search(rf"^{name}\(\) \{{\n(.*?)^\}}", script, flags=re.M | re.S)
    assert match, f"course.sh has no function {name}"
    return match.group(1)


def test_lab_installs_what_the_course_needs_and_test_adds_the_test_tools() -> None:
    script = (ROOT / "course.sh").read_text()
    assert 'setup_env ""' in _function_body(script, "run_lab")
    assert 'setup_env ""' in _function_body(script, "run_classroom")
    assert 'setup_env ""' in _function_body(script, "run_site")
    assert 'setup_env "[dev]"' in _function_body(script, "run_tests")
    assert 'pip install --quiet -e ".$extras"' in _function_body(script, "setup_env")


def test_the_torch_message_says_where_the_build_comes_from_on_each_platform() -> None:
    body = _function_body((ROOT / "course.sh").read_text(), "torch_source")
    assert "Linux)" in body and "CUDA builds" in body and "download.pytorch.org/whl/cpu" in body
    assert "Darwin)" in body
    assert "torch.version.cuda" in _function_body((ROOT / "course.sh").read_text(), "setup_env")
