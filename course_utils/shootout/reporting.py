"""Plain-text tables of the shootout's results: rankings, memory reports, sizes, times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from course_utils.tables import Column, column_table
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


def _or_na(value: Any, text: str) -> str:
    return "n/a" if value is None else text


#: The columns of :func:`format_ranking` (n/a rows keep their reason in the note).
RANKING_COLUMNS = (
    Column("#", lambda r: _or_na(r["rank"], str(r["rank"])), 3),
    Column("method", lambda r: r["method"], 9, "<", before="  "),
    Column("median", lambda r: _seconds(r["median_s"]), 10),
    Column("x fastest", lambda r: _or_na(r["vs_fastest"], f"{r['vs_fastest'] or 0:.2f}x"), 9),
    Column("GFLOP/s", lambda r: _or_na(r["gflops"], f"{r['gflops'] or 0:.2f}"), 8),
    Column(
        "% peak",
        lambda r: "" if r["percent_of_peak"] is None else f"{r['percent_of_peak']:.0f}%",
        7,
    ),
    Column(
        "extra memory",
        lambda r: "not counted" if r["extra_bytes"] is None else format_bytes(r["extra_bytes"]),
        13,
    ),
    Column("note", lambda r: r["note"], before="  "),
)


def format_ranking(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`rank_methods` rows (n/a rows keep their reason)."""
    return column_table(RANKING_COLUMNS, rows)


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
