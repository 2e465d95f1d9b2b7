"""Data tables: per-field columns of symbol indices."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from associa.model.symbols import NULL


@dataclass(slots=True)
class Table:
    """A logical table. ``columns[f][r]`` is the symbol index of field ``f`` in row ``r``
    (``-1`` for NULL). Field order is load order."""

    name: str
    fields: list[str] = field(default_factory=list)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    nrows: int = 0

    def add_column(self, name: str, column: np.ndarray) -> None:
        if name not in self.columns:
            self.fields.append(name)
        self.columns[name] = column

    def drop_field(self, name: str) -> None:
        if name in self.columns:
            del self.columns[name]
            self.fields.remove(name)

    def append_rows(self, columns: dict[str, np.ndarray], nrows: int) -> None:
        """Concatenate rows; fields missing on either side become NULL."""
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
        return Table(self.name, list(self.fields), cols, n)

    def copy(self, name: str | None = None) -> Table:
        return Table(name or self.name, list(self.fields), dict(self.columns), self.nrows)
