"""Plain-text tables of the shootout's results: rankings, memory reports, sizes, times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from course_utils.timing import format_seconds as _seconds


def format_memory_report(rows: Sequence[dict[str, Any]]) -> str:
    """Plain-text table of :func:`memory_report` rows (sizes also as multiples of the input)."""
    header = f"{'method':<9} {'analytic':>11} {'x input':>8} {'measured':>11}  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        analytic, measured = row["analytic"], row["measured"]
        times = "" if analytic is None else f"{analytic / row['input_bytes']:.1f}x"
        if measured is None:
            measured_text = "not run" if row["note"] else "-"
        else:
            measured_text = format_bytes(measured)
        analytic_text = "not counted" if analytic is None else format_bytes(analytic)
        lines.append(
            f"{row['method']:<9} {analytic_text:>11} {times:>8} {measured_text:>11}  {row['note']}"
        )
    return "\n".join(lines)


def format_bytes(value: float | None) -> str:
    """``1536 -> '1.5 KiB'``; ``None -> 'n/a'``."""
    if value is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def format_ranking(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`rank_methods` rows (n/a rows keep their reason)."""
    header = (
        f"{'#':>3}  {'method':<9} {'median':>10} {'x fastest':>9} {'GFLOP/s':>8} "
        f"{'% peak':>7} {'extra memory':>13}  note"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        rank = "n/a" if row["rank"] is None else str(row["rank"])
        ratio = "n/a" if row["vs_fastest"] is None else f"{row['vs_fastest']:.2f}x"
        gflops = "n/a" if row["gflops"] is None else f"{row['gflops']:.2f}"
        percent = "" if row["percent_of_peak"] is None else f"{row['percent_of_peak']:.0f}%"
        memory = "not counted" if row["extra_bytes"] is None else format_bytes(row["extra_bytes"])
        lines.append(
            f"{rank:>3}  {row['method']:<9} {_seconds(row['median_s']):>10} {ratio:>9} "
            f"{gflops:>8} {percent:>7} {memory:>13}  {row['note']}"
        )
    return "\n".join(lines)


def ranking_summary(rankings: dict[str, Sequence[dict[str, Any]]]) -> str:
    """One line per problem: the measured order, fastest first, then the n/a methods."""
    lines = []
    width = max((len(label) for label in rankings), default=0)
    for label, rows in rankings.items():
        ranked = [r for r in rows if r["rank"] is not None]
        order = " < ".join(f"{r['method']} ({_seconds(r['median_s'])})" for r in ranked)
        missing = [r["method"] for r in rows if r["rank"] is None]
        suffix = f"   n/a: {', '.join(missing)}" if missing else ""
        lines.append(f"{label:<{width}}  {order}{suffix}")
    return "\n".join(lines)
