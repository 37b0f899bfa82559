"""The plain-text tables every benchmark and ranking prints (course_utils.tables)."""

from __future__ import annotations

import pytest

from course_utils import timing
from course_utils.tables import Column, column_table, grid_table


def test_columns_are_padded_aligned_and_separated_as_declared() -> None:
    columns = [
        Column("name", lambda r: r[0], 6, "<"),
        Column("value", lambda r: f"{r[1]:.1f}", 7, before=" | "),
        Column("note", lambda r: r[2], before="  "),
    ]
    table = column_table(columns, [("a", 1.25, "ok"), ("longer", 10.0, "")])
    assert table.splitlines() == [
        "name   |   value  note",
        "----------------------",
        "a      |     1.2  ok",
        "longer |    10.0  ",
    ]


def test_a_table_without_columns_or_with_a_bad_alignment_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        column_table([], [1])
    with pytest.raises(ValueError, match="align"):
        Column("x", str, 3, "^")


def test_grid_table_moved_here_and_timing_still_exports_it() -> None:
    """Its layout is pinned in tests/test_timing.py (through the old import)."""
    assert timing.grid_table is grid_table
