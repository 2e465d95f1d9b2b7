"""Codes: telling from a lookup table or the codes' range that every code is a value
(none is NULL): what lets Count(field) over a column without NULL count the records per
group."""

from __future__ import annotations

import numpy as np

from associa.kernels.codes import Codes, column_range


def test_below_reads_the_lookup_table_the_codes_range_or_gives_up() -> None:
    col = np.array([0, 3, 1, 2, 3], dtype=np.uint32)
    assert Codes.of(col).below(4)
    assert not Codes.of(np.append(col, np.uint32(4))).below(4)  # holds NULL (code 4)
    assert Codes(col, np.array([1, 2], dtype=np.int32), None, 2).below(4)
    # through a lookup table: what the table can give, whatever the column holds
    assert not Codes(col, None, np.array([0, 1, 2, 4]), 5).below(4)
    assert Codes(col, None, np.array([0, 1, 2, 3]), 5).below(4)
    assert not Codes(None, np.arange(3), None, 3).below(4)  # nothing to tell from
    assert Codes.of(np.zeros(0, dtype=np.uint8)).below(4)


def test_negative_codes_are_null() -> None:
    """The script's columns code NULL as -1."""
    assert not Codes.of(np.array([0, -1, 2], dtype=np.int32)).below(4)
    assert Codes.of(np.array([0, 1, 2], dtype=np.int32)).below(4)


def test_column_range_is_kept_per_column() -> None:
    col = np.array([5, 9, 2], dtype=np.uint16)
    assert column_range(col) == (0, 9)
    other = np.array([-1, 1], dtype=np.int32)
    assert column_range(other) == (-1, 1) and column_range(col) == (0, 9)
