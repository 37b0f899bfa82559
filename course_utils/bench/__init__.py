"""Benchmarks anyone can run: ``python -m course_utils.bench {conv,winograd}``.

Each sub-command lives in its own module exposing ``main(argv) -> int``.
Timings are medians after a warm-up, ratios are measured side by side in the
same run, and GFLOP/s are reported against the machine's measured GEMM peak.
"""

SUBCOMMANDS = {
    "conv": "course_utils.bench.conv",
    "winograd": "course_utils.bench.winograd",
    "interference": "course_utils.bench.interference",
}
