"""Plain-text tables for benchmark and ranking output, in one place.

* :func:`column_table` -- one line per row, columns described once (:class:`Column`: header,
  width, alignment, separator and how to write a row's cell);
* :func:`grid_table` -- a grid of labelled rows by named columns, every cell alike.

Both underline the header with dashes of its length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Column", "column_table", "grid_table"]


@dataclass(frozen=True)
class Column:
    """One column: ``header``, the ``text`` of a row's cell, padded to ``width`` (0: no
    padding) and aligned ``">"`` (right) or ``"<"`` (left), ``before`` it the separator from
    the column to its left (not written before the first column)."""

    header: str
    text: Callable[[Any], str]
    width: int = 0
    align: str = ">"
    before: str = " "

    def __post_init__(self) -> None:
        if self.align not in ("<", ">"):
            raise ValueError(f"align must be '<' or '>', got {self.align!r}")

    def cell(self, text: str) -> str:
        return f"{text:{self.align}{self.width}}" if self.width else text


def _line(columns: Sequence[Column], texts: Sequence[str]) -> str:
    parts = [columns[0].cell(texts[0])]
    parts += [c.before + c.cell(t) for c, t in zip(columns[1:], texts[1:], strict=True)]
    return "".join(parts)


def column_table(columns: Sequence[Column], rows: Sequence[Any]) -> str:
    """The header, a rule of dashes and one line per row (``column.text(row)`` per cell)."""
    if not columns:
        raise ValueError("a table needs at least one column")
    header = _line(columns, [c.header for c in columns])
    lines = [header, "-" * len(header)]
    lines += [_line(columns, [c.text(row) for c in columns]) for row in rows]
    return "\n".join(lines)


def grid_table(
    label: str,
    rows: Sequence[Any],
    columns: Sequence[str],
    cell: Callable[[Any, str], str],
    *,
    label_width: int = 12,
    cell_width: int = 14,
) -> str:
    """A plain-text grid: one line per entry of ``rows`` (labelled with it), one right-aligned
    column per entry of ``columns``; ``cell(row, column)`` gives the text of a cell."""
    layout = [Column(label, str, label_width)]
    layout += [
        Column(name, lambda row, name=name: cell(row, name), cell_width, before=" | ")
        for name in columns
    ]
    return column_table(layout, rows)
