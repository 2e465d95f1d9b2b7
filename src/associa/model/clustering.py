"""Clustering: a table's rows stored grouped by one of its keys.

A selection in a dimension table (three countries) reaches a fact table as the values of a
key it allows (the customers of those countries). In load order the fact rows holding them
are scattered over the whole table, so every pass over them (the possible rows, the
presence of the other fields, a chart's gathers) reads a cache line of each column for
nearly every row. With the rows stored grouped by that key the same rows are a few
contiguous runs: the passes read them sequentially, and the key's rows of a code are a
range (no posting list is needed for it).

A table is stored grouped by its *cluster key* (``cluster_key``): the key field with the
most values among those it repeats (the "many" side of a link: fewer values than rows), so
the most scattered link becomes the most contiguous. A table is left as loaded when it
has no such key, when a key of it is an identity column (its row number is the key's code:
other tables look rows up by it, as in a ``$Syn`` table or a dimension keyed by its row),
or when its rows already come grouped.

The key's values are laid out in the order of the table they look up (``key_order``):
where a dimension table holds one row per key value (the customers of a fact), the values
are sorted by that table's fields with the fewest values first (Segment, then Country),
then by code. A selection on such a field (three countries, two segments) then reaches
the fact as a few long runs rather than a run per customer. Without such a table the
values are in code order. ``Table.group_order`` keeps the order (None: code order).

The regrouping is a stable counting sort (``kernels.postings.build``: load order within
each key value), made once when a ``DataModel`` is built. Answers of the associative model
do not depend on row order; where the load order shows (the snapshot written to disk, the
tables a partial reload starts from), the columns are read back in it through
``Table.loaded``. The table keeps ``origin``, the load-order row of each stored row; an
identity column (an order number) becomes that same array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from associa.kernels import group as kgroup
from associa.kernels import postings as kpostings
from associa.kernels.codes import Codes
from associa.model.table import Identity, Table, code_dtype

if TYPE_CHECKING:
    from associa.model.model import Field

# rows from which a table is regrouped (a shorter table's rows stay in the cache anyway)
MIN_ROWS = 1 << 12
ORDER_FIELDS = 3  # fields of a dimension table that order its key's values, at most
ORDER_VALUES = 1 << 22  # key values up to which they are ordered (a sort of them each)


def cluster_key(table: Table, fields: Mapping[str, Field], synthetic: bool = False) -> str | None:
    """The key field the table's rows are grouped by, or None to leave them as loaded."""
    if table.nrows < MIN_ROWS or synthetic or table.grouped_by is not None:
        return None
    best, most = None, 0
    for name in table.fields:
        fld = fields[name]
        if not fld.is_key:
            continue
        if table.is_identity(name):
            return None  # rows looked up by their number through this key
        nsym = len(fld.symbols)
        if nsym < table.nrows and nsym > most:
            best, most = name, nsym
    return best


def key_order(tables: Mapping[str, Table], fields: Mapping[str, Field], table: Table,
              key: str) -> np.ndarray | None:
    """The key's codes (``0..nsym``, NULL last) in the order the table's rows are to be
    stored, or None for code order: sorted by the fields of another table holding one
    row per key value (a dimension), those with the fewest values first (at most
    ``ORDER_FIELDS`` of them, each with fewer values than half the dimension's rows), then
    by code; codes the dimension lacks come last. Code order past ``ORDER_VALUES`` values."""
    nsym = len(fields[key].symbols)
    if nsym > ORDER_VALUES:
        return None
    for dim in tables.values():
        if dim is table or key not in dim.columns or not dim.nrows:
            continue
        attrs = sorted((len(fields[f].symbols), f) for f in dim.fields
                       if f != key and 1 < len(fields[f].symbols) <= dim.nrows // 2)
        if not attrs:
            continue
        row = np.full(nsym + 1, -1, dtype=np.intp)  # the dimension's row of each code
        if dim.is_identity(key):
            row[: dim.nrows] = np.arange(dim.nrows)
        else:
            col = dim.columns.stored(key)
            assert isinstance(col, np.ndarray)
            if np.bincount(col, minlength=nsym + 1)[:nsym].max(initial=0) > 1:
                continue  # several rows per value: not a dimension of the key
            row[col] = np.arange(dim.nrows)
        row[nsym] = -1  # NULL last
        found = row >= 0
        sort_keys: list[np.ndarray] = [np.arange(nsym + 1)]
        for count, name in attrs[:ORDER_FIELDS][::-1]:
            codes = np.full(nsym + 1, count + 1, dtype=np.int64)  # missing: after NULL
            codes[found] = dim.in_stored_rows(name, row[found])
            sort_keys.append(codes)
        sort_keys.append(~found)
        return np.lexsort(sort_keys)
    return None


def cluster(table: Table, key: str, nsym: int, order: np.ndarray | None = None) -> None:
    """Store the table's rows grouped by ``key`` (built form: codes ``0..nsym``, NULL
    ``nsym`` last), the codes in ``order`` (``key_order``; None: code order), in load
    order within each code; nothing when already so."""
    col = table.columns.stored(key)
    assert isinstance(col, np.ndarray)
    if order is None:
        ranked = col
    else:  # each row's place in the order of the codes
        rank = np.empty(nsym + 1, dtype=code_dtype(nsym))
        rank[order] = np.arange(nsym + 1, dtype=rank.dtype)
        ranked = kgroup.gather(Codes(col, None, rank, table.nrows))
    if _ascending(ranked):
        table.grouped_by = key  # already in that order: load order kept
        table.group_order = order
        return
    keys = (ranked.view(np.int32) if ranked.dtype == np.uint32 and nsym < 1 << 31
            else ranked.astype(np.intp))
    counts = kgroup.count_keys(keys, nsym + 1)  # rows per place in the order
    del keys
    rows, _ = kpostings.build(ranked, counts)  # int32 below 2**31 rows (the kernels' rows)
    del ranked
    codes = np.arange(nsym + 1, dtype=col.dtype) if order is None else order.astype(col.dtype)
    for name in table.fields:
        stored = table.columns.stored(name)
        if name == key:  # each code's rows in a run: written, not gathered
            table.columns[name] = np.repeat(codes, counts)
        elif not isinstance(stored, Identity):
            table.columns[name] = kgroup.gather(Codes(stored, rows, None, table.nrows))
    del counts
    dtype = code_dtype(table.nrows)
    origin = (rows.view(dtype) if dtype.itemsize == rows.dtype.itemsize
              else rows.astype(dtype))
    for name in table.fields:
        stored = table.columns.stored(name)
        if isinstance(stored, Identity):
            assert stored.dtype == dtype  # an identity's field has a symbol per row
            table.columns[name] = origin
    origin.flags.writeable = False
    table.origin = origin
    table.grouped_by = key
    table.group_order = order


def _ascending(col: np.ndarray) -> bool:
    step = 1 << 20
    for lo in range(0, len(col) - 1, step):
        part = col[lo : min(lo + step + 1, len(col))]
        if not bool(np.all(part[:-1] <= part[1:])):
            return False
    return True


def cluster_tables(tables: Mapping[str, Table], fields: Mapping[str, Field],
                   synthetic: frozenset[str] | set[str]) -> None:
    """Group the rows of every table that has a cluster key (see the module docstring)."""
    for table in tables.values():
        key = cluster_key(table, fields, table.name in synthetic)
        if key is not None:
            cluster(table, key, len(fields[key].symbols), key_order(tables, fields, table, key))


__all__ = ["MIN_ROWS", "cluster", "cluster_key", "cluster_tables", "key_order"]
