"""Where learner code runs when a notebook is graded: a sandbox per notebook, forked from a
warm process.

Layout (Linux)::

    grader (trusted: references, hidden cases, outputs; never runs learner code)
      └─ bwrap sandbox, one per worker: no network, a read-only view of the system and the
         Python installation only (no submissions, no output paths, no solutions, no
         reference checks), a private /tmp
           └─ zygote: Python with NumPy, PyTorch and the course's modules imported once
                └─ per notebook: fork, then new user/PID/mount/IPC namespaces: a fresh /tmp
                   and /proc, the notebook's copy as the only file, limits on CPU time,
                   memory, file size; it dies (with every process it started) when its time
                   is up or the grader goes away

The grader sends a job (statements and case inputs) through the zygote's stdin and reads the
answers (plain data) from its stdout; a notebook's process has neither: its output goes to
/dev/null and its answers to a pipe the zygote reads with a size limit.

Where ``bwrap`` (the Debian package ``bubblewrap``) is missing, the zygote runs without the
filesystem sandbox; where user namespaces are not available (macOS, some containers), without
the per-notebook namespaces. The grader prints a warning in both cases
(:func:`isolation_warnings`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils.checks.plain import decode, encode, to_plain

_HEADER = struct.Struct("!Q")
WORK_AREA = "/sandbox"  # in the sandbox: each notebook gets a fresh tmpfs here
MAX_ANSWER_BYTES = 64 * 2**20
_PRELOAD = (
    "numpy",
    "scipy.signal",
    "torch",
    "matplotlib",
    "matplotlib.pyplot",
    "course_utils.conv",
    "course_utils.viz",
    "course_utils.inpainting",
)


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits: wall seconds, CPU seconds, memory bytes (beyond what the warm
    process already maps), bytes a notebook may write to one file, bytes of answers."""

    wall: float = 120.0
    cpu: float = 240.0
    memory: int = 2 * 2**30
    file_size: int = 64 * 2**20
    answers: int = MAX_ANSWER_BYTES


# -- framing ------------------------------------------------------------------------------------


def write_frame(stream: Any, payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_frame(fd: int, limit: int, deadline: float | None = None) -> bytes | None:
    """One frame from file descriptor ``fd`` (None at end of file, on time-out or when larger
    than ``limit``)."""
    header = _read_exactly(fd, _HEADER.size, deadline)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > limit:
        return None
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
        chunk = os.read(fd, min(size - got, 2**20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# -- what is available here ---------------------------------------------------------------------


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def isolation_warnings() -> list[str]:
    """What the sandbox cannot do on this machine, for the teacher (empty when all is there)."""
    warnings = []
    if not sys.platform.startswith("linux"):
        return [
            "not on Linux: notebooks run in plain child processes, without a filesystem "
            "sandbox or namespaces (the grades are still judged in the grader's own process)"
        ]
    if bwrap_path() is None:
        warnings.append(
            "bwrap (the Debian/Ubuntu package 'bubblewrap') is not installed: learner code can "
            "read files this account can read; install it for the filesystem sandbox"
        )
    if not _user_namespaces_work():
        warnings.append(
            "user namespaces are not available: a notebook's processes are not in a PID "
            "namespace of their own (a process it leaves behind is killed by process group only)"
        )
    return warnings


def _user_namespaces_work() -> bool:
    try:
        text = Path("/proc/sys/user/max_user_namespaces").read_text()
    except OSError:
        return False
    return int(text.strip() or 0) > 0


_BWRAP_FAILED: list[bool] = []  # set once bwrap is installed but cannot start here


def sandbox_command(python: str = sys.executable) -> list[str]:
    """The command that starts a zygote (inside bwrap when it is installed and works)."""
    zygote = [python, "-m", "course_utils.grading.isolation"]
    bwrap = bwrap_path()
    if bwrap is None or not sys.platform.startswith("linux") or _BWRAP_FAILED:
        return zygote
    return [bwrap, *_bwrap_arguments(), *zygote]


def _bwrap_arguments() -> list[str]:
    import course_utils

    package = Path(course_utils.__file__).resolve().parent
    # /tmp and the work area first: binds that follow may lie below /tmp (a clone in /tmp).
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--tmpfs", "/tmp", "--dir", WORK_AREA]
    for system in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin"):
        args += ["--ro-bind-try", system, system]
    for etc in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/fonts", "/etc/localtime"):
        args += ["--ro-bind-try", etc, etc]
    for prefix in sorted({sys.prefix, sys.base_prefix, sys.exec_prefix}):
        args += ["--ro-bind", prefix, prefix]
    args += ["--ro-bind", str(package), str(package)]
    # The reference checks stay with the grader: the sandbox sees an empty folder there.
    args += ["--tmpfs", str(package / "exercise_sets")]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", WORK_AREA]
    env = {
        "HOME": WORK_AREA,
        "TMPDIR": WORK_AREA,
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": WORK_AREA,
        "OMP_NUM_THREADS": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        # the same course_utils as the grader's (its folder is the only one bound there)
        "PYTHONPATH": str(package.parent),
        "COURSE_QUICK": os.environ.get("COURSE_QUICK", ""),
    }
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


class Zygote:
    """A warm sandboxed process that grades one notebook at a time (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        env.pop("COURSE_STRICT", None)
        if self._start(env):
            return
        if bwrap_path() is not None and not _BWRAP_FAILED:
            _BWRAP_FAILED.append(True)
            print(
                "warning: bwrap is installed but cannot create a sandbox here (a container "
                "without user namespaces?): grading goes on without the filesystem sandbox",
                file=sys.stderr,
            )
            if self._start(env):
                return
        raise RuntimeError("the grading sandbox did not start (is the course installed?)")

    def _start(self, env: dict[str, str]) -> bool:
        self.process = subprocess.Popen(
            sandbox_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd="/",
            start_new_session=True,
        )
        ready = read_frame(self.process.stdout.fileno(), 1024, time.monotonic() + 180)
        if ready != b"ready":
            self.close()
            return False
        return True

    def run(self, job: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """Send ``job``; returns (answers, None) or (None, why the notebook gave no answers)."""
        job = dict(job, limits=vars(self.limits))
        try:
            write_frame(self.process.stdin, encode(to_plain(job)))
        except (BrokenPipeError, OSError):
            return None, "the grading sandbox stopped"
        deadline = time.monotonic() + self.limits.wall + 30
        status = read_frame(self.process.stdout.fileno(), 4096, deadline)
        payload = read_frame(self.process.stdout.fileno(), self.limits.answers + 1024, deadline)
        if status is None or payload is None:
            self.close()
            return None, "the grading sandbox did not answer"
        if status != b"ok":
            return None, status.decode("utf-8", "replace")
        try:
            return decode(payload), None
        except ValueError:
            return None, "the notebook's process sent malformed answers"

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


# -- inside the zygote --------------------------------------------------------------------------

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWIPC = (
    0x00020000,
    0x10000000,
    0x20000000,
    0x08000000,
)
_PR_SET_PDEATHSIG = 1


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _enter_namespaces() -> bool:
    """New user, mount, PID and IPC namespaces for this process's children (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    uid, gid = os.getuid(), os.getgid()
    flags = _CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC
    if _libc().unshare(flags) != 0:
        return False
    with contextlib.suppress(OSError):
        Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    return True


_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 0x4000, 0x40000


def _private_mounts(libc: Any) -> None:
    """A fresh work area, a read-only /tmp (nothing is left for the next notebook) and a /proc
    that shows only this notebook's processes."""
    libc.mount(b"none", b"/", None, _MS_PRIVATE | _MS_REC, None)
    libc.mount(b"tmpfs", WORK_AREA.encode(), b"tmpfs", 0, b"size=256m,mode=0700")
    libc.mount(b"/tmp", b"/tmp", None, _MS_BIND | _MS_REC, None)
    libc.mount(b"none", b"/tmp", None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY, None)
    libc.mount(b"proc", b"/proc", b"proc", 0, None)


def _set_limits(limits: dict[str, Any]) -> None:
    mapped = _mapped_bytes()
    for which, value in (
        (resource.RLIMIT_CPU, int(limits["cpu"]) + 1),
        (resource.RLIMIT_AS, mapped + int(limits["memory"])),
        (resource.RLIMIT_FSIZE, int(limits["file_size"])),
        (resource.RLIMIT_CORE, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))


def _mapped_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _notebook_process(job: dict[str, Any], write_fd: int, namespaced: bool) -> None:
    """The process that runs the learner's code (never returns)."""
    from course_utils.grading.worker import run_job

    libc = _libc()
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    in_bwrap = os.path.isdir(WORK_AREA)  # the work area exists only inside the sandbox
    if namespaced and in_bwrap:
        _private_mounts(libc)
    elif not namespaced:
        os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if namespaced and in_bwrap:
        work = Path(WORK_AREA) / "work"
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="course-grade-"))
    os.chdir(work)
    sys.path[:] = [p for p in sys.path if p not in ("", "/tmp", WORK_AREA)]
    name = Path(str(job.get("notebook_name", "notebook.ipynb"))).name
    (work / name).write_bytes(job.get("notebook", b""))
    _set_limits(job["limits"])
    try:
        payload = encode(run_job(job))
    except BaseException as error:  # noqa: BLE001
        payload = encode({"crashed": f"{type(error).__name__}: {str(error)[:200]}"})
    with os.fdopen(write_fd, "wb") as out:
        write_frame(out, payload)
    os._exit(0)


def _grade_one(job: dict[str, Any], namespaced: bool) -> tuple[bytes, bytes]:
    """Fork the notebook's process (PID 1 of its namespace), wait for it within the limits."""
    read_fd, write_fd = os.pipe()
    if namespaced:
        middle = os.fork()
        if middle == 0:  # the namespace's parent: unshare, then fork PID 1
            os.close(read_fd)
            ok = _enter_namespaces()
            child = os.fork()
            if child == 0:
                _notebook_process(job, write_fd, ok)
            os.close(write_fd)
            _, status = os.waitpid(child, 0)
            os._exit(0)
        os.close(write_fd)
        waited = middle
    else:
        waited = os.fork()
        if waited == 0:
            os.close(read_fd)
            _notebook_process(job, write_fd, False)
        os.close(write_fd)
    limits = job["limits"]
    deadline = time.monotonic() + float(limits["wall"])
    payload = read_frame(read_fd, int(limits["answers"]), deadline)
    timed_out = payload is None and time.monotonic() >= deadline
    with contextlib.suppress(ProcessLookupError):
        os.kill(waited, signal.SIGKILL)  # its notebook process (PID 1) and all it started die
    if not namespaced:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(waited, signal.SIGKILL)
    os.waitpid(waited, 0)
    os.close(read_fd)
    if payload is not None:
        return b"ok", payload
    if timed_out:
        return f"time limit: stopped after {float(limits['wall']):g} s".encode(), b""
    return b"the notebook's process ended without answers (a crash, exit or memory limit)", b""


def zygote_main() -> int:
    """Preload the libraries, then grade jobs from stdin until it closes."""
    import importlib

    for module in _PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    import course_utils.grading.worker  # noqa: F401 - preloaded for the notebook processes

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    namespaced = sys.platform.startswith("linux") and _user_namespaces_work()
    write_frame(stdout, b"ready")
    while True:
        frame = read_frame(stdin.fileno(), 2**31)
        if frame is None:
            return 0
        job = decode(frame)
        status, payload = _grade_one(job, namespaced)
        write_frame(stdout, status)
        write_frame(stdout, payload)


if __name__ == "__main__":
    raise SystemExit(zygote_main())
