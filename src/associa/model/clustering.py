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


def cluster(table: Table, key: str, nsym: int) -> None:
    """Store the table's rows grouped by ``key`` (built form: codes ``0..nsym``, NULL
    ``nsym`` last), in load order within each code; nothing when already so."""
    col = table.columns.stored(key)
    assert isinstance(col, np.ndarray)
    if _ascending(col):
        table.grouped_by = key  # already in code order: load order kept
        return
    keys = col.view(np.int32) if col.dtype == np.uint32 and nsym < 1 << 31 else col.astype(np.intp)
    counts = kgroup.count_keys(keys, nsym + 1)
    del keys
    order, _ = kpostings.build(col, counts)  # int32 below 2**31 rows (the kernels' rows)
    for name in table.fields:
        stored = table.columns.stored(name)
        if name == key:  # each code's rows in a run: written, not gathered
            table.columns[name] = np.repeat(np.arange(nsym + 1, dtype=col.dtype), counts)
        elif not isinstance(stored, Identity):
            table.columns[name] = kgroup.gather(Codes(stored, order, None, table.nrows))
    del counts
    dtype = code_dtype(table.nrows)
    origin = (order.view(dtype) if dtype.itemsize == order.dtype.itemsize
              else order.astype(dtype))
    for name in table.fields:
        stored = table.columns.stored(name)
        if isinstance(stored, Identity):
            assert stored.dtype == dtype  # an identity's field has a symbol per row
            table.columns[name] = origin
    origin.flags.writeable = False
    table.origin = origin
    table.grouped_by = key


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
            cluster(table, key, len(fields[key].symbols))


__all__ = ["MIN_ROWS", "cluster", "cluster_key", "cluster_tables"]
