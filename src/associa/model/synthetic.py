"""Synthetic keys: tables that share two or more fields are linked through a ``$Syn n``
table holding the combinations, as the engine does at the end of a reload.

Evidence (the reference notes are not shipped with associa):

* Qlik help, "Synthetic keys": when two or more tables have two or more fields in common
  the engine creates a synthetic key, an anonymous field representing all occurring
  combinations of the composite key; "synthetic keys based on other synthetic keys" can
  happen. QlikView's picture of it: "connected by the $Syn 1 field, which leads to the
  $Syn 1 Table, which contains only $Syn 1 and Start and End" — so the table is named
  ``$Syn n Table``, holds ``$Syn n`` first and then the shared fields, and the data
  tables keep ``$Syn n`` in place of the shared fields.
* HIC, "Synthetic Keys" (Qlik Design Blog, 2013): the ``$Syn`` table is "a symbol table
  for composite keys"; in the data tables the keys are replaced by an identifier of the
  combination, and synthetic keys "treat NULLs correctly, as opposed to an explicit
  concatenated key": a combination with a NULL part links no row to another table (as
  in a natural join, NULL equals nothing), so each such row gets a combination of its
  own; a row whose parts are all NULL has a NULL ``$Syn`` value.
* The reload log names each key with its fields: ``$Syn 1 = Start+End`` (QlikView
  document logs quoted in public issue threads).
* Field tags (Qlik help, "Field tags"): ``$syn`` marks a synthetic key, ``$keypart`` a
  field that is part of one or more synthetic keys. TableRecord.qIsSynthetic: "set to
  true if the table contains a synthetic key" — set on the ``$Syn`` tables.

The ``$Syn`` values are the numbers 1, 2, … in order of first appearance (the tables in
load order, rows in order), which keeps them anonymous and cheap (an arithmetic symbol
table). Which field set goes first: the largest set shared by two tables, ties broken by
load order; tables holding the whole set take the key, and the loop runs until no two
tables share two fields (a ``$Syn`` table can take part, giving keys over keys).

Overlapping sets. The help's rule is per pair of tables ("two or more fields in
common": a composite key of the combinations the pair shares). A table can share one set
with a table and an overlapping one with another: the bridge of ``INTERVALMATCH (Time,
Machine)`` (Time, From, To, Machine) shares Machine+From+To with the intervals and
Machine+Time with the events (the "slowly changing dimension" bridge of Qlik's
IntervalMatch help). Making the larger key first would take Machine out of the bridge
and leave the events joined on Time alone (an m2 event would meet m1's intervals). So
the sets overlapping one another (neither holding the other) get their keys in the same
round, each from the columns as they were before the round: ``$Syn 1 = Machine+From+To``,
``$Syn 2 = Machine+Time``, the bridge holding both. Machine is then a part of both
``$Syn`` tables; both list combinations of the bridge's own rows where they meet, so it
links through the first only (``shared_parts``; no circular reference is reported), and
inference lets a selection on a key's parts act on the key's combinations
(``associa.select.plan``). No engine document shows this case's internal tables; what
the tests hold is that the associations are those of the full outer join of the tables
as loaded through the bridge (DuckDB, ``tests/model/test_synthetic.py``).

Everything works on the builder's form (int32 codes, ``-1`` for NULL), whole columns at
a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.model.symbols import SymbolTable
from associa.model.table import Columns, Table

if TYPE_CHECKING:
    from associa.model.model import DataModel

__all__ = ["SYN_PREFIX", "Synthesis", "make_synthetic_keys", "shared_parts", "source_columns"]

SYN_PREFIX = "$Syn "
NULL = -1


@dataclass(slots=True)
class Synthesis:
    """What ``make_synthetic_keys`` made: the key fields (``$Syn n`` → its parts), the
    ``$Syn`` tables, and the log lines (``$Syn 1 = A+B``)."""

    keys: dict[str, list[str]] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def parts(self) -> set[str]:
        return {p for parts in self.keys.values() for p in parts}


def _pairwise_shared(tables: list[Table]) -> list[tuple[str, ...]]:
    """The field sets two tables share (two fields or more), largest first, then in load
    order (of the first pair sharing it)."""
    out: list[tuple[str, ...]] = []
    for i, a in enumerate(tables):
        if len(a.fields) < 2:
            continue
        for b in tables[i + 1:]:
            fb = set(b.fields)
            shared = tuple(f for f in a.fields if f in fb)
            if len(shared) >= 2 and not any(set(shared) == set(s) for s in out):
                out.append(shared)
    return sorted(out, key=len, reverse=True)  # stable: load order within a size


def _round(tables: list[Table]) -> list[tuple[str, ...]]:
    """The field sets that get their keys together in one round: the largest shared set,
    and every shared set overlapping one of the round's without holding it or being held
    by it (their common fields must still be there when each key is made)."""
    candidates = _pairwise_shared(tables)
    if not candidates:
        return []
    chosen = [candidates[0]]
    grown = True
    while grown:
        grown = False
        for cand in candidates:
            if cand in chosen:
                continue
            c = set(cand)
            if any(c & set(s) and not c <= set(s) and not set(s) <= c for s in chosen):
                chosen.append(cand)
                grown = True
    return chosen


def _dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0.. of int64 values in order of first appearance (Arrow's hash encoding)."""
    enc = pc.dictionary_encode(pa.array(values))
    return np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64), len(enc.dictionary)


def _combination_ids(parts: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """For rows given as columns of codes (``-1`` NULL): an id per row (-1 when every part
    is NULL), equal ids for equal combinations without NULL, a new id for each row with a
    NULL part; ids count from 0 in order of first appearance. Also the first row of each
    id. One hash pass over the rows (no sort)."""
    n = len(parts[0])
    nulls = np.zeros(n, dtype=np.int64)
    for col in parts:
        nulls += col < 0
    none = nulls == len(parts)
    partial = (nulls > 0) & ~none
    # one integer per combination (mixed radix, made dense again before it could overflow)
    key = np.zeros(n, dtype=np.int64)
    top = 1
    for col, size in zip(parts, sizes, strict=True):
        base = max(size, 1) + 1
        if top * base >= (1 << 62):
            key, top = _dense(key)
            top = max(top, 1)
        key = key * base + (col.astype(np.int64) + 1)
        top *= base
    # rows with a NULL part: a key of their own (negative, distinct per row)
    if partial.any():
        key = np.where(partial, -2 - np.arange(n, dtype=np.int64), key)
    ids = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(~none) if none.any() else None
    sub = key if rows is None else key[rows]
    if not len(sub):
        return ids, np.zeros(0, dtype=np.int64)
    dense, _ = _dense(sub)
    # ids appear in increasing order: a row is an id's first when it exceeds all before it
    before = np.maximum.accumulate(dense)
    first = np.empty(len(dense), dtype=bool)
    first[0] = True
    first[1:] = dense[1:] > before[:-1]
    firsts = np.flatnonzero(first)
    if rows is None:
        return dense, firsts
    ids[rows] = dense
    return ids, rows[firsts]


def make_synthetic_keys(tables: list[Table], symbols: dict[str, SymbolTable]) -> Synthesis:
    """Replace every set of two or more fields shared by tables with a ``$Syn`` key, in
    place: ``tables`` gets the ``$Syn n Table`` tables appended, ``symbols`` the ``$Syn n``
    symbol tables. Builder form throughout."""
    out = Synthesis()
    while True:
        sets = _round(tables)
        if not sets:
            return out
        # every key of the round is made from the columns as they are before the round
        # drops any field, so that overlapping keys both see their common fields
        made: list[tuple[str, str, tuple[str, ...], list[Table], np.ndarray]] = []
        new_tables: list[Table] = []
        for shared in sets:
            n = len(out.keys) + 1
            key, tname = f"{SYN_PREFIX}{n}", f"{SYN_PREFIX}{n} Table"
            holders = [t for t in tables if all(f in t.columns for f in shared)]
            sizes = [len(symbols[f]) if f in symbols else 0 for f in shared]
            cols = [np.concatenate([np.asarray(t.columns[f], dtype=np.int32) for t in holders])
                    for f in shared]
            ids, firsts = _combination_ids(cols, sizes)
            count = len(firsts)
            sym = symbols[key] = SymbolTable()
            if count:
                sym.intern_range(1.0, 1.0, count)
            made.append((key, tname, shared, holders, ids))
            syn_cols = {key: np.arange(count, dtype=np.int32)}
            for f, col in zip(shared, cols, strict=True):
                syn_cols[f] = col[firsts]
            new_tables.append(Table(tname, [key, *shared], Columns(syn_cols), count))
            out.keys[key] = list(shared)
            out.tables.append(tname)
            out.log.append(f"{key} = {'+'.join(shared)}")
        for key, _, shared, holders, ids in made:
            start = 0
            for t in holders:
                part = ids[start:start + t.nrows].astype(np.int32)
                start += t.nrows
                present = [f for f in shared if f in t.columns]
                at = min((t.fields.index(f) for f in present), default=len(t.fields))
                for f in present:
                    t.drop_field(f)
                t.fields.insert(at, key)
                t.columns[key] = part
        tables.extend(new_tables)


def shared_parts(tables: Iterable[Table], synthetic: Iterable[str]) -> set[tuple[str, str]]:
    """(``$Syn`` table, field) for a key part held by several ``$Syn`` tables, but the
    first of them: overlapping keys made together (a table with ``$Syn 1`` over
    Machine+From+To and ``$Syn 2`` over Time+Machine) both hold the common part. Each
    ``$Syn`` table lists combinations found in the tables that hold the key, which agree
    on the common part row by row, so that part links nothing the keys do not link
    already: it stays unlinked in the later ``$Syn`` tables (no loop is reported, no table
    loosened), a selection on it acting there as on any field of the table."""
    syn = set(synthetic)
    first: dict[str, str] = {}
    out: set[tuple[str, str]] = set()
    for t in tables:
        if t.name not in syn:
            continue
        for f in t.fields[1:]:
            if f in first:
                out.add((t.name, f))
            else:
                first[f] = t.name
    return out


def source_columns(model: DataModel, table_name: str) -> dict[str, np.ndarray]:
    """A data table's columns (built form) with each ``$Syn`` key replaced by its parts'
    codes (keys over keys resolved), NULL as each field's null code: the table as the
    script loaded it (GetTablesAndKeys' source mode; a partial reload that starts again
    from a built model)."""
    table = model.tables[table_name]
    syn_tables = {model.tables[t].fields[0]: model.tables[t] for t in model.synthetic_tables}
    out: dict[str, np.ndarray] = {}

    def expand(name: str, codes: np.ndarray) -> None:
        syn = syn_tables.get(name)
        if syn is None:
            out[name] = codes
            return
        null = codes == model.fields[name].null_code
        rows = np.where(null, 0, codes).astype(np.int64)
        for part in syn.fields[1:]:
            col = syn.columns[part]
            got = col[rows] if len(col) else np.zeros(len(rows), dtype=col.dtype)
            got = np.where(null, model.fields[part].null_code, got)
            expand(part, got)

    for name in table.fields:
        expand(name, np.asarray(table.columns[name]))
    return out
