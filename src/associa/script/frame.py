"""A LOAD's output before it is stored: named columns of codes into symbol tables.

Between the stages of one LOAD statement (a preceding load reading the LOAD under it, a
prefix reshaping the rows), the rows live in a ``Frame``: each column is int32 codes
(``-1`` NULL) into that column's own symbol table. The symbol tables are the builder's
(the field's, when the frame is the final table) or scratch ones (``Scratch``), so that a
value computed only in between never becomes a symbol of a field of the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from associa.expr import Vec
from associa.model.symbols import SymbolTable
from associa.model.table import Identity
from associa.script.sources.table import SourceColumn, SourceTable
from associa.values import Locale
from associa.values.format import auto_format_many

Column = np.ndarray | Identity


class Scratch:
    """Symbol tables that belong to no field of the model (``symbols_of`` as the
    builder's)."""

    def __init__(self) -> None:
        self.symbols: dict[str, SymbolTable] = {}

    def symbols_of(self, name: str) -> SymbolTable:
        sym = self.symbols.get(name)
        if sym is None:
            sym = self.symbols[name] = SymbolTable()
        return sym


@dataclass(slots=True)
class Frame:
    names: list[str]
    columns: dict[str, Column]
    nrows: int
    symbols: dict[str, SymbolTable] = field(default_factory=dict)

    def codes(self, name: str) -> np.ndarray:
        col = self.columns[name]
        return col.materialize().astype(np.int32) if isinstance(col, Identity) else col

    def vec(self, name: str) -> Vec:
        return Vec.from_symbols(self.symbols[name], self.codes(name))

    def source(self) -> SourceTable:
        """The frame as the source of the stage above it."""
        out = SourceTable(list(self.names), self.nrows)
        for name in self.names:
            col = self.columns[name]
            codes = None if isinstance(col, Identity) else col
            out.columns[name] = SourceColumn(self.symbols[name], codes, self.nrows)
        return out

    def take(self, rows: np.ndarray) -> Frame:
        return Frame(list(self.names), {n: self.codes(n)[rows] for n in self.names},
                     len(rows), dict(self.symbols))


def value_texts(v: Vec, locale: Locale) -> np.ndarray | None:
    """The texts to intern for computed values: None where the text is the number's own
    rendering and the symbol table renders it alike (integers below 1e15, the same under
    ``auto_format`` and ``values.rendering``, and most numbers of at most 14 significant
    digits), so computed integers make no Python string; other numbers are formatted once
    per distinct number."""
    text = v.text
    num = v.num
    has_text = np.zeros(v.n, dtype=bool) if text is None else text != None  # noqa: E711
    with np.errstate(invalid="ignore"):
        plain = (np.floor(num) == num) & (np.abs(num) < 1e15)
    need = np.flatnonzero(~v.null & ~has_text & ~plain)
    if not len(need) and not has_text.any():
        return None
    out = np.empty(v.n, dtype=object)
    if text is not None:
        out[has_text] = text[has_text]
    if len(need):
        uniq, inv = np.unique(num[need], return_inverse=True)
        out[need] = auto_format_many(uniq, locale, default_none=True)[inv]
    return out
