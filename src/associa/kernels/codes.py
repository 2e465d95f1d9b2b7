"""Codes: the codes of some records, given lazily as gathers through lookup tables.

A chart's records are rows of a table (all of them, or an index list), and a field's code
in each record is read from a column of that table, sometimes through a lookup table over
the column's codes (the Category of each ProductID). ``Codes(col, rows, lut)`` stands for

    codes[i] = lut[col[rows[i]]]

with ``rows`` None for every row (``i`` itself), ``col`` None for an identity column (the
row number is the code) and ``lut`` None for the column's own codes. Kernels read the codes
in that form, in one pass, without making the intermediate arrays; ``materialize`` makes
the array when a caller needs it.

``code_at`` and ``value_at`` read one code in a compiled loop: numba compiles a version
per combination of the parts given and prunes the branches on the missing ones.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa import kernels

BLOCK = 1 << 20  # rows per block where numpy works block by block (cache-sized casts)


@dataclass(frozen=True, slots=True)
class Codes:
    """``n`` codes: ``lut[col[rows[i]]]`` (see the module docstring)."""

    col: np.ndarray | None
    rows: np.ndarray | None
    lut: np.ndarray | None
    n: int

    @staticmethod
    def of(array: np.ndarray) -> Codes:
        """Codes given as an array."""
        return Codes(array, None, None, len(array))

    def through(self, lut: np.ndarray) -> Codes:
        """These codes mapped through ``lut`` (composed with this lookup table)."""
        return Codes(self.col, self.rows, lut if self.lut is None else lut[self.lut], self.n)

    def take(self, idx: np.ndarray) -> Codes:
        """The codes at positions ``idx``."""
        if self.rows is not None:
            return Codes(self.col, self.rows[idx], self.lut, len(idx))
        return Codes(self.col, np.asarray(idx, dtype=np.intp), self.lut, len(idx))

    def slice(self, lo: int, hi: int) -> Codes:
        """The codes at positions ``lo:hi``."""
        if self.rows is not None:
            return Codes(self.col, self.rows[lo:hi], self.lut, hi - lo)
        if self.col is not None:
            return Codes(self.col[lo:hi], None, self.lut, hi - lo)
        return Codes(None, np.arange(lo, hi, dtype=np.intp), self.lut, hi - lo)

    def materialize(self) -> np.ndarray:
        """The codes as an array (the lookup table's dtype, else the column's). May be the
        column itself: read it, never write to it."""
        if self.col is None and self.rows is None and self.lut is not None:
            return self.lut[: self.n].copy()
        if self.col is None:
            base = np.arange(self.n, dtype=np.intp) if self.rows is None else self.rows
        elif self.rows is None:
            base = self.col
        else:
            base = self.col[self.rows]
        if self.lut is None:
            return base
        return self.lut[base]

    def below(self, limit: int) -> bool:
        """Whether every code is in ``0..limit-1`` (a field's codes: none is its NULL,
        ``limit``, nor -1), told from the lookup table or from the largest and least code
        (a model column's kept: ``column_range``); False when it cannot be told."""
        if self.lut is not None:
            low, top = _range(self.lut)
        elif self.col is None:
            return False
        elif self.rows is not None:
            low, top = column_range(self.col)
        else:  # codes of their own (gathered already): one pass
            low, top = _range(self.col)
        return low >= 0 and top < limit

    def parts(self) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """(col, rows, lut) for a compiled kernel, None where missing: numba compiles a
        version per combination and prunes the branches on them."""
        return self.col, self.rows, self.lut

    def blocks(self) -> list[tuple[int, int]]:
        """Position ranges of about ``BLOCK`` codes."""
        return [(lo, min(lo + BLOCK, self.n)) for lo in range(0, self.n, BLOCK)]

    def block(self, lo: int, hi: int) -> np.ndarray:
        """Codes ``lo:hi``, the indices cast to intp per block (numpy gathers are much
        faster with intp indices, and a block's cast stays in cache)."""
        if self.col is None:
            base = np.arange(lo, hi, dtype=np.intp) if self.rows is None else self.rows[lo:hi]
        elif self.rows is None:
            base = self.col[lo:hi]
        else:
            base = self.col[self.rows[lo:hi]]
        if self.lut is not None:
            base = self.lut[base.astype(np.intp, copy=False)]
        return base


def _code_at(col, rows, lut, i):  # pragma: no cover - compiled
    r = i if rows is None else rows[i]
    c = r if col is None else col[r]
    return c if lut is None else lut[c]


_COLUMN_RANGE: dict[int, tuple[weakref.ref[np.ndarray], tuple[int, int]]] = {}


def column_range(col: np.ndarray) -> tuple[int, int]:
    """The least and the largest code of a model column, computed once per column
    (columns are never written; an entry holds the column weakly and is checked to be
    the same array)."""
    hit = _COLUMN_RANGE.get(id(col))
    if hit is not None and hit[0]() is col:
        return hit[1]
    found = _range(col)
    if len(_COLUMN_RANGE) > 4096:  # drop the entries of columns gone
        for k in [k for k, (ref, _) in _COLUMN_RANGE.items() if ref() is None]:
            del _COLUMN_RANGE[k]
    _COLUMN_RANGE[id(col)] = (weakref.ref(col), found)
    return found


def _range(col: np.ndarray) -> tuple[int, int]:
    if not len(col):
        return 0, -1
    low = 0 if col.dtype.kind == "u" else int(col.min())
    return low, int(col.max())


def _value_at(col, rows, lut, i):  # pragma: no cover - compiled
    r = i if rows is None else rows[i]
    c = r if col is None else col[r]
    return lut[c]


code_at: Any = kernels.jit(_code_at)
value_at: Any = kernels.jit(_value_at)


# the column and row dtypes the warmers compile for
COLUMN_DTYPES = (np.uint8, np.uint16, np.uint32)


def samples() -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(column, rows) on tiny arrays in every common form: each column dtype, with int32
    rows (a selection) and without (all rows)."""
    rows = np.array([0, 1], dtype=np.int32)
    return [(np.array([0, 1, 1], dtype=dt), r) for dt in COLUMN_DTYPES for r in (rows, None)]
