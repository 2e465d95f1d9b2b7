"""What inference needs of a data model, worked out once per model.

* The association forest as directed edges: for each table and each key field linking it
  (``model.links``), which fields lie *behind* the table seen from the key (the fields of
  every table reached from the table without crossing that key). A message along the edge
  depends on the selections of those fields only, so it is shared by every selection state
  that agrees on them (``associa.select.shared``).
* Per column: how many rows hold each code, which symbols occur (the presence for "no
  selection"), and how many distinct codes there are (where a presence scan is saturated).
  The counts make the size of a lookup table's row set known before the scan, so the scan
  writes indices or a mask directly. They are kept (int32) only where a code has four
  rows or more on average (``COUNTS_MIN_ROWS``): a column of nearly distinct codes would
  need as many counts as rows.

* Postings of a column (its rows grouped by code: ``kernels.postings``), made the first
  time a selective lookup table is applied to all its rows, then kept with the model (4
  bytes a row): the rows of a few codes are then read from their posting lists, not by a
  scan of the column. Only columns that keep their code counts (codes repeat) and are
  long enough for a scan to cost more (``POSTINGS_MIN_ROWS``) get them. The key a table's
  rows are grouped by (``associa.model.clustering``) has its rows of each code in one
  run: its postings are the runs' offsets (and their codes when not in code order) only,
  at any length.

Identity columns (``Table.is_identity``: the code is the row number) are never read: every
code occurs once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from associa import kernels
from associa.kernels import postings as kpostings
from associa.kernels import presence as kpresence
from associa.model import DataModel
from associa.select.memo import Memo

COUNTS_MIN_ROWS = 4  # rows per code on average from which a column keeps its code counts
POSTINGS_MIN_ROWS = 1 << 16  # rows from which a selective lookup table reads postings

# (order, offsets, runs) of a column, as ``kernels.postings.rows`` reads them
Postings = tuple[np.ndarray | None, np.ndarray, np.ndarray | None]


@dataclass(frozen=True, slots=True)
class ColumnStats:
    nsym: int
    identity: bool
    counts: np.ndarray | None  # rows per code (nsym + 1, NULL last); None: not kept
    present: np.ndarray  # bool over symbols: occurs in the table
    distinct: int  # distinct codes in the column, NULL included (the saturation target)

    @property
    def nbytes(self) -> int:
        return (0 if self.counts is None else self.counts.nbytes) + self.present.nbytes


class Plan:
    """Edges, what lies behind them, and column statistics of one data model."""

    def __init__(self, model: DataModel) -> None:
        kernels.warm()
        self.links = {t: list(ks) for t, ks in model.links.items()}
        self.key_tables = {k: list(ts) for k, ts in model.key_tables.items()}
        # loosely coupled tables: linked through every key they hold, passing nothing
        # from one to another (each field as if in a table of its own; see _behind)
        self.loose = frozenset(model.loose_tables)
        for t in model.loose_tables:
            for f in model.tables[t].fields:
                if not model.fields[f].is_key or (t, f) in model.unlinked:
                    continue
                if f not in self.links[t]:
                    self.links[t].append(f)
                holders = self.key_tables.setdefault(f, [])
                if t not in holders:
                    holders.append(t)
        # a $Syn key's parts (keys over keys expanded), and the table listing its
        # combinations: a message along (table, key) from any other table leaves the
        # selections of the key's parts out (they act on the key's combinations in its
        # $Syn table, as a selection on a key field acts on the field, not the tables)
        self.parts = _syn_parts(model)
        self.syn_home = {model.tables[t].fields[0]: t for t in model.synthetic_tables}
        self.nrows = {t: tab.nrows for t, tab in model.tables.items()}
        self.fields_of = {t: list(tab.fields) for t, tab in model.tables.items()}
        self.field_tables = {f: list(fld.tables) for f, fld in model.fields.items()}
        self.nsym = {f: len(fld.symbols) for f, fld in model.fields.items()}
        # fields whose selection acts inside a table (not linked through the forest)
        self.local = {t: [f for f in fs if f not in self.links[t]] for t, fs in self.fields_of.items()}
        self.behind: dict[tuple[str, str], frozenset[str]] = {}
        self.dropped: dict[tuple[str, str], frozenset[str]] = {}
        for t, keys in self.links.items():
            for k in keys:
                drop = self.parts.get(k, frozenset()) if self.syn_home.get(k) != t else frozenset()
                self.behind[(t, k)] = self._behind(t, k) - drop
                if drop:
                    self.dropped[(t, k)] = drop
        # every field of the tables linked with each table (its part of the forest); a
        # loose table's rows depend on what reaches it through each of its keys
        self.component_fields = {t: self._behind(t, "") for t in self.links}
        for t in self.loose:
            deps = set(self.fields_of[t])
            for k in self.links[t]:
                for u in self.key_tables[k]:
                    if u != t:
                        deps |= self.behind[(u, k)]
            self.component_fields[t] = frozenset(deps)
        self.stats: dict[tuple[str, str], ColumnStats] = {}
        for t, tab in model.tables.items():
            for f in tab.fields:
                self.stats[(t, f)] = _column_stats(model, t, f)
        self.field_present = {
            f: _or([self.stats[(t, f)].present for t in ts], self.nsym[f])
            for f, ts in self.field_tables.items()
        }
        self._model = model
        self._postings: Memo[Postings] = Memo()

    def postings(self, table: str, field: str) -> Postings | None:
        """(order, offsets, runs) of the column (``kernels.postings``), made on first use;
        None where the column has none (too short, codes that hardly repeat, an identity).
        The key a table's rows are grouped by has no order (its rows are runs: ``offsets``
        over the runs, ``runs`` the code of each, None when in code order)."""
        st = self.stats[(table, field)]
        if st.counts is None:
            return None
        grouped = self._model.tables[table].grouped_by == field
        if not grouped and self.nrows[table] < POSTINGS_MIN_ROWS:
            return None
        return self._postings.get((table, field),
                                  lambda: self._make_postings(table, field, grouped))

    def _make_postings(self, table: str, field: str,
                       grouped: bool) -> Postings:
        tab = self._model.tables[table]
        col = tab.columns.stored(field)
        counts = self.stats[(table, field)].counts
        assert isinstance(col, np.ndarray) and counts is not None
        runs = None
        if grouped:
            runs = tab.group_order
            order, offsets = None, kpostings.offsets_of(counts if runs is None else counts[runs])
        else:
            order, offsets = kpostings.build(col, counts)
            order.flags.writeable = False
        offsets.flags.writeable = False
        return order, offsets, runs

    def _behind(self, table: str, key: str) -> frozenset[str]:
        """Fields of the tables reached from ``table`` without crossing ``key``; ``key``
        itself only where such a table holds it unlinked (its selection then acts there).
        ``key`` "" crosses every key: the fields of the table's whole part of the model.
        Nothing passes through a loosely coupled table: it is not entered, and seen from
        itself nothing lies behind it."""
        out: set[str] = set()
        if table in self.loose and key:
            return frozenset()
        seen_t, seen_k = {table}, {key}
        stack = [table]
        while stack:
            t = stack.pop()
            for f in self.fields_of[t]:
                if f != key or f not in self.links[t]:
                    out.add(f)
            for k in self.links[t]:
                if k in seen_k:
                    continue
                seen_k.add(k)
                for u in self.key_tables[k]:
                    if u not in seen_t and u not in self.loose:
                        seen_t.add(u)
                        stack.append(u)
        return frozenset(out)

    def behind_selection(self, table: str, key: str, selected: frozenset[str] | set[str]) -> bool:
        return not self.behind[(table, key)].isdisjoint(selected)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.stats.values()) + sum(
            p.nbytes for p in self.field_present.values()) + sum(
            (0 if order is None else order.nbytes) + offsets.nbytes
            for order, offsets, _ in self._postings.values())


def _syn_parts(model: DataModel) -> dict[str, frozenset[str]]:
    """Each $Syn key's parts, the parts of a part that is a $Syn key included."""
    direct = {model.tables[t].fields[0]: model.tables[t].fields[1:] for t in model.synthetic_tables}
    out: dict[str, frozenset[str]] = {}

    def expand(key: str) -> frozenset[str]:
        if key not in out:
            acc: set[str] = set()
            for p in direct[key]:
                acc.add(p)
                if p in direct:
                    acc |= expand(p)
            out[key] = frozenset(acc)
        return out[key]

    for key in direct:
        expand(key)
    return out


def _column_stats(model: DataModel, tname: str, fname: str) -> ColumnStats:
    table = model.tables[tname]
    nsym = len(model.fields[fname].symbols)
    if table.is_identity(fname):
        present = np.ones(nsym, dtype=bool)
        present.flags.writeable = False
        return ColumnStats(nsym, True, None, present, nsym)
    col = table.columns.stored(fname)
    assert isinstance(col, np.ndarray)
    if len(col) < COUNTS_MIN_ROWS * (nsym + 1):
        with_null = kpresence.of_all(col, nsym + 1)  # code nsym (NULL) as a symbol
        present = with_null[:nsym].copy()
        present.flags.writeable = False
        return ColumnStats(nsym, False, None, present, int(np.count_nonzero(with_null)))
    counts = kpresence.counts(col, nsym)
    present = counts[:nsym] > 0
    present.flags.writeable = False
    small = counts.astype(np.int32) if len(col) < (1 << 31) else counts
    small.flags.writeable = False
    return ColumnStats(nsym, False, small, present, int(np.count_nonzero(counts)))


def _or(parts: list[np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for p in parts:
        out |= p
    out.flags.writeable = False
    return out
