"""Building a data model: the tables a script creates, then the immutable DataModel."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from associa.errors import ScriptError
from associa.model.loops import loosen
from associa.model.model import DataModel, compact
from associa.model.symbols import SymbolTable
from associa.model.synthetic import make_synthetic_keys, shared_parts, source_columns
from associa.model.table import Columns, Identity, Table, code_dtype
from associa.values.dates import date_format_of, date_kind
from associa.values.dual import Dual
from associa.values.locale import DEFAULT_LOCALE, Locale


class ModelBuilder:
    """Tables under construction, with one growing symbol table per field."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.symbols: dict[str, SymbolTable] = {}
        self.loosened: list[str] = []  # LOOSEN TABLE
        self.tagged: dict[str, list[str]] = {}  # TAG FIELD f WITH t (field -> tags)
        self.untagged: dict[str, set[str]] = {}  # UNTAG FIELD f WITH t
        self.table_tags: dict[str, list[str]] = {}  # TAG TABLE t WITH …
        self.notes: list[str] = []  # lines for the reload log, made by build()

    @classmethod
    def from_model(cls, model: DataModel) -> ModelBuilder:
        """A builder holding a built model's tables as the script loaded them (synthetic
        keys taken apart again, so that the next ``build`` makes them afresh; tables no
        longer loose), with their fields' symbols and the script's tags: where a partial
        reload starts from."""
        out = cls()
        for name, fld in model.fields.items():
            if fld.syn or fld.system:
                continue
            sym = fld.symbols
            out.symbols[name] = SymbolTable.from_arrays(sym.nums[:-1], sym.stored_texts())
            if fld.added_tags:
                out.tagged[name] = list(fld.added_tags)
            if fld.removed_tags:
                out.untagged[name] = set(fld.removed_tags)
        for tname in model.data_tables:
            table = model.tables[tname]
            if tname in model.synthetic_tables:
                continue
            cols = {}
            for fname, col in source_columns(model, tname).items():
                null = model.fields[fname].null_code
                codes = np.where(col == null, -1, col).astype(np.int32)
                if table.origin is not None:  # back in load order
                    codes[table.origin] = codes.copy()
                cols[fname] = codes
            out.add(tname, list(cols), cols, table.nrows)
        out.table_tags = {k: list(v) for k, v in model.table_tags.items()}
        return out

    def tag(self, name: str, tag: str) -> None:
        self.untagged.get(name, set()).discard(tag)
        tags = self.tagged.setdefault(name, [])
        if tag not in tags:
            tags.append(tag)

    def untag(self, name: str, tag: str) -> None:
        if tag in self.tagged.get(name, []):
            self.tagged[name].remove(tag)
        else:
            self.untagged.setdefault(name, set()).add(tag)

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

    def build(self, locale: Locale = DEFAULT_LOCALE) -> DataModel:
        """The data model of the tables built so far. The builder is spent: it lets go of
        its tables and symbol tables (the model owns the frozen symbol tables and the
        narrow columns; the builder's int32 columns are freed with it).

        Tables sharing two or more fields get synthetic keys, loops are broken by
        loosening tables (``notes`` gets the log lines of both), and the script's tags
        are put on the fields."""
        tables = list(self.tables.values())  # taken, not copied: each int32 column is
        self.tables = {}  # freed as soon as its narrow form replaces it
        synthesis = make_synthetic_keys(tables, self.symbols)
        loose, warnings = loosen(tables, self.loosened, shared_parts(tables, synthesis.tables))
        self.notes = [*synthesis.log, *warnings]
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
        model = DataModel(tables, symbols, loose=loose, synthetic=synthesis.tables)
        model.table_tags = {k: list(v) for k, v in self.table_tags.items()
                            if k in model.tables and v}
        for name, fld in model.fields.items():
            if fld.system:
                continue
            sym = fld.symbols
            if not fld.syn and sym.arithmetic is None and len(sym) and sym.all_numeric():
                fld.date_kind = date_kind(sym.stored_texts(), sym.nums[:-1], locale)
                if fld.date_kind:
                    fld.date_format = date_format_of(sym.text(0), fld.date_kind, locale)
            fld.added_tags = tuple(self.tagged.get(name, ()))
            fld.removed_tags = frozenset(self.untagged.get(name, ()))
            if "$hidden" in fld.added_tags:
                fld.hidden = True
            elif "$hidden" in fld.removed_tags:
                fld.hidden = False
        return model


def model_from_rows(tables: Mapping[str, Mapping[str, Sequence[object]]],
                    loose: Sequence[str] = ()) -> DataModel:
    """A data model from plain Python values (str, int, float, None), for tests and demos;
    ``loose``: tables to loosen (as LOOSEN TABLE).

    Numbers get their default text; strings are kept as text only (no interpretation);
    a ``Dual`` keeps its text and number.
    """
    builder = ModelBuilder()
    builder.loosened = list(loose)
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
                elif isinstance(v, Dual):
                    out[i] = sym.intern(v.text, v.num)
                else:
                    x = float(v)  # type: ignore[arg-type]
                    text = str(int(x)) if x.is_integer() else repr(x)
                    out[i] = sym.intern(text, x)
            columns[fname] = out
        builder.add(tname, fields, columns, nrows)
    return builder.build()
