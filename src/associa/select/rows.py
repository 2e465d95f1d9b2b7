"""Row sets: which rows of a table are possible.

A ``RowSet`` is one of three forms, whichever is cheapest for its density:

* ``ALL``: every row (no array);
* ``MASK``: a bool array over the rows (dense sets);
* ``INDEX``: ascending row numbers (sets below ``SPARSE`` of the rows): intp, or int32
  where the compiled kernels made them (``kernels.postings.index_dtype``).

``source`` records provenance: ``(field, lut)`` when the set is exactly the rows where
``lut[column of field]`` holds, made from all rows by one lookup table. The symbols of
that field in the set are then ``lut`` and the column's symbols, with no pass over the
rows. Arrays of a row set are never written once it is made (they are shared by every
reader of an inference).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from associa.kernels import rows as krows

ALL, MASK, INDEX = "all", "mask", "index"
SPARSE = 1 / 16  # below this share of the rows a set is kept as an index list
SLICES = 64  # runs of rows (``spans``) up to which passes read them slice by slice


@dataclass(frozen=True, slots=True)
class RowSet:
    kind: str
    n: int  # rows of the table
    count: int  # rows in the set
    data: np.ndarray | None = None
    source: tuple[str, np.ndarray] | None = None
    index: np.ndarray | None = None  # a mask's rows as indices, when made with it
    # the rows as runs (k x 2: start, end), when made from runs of rows and few
    spans: np.ndarray | None = None

    @classmethod
    def all(cls, n: int) -> RowSet:
        return cls(ALL, n, n)

    @classmethod
    def of_mask(cls, mask: np.ndarray, count: int | None = None,
                source: tuple[str, np.ndarray] | None = None) -> RowSet:
        """The rows of ``mask`` (kept as indices when sparse)."""
        n = len(mask)
        count = krows.count(mask) if count is None else count
        if count == n:
            return cls(ALL, n, n, None, source)
        if count < SPARSE * n:
            return cls(INDEX, n, count, _frozen(krows.nonzero(mask)), source)
        return cls(MASK, n, count, _frozen(mask), source)

    @classmethod
    def of_indices(cls, idx: np.ndarray, n: int,
                   source: tuple[str, np.ndarray] | None = None) -> RowSet:
        """The rows of an ascending index list (kept as a mask when dense)."""
        count = len(idx)
        if count == n:
            return cls(ALL, n, n, None, source)
        if count >= SPARSE * n:
            return cls(MASK, n, count, _frozen(krows.to_mask(idx, n)), source)
        return cls(INDEX, n, count, _frozen(idx), source)

    @property
    def is_all(self) -> bool:
        return self.kind == ALL

    def indices(self) -> np.ndarray:
        """The rows as ascending indices (intp or int32; made for ``ALL`` and ``MASK``)."""
        if self.kind == INDEX:
            assert self.data is not None
            return self.data
        if self.index is not None:
            return self.index
        if self.kind == ALL:
            return np.arange(self.n, dtype=np.intp)
        assert self.data is not None
        return krows.nonzero(self.data)

    def mask(self) -> np.ndarray:
        """The rows as a bool mask (made for ``ALL`` and ``INDEX``)."""
        if self.kind == MASK:
            assert self.data is not None
            return self.data
        if self.kind == ALL:
            return np.ones(self.n, dtype=bool)
        assert self.data is not None
        return krows.to_mask(self.data, self.n)

    @classmethod
    def of_runs(cls, index: np.ndarray, n: int, mask: np.ndarray | None,
                source: tuple[str, np.ndarray] | None = None,
                spans: np.ndarray | None = None) -> RowSet:
        """Rows made as an index list and, when dense, as a mask too (runs of rows write
        either cheaply): the index list when sparse, else the mask with the list; with
        the runs themselves (``spans``) when given."""
        count = len(index)
        if count == n:
            return cls(ALL, n, n, None, source)
        if spans is not None:
            spans = _frozen(spans)
        if count < SPARSE * n:
            return cls(INDEX, n, count, _frozen(index), source, None, spans)
        assert mask is not None and len(mask) == n
        return cls(MASK, n, count, _frozen(mask), source, _frozen(index), spans)

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in (self.data, self.index) if a is not None)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def memo_nbytes(values: Iterable[object]) -> int:
    """The bytes of the row sets and arrays among what a memo holds."""
    total = 0
    for v in values:
        if isinstance(v, RowSet | np.ndarray):
            total += v.nbytes
    return total
