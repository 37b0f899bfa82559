#!/usr/bin/env bash
# One command per task, each from a clean clone:
#   bash course.sh lab    create/refresh .venv with what the course needs, then open JupyterLab
#                         on the welcome notebook
#   bash course.sh test   create/refresh .venv with the test tools too, then lint and run the
#                         whole test suite
#   bash course.sh classroom OUT   write the classroom edition (checks without solutions) to OUT
#   bash course.sh site [OUT]      write the lessons' website (stored outputs, no solutions) to
#                                  OUT (default: build/site)
#
# Environment variables (all optional):
#   PYTHON               interpreter used to create the venv (default: python3, needs >= 3.11)
#   COURSE_VENV          where the venv lives (default: .venv in this folder)
#   COURSE_TORCH_SPEC    the torch requirement installed first (default: torch==2.13.0)
#   COURSE_TORCH_INDEX   a package index for torch only, e.g. PyTorch's CPU wheel index
#   COURSE_TEST_WORKERS  pytest-xdist workers for `test` (default: 2)
#   COURSE_SKIP_INSTALL  1: use the existing venv as it is (no pip install), e.g. to restart lab
#   COURSE_WORK_DIR      `lab` only: your work folder inside this one (default: mywork)
#   COURSE_BROWSER       `test` only. auto (default): if chromium/chromedriver are missing and
#                        this runs as root with apt-get, install the Debian packages for the
#                        browser tests; 0: never install them (the browser tests are skipped).
#                        `test` also installs bubblewrap (the grader's sandbox) the same way.
set -euo pipefail
cd "$(dirname "$0")"

VENV="${COURSE_VENV:-.venv}"
# Idle BLAS/OpenMP threads sleep instead of spinning, so NumPy and torch calls in one
# process do not slow each other down (see course_utils/__init__.py); yours are kept.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
# NumPy does not ask for transparent huge pages: repeatable timings (see course_utils/__init__.py).
export NUMPY_MADVISE_HUGEPAGE="${NUMPY_MADVISE_HUGEPAGE:-0}"
PY="$VENV/bin/python"

torch_source() {
    # Where the torch wheel comes from, as it really is on this platform.
    if [ -n "${COURSE_TORCH_INDEX:-}" ]; then
        echo "from $COURSE_TORCH_INDEX"
        return
    fi
    case "$(uname -s)" in
        Linux) echo "from your package index: PyPI's Linux wheels are CUDA builds (several GB);" \
            "for a CPU-only build set COURSE_TORCH_INDEX=https://download.pytorch.org/whl/cpu" ;;
        Darwin) echo "from your package index (PyPI's macOS wheels: CPU, with mps on Apple silicon)" ;;
        *) echo "from your package index (PyPI's Windows wheels are CPU builds)" ;;
    esac
}

setup_env() {
    # $1: the extras to install, "" (what the course needs to run) or "[dev]" (tests too).
    local extras="${1:-}"
    if [ "${COURSE_SKIP_INSTALL:-0}" = "1" ] && [ -x "$PY" ]; then
        echo "==> using $VENV as it is (COURSE_SKIP_INSTALL=1)"
        return
    fi
    if [ ! -x "$PY" ]; then
        echo "==> creating $VENV"
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    echo "==> installing PyTorch (${COURSE_TORCH_SPEC:-torch==2.13.0}) first, $(torch_source)"
    local index_args=()
    if [ -n "${COURSE_TORCH_INDEX:-}" ]; then
        index_args=(--index-url "$COURSE_TORCH_INDEX")
    fi
    "$PY" -m pip install --quiet ${index_args[@]+"${index_args[@]}"} "${COURSE_TORCH_SPEC:-torch==2.13.0}"
    "$PY" -W ignore -c "import torch; kind = f'CUDA {torch.version.cuda}' if torch.version.cuda else 'CPU-only'; print(f'==> installed torch {torch.__version__}: a {kind} build')"
    if [ -z "$extras" ]; then
        echo "==> installing course_utils with what the course needs to run"
    else
        echo "==> installing course_utils with what the course needs, and the test tools"
    fi
    "$PY" -m pip install --quiet -e ".$extras"
}

run_lab() {
    setup_env ""
    # Your copies of the lessons and exercises (git-ignored): new ones are added after a
    # `git pull`, a notebook you changed is never overwritten (course_utils/workspace.py).
    local work="${COURSE_WORK_DIR:-mywork}"
    case "$work" in
        /* | ..* | *../*) echo "COURSE_WORK_DIR must be a folder inside the course, e.g. mywork" >&2
            exit 2 ;;
    esac
    "$PY" -m course_utils.workspace "$work"
    echo "==> starting JupyterLab on $work/notebooks/00_welcome.ipynb"
    local root_args=()
    if [ "$(id -u)" = "0" ]; then
        root_args=(--allow-root)  # containers often run as root; JupyterLab refuses without this
    fi
    # Serve the whole course (so links to solutions/ work) and open your welcome notebook.
    exec "$VENV/bin/jupyter" lab ${root_args[@]+"${root_args[@]}"} --ServerApp.root_dir="$PWD" \
        --LabApp.default_url="/lab/tree/$work/notebooks/00_welcome.ipynb" "$@"
}

ensure_system_packages() {
    # Headless Chromium + chromedriver for tests/test_browser.py (skipped when absent), and
    # bubblewrap, the sandbox the classroom grader runs each notebook in (it warns without).
    local wanted=()
    command -v bwrap >/dev/null || wanted+=(bubblewrap)
    if ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
        if [ "${COURSE_BROWSER:-auto}" = "0" ]; then
            echo "==> no chromium/chromedriver (COURSE_BROWSER=0): the browser tests will be skipped"
        else
            wanted+=(chromium chromium-driver)
        fi
    fi
    [ ${#wanted[@]} -eq 0 ] && return
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        echo "==> installing ${wanted[*]} (Debian packages) for the browser tests and the grader"
        if ! { apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null; }; then
            echo "==> could not install them: the tests that need them will be skipped"
        fi
    else
        echo "==> missing ${wanted[*]}: the tests that need them will be skipped"
    fi
}

run_tests() {
    setup_env "[dev]"
    ensure_system_packages
    local start=$SECONDS
    echo "==> ruff"
    "$VENV/bin/ruff" check course_utils tests
    "$VENV/bin/ruff" format --check course_utils tests
    echo "==> exercises/ in sync with solutions/"
    "$PY" -m course_utils.build_exercises --check
    echo "==> unit tests and every notebook (quick mode, strict checks)"
    COURSE_QUICK=1 COURSE_STRICT=auto MPLBACKEND=Agg "$PY" -m pytest \
        tests notebooks solutions exercises \
        --nbval-lax --nbval-current-env \
        --nbval-kernel-startup-timeout=180 --nbval-cell-timeout=900 \
        -n "${COURSE_TEST_WORKERS:-2}" --dist loadscope \
        -p no:cacheprovider --durations=15 "$@"
    echo "==> test suite finished in $((SECONDS - start)) s"
}

run_site() {
    setup_env ""
    exec "$PY" -m course_utils.site build "$@"
}

run_classroom() {
    setup_env ""
    exec "$PY" -m course_utils.classroom build "$@"
}

case "${1:-}" in
    lab) shift; run_lab "$@" ;;
    test) shift; run_tests "$@" ;;
    classroom) shift; run_classroom "$@" ;;
    site) shift; run_site "$@" ;;
    *) echo "usage: bash course.sh {lab|test|classroom OUT|site [OUT]} [extra arguments]" >&2; exit 2 ;;
esac
