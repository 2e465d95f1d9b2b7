"""Data tables: per-field columns of symbol codes.

Two forms of the same thing:

* while a script runs (``ModelBuilder``), a column is int32 with ``-1`` for NULL, because
  the field's symbol table is still growing;
* in a built ``DataModel`` a column is unsigned, in the narrowest of uint8, uint16 and
  uint32 that holds the codes ``0..nsym`` (``code_dtype``), where ``nsym`` is the number of
  the field's symbols and the code ``nsym`` (the field's ``null_code``) is NULL.

An identity column, whose code is its row number in every row (a sequence such as an
order id loaded in order, one symbol per row), is not stored: ``Columns`` keeps a marker
and ``columns[name]`` makes ``arange(nrows)`` in the column's dtype when read, a copy that
lives only as long as the caller holds it. ``Table.is_identity(name)`` tells kernels they
may use the row number itself (a lookup over symbols is then a lookup over rows).

A built table may store its rows grouped by a key rather than in load order
(``associa.model.clustering``): ``origin`` is then the load-order row of each stored row,
and ``loaded(name)`` reads a column back in load order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

import numpy as np

from associa.model.symbols import NULL

_BLOCK = 1 << 20


def code_dtype(nsym: int) -> np.dtype:
    """The narrowest unsigned dtype holding the codes ``0..nsym`` (``nsym`` is NULL)."""
    if nsym <= 0xFF:
        return np.dtype(np.uint8)
    if nsym <= 0xFFFF:
        return np.dtype(np.uint16)
    if nsym <= 0xFFFFFFFF:
        return np.dtype(np.uint32)
    raise ValueError(f"too many symbols in one field: {nsym}")


@dataclass(frozen=True, slots=True)
class Identity:
    """The marker of an identity column: ``arange(nrows)`` in ``dtype``."""

    nrows: int
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return 0

    def materialize(self) -> np.ndarray:
        return np.arange(self.nrows, dtype=self.dtype)


class Columns(MutableMapping[str, np.ndarray]):
    """A table's columns by field name; identity columns are made when read."""

    __slots__ = ("_cols",)

    def __init__(self, cols: Mapping[str, np.ndarray | Identity] | None = None) -> None:
        self._cols: dict[str, np.ndarray | Identity] = (
            dict(cols._cols) if isinstance(cols, Columns) else dict(cols or {})
        )

    def __getitem__(self, name: str) -> np.ndarray:
        col = self._cols[name]
        return col.materialize() if isinstance(col, Identity) else col

    def __setitem__(self, name: str, column: np.ndarray | Identity) -> None:
        self._cols[name] = column

    def __delitem__(self, name: str) -> None:
        del self._cols[name]

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)

    def __repr__(self) -> str:
        return f"Columns({self._cols!r})"

    def stored(self, name: str) -> np.ndarray | Identity:
        """The column as held: an array, or the ``Identity`` marker."""
        return self._cols[name]

    def is_identity(self, name: str) -> bool:
        return isinstance(self._cols.get(name), Identity)

    def copy(self) -> Columns:
        return Columns(self)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self._cols.values())


@dataclass(slots=True)
class Table:
    """A logical table. ``columns[f][r]`` is the symbol code of field ``f`` in row ``r``
    (see the module docstring for NULL). Field order is load order."""

    name: str
    fields: list[str] = field(default_factory=list)
    columns: Columns = field(default_factory=Columns)
    nrows: int = 0
    # the load-order row of each stored row, when the rows are stored grouped by a key
    # (associa.model.clustering); None: stored in load order
    origin: np.ndarray | None = None
    grouped_by: str | None = None  # the key field the stored rows are grouped by
    # that key's codes in the order their runs are stored (None: code order)
    group_order: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.columns, Columns):
            self.columns = Columns(self.columns)

    def is_identity(self, name: str) -> bool:
        """True when the column's code is its row number in every row (not stored)."""
        return self.columns.is_identity(name)

    def in_stored_rows(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The column's codes at the given stored rows."""
        if self.is_identity(name):
            return rows.copy()
        col = self.columns.stored(name)
        assert isinstance(col, np.ndarray)
        return col[rows]

    def loaded(self, name: str) -> np.ndarray | Identity:
        """The column in load order (as ``columns.stored``: an array, or the ``Identity``
        marker of a column that was one when loaded)."""
        stored = self.columns.stored(name)
        if self.origin is None:
            return stored
        if stored is self.origin:  # an identity column when loaded
            return Identity(self.nrows, stored.dtype)
        assert isinstance(stored, np.ndarray)
        out = np.empty_like(stored)
        out[self.origin] = stored
        return out

    def in_load_order(self, name: str) -> np.ndarray:
        """The column's codes in load order, as an array."""
        col = self.loaded(name)
        return col.materialize() if isinstance(col, Identity) else col

    def add_column(self, name: str, column: np.ndarray) -> None:
        if name not in self.columns:
            self.fields.append(name)
        self.columns[name] = column

    def drop_field(self, name: str) -> None:
        if name in self.columns:
            del self.columns[name]
            self.fields.remove(name)

    def append_rows(self, columns: dict[str, np.ndarray], nrows: int) -> None:
        """Concatenate rows (builder form); fields missing on either side become NULL."""
        for name in list(self.fields):
            extra = columns.get(name)
            if extra is None:
                extra = np.full(nrows, NULL, dtype=np.int32)
            self.columns[name] = np.concatenate([self.columns[name], extra])
        for name, col in columns.items():
            if name not in self.columns:
                self.fields.append(name)
                self.columns[name] = np.concatenate(
                    [np.full(self.nrows, NULL, dtype=np.int32), col]
                )
        self.nrows += nrows

    def take(self, rows: np.ndarray) -> Table:
        """A new table with the given rows (indices or mask)."""
        cols = {f: self.columns[f][rows] for f in self.fields}
        n = int(rows.sum()) if rows.dtype == bool else len(rows)
        return Table(self.name, list(self.fields), Columns(cols), n)

    def copy(self, name: str | None = None) -> Table:
        return Table(name or self.name, list(self.fields), self.columns.copy(), self.nrows,
                     self.origin, self.grouped_by, self.group_order)


def encode_column(column: np.ndarray, nsym: int) -> np.ndarray | Identity:
    """A column in the built form: narrow unsigned codes with ``nsym`` for NULL, or the
    ``Identity`` marker. ``column`` is in the builder's form (int32, ``-1`` for NULL) or
    already unsigned with ``nsym`` for NULL."""
    dtype = code_dtype(nsym)
    nrows = len(column)
    if column.dtype.kind == "u":
        out = column if column.dtype == dtype else column.astype(dtype)
        has_null = nrows == 0 or bool(column.max(initial=0) >= nsym)
    else:
        out = column.astype(dtype)
        neg = column < 0
        has_null = bool(neg.any())
        if has_null:
            out[neg] = nsym
    if nrows and nsym == nrows and not has_null and _is_sequence(out):
        return Identity(nrows, dtype)
    return out


def _is_sequence(col: np.ndarray) -> bool:
    n = len(col)
    if int(col[0]) != 0 or int(col[-1]) != n - 1:
        return False
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        if not np.array_equal(col[lo:hi], np.arange(lo, hi, dtype=col.dtype)):
            return False
    return True
