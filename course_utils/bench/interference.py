"""Two thread pools in one process: NumPy's OpenBLAS and torch's OpenMP.

``python -m course_utils.bench interference [--quick]``

Both libraries keep worker threads that busy-wait for a while after each call, hoping for
more work. A program that alternates between them (every benchmark that compares a NumPy
method with ``torch.nn.functional.conv2d``) then runs each call while the *other* library's
idle threads still spin on the same cores. This module times a NumPy matrix product and a
torch convolution, each on its own and then alternating call by call, in fresh processes:
once with the libraries' default waiting, once with idle threads sleeping
(``OMP_WAIT_POLICY=PASSIVE``, ``OPENBLAS_THREAD_TIMEOUT=4``, what ``course.sh`` sets).
The settings are read when the libraries load, so each case needs its own process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from course_utils import WAIT_POLICY_ENV, timing
from course_utils.bench import command_parser
from course_utils.config import quick_mode

__all__ = ["CASES", "format_results", "main", "measure_in_subprocess"]

# Runs in a fresh interpreter that imports NumPy and torch *before* anything else (not
# course_utils, which would set the sleeping policy by default). The course's timer
# (course_utils/timing.py, which needs only NumPy) is loaded from its file, without the package.
_SCRIPT = """
import importlib.util, json, sys
import numpy as np
import torch
import torch.nn.functional as F

timing_file, side, channels, repeat = sys.argv[1], *(int(v) for v in sys.argv[2:5])
spec = importlib.util.spec_from_file_location("course_timing", timing_file)
timing = sys.modules["course_timing"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(timing)
rng = np.random.default_rng(0)
a = rng.standard_normal((side, side)).astype(np.float32)
x = torch.from_numpy(rng.standard_normal((8, channels, 28, 28)).astype(np.float32))
w = torch.from_numpy(rng.standard_normal((channels, channels, 3, 3)).astype(np.float32))
calls = {"numpy matmul": lambda: a @ a, "torch conv2d": lambda: F.conv2d(x, w, padding=1)}
alone = {name: timing.interleaved({name: call}, repeat=repeat) for name, call in calls.items()}
mixed = timing.interleaved(calls, repeat=1, rounds=repeat, warmup=0)
print(json.dumps({
    "alone": {name: 1e3 * t[name].median for name, t in alone.items()},
    "alternating": {name: 1e3 * t.median for name, t in mixed.items()},
}))
"""

#: case name -> environment changes (None removes the variable)
CASES: dict[str, dict[str, str | None]] = {
    "threads spin (library defaults)": dict.fromkeys(WAIT_POLICY_ENV),
    "idle threads sleep": dict(WAIT_POLICY_ENV),
}


def measure_in_subprocess(
    env_changes: dict[str, str | None], side: int = 1024, channels: int = 128, repeat: int = 9
) -> dict[str, dict[str, float]]:
    """Median ms of a (side x side) float32 matmul and of an (8, channels, 28, 28) 3x3 conv2d,
    alone and alternating, measured in a fresh process with ``env_changes`` applied."""
    env = dict(os.environ)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    sizes = [str(side), str(channels), str(repeat)]
    command = [sys.executable, "-c", _SCRIPT, str(Path(timing.__file__)), *sizes]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def format_results(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """A table: one row per case and call, alone vs alternating, and the slow-down."""
    lines = [
        f"{'case':<34} {'call':<14} {'alone':>10} {'alternating':>12} {'slow-down':>10}",
        "-" * 84,
    ]
    for case, timings in results.items():
        for call, alone in timings["alone"].items():
            mixed = timings["alternating"][call]
            lines.append(
                f"{case:<34} {call:<14} {alone:>8.2f}ms {mixed:>10.2f}ms {mixed / alone:>9.2f}x"
            )
    return "\n".join(lines)


def run(quick: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Measure every case of :data:`CASES` (smaller problems in quick mode)."""
    sizes = {"side": 256, "channels": 32, "repeat": 5} if quick else {}
    return {case: measure_in_subprocess(changes, **sizes) for case, changes in CASES.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser("interference", __doc__)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(list(argv) if argv is not None else None)
    results = run(quick=args.quick or quick_mode())
    print(json.dumps(results, indent=2) if args.json else format_results(results))
    return 0
