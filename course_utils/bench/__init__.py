"""Benchmarks anyone can run: ``python -m course_utils.bench {conv,winograd,interference,network}``.

Each sub-command lives in its own module exposing ``main(argv) -> int``.
Timings are medians after a warm-up, ratios are measured side by side in the
same run, and GFLOP/s are reported against the machine's measured GEMM peak.
"""

from __future__ import annotations

import argparse

SUBCOMMANDS = {
    "conv": "course_utils.bench.conv",
    "winograd": "course_utils.bench.winograd",
    "interference": "course_utils.bench.interference",
    "network": "course_utils.bench.network",
}


def command_parser(command: str, description: str | None) -> argparse.ArgumentParser:
    """The parser of ``python -m course_utils.bench COMMAND``: its module's docstring as the
    description, and the ``--quick`` option every benchmark has."""
    parser = argparse.ArgumentParser(
        prog=f"python -m course_utils.bench {command}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (also COURSE_QUICK=1)")
    return parser
