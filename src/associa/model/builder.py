"""Building a data model: the tables a script creates, then the immutable DataModel."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from associa.errors import ScriptError
from associa.model.model import DataModel, compact
from associa.model.symbols import SymbolTable
from associa.model.table import Columns, Identity, Table, code_dtype


class ModelBuilder:
    """Tables under construction, with one growing symbol table per field."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.symbols: dict[str, SymbolTable] = {}

    def symbols_of(self, name: str) -> SymbolTable:
        sym = self.symbols.get(name)
        if sym is None:
            sym = self.symbols[name] = SymbolTable()
        return sym

    # -- tables ---------------------------------------------------------------------

    def unique_name(self, base: str) -> str:
        if base not in self.tables:
            return base
        n = 1
        while f"{base}-{n}" in self.tables:
            n += 1
        return f"{base}-{n}"

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise ScriptError(f"Table '{name}' not found") from None

    def find_same_fields(self, fields: Sequence[str]) -> Table | None:
        """The earliest table with exactly this set of fields (automatic concatenation)."""
        wanted = set(fields)
        for table in self.tables.values():
            if set(table.fields) == wanted:
                return table
        return None

    def add(self, name: str, fields: list[str], columns: Mapping[str, np.ndarray | Identity],
            nrows: int) -> Table:
        """A new table; a column is int32 codes (``-1`` NULL) or an ``Identity`` marker."""
        table = Table(name, list(fields), Columns(columns), nrows)
        self.tables[name] = table
        return table

    def drop(self, name: str) -> None:
        self.table(name)
        del self.tables[name]

    def rename(self, old: str, new: str) -> None:
        table = self.table(old)
        if new in self.tables:
            raise ScriptError(f"The name '{new}' already exists.")
        table.name = new
        self.tables = {(new if k == old else k): v for k, v in self.tables.items()}

    def last_table(self) -> Table | None:
        return next(reversed(self.tables.values()), None)

    # -- the result -----------------------------------------------------------------

    def build(self) -> DataModel:
        """The data model of the tables built so far. The builder is spent: it lets go of
        its tables and symbol tables (the model owns the frozen symbol tables and the
        narrow columns; the builder's int32 columns are freed with it)."""
        tables = list(self.tables.values())  # taken, not copied: each int32 column is
        self.tables = {}  # freed as soon as its narrow form replaces it
        symbols = compact(tables, self.symbols)
        for table in tables:  # identity columns take their field's code dtype
            for name in table.fields:
                if table.is_identity(name):
                    nsym = len(symbols[name])
                    dtype = code_dtype(nsym)
                    # an identity is a column whose codes are its row numbers AND that holds
                    # every symbol of the field; a field that gained symbols in other tables
                    # (keys of facts a dimension table does not have) keeps its codes
                    table.columns[name] = (Identity(table.nrows, dtype) if nsym == table.nrows
                                           else np.arange(table.nrows, dtype=dtype))
        self.symbols = {}
        return DataModel(tables, symbols)


def model_from_rows(tables: Mapping[str, Mapping[str, Sequence[object]]]) -> DataModel:
    """A data model from plain Python values (str, int, float, None), for tests and demos.

    Numbers get their default text; strings are kept as text only (no interpretation).
    """
    builder = ModelBuilder()
    for tname, cols in tables.items():
        fields = list(cols)
        nrows = len(next(iter(cols.values()), []))
        columns: dict[str, np.ndarray] = {}
        for fname, values in cols.items():
            sym = builder.symbols_of(fname)
            out = np.empty(len(values), dtype=np.int32)
            for i, v in enumerate(values):
                if v is None:
                    out[i] = -1
                elif isinstance(v, str):
                    out[i] = sym.intern(v, math.nan)
                else:
                    x = float(v)  # type: ignore[arg-type]
                    text = str(int(x)) if x.is_integer() else repr(x)
                    out[i] = sym.intern(text, x)
            columns[fname] = out
        builder.add(tname, fields, columns, nrows)
    return builder.build()
