"""Codes: telling from a lookup table or a column's largest code that some codes cannot
occur (what lets Count(field) over a column without NULL count the records per group)."""

from __future__ import annotations

import numpy as np

from associa.kernels.codes import Codes, column_range


def _null_mask(nsym: int) -> np.ndarray:
    mask = np.zeros(nsym + 1, dtype=bool)
    mask[-1] = True  # the NULL code
    return mask


def test_never_reads_the_lookup_table_the_largest_code_or_gives_up() -> None:
    mask = _null_mask(4)
    col = np.array([0, 3, 1, 2, 3], dtype=np.uint32)
    assert Codes.of(col).never(mask)
    assert not Codes.of(np.append(col, np.uint32(4))).never(mask)  # holds NULL
    assert Codes(col, np.array([1, 2], dtype=np.int32), None, 2).never(mask)
    # through a lookup table: what the table can give, whatever the column holds
    assert not Codes(col, None, np.array([0, 1, 2, 4]), 5).never(mask)
    assert Codes(col, None, np.array([0, 1, 2, 3]), 5).never(mask)
    assert not Codes(None, np.arange(3), None, 3).never(mask)  # nothing to tell from
    assert Codes.of(np.zeros(0, dtype=np.uint8)).never(mask)


def test_negative_codes_read_the_mask_from_its_end() -> None:
    """The script's columns code NULL as -1 (the mask's last entry)."""
    mask = _null_mask(4)
    assert not Codes.of(np.array([0, -1, 2], dtype=np.int32)).never(mask)
    assert Codes.of(np.array([0, 1, 2], dtype=np.int32)).never(mask)


def test_column_range_is_kept_per_column() -> None:
    col = np.array([5, 9, 2], dtype=np.uint16)
    assert column_range(col) == (0, 9)
    other = np.array([-1, 1], dtype=np.int32)
    assert column_range(other) == (-1, 1) and column_range(col) == (0, 9)
