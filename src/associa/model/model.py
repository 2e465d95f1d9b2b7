"""The associative data model: tables linked by shared field names. Immutable once built."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from associa.model.clustering import cluster_tables
from associa.model.symbols import NULL, SymbolTable
from associa.model.synthetic import shared_parts
from associa.model.system import SYSTEM_FIELDS, system_tables, system_tags
from associa.model.table import Table, code_dtype, encode_column

_versions = itertools.count(1)


@dataclass(slots=True)
class Field:
    """A field: its symbol table and the tables it occurs in (in table order)."""

    name: str
    symbols: SymbolTable
    tables: list[str] = field(default_factory=list)
    hidden: bool = False
    syn: bool = False  # a synthetic key ($Syn n)
    system: bool = False  # a system field ($Table, …: associa.model.system)
    keypart: bool = False  # part of one or more synthetic keys
    date_kind: str = ""  # "date" / "timestamp" when every value reads as one (tags)
    date_format: str = ""  # the format code such a field is shown with (its first text's)
    added_tags: tuple[str, ...] = ()  # TAG FIELD … WITH, in order
    removed_tags: frozenset[str] = frozenset()  # UNTAG FIELD … WITH

    @property
    def is_key(self) -> bool:
        return len(self.tables) > 1

    @property
    def cardinal(self) -> int:
        return len(self.symbols)

    @property
    def null_code(self) -> int:
        """The code of NULL in the field's columns (one past the last symbol)."""
        return len(self.symbols)

    @property
    def code_dtype(self) -> np.dtype:
        """The dtype of the field's columns."""
        return code_dtype(len(self.symbols))

    def tags(self) -> list[str]:
        """System tags, then the script's own (Qlik help, "Field tags": ``$system``,
        ``$key``, ``$keypart``, ``$syn`` are the engine's; ``$hidden``, ``$numeric``,
        ``$integer``, ``$text``, ``$ascii``, ``$date``, ``$timestamp`` can be changed by
        TAG / UNTAG; a date is a timestamp too, so a date field has both)."""
        if self.system:
            sym = self.symbols
            numeric = sym.all_numeric()
            return system_tags(self.name, [int(sym.num(i)) if numeric else sym.text(i)
                                           for i in range(len(sym))])
        tags = ["$key"] if self.is_key else []
        if self.keypart:
            tags.append("$keypart")
        if self.syn:
            tags.append("$syn")
        if self.hidden:
            tags.append("$hidden")
        sym = self.symbols
        if sym.all_numeric():
            tags.append("$numeric")
            if sym.all_integer():
                tags.append("$integer")
        elif not sym.any_numeric():
            if sym.all_ascii():
                tags.append("$ascii")
            tags.append("$text")
        elif sym.all_ascii():
            tags.append("$ascii")
        if self.date_kind:
            tags.append("$timestamp")
            if self.date_kind == "date":
                tags.append("$date")
        if self.removed_tags:
            tags = [t for t in tags if t not in self.removed_tags]
        tags.extend(t for t in self.added_tags if t not in tags)
        return tags


class DataModel:
    """Tables and fields after a reload.

    Tables are associated through fields of the same name (key fields). Propagation runs
    over a spanning forest of the bipartite table/key-field graph: a link that would close
    a loop is not followed (``loose_links``), as Qlik loosens a table to break loops.

    Building one freezes the symbol tables and puts every column in the built form
    (narrow unsigned codes, NULL as the field's ``null_code``, identity columns not
    stored; see ``associa.model.table``), whatever form the tables came in, and stores the
    rows of long tables grouped by a key (``associa.model.clustering``).
    """

    def __init__(self, tables: Iterable[Table] = (), symbols: dict[str, SymbolTable] | None = None,
                 *, loose: Iterable[str] = (), synthetic: Iterable[str] = ()):
        self.version = next(_versions)
        self.tables: dict[str, Table] = {t.name: t for t in tables}
        # loosely coupled tables (circular references broken, or LOOSEN TABLE), and the
        # $Syn tables (see associa.model.loops and associa.model.synthetic)
        self.loose_tables: list[str] = [t for t in loose if t in self.tables]
        # of those, the ones loosened through the API (SetLooselyCoupledVector: state 1,
        # which the API may change back; the script's are state 2)
        self.api_loose: frozenset[str] = frozenset()
        self.synthetic_tables: list[str] = [t for t in synthetic if t in self.tables]
        self.table_tags: dict[str, list[str]] = {}  # TAG TABLE … WITH …
        symbols = symbols or {}
        self.fields: dict[str, Field] = {}
        for table in self.tables.values():
            for name in table.fields:
                fld = self.fields.get(name)
                if fld is None:
                    sym = symbols.get(name) or SymbolTable()
                    sym.freeze()
                    fld = self.fields[name] = Field(name, sym)
                fld.tables.append(table.name)
                if not table.is_identity(name):
                    table.columns[name] = encode_column(table.columns[name], len(fld.symbols))
        # the system tables ($Table, $Field, …), after the data (associa.model.system)
        self.system_tables: list[str] = []
        if self.tables and not any(f in self.fields for f in SYSTEM_FIELDS):
            extra, syms = system_tables(list(self.tables.values()), list(self.fields))
            for table in extra:
                self.tables[table.name] = table
                self.system_tables.append(table.name)
                for name in table.fields:
                    fld = self.fields.get(name)
                    if fld is None:
                        syms[name].freeze()
                        fld = self.fields[name] = Field(name, syms[name], hidden=True, system=True)
                    fld.tables.append(table.name)
                    table.columns[name] = encode_column(table.columns[name], len(fld.symbols))
        for tname in self.synthetic_tables:
            key, *parts = self.tables[tname].fields
            self.fields[key].syn = self.fields[key].hidden = True
            for part in parts:
                self.fields[part].keypart = True
        # long tables stored grouped by a key (the rows a selection reaches are runs)
        cluster_tables(self.tables, self.fields, set(self.synthetic_tables))
        # key parts common to overlapping $Syn tables: linked in the first only
        self.unlinked: set[tuple[str, str]] = shared_parts(self.tables.values(),
                                                           self.synthetic_tables)
        self._build_forest()

    def with_loose(self, api_loose: Iterable[str]) -> DataModel:
        """The same data with ``api_loose`` loosely coupled through the API besides the
        tables the script loosened (a new version: a model is immutable once built)."""
        script = [t for t in self.loose_tables if t not in self.api_loose]
        extra = set(api_loose) - set(script)
        out = object.__new__(DataModel)
        # the data, not what was worked out from them (caches kept in __dict__ by
        # cached properties and by the layers above: inference plans, chart caches)
        for name in ("tables", "synthetic_tables", "system_tables", "table_tags", "fields",
                     "unlinked"):
            setattr(out, name, getattr(self, name))
        out.version = next(_versions)
        out.loose_tables = script + [t for t in self.tables if t in extra]
        out.api_loose = frozenset(t for t in out.loose_tables if t in extra)
        out._build_forest()
        return out

    # -- structure ------------------------------------------------------------------

    def _build_forest(self) -> None:
        """Links (table, key field) used for propagation, chosen breadth first.

        A loosely coupled table is left out of the walk, then hung as a leaf on the first
        of its keys that the forest reached (its other keys are loose links): the tree
        charts join along. Inference links it through every key and passes nothing
        through it (``associa.select.plan``). A key part common to overlapping $Syn
        tables links the first of them only (``unlinked``)."""
        self.links: dict[str, list[str]] = {t: [] for t in self.tables}  # table -> key fields
        self.key_tables: dict[str, list[str]] = {}  # key field -> tables
        self.loose_links: list[tuple[str, str]] = []
        self.components: list[list[str]] = []
        self._loose = set(self.loose_tables)
        seen_tables: set[str] = set(self.loose_tables)
        seen_fields: set[str] = set()
        self._walk(seen_tables, seen_fields)
        for name in self.loose_tables:
            keys = [f for f in self.tables[name].fields if self.fields[f].is_key]
            self.loose_links.extend((name, f) for f in keys if (name, f) in self.unlinked)
            keys = [f for f in keys if (name, f) not in self.unlinked]
            anchor = next((f for f in keys if f in seen_fields), None)
            if anchor is None:
                self.components.append([name])
                if keys:
                    anchor = keys[0]
                    seen_fields.add(anchor)
                    self.key_tables[anchor] = []
            else:
                self.components[self._component_index(anchor)].append(name)
            for f in keys:
                if f == anchor:
                    self.key_tables[f].append(name)
                    self.links[name].append(f)
                else:
                    self.loose_links.append((name, f))

    def _component_index(self, key: str) -> int:
        first = self.key_tables[key][0]
        return next(i for i, comp in enumerate(self.components) if first in comp)

    def _walk(self, seen_tables: set[str], seen_fields: set[str]) -> None:
        for start in self.tables:
            if start in seen_tables:
                continue
            component = [start]
            seen_tables.add(start)
            queue = [("t", start)]
            while queue:
                kind, name = queue.pop(0)
                if kind == "t":
                    for fname in self.tables[name].fields:
                        if not self.fields[fname].is_key:
                            continue
                        if (name, fname) in self.unlinked:
                            self.loose_links.append((name, fname))
                            continue
                        if fname in seen_fields:
                            if name not in self.key_tables.get(fname, []):
                                self.loose_links.append((name, fname))
                            continue
                        seen_fields.add(fname)
                        self.links[name].append(fname)
                        self.key_tables[fname] = [name]
                        queue.append(("f", fname))
                else:
                    for tname in self.fields[name].tables:
                        if (tname in self.key_tables[name] or tname in self._loose
                                or (tname, name) in self.unlinked):
                            continue
                        if tname in seen_tables:
                            self.loose_links.append((tname, name))
                            continue
                        seen_tables.add(tname)
                        component.append(tname)
                        self.key_tables[name].append(tname)
                        self.links[tname].append(name)
                        queue.append(("t", tname))
            self.components.append(component)

    @property
    def data_tables(self) -> list[str]:
        """The tables the script made (the system tables left out), in load order."""
        if not self.system_tables:
            return list(self.tables)
        return [t for t in self.tables if t not in self.system_tables]

    @property
    def data_fields(self) -> list[str]:
        """The fields of the data tables (the system fields left out), in load order."""
        return [name for name, fld in self.fields.items() if not fld.system]

    @property
    def key_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.is_key]

    def table_of(self, field_name: str) -> str:
        return self.fields[field_name].tables[0]

    def component_of(self, table: str) -> int:
        for i, comp in enumerate(self.components):
            if table in comp:
                return i
        raise KeyError(table)

    @cached_property
    def full_presence(self) -> dict[tuple[str, str], np.ndarray]:
        """For each (table, field), which symbols occur in the table (no selection)."""
        out: dict[tuple[str, str], np.ndarray] = {}
        for table in self.tables.values():
            for name in table.fields:
                nsym = len(self.fields[name].symbols)
                if table.is_identity(name):
                    out[(table.name, name)] = np.ones(nsym, dtype=bool)
                else:
                    out[(table.name, name)] = presence(table.columns[name], None, nsym)
        return out

    def null_code(self, field_name: str) -> int:
        """The code of NULL in the columns of the field."""
        return self.fields[field_name].null_code

    def field_presence(self, name: str) -> np.ndarray:
        fld = self.fields[name]
        acc = np.zeros(len(fld.symbols), dtype=bool)
        for t in fld.tables:
            acc |= self.full_presence[(t, name)]
        return acc

    def is_empty(self) -> bool:
        return not self.data_tables


def presence(column: np.ndarray, rows: np.ndarray | None, nsymbols: int) -> np.ndarray:
    """Which symbols occur in ``column`` over ``rows`` (a bool mask, or None for all)."""
    out = np.zeros(nsymbols + 1, dtype=bool)
    out[column if rows is None else column[rows]] = True
    return out[:-1]


def compact(tables: Iterable[Table], symbols: dict[str, SymbolTable]) -> dict[str, SymbolTable]:
    """Drop symbols no table refers to any longer (after DROP TABLE), remapping columns
    (builder form: int32, ``-1`` for NULL)."""
    tables = list(tables)
    out: dict[str, SymbolTable] = {}
    by_field: dict[str, list[Table]] = {}
    for t in tables:
        for f in t.fields:
            by_field.setdefault(f, []).append(t)
    for name, holders in by_field.items():
        sym = symbols.get(name) or SymbolTable()
        used = np.zeros(len(sym) + 1, dtype=bool)
        for t in holders:
            used[t.columns[name]] = True
        used = used[:-1]
        if used.all():
            out[name] = sym
            continue
        new, remap = sym.subset(used)
        for t in holders:
            t.columns[name] = remap[t.columns[name]]
        out[name] = new
    return out


__all__ = ["NULL", "DataModel", "Field", "compact", "presence"]
